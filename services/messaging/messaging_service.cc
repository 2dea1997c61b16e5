#include "services/messaging/messaging_service.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/crypto/hash.h"
#include "services/messaging/internal/messaging_internal.h"
#include "services/policy/authorize.h"
#include "services/records/erasure.h"
#include "throughcare/status_macros.h"
#include "throughcare/audit_actions.h"

namespace throughcare::messaging {
namespace {

using messaging_internal::AboutMessage;
using messaging_internal::DecideRecords;
using messaging_internal::Verdict;
using messaging_internal::WriteThenReply;


// What a send carries, as a hash: a replay with the same idempotency key must match it exactly.
// Recipients are a set; everything else in order.
std::string ContentHash(absl::string_view purpose, const SendParams& p) {
  std::vector<std::string> recipients = p.recipients;
  std::sort(recipients.begin(), recipients.end());
  std::string text = "throughcare.send.v1";
  auto field = [&text](absl::string_view v) { absl::StrAppend(&text, "|", v.size(), ":", v); };
  field(purpose);
  field(p.subject_id);
  field(p.correlation_id);
  absl::StrAppend(&text, "|", absl::ToInt64Microseconds(p.time_to_live), "|", recipients.size());
  for (const std::string& r : recipients) field(r);
  absl::StrAppend(&text, "|", p.records.size());
  for (const RecordRef& r : p.records) {
    field(r.record_id);
    absl::StrAppend(&text, "@", r.version);
  }
  if (p.inline_record.has_value()) {
    const records::PutRecordParams& r = *p.inline_record;
    field(r.record_type);
    field(r.data_class);
    absl::StrAppend(&text, "|", r.labels.size());
    for (const std::string& l : r.labels) field(l);
    field(r.body);
  }
  return crypto::Sha256Hex(text);
}

// A refusal about one record of a send, prefixed with the record's field; NOT_FOUND messages
// already name it.
absl::Status Field(absl::string_view field, absl::Status status) {
  if (status.ok() || absl::IsNotFound(status)) return status;
  return absl::Status(status.code(), absl::StrCat(field, ": ", status.message()));
}





}  // namespace

namespace messaging_internal {

// The audit entry of an event about a message names its person, its first record and its
// purpose.
void AboutMessage(const Message& m, AuditEntry& e) {
  e.subject_id = m.subject_id;
  if (!m.records.empty()) {
    e.record_id = m.records[0].record_id;
    e.record_version = m.records[0].version;
  }
  e.purpose = m.purpose;
}

std::string NoSuchMessage(absl::string_view message_id) {
  return absl::StrCat("message_id: no message ", message_id);
}

Verdict DecideRecords(const policy::Policy& policy, const CallContext& who,
                      absl::string_view action, const std::vector<StoredRecord>& records,
                      const policy::PersonContext& person, absl::Time now) {
  Verdict v;
  for (const StoredRecord& r : records) {
    policy::Target target;
    target.action = std::string(action);
    target.data_class = r.header.data_class;
    target.person = &person;
    target.record = &r.header;
    policy::Decision d = policy.Decide(policy::MakeRequest(who, target, now));
    if (!d.allowed) {
      v.allowed = false;
      v.role_permitted = !d.rule_id.empty();
      v.not_found = d.answer_not_found;
      v.reason = absl::StrCat("record ", r.header.record_id, ": ", d.reason);
      return v;
    }
    if (v.reason.empty()) {
      v.reason = absl::StrCat("rule '", d.rule_id, "'");
      v.basis = d.basis;
    }
    if (!d.consent_id.empty() && std::find(v.consent_ids.begin(), v.consent_ids.end(),
                                           d.consent_id) == v.consent_ids.end()) {
      v.consent_ids.push_back(d.consent_id);
    }
    v.redact.push_back(d.redact_victim_fields);
  }
  return v;
}

}  // namespace messaging_internal


std::string MailboxChannel(absl::string_view agency) { return absl::StrCat("mailbox:", agency); }

MessagingService::MessagingService(MessagingDeps deps, std::map<std::string, AgencyInfo> agencies,
                                   MessagingLimits limits)
    : storage_(deps.storage),
      audit_log_(deps.audit_log),
      policies_(deps.policies),
      clock_(deps.clock),
      ids_(deps.ids),
      notifier_(deps.notifier),
      executor_(deps.executor),
      records_(deps.records),
      agencies_(std::move(agencies)),
      limits_(limits),
      sender_quota_(limits.mailbox_sender_quota > 0
                        ? limits.mailbox_sender_quota
                        : std::max<int64_t>(
                              1, limits.mailbox_limit /
                                     std::max<int64_t>(
                                         1, static_cast<int64_t>(agencies_.size()) - 1))),
      rate_(deps.clock, limits.send_rate_per_second, limits.send_burst) {}

// ---- Send ----

void MessagingService::Send(const CallContext& ctx, SendParams params,
                            audit::Reply<SendResult> reply) {
  if (!rate_.TryTake(ctx.principal.agency_id)) {
    reply(absl::ResourceExhaustedError(
        absl::StrCat("send rate limit of agency '", ctx.principal.agency_id, "' reached (",
                     limits_.send_rate_per_second, " messages per second, bursts of ",
                     limits_.send_burst, "); retry later")));
    return;
  }
  audit::RunAudited<SendResult>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kMessageSend),
      [this, policy = policies_.Current(), ctx, p = std::move(params)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<SendResult> {
        return SendInTx(tx, *policy, ctx, p, entry);
      },
      std::move(reply));
}

absl::StatusOr<SendResult> MessagingService::SendInTx(WriteTx& tx, const policy::Policy& policy,
                                                      const CallContext& ctx, const SendParams& p,
                                                      AuditEntry& entry) const {
  const absl::Time now = clock_.Now();
  const std::string& sender = ctx.principal.agency_id;
  entry.subject_id = p.subject_id;
  const std::string hash = ContentHash(ctx.purpose, p);

  // A replay returns the original; the same key for something else is refused.
  absl::StatusOr<Message> earlier = tx.FindMessageByIdempotencyKey(sender, p.idempotency_key);
  if (earlier.ok()) {
    entry.record_id = earlier->records.empty() ? "" : earlier->records[0].record_id;
    if (earlier->content_hash != hash) {
      entry.reason = absl::StrCat("idempotency key reused for different content (message ",
                                  earlier->message_id, ")");
      return absl::AlreadyExistsError(absl::StrCat(
          "idempotency_key: '", p.idempotency_key, "' was used for message ", earlier->message_id,
          " with different content; use a new key for a new message"));
    }
    ASSIGN_OR_RETURN(std::vector<Delivery> deliveries, tx.ListDeliveries(earlier->message_id));
    entry.decision = AuditDecision::kAllow;
    entry.basis = "replay of an accepted message";
    entry.reason = absl::StrCat("idempotent replay of message ", earlier->message_id);
    return SendResult{*std::move(earlier), std::move(deliveries), true};
  }
  if (!absl::IsNotFound(earlier.status())) return earlier.status();

  for (size_t i = 0; i < p.recipients.size(); ++i) {
    if (agencies_.count(p.recipients[i]) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("recipient_agencies[", i, "]: unknown agency '", p.recipients[i], "'"));
    }
  }
  std::vector<RecordRef> refs;
  ASSIGN_OR_RETURN(std::vector<StoredRecord> stored,
                   SendableRecords(tx, policy, ctx, p, refs, entry));
  RETURN_IF_ERROR(CheckMailboxRoom(tx, sender, p, entry));

  SendResult result;
  Message& m = result.message;
  m.message_id = ids_.NewId("msg");
  m.kind = MessageKind::kRecords;
  m.sender_agency = sender;
  m.sender_system = ctx.principal.system_id;
  m.sender_user = ctx.principal.user_id;
  m.sender_role = ctx.principal.role;
  m.subject_id = p.subject_id;
  m.purpose = ctx.purpose;
  m.correlation_id = p.correlation_id;
  m.idempotency_key = p.idempotency_key;
  m.content_hash = hash;
  m.records = refs;
  m.created_at = now;
  m.expires_at = now + p.time_to_live;
  RETURN_IF_ERROR(tx.InsertMessage(m));

  ASSIGN_OR_RETURN(policy::PersonContext person, policy::LoadPersonContext(tx, p.subject_id));
  int withheld = 0;
  for (const std::string& recipient : p.recipients) {
    ASSIGN_OR_RETURN(Delivery d, Address(tx, policy, ctx, m, recipient, stored, person));
    withheld += d.state == DeliveryState::kWithheld ? 1 : 0;
    result.deliveries.push_back(std::move(d));
  }
  entry.record_id = refs[0].record_id;
  entry.record_version = refs[0].version;
  entry.reason = absl::StrCat("message ", m.message_id, " with ", refs.size(), " record(s) to ",
                              p.recipients.size(), " recipient(s), ", withheld, " withheld");
  return result;
}

absl::StatusOr<std::vector<StoredRecord>> MessagingService::SendableRecords(
    WriteTx& tx, const policy::Policy& policy, const CallContext& ctx, const SendParams& p,
    std::vector<RecordRef>& refs, AuditEntry& entry) const {
  const absl::Time now = clock_.Now();
  const std::string& sender = ctx.principal.agency_id;
  // An inline record is put first (audited as a record.write of its own), then each record is
  // one the sender's agency owns and may send.
  refs = p.records;
  if (p.inline_record.has_value()) {
    AuditEntry put = audit_log_.Begin(ctx, policy::kRecordWrite);
    absl::StatusOr<RecordHeader> header =
        records_.PutInTx(tx, policy, ctx, *p.inline_record, now, put);
    if (!header.ok()) {
      entry.decision = put.decision;
      entry.reason = absl::StrCat("inline record: ", put.reason);
      entry.policy_version = put.policy_version;
      return header.status();
    }
    put.outcome = "OK";
    RETURN_IF_ERROR(audit_log_.Append(tx, std::move(put)));
    refs.push_back(RecordRef{header->record_id, header->version});
  }
  std::vector<StoredRecord> stored;
  int64_t size = 0;
  for (size_t i = 0; i < refs.size(); ++i) {
    const std::string field =
        i < p.records.size() ? absl::StrCat("records[", i, "]") : std::string("inline_record");
    absl::StatusOr<StoredRecord> r = tx.GetRecord(refs[i].record_id, refs[i].version);
    if (!r.ok() && !absl::IsNotFound(r.status())) return r.status();
    const bool exists = r.ok() && r->header.subject_id == p.subject_id;
    const std::string not_found =
        absl::StrCat(field, ".record_id: no record ", refs[i].record_id,
                     refs[i].version == 0 ? "" : absl::StrCat(" version ", refs[i].version),
                     " about subject ", p.subject_id);
    if (!exists) {
      entry.reason = "no such record about the person";
      return absl::NotFoundError(not_found);
    }
    policy::Target target;
    target.data_class = r->header.data_class;
    target.record = &r->header;
    if (r->header.owner_agency != sender) {
      // Another agency's record: whether the sender may even know it exists decides the answer.
      target.action = std::string(policy::kRecordRead);
      RETURN_IF_ERROR(Field(field, policy::AuthorizeAbout(policy, ctx, tx, p.subject_id, true,
                                                          target, now, entry, not_found)
                                       .status()));
      entry.decision = AuditDecision::kDeny;
      entry.basis.clear();
      entry.reason = absl::StrCat("record ", r->header.record_id, " is owned by agency '",
                                  r->header.owner_agency, "'; only the owner sends it");
      return absl::PermissionDeniedError(absl::StrCat(field, ": ", entry.reason));
    }
    target.action = std::string(policy::kMessageSend);
    RETURN_IF_ERROR(Field(field, policy::AuthorizeAbout(policy, ctx, tx, p.subject_id, true, target,
                                                        now, entry, not_found)
                                     .status()));
    RETURN_IF_ERROR(records::NotErased(tx, r->header, records::ErasedUse::kWrite, &entry,
                                       absl::StrCat(field, ".record_id")));
    size += static_cast<int64_t>(r->sealed_body.size());
    // The message carries the version decided on, not whatever is latest when it is delivered.
    refs[i].version = r->header.version;
    stored.push_back(*std::move(r));
  }
  if (size > limits_.max_message_bytes) {
    entry.reason = "message over the size limit";
    return absl::InvalidArgumentError(absl::StrCat("records: the message carries ", size,
                                                   " bytes of record contents; the limit is ",
                                                   limits_.max_message_bytes, " bytes"));
  }
  return stored;
}

absl::Status MessagingService::CheckMailboxRoom(WriteTx& tx, const std::string& sender,
                                                const SendParams& p, AuditEntry& entry) const {
  for (size_t i = 0; i < p.recipients.size(); ++i) {
    ASSIGN_OR_RETURN(int64_t mine,
                     tx.CountOpenDeliveriesFrom(p.recipients[i], sender, sender_quota_));
    if (mine >= sender_quota_) {
      entry.reason = absl::StrCat("sender's share of the mailbox of agency '", p.recipients[i],
                                  "' is used up");
      return absl::ResourceExhaustedError(absl::StrCat(
          "recipient_agencies[", i, "]: agency '", sender, "' already has ", mine,
          " open messages in the mailbox of agency '", p.recipients[i],
          "', its share of it (messaging.mailbox_sender_quota ", sender_quota_, " of mailbox_limit ",
          limits_.mailbox_limit, "); retry later"));
    }
    ASSIGN_OR_RETURN(int64_t open, tx.CountOpenDeliveries(p.recipients[i], limits_.mailbox_limit));
    if (open >= limits_.mailbox_limit) {
      entry.reason = absl::StrCat("mailbox of agency '", p.recipients[i], "' is full");
      return absl::ResourceExhaustedError(
          absl::StrCat("recipient_agencies[", i, "]: the mailbox of agency '", p.recipients[i],
                       "' is full (limit ", limits_.mailbox_limit, " open messages); retry later"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Delivery> MessagingService::Address(WriteTx& tx, const policy::Policy& policy,
                                                   const CallContext& ctx, const Message& m,
                                                   const std::string& recipient,
                                                   const std::vector<StoredRecord>& stored,
                                                   const policy::PersonContext& person) const {
  const absl::Time now = m.created_at;
  // The recipient is entitled if any role it may grant may receive every record.
  const AgencyInfo& info = agencies_.at(recipient);
  Verdict verdict;
  verdict.allowed = false;
  verdict.reason = absl::StrCat("no role of agency '", recipient, "' may receive it");
  for (const std::string& role : info.roles) {
    CallContext as;
    as.principal.agency_id = recipient;
    as.principal.agency_kind = info.kind;
    as.principal.role = role;
    as.purpose = ctx.purpose;
    Verdict v = DecideRecords(policy, as, policy::kMessageReceive, stored, person, now);
    if (v.allowed) {
      verdict = std::move(v);
      break;
    }
    // The most telling refusal is that of a role that may receive the data at all.
    if (v.role_permitted && verdict.role_permitted) verdict.reason = v.reason;
    if (v.role_permitted) verdict.role_permitted = false;
  }
  Delivery d;
  d.message_id = m.message_id;
  d.recipient_agency = recipient;
  d.available_at = now;
  d.expires_at = m.expires_at;
  d.updated_at = now;
  if (verdict.allowed) {
    d.state = DeliveryState::kPending;
    d.consent_ids = verdict.consent_ids;
  } else {
    d.state = DeliveryState::kWithheld;
    d.reason = verdict.reason;
    d.ended_at = now;
  }
  ASSIGN_OR_RETURN(d.mailbox_seq, tx.InsertDelivery(d));
  if (verdict.allowed) {
    tx.Notify(MailboxChannel(recipient));
  } else {
    RETURN_IF_ERROR(AuditSystem(tx, policy, audit::kMessageWithhold, m, d, d.reason));
    RETURN_IF_ERROR(ReportToSender(tx, m, d, now));
    if (end_observer_) tx.AfterCommit([this] { end_observer_(DeliveryState::kWithheld); });
  }
  return d;
}

// ---- Receiving ----

void MessagingService::Receive(const CallContext& ctx, int max, absl::Duration lease,
                               audit::Reply<std::vector<Delivered>> reply) {
  // Most polls of a quiet mailbox find nothing: answer those from a read, off the writer. The
  // read blocks, so it runs on the executor, never on the caller's thread (a reaction, or a
  // storage thread answering an earlier call).
  executor_.Schedule([this, ctx, max, lease, reply = std::move(reply)]() mutable {
    bool any = false;
    absl::Status read = storage_.Read([&](ReadTx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(std::vector<Delivery> leasable,
                       tx.ListLeasable(ctx.principal.agency_id, clock_.Now(), 0, 1));
      any = !leasable.empty();
      return absl::OkStatus();
    });
    if (!read.ok()) return reply(std::move(read));
    if (!any) return reply(std::vector<Delivered>{});
    WriteThenReply<std::vector<Delivered>>(
        storage_,
        [this, policy = policies_.Current(), ctx, max,
         lease](WriteTx& tx) -> absl::StatusOr<std::vector<Delivered>> {
          return LeaseInTx(tx, *policy, ctx, max, lease);
        },
        std::move(reply));
  });
}

absl::StatusOr<std::vector<Delivered>> MessagingService::LeaseInTx(WriteTx& tx,
                                                                   const policy::Policy& policy,
                                                                   const CallContext& ctx, int max,
                                                                   absl::Duration lease) const {
  const absl::Time now = clock_.Now();
  std::vector<Delivered> out;
  std::map<std::string, policy::PersonContext> people;
  // Deliveries this practitioner's role may not receive are passed over, left for colleagues:
  // the cursor moves past every delivery looked at.
  int64_t after_seq = 0;
  while (static_cast<int>(out.size()) < max) {
    const int want = max - static_cast<int>(out.size());
    ASSIGN_OR_RETURN(std::vector<Delivery> candidates,
                     tx.ClaimLeasable(ctx.principal.agency_id, now, after_seq, want));
    if (candidates.empty()) break;
    for (Delivery& d : candidates) {
      after_seq = d.mailbox_seq;
      ASSIGN_OR_RETURN(Message m, tx.GetMessage(d.message_id));
      std::vector<StoredRecord> stored;
      Verdict verdict;
      if (m.kind == MessageKind::kRecords) {
        absl::Status erased = absl::OkStatus();
        for (const RecordRef& ref : m.records) {
          ASSIGN_OR_RETURN(StoredRecord r, tx.GetRecord(ref.record_id, ref.version));
          if (erased.ok()) erased = records::NotErased(tx, r.header, records::ErasedUse::kRead);
          stored.push_back(std::move(r));
        }
        if (!erased.ok()) {  // nothing left to deliver
          RETURN_IF_ERROR(End(tx, policy, m, d, DeliveryState::kWithheld,
                              absl::StrCat("withheld at delivery: ", erased.message()), &ctx));
          continue;
        }
        auto person = people.find(m.subject_id);
        if (person == people.end()) {
          ASSIGN_OR_RETURN(policy::PersonContext loaded,
                           policy::LoadPersonContext(tx, m.subject_id));
          person = people.emplace(m.subject_id, std::move(loaded)).first;
        }
        CallContext as = ctx;
        as.purpose = m.purpose;
        verdict = DecideRecords(policy, as, policy::kMessageReceive, stored, person->second, now);
        if (!verdict.allowed && !verdict.role_permitted) continue;
        if (!verdict.allowed) {
          RETURN_IF_ERROR(End(tx, policy, m, d, DeliveryState::kWithheld,
                              absl::StrCat("withheld at delivery: ", verdict.reason), &ctx));
          continue;
        }
      } else {
        verdict.basis = "the broker's notice to its addressee";
        verdict.reason = "broker notice";
      }
      ASSIGN_OR_RETURN(Delivered one, LeaseOne(tx, policy, ctx, std::move(m), std::move(d),
                                               std::move(stored), verdict, lease, now));
      out.push_back(std::move(one));
      if (static_cast<int>(out.size()) == max) break;
    }
  }
  return out;
}

absl::StatusOr<Delivered> MessagingService::LeaseOne(WriteTx& tx, const policy::Policy& policy,
                                                     const CallContext& ctx, Message m,
                                                     Delivery d, std::vector<StoredRecord> stored,
                                                     const Verdict& verdict, absl::Duration lease,
                                                     absl::Time now) const {
  d.state = DeliveryState::kLeased;
  d.attempts += 1;
  d.lease_id = ids_.NewId("lse");
  d.lease_expires_at = now + lease;
  d.leased_to_user = ctx.principal.user_id;
  if (!d.first_delivered_at.has_value()) d.first_delivered_at = now;
  for (const std::string& c : verdict.consent_ids) {
    if (std::find(d.consent_ids.begin(), d.consent_ids.end(), c) == d.consent_ids.end()) {
      d.consent_ids.push_back(c);
    }
  }
  d.updated_at = now;
  RETURN_IF_ERROR(tx.UpdateDelivery(d));

  AuditEntry e = audit_log_.Begin(ctx, audit::kMessageDeliver);
  AboutMessage(m, e);
  e.decision = AuditDecision::kAllow;
  e.basis = verdict.basis;
  e.reason = absl::StrCat("message ", m.message_id, " from agency '", m.sender_agency,
                          "', attempt ", d.attempts, "; ", verdict.reason);
  e.policy_version = policy.version();
  e.outcome = "OK";
  RETURN_IF_ERROR(audit_log_.Append(tx, std::move(e)));

  Delivered out;
  for (size_t i = 0; i < stored.size(); ++i) {
    Record record;
    ASSIGN_OR_RETURN(record.body, records_.OpenBody(tx, stored[i]));
    record.header = std::move(stored[i].header);
    record.redact_victim_fields = verdict.redact[i];
    out.records.push_back(std::move(record));
  }
  out.message = std::move(m);
  out.delivery = std::move(d);
  return out;
}

void MessagingService::Settle(const CallContext& ctx, std::vector<Settlement> settlements,
                              audit::Reply<std::vector<Settled>> reply) {
  WriteThenReply<std::vector<Settled>>(
      storage_,
      [this, policy = policies_.Current(), ctx,
       settlements = std::move(settlements)](WriteTx& tx) -> absl::StatusOr<std::vector<Settled>> {
        const absl::Time now = clock_.Now();
        std::vector<Settled> out;
        for (size_t i = 0; i < settlements.size(); ++i) {
          const Settlement& s = settlements[i];
          absl::StatusOr<Delivery> found = tx.GetDeliveryByLease(s.lease_id);
          if (!found.ok() && !absl::IsNotFound(found.status())) return found.status();
          if (!found.ok() || found->recipient_agency != ctx.principal.agency_id) {
            return absl::FailedPreconditionError(absl::StrCat(
                "settlements[", i, "].lease_id: lease ", s.lease_id,
                " is not current (already settled, expired, or not this agency's); nothing was "
                "settled"));
          }
          Delivery& d = *found;
          if (d.lease_expires_at <= now) {
            return absl::FailedPreconditionError(absl::StrCat(
                "settlements[", i, "].lease_id: lease ", s.lease_id, " expired at ",
                absl::FormatTime(absl::RFC3339_full, d.lease_expires_at, absl::UTCTimeZone()),
                "; the message will be delivered again; nothing was settled"));
          }
          ASSIGN_OR_RETURN(Message m, tx.GetMessage(d.message_id));
          AuditEntry e = audit_log_.Begin(ctx, audit::kMessageAck);
          AboutMessage(m, e);
          e.decision = AuditDecision::kAllow;
          e.policy_version = policy->version();
          e.outcome = "OK";
          switch (s.outcome) {
            case Settlement::Outcome::kAck:
              d.state = DeliveryState::kAcked;
              d.acked_at = now;
              d.lease_id.clear();
              d.updated_at = now;
              RETURN_IF_ERROR(tx.UpdateDelivery(d));
              e.reason =
                  absl::StrCat("message ", m.message_id, " acknowledged at attempt ", d.attempts);
              RETURN_IF_ERROR(audit_log_.Append(tx, std::move(e)));
              break;
            case Settlement::Outcome::kNack:
              if (d.attempts >= limits_.max_attempts) {
                RETURN_IF_ERROR(
                    End(tx, *policy, m, d, DeliveryState::kDeadLettered,
                        absl::StrCat("nacked at the last of ", limits_.max_attempts, " attempts",
                                     s.reason.empty() ? "" : ": " + s.reason),
                        &ctx));
                break;
              }
              d.state = DeliveryState::kPending;
              d.available_at = now + s.retry_after;
              d.reason = s.reason;
              d.lease_id.clear();
              d.updated_at = now;
              RETURN_IF_ERROR(tx.UpdateDelivery(d));
              e.action = std::string(audit::kMessageNack);
              e.reason = absl::StrCat("message ", m.message_id, " nacked at attempt ", d.attempts,
                                      ", retry after ", absl::FormatDuration(s.retry_after),
                                      s.reason.empty() ? "" : ": " + s.reason);
              RETURN_IF_ERROR(audit_log_.Append(tx, std::move(e)));
              if (s.retry_after == absl::ZeroDuration()) tx.Notify(MailboxChannel(d.recipient_agency));
              break;
            case Settlement::Outcome::kReject:
              RETURN_IF_ERROR(End(tx, *policy, m, d, DeliveryState::kDeadLettered,
                                  absl::StrCat("rejected by the recipient: ", s.reason), &ctx));
              break;
          }
          out.push_back(Settled{s.lease_id, m.message_id, d.state});
        }
        return out;
      },
      std::move(reply));
}

}  // namespace throughcare::messaging
