// MessagingService (domain): store-and-forward between agency mailboxes (see
// proto/throughcare/v1/messaging.proto for the contract as callers see it, and
// include/throughcare/message.h for a delivery's states).
//
// Every operation is one write transaction holding its state changes and their audit entries,
// answered after the commit is durable. Leases are taken with the storage's claims
// (WriteTx::ClaimLeasable), so no two receivers ever hold the same lease, however many writers
// or replicas there are. A write that gives a mailbox something to lease notifies the mailbox's
// channel (MailboxChannel) in its transaction; receivers listen there (Watch). Time comes from
// the injected clock: leases, retry delays and expiry are judged against it, and Sweep() (a
// periodic task of the broker's, called directly by tests) settles whatever has fallen due.
// Every write closure here keeps no state between runs (include/throughcare/storage.h).
// Thread-safe.
#ifndef THROUGHCARE_SERVICES_MESSAGING_MESSAGING_SERVICE_H_
#define THROUGHCARE_SERVICES_MESSAGING_MESSAGING_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "services/audit/audit_log.h"
#include "services/messaging/rate_limiter.h"
#include "services/policy/authorize.h"
#include "services/policy/policy_store.h"
#include "services/records/record_service.h"
#include "throughcare/clock.h"
#include "throughcare/executor.h"
#include "throughcare/ids.h"
#include "throughcare/message.h"
#include "throughcare/notifier.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::messaging {
namespace messaging_internal {
struct Verdict;
}  // namespace messaging_internal

// The sender agency id of the broker's own reports and notices.
inline constexpr absl::string_view kBrokerAgency = kBrokerId;

// The notifier channel of an agency's mailbox: notified when it may have gained leasable
// deliveries.
std::string MailboxChannel(absl::string_view agency);

struct MessagingLimits {
  // The most bytes of record contents one message may carry (inline and referenced together).
  int64_t max_message_bytes = 1 << 20;
  // The most open (pending or delivered, unsettled) deliveries one mailbox may hold.
  int64_t mailbox_limit = 10000;
  // The most of them that messages from one sender may be, so that one agency cannot fill
  // another's mailbox for everyone. 0: a fair share, mailbox_limit divided by the number of
  // other agencies (at least 1).
  int64_t mailbox_sender_quota = 0;
  // Each agency's sends: a token bucket refilled at this rate, holding at most `send_burst`.
  double send_rate_per_second = 200;
  int send_burst = 400;
  // Deliveries of one message to one recipient before it is dead-lettered.
  int max_attempts = 5;
  // The most Subscribe streams one agency may hold open at once (the broker's edge enforces it).
  int max_streams_per_agency = 16;
};

// An agency that may receive messages: its kind and the roles it may grant (from the config).
struct AgencyInfo {
  std::string kind;
  std::vector<std::string> roles;
};

// A validated send; the service adds ids, sender and times.
struct SendParams {
  std::vector<std::string> recipients;  // distinct agency ids
  std::string subject_id;
  std::vector<RecordRef> records;                         // version 0: the latest
  std::optional<records::PutRecordParams> inline_record;  // subject_id as above
  std::string idempotency_key;
  std::string correlation_id;
  absl::Duration time_to_live;
};

struct SendResult {
  Message message;
  std::vector<Delivery> deliveries;
  bool duplicate = false;
};

// A delivery as handed to a receiver.
struct Delivered {
  Message message;
  Delivery delivery;            // state kLeased; lease_id, attempts, lease_expires_at
  std::vector<Record> records;  // kRecords: the contents, with the redaction obligation
};

struct Settlement {
  enum class Outcome { kAck, kNack, kReject };
  std::string lease_id;
  Outcome outcome = Outcome::kAck;
  absl::Duration retry_after;  // kNack
  std::string reason;          // kNack (optional), kReject (required)
};

struct Settled {
  std::string lease_id;
  std::string message_id;
  DeliveryState state;
};

struct MessageStatus {
  Message message;
  std::vector<Delivery> deliveries;
};

// What one Sweep did, for tests and logs.
struct SweepResult {
  int expired = 0;
  int dead_lettered = 0;
  int returned = 0;  // leases that expired and went back to their mailbox
};

// What the service works with. All must outlive it.
struct MessagingDeps {
  Storage& storage;
  const audit::AuditLog& audit_log;
  const policy::PolicyStore& policies;
  const Clock& clock;
  IdGenerator& ids;
  Notifier& notifier;  // mailbox channels: the storage publishes to it, Watch listens
  Executor& executor;  // reads that must not run on a reaction or a storage thread
  const records::RecordService& records;
};

class MessagingService {
 public:
  MessagingService(MessagingDeps deps, std::map<std::string, AgencyInfo> agencies,
                   MessagingLimits limits);

  // NOT_FOUND for an unknown person (or one the sender has no relationship with) or record;
  // PERMISSION_DENIED when the sender may not send a record; ALREADY_EXISTS for a reused
  // idempotency key with different content; RESOURCE_EXHAUSTED for the rate, the sender's share
  // of a recipient's mailbox (naming quota, sender and recipient) or a full mailbox;
  // INVALID_ARGUMENT for an unknown recipient or a message over the size limit.
  void Send(const CallContext& ctx, SendParams params, audit::Reply<SendResult> reply);

  // Leases up to `max` deliveries of the caller's agency's mailbox for `lease`. Returns at once:
  // the look into the mailbox runs on the executor, the lease in a write; `reply` is called on
  // an executor or storage thread.
  void Receive(const CallContext& ctx, int max, absl::Duration lease,
               audit::Reply<std::vector<Delivered>> reply);

  // Settles leases of the caller's agency, all or none (FAILED_PRECONDITION naming the first
  // lease that is not current).
  void Settle(const CallContext& ctx, std::vector<Settlement> settlements,
              audit::Reply<std::vector<Settled>> reply);

  // Returns leases the caller's agency holds to its mailbox at once, as if they had expired now
  // (the next delivery is the next attempt; a lease that used the last attempt dead-letters):
  // for a receiver that is going away, such as a Subscribe stream closed by a shutdown. Leases
  // that are no longer current are skipped. Answers how many it returned.
  void ReturnLeases(const CallContext& ctx, std::vector<std::string> lease_ids,
                    audit::Reply<int> reply);

  const MessagingLimits& limits() const { return limits_; }

  // A message the caller's agency sent, with each recipient's tracking; NOT_FOUND otherwise. For
  // a records message it is decided like reading its records (record.read on each, for the
  // message's purpose): PERMISSION_DENIED for a role that may not, NOT_FOUND without a
  // relationship with the person.
  void GetStatus(const CallContext& ctx, std::string message_id, audit::Reply<MessageStatus> reply);

  // Expires messages past their expiry, returns expired leases to their mailbox and
  // dead-letters deliveries that used their last attempt; reports to the senders. Blocks until
  // durable. Safe to call at any time, from any thread.
  absl::StatusOr<SweepResult> Sweep();

  // Called inside the transaction that withdraws `consent`: puts a withdrawal notice, naming the
  // messages, in the mailbox of each agency that was delivered messages under it.
  absl::Status OnConsentWithdrawn(WriteTx& tx, const Consent& consent) const;

  // Mailbox signals, through the notifier: `fn` is called on the notifier's thread (quick, not
  // blocking, never calling Watch or Unwatch) when the mailbox of `agency` may have gained
  // leasable deliveries. Returns a handle for Unwatch; after Unwatch returns, `fn` is not
  // running and is not called again. SignalAll wakes every mailbox (the broker's periodic tick,
  // for deliveries whose retry delay has passed).
  Notifier::Handle Watch(const std::string& agency, absl::AnyInvocable<void()> fn);
  void Unwatch(Notifier::Handle handle);
  void SignalAll();

  // For the broker's metrics: called once for each delivery that ends withheld, expired or
  // dead-lettered (with that state), once the commit that ended it is durable (WriteTx::
  // AfterCommit). Set before serving.
  void set_end_observer(std::function<void(DeliveryState)> fn) { end_observer_ = std::move(fn); }

  // For services that send inside their own transaction (referrals): Send's work without the
  // rate limit, recording the decision in `entry`; the caller appends `entry`. The recipients'
  // mailboxes are notified when the caller's transaction commits.
  absl::StatusOr<SendResult> SendInTx(WriteTx& tx, const policy::Policy& policy,
                                      const CallContext& ctx, const SendParams& p,
                                      AuditEntry& entry) const;
  // Puts a report or notice from the broker (kind and notice fields set; ids, sender and times
  // are filled here) into `recipient`'s mailbox.
  absl::Status Enqueue(WriteTx& tx, Message notice, const std::string& recipient,
                       absl::Time now) const;
  // Withholds the message's open deliveries (waiting, or leased and not yet acknowledged), e.g.
  // a referral withdrawn before the receiving team picked it up: it is not delivered again, and
  // a lease held on it can no longer be settled. Audited as "message.withhold" by `ctx` and
  // reported to the sender. Returns how many it withheld.
  absl::StatusOr<int> Recall(WriteTx& tx, const policy::Policy& policy, const CallContext& ctx,
                             absl::string_view message_id, std::string reason) const;

 private:
  // A final state for an open delivery (withheld, expired or dead-lettered), audited, reported
  // to the sender of a records message, and counted once committed.
  absl::Status End(WriteTx& tx, const policy::Policy& policy, Message& message, Delivery& delivery,
                   DeliveryState state, std::string reason, const CallContext* by) const;
  // A lease that fell due (at `now`, or returned early): the delivery expires with its message,
  // dead-letters after its last attempt, or goes back to the mailbox. Returns the state reached.
  absl::StatusOr<DeliveryState> Lapse(WriteTx& tx, const policy::Policy& policy, Delivery& d,
                                      absl::Time now) const;
  // Whether the caller may track `m`: record.read on each record it carries, for its purpose.
  // Fills the entry's decision, reason and basis.
  absl::Status MayTrack(WriteTx& tx, const policy::Policy& policy, const CallContext& ctx,
                        const Message& m, AuditEntry& entry) const;
  // Puts a report of `d` (its state and reason) in the mailbox of the sender of `m`.
  absl::Status ReportToSender(WriteTx& tx, const Message& m, const Delivery& d,
                              absl::Time now) const;
  absl::Status AuditSystem(WriteTx& tx, const policy::Policy& policy, absl::string_view action,
                           const Message& message, const Delivery& delivery,
                           std::string reason) const;
  // Leases, within `tx`, up to `max` deliveries of the caller's mailbox.
  absl::StatusOr<std::vector<Delivered>> LeaseInTx(WriteTx& tx, const policy::Policy& policy,
                                                   const CallContext& ctx, int max,
                                                   absl::Duration lease) const;
  // Leases one claimed delivery `d` of `m` to the caller, audited; `stored` are its records.
  absl::StatusOr<Delivered> LeaseOne(WriteTx& tx, const policy::Policy& policy,
                                     const CallContext& ctx, Message m, Delivery d,
                                     std::vector<StoredRecord> stored,
                                     const messaging_internal::Verdict& verdict,
                                     absl::Duration lease, absl::Time now) const;
  // The first part of Send in its transaction: the records the message will carry, each the
  // sender may send, and their total size; `refs` gets the versions decided on.
  absl::StatusOr<std::vector<StoredRecord>> SendableRecords(
      WriteTx& tx, const policy::Policy& policy, const CallContext& ctx, const SendParams& p,
      std::vector<RecordRef>& refs, AuditEntry& entry) const;
  // Refuses a send that would pass the sender's share of a recipient's mailbox, or fill it.
  absl::Status CheckMailboxRoom(WriteTx& tx, const std::string& sender, const SendParams& p,
                                AuditEntry& entry) const;
  // The delivery of `m` to `recipient`: pending if one of its roles may receive every record,
  // withheld (audited, reported) otherwise.
  absl::StatusOr<Delivery> Address(WriteTx& tx, const policy::Policy& policy,
                                   const CallContext& ctx, const Message& m,
                                   const std::string& recipient,
                                   const std::vector<StoredRecord>& stored,
                                   const policy::PersonContext& person) const;

  Storage& storage_;
  const audit::AuditLog& audit_log_;
  const policy::PolicyStore& policies_;
  const Clock& clock_;
  IdGenerator& ids_;
  Notifier& notifier_;
  Executor& executor_;
  const records::RecordService& records_;
  const std::map<std::string, AgencyInfo> agencies_;
  const MessagingLimits limits_;
  const int64_t sender_quota_;  // limits_.mailbox_sender_quota, or the fair share
  RateLimiter rate_;

  std::function<void(DeliveryState)> end_observer_;
};

}  // namespace throughcare::messaging

#endif  // THROUGHCARE_SERVICES_MESSAGING_MESSAGING_SERVICE_H_
