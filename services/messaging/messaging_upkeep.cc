// MessagingService's upkeep of what it already holds: tracking a message, leases and messages
// that fall due (Sweep, ReturnLeases), and the mailbox signals that wake receivers.
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
      storage_, audit_log_, audit_log_.Begin(ctx, "message.status"),
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
                                                      Delivery& d, absl::Time now,
                                                      std::vector<std::string>& signal) const {
  ASSIGN_OR_RETURN(Message m, tx.GetMessage(d.message_id));
  if (d.expires_at <= now) {
    RETURN_IF_ERROR(End(
        tx, policy, m, d, DeliveryState::kExpired,
        absl::StrCat("not acknowledged before it expired at ",
                     absl::FormatTime(absl::RFC3339_full, d.expires_at, absl::UTCTimeZone()),
                     " (", d.attempts, " delivery attempts)"),
        nullptr, signal));
    return DeliveryState::kExpired;
  }
  if (d.attempts >= limits_.max_attempts) {
    RETURN_IF_ERROR(End(tx, policy, m, d, DeliveryState::kDeadLettered,
                        absl::StrCat("not acknowledged after ", d.attempts, " delivery attempts"),
                        nullptr, signal));
    return DeliveryState::kDeadLettered;
  }
  d.state = DeliveryState::kPending;
  d.available_at = now;
  d.lease_id.clear();
  d.updated_at = now;
  RETURN_IF_ERROR(tx.UpdateDelivery(d));
  signal.push_back(d.recipient_agency);
  return DeliveryState::kPending;
}

void MessagingService::ReturnLeases(const CallContext& ctx, std::vector<std::string> lease_ids,
                                    audit::Reply<int> reply) {
  auto signal = std::make_shared<std::vector<std::string>>();
  WriteThenReply<int>(
      storage_,
      [this, policy = policies_.Current(), ctx, lease_ids = std::move(lease_ids),
       signal](WriteTx& tx) -> absl::StatusOr<int> {
        signal->clear();
        const absl::Time now = clock_.Now();
        int returned = 0;
        for (const std::string& lease_id : lease_ids) {
          absl::StatusOr<Delivery> d = tx.GetDeliveryByLease(lease_id);
          if (absl::IsNotFound(d.status())) continue;  // settled, or returned already
          RETURN_IF_ERROR(d.status());
          if (d->recipient_agency != ctx.principal.agency_id) continue;
          RETURN_IF_ERROR(Lapse(tx, *policy, *d, now, *signal).status());
          ++returned;
        }
        return returned;
      },
      [this, signal, reply = std::move(reply)](absl::StatusOr<int> result) mutable {
        if (result.ok()) {
          for (const std::string& agency : *signal) Signal(agency);
        }
        reply(std::move(result));
      });
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
  std::vector<std::string> signal;
  RETURN_IF_ERROR(storage_.WriteAndWait([&, policy = policies_.Current()](WriteTx& tx) {
    result = SweepResult{};
    signal.clear();
    const absl::Time now = clock_.Now();
    ASSIGN_OR_RETURN(std::vector<Delivery> due, tx.ListDueDeliveries(now, kSweepBatch));
    for (Delivery& d : due) {
      ASSIGN_OR_RETURN(DeliveryState state, Lapse(tx, *policy, d, now, signal));
      result.expired += state == DeliveryState::kExpired ? 1 : 0;
      result.dead_lettered += state == DeliveryState::kDeadLettered ? 1 : 0;
      result.returned += state == DeliveryState::kPending ? 1 : 0;
    }
    return absl::OkStatus();
  }));
  std::sort(signal.begin(), signal.end());
  signal.erase(std::unique(signal.begin(), signal.end()), signal.end());
  for (const std::string& agency : signal) Signal(agency);
  return result;
}

// ---- Mailbox signals ----

int64_t MessagingService::Watch(const std::string& agency, std::function<void()> fn) {
  absl::MutexLock lock(&watch_mu_);
  const int64_t handle = next_watch_++;
  watchers_.emplace(handle, std::make_pair(agency, std::move(fn)));
  return handle;
}

void MessagingService::Unwatch(int64_t handle) {
  absl::MutexLock lock(&watch_mu_);
  watchers_.erase(handle);
}

void MessagingService::Signal(const std::string& agency) {
  absl::MutexLock lock(&watch_mu_);
  for (auto& [handle, watcher] : watchers_) {
    if (watcher.first == agency) watcher.second();
  }
}

void MessagingService::SignalAll() {
  absl::MutexLock lock(&watch_mu_);
  for (auto& [handle, watcher] : watchers_) watcher.second();
}

}  // namespace throughcare::messaging
