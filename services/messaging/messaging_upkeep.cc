// MessagingService's upkeep of what it already holds: tracking a message, leases and messages
// that fall due (Sweep, ReturnLeases), and the mailbox channels that wake receivers.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/messaging/internal/messaging_internal.h"
#include "services/messaging/messaging_service.h"
#include "services/policy/authorize.h"
#include "throughcare/status_macros.h"
#include "throughcare/audit_actions.h"

namespace throughcare::messaging {
namespace {

using messaging_internal::AboutMessage;
using messaging_internal::DecideRecords;
using messaging_internal::NoSuchMessage;
using messaging_internal::Verdict;
using messaging_internal::WriteThenReply;

// Deliveries a sweep handles in one transaction; the next sweep takes the rest.
constexpr int kSweepBatch = 500;

}  // namespace

// ---- Tracking ----

// Tracking a records message is decided like reading the records it carries (record.read on
// each, for the message's purpose): a role of the sending agency that may not read them may not
// follow them either, and without a relationship the message is NOT_FOUND.
void MessagingService::GetStatus(const CallContext& ctx, std::string message_id,
                                 audit::Reply<MessageStatus> reply) {
  audit::RunAudited<MessageStatus>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kMessageStatus),
      [this, policy = policies_.Current(), ctx, message_id = std::move(message_id)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<MessageStatus> {
        absl::StatusOr<Message> m = tx.GetMessage(message_id);
        if (!m.ok() && !absl::IsNotFound(m.status())) return m.status();
        // Only the sender's agency tracks a message; to anyone else it does not exist.
        if (!m.ok() || m->sender_agency != ctx.principal.agency_id) {
          entry.reason = m.ok() ? "message sent by another agency" : "no such message";
          return absl::NotFoundError(NoSuchMessage(message_id));
        }
        AboutMessage(*m, entry);
        entry.policy_version = policy->version();
        RETURN_IF_ERROR(MayTrack(tx, *policy, ctx, *m, entry));
        entry.decision = AuditDecision::kAllow;
        entry.reason = absl::StrCat("status of message ", message_id, "; ", entry.reason);
        MessageStatus status;
        ASSIGN_OR_RETURN(status.deliveries, tx.ListDeliveries(message_id));
        status.message = *std::move(m);
        return status;
      },
      std::move(reply));
}

absl::Status MessagingService::MayTrack(WriteTx& tx, const policy::Policy& policy,
                                        const CallContext& ctx, const Message& m,
                                        AuditEntry& entry) const {
  entry.basis = "the sender's own message";
  if (m.kind != MessageKind::kRecords) return absl::OkStatus();
  std::vector<StoredRecord> stored;
  for (const RecordRef& ref : m.records) {
    ASSIGN_OR_RETURN(StoredRecord r, tx.GetRecord(ref.record_id, ref.version));
    stored.push_back(std::move(r));
  }
  ASSIGN_OR_RETURN(policy::PersonContext person, policy::LoadPersonContext(tx, m.subject_id));
  CallContext as = ctx;
  as.purpose = m.purpose;
  const Verdict v =
      DecideRecords(policy, as, policy::kRecordRead, stored, person, clock_.Now());
  entry.reason = v.reason;
  if (v.allowed) return absl::OkStatus();
  entry.decision = AuditDecision::kDeny;
  entry.basis.clear();
  if (v.not_found) return absl::NotFoundError(NoSuchMessage(m.message_id));
  return absl::PermissionDeniedError(
      absl::StrCat("tracking message ", m.message_id, " is decided like reading its records: ",
                   v.reason));
}

// ---- Leases that fall due ----

absl::StatusOr<DeliveryState> MessagingService::Lapse(WriteTx& tx, const policy::Policy& policy,
                                                      Delivery& d, absl::Time now) const {
  ASSIGN_OR_RETURN(Message m, tx.GetMessage(d.message_id));
  if (d.expires_at <= now) {
    RETURN_IF_ERROR(End(
        tx, policy, m, d, DeliveryState::kExpired,
        absl::StrCat("not acknowledged before it expired at ",
                     absl::FormatTime(absl::RFC3339_full, d.expires_at, absl::UTCTimeZone()),
                     " (", d.attempts, " delivery attempts)"),
        nullptr));
    return DeliveryState::kExpired;
  }
  if (d.attempts >= limits_.max_attempts) {
    RETURN_IF_ERROR(End(tx, policy, m, d, DeliveryState::kDeadLettered,
                        absl::StrCat("not acknowledged after ", d.attempts, " delivery attempts"),
                        nullptr));
    return DeliveryState::kDeadLettered;
  }
  d.state = DeliveryState::kPending;
  d.available_at = now;
  d.lease_id.clear();
  d.updated_at = now;
  RETURN_IF_ERROR(tx.UpdateDelivery(d));
  tx.Notify(MailboxChannel(d.recipient_agency));
  return DeliveryState::kPending;
}

void MessagingService::ReturnLeases(const CallContext& ctx, std::vector<std::string> lease_ids,
                                    audit::Reply<int> reply) {
  WriteThenReply<int>(
      storage_,
      [this, policy = policies_.Current(), ctx,
       lease_ids = std::move(lease_ids)](WriteTx& tx) -> absl::StatusOr<int> {
        const absl::Time now = clock_.Now();
        int returned = 0;
        for (const std::string& lease_id : lease_ids) {
          absl::StatusOr<Delivery> d = tx.GetDeliveryByLease(lease_id);
          if (absl::IsNotFound(d.status())) continue;  // settled, or returned already
          RETURN_IF_ERROR(d.status());
          if (d->recipient_agency != ctx.principal.agency_id) continue;
          RETURN_IF_ERROR(Lapse(tx, *policy, *d, now).status());
          ++returned;
        }
        return returned;
      },
      std::move(reply));
}

// ---- Sweeping ----

absl::StatusOr<SweepResult> MessagingService::Sweep() {
  bool any = false;
  RETURN_IF_ERROR(storage_.Read([&](ReadTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Delivery> due, tx.ListDueDeliveries(clock_.Now(), 1));
    any = !due.empty();
    return absl::OkStatus();
  }));
  SweepResult result;
  if (!any) return result;
  RETURN_IF_ERROR(storage_.WriteAndWait([&, policy = policies_.Current()](WriteTx& tx) {
    result = SweepResult{};  // an output: each run starts it afresh
    const absl::Time now = clock_.Now();
    ASSIGN_OR_RETURN(std::vector<Delivery> due, tx.ListDueDeliveries(now, kSweepBatch));
    for (Delivery& d : due) {
      ASSIGN_OR_RETURN(DeliveryState state, Lapse(tx, *policy, d, now));
      result.expired += state == DeliveryState::kExpired ? 1 : 0;
      result.dead_lettered += state == DeliveryState::kDeadLettered ? 1 : 0;
      result.returned += state == DeliveryState::kPending ? 1 : 0;
    }
    return absl::OkStatus();
  }));
  return result;
}

// ---- Mailbox signals ----

Notifier::Handle MessagingService::Watch(const std::string& agency,
                                         absl::AnyInvocable<void()> fn) {
  return notifier_.Listen(MailboxChannel(agency), std::move(fn));
}

void MessagingService::Unwatch(Notifier::Handle handle) { notifier_.Unlisten(handle); }

void MessagingService::SignalAll() {
  for (const auto& [agency, info] : agencies_) notifier_.Notify(MailboxChannel(agency));
}

}  // namespace throughcare::messaging
