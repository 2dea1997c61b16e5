// MessagingService (domain): store-and-forward between agency mailboxes (see
// proto/throughcare/v1/messaging.proto for the contract as callers see it, and
// include/throughcare/message.h for a delivery's states).
//
// Every operation is one write transaction holding its state changes and their audit entries,
// answered after the commit is durable; concurrent sends share commits. Leases are taken on the
// storage's single writer, so no two receivers ever hold the same lease. Time comes from the
// injected clock: leases, retry delays and expiry are judged against it, and Sweep() (called
// periodically by the broker, directly by tests) settles whatever has fallen due.
// Thread-safe.
#ifndef THROUGHCARE_SERVICES_MESSAGING_MESSAGING_SERVICE_H_
#define THROUGHCARE_SERVICES_MESSAGING_MESSAGING_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/audit/audit_log.h"
#include "services/messaging/rate_limiter.h"
#include "services/policy/policy_store.h"
#include "services/records/record_service.h"
#include "throughcare/clock.h"
#include "throughcare/message.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::messaging {

// The sender agency id of the broker's own reports and notices.
inline constexpr absl::string_view kBrokerAgency = "throughcare";

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
  int64_t commit_number = 0;  // the commit that accepted it (see WriteTx::commit_number)
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

class MessagingService {
 public:
  // All references must outlive the service.
  MessagingService(Storage& storage, const audit::AuditLog& audit_log,
                   const policy::PolicyStore& policies, const Clock& clock,
                   const records::RecordService& records,
                   std::map<std::string, AgencyInfo> agencies, MessagingLimits limits);

  // NOT_FOUND for an unknown person (or one the sender has no relationship with) or record;
  // PERMISSION_DENIED when the sender may not send a record; ALREADY_EXISTS for a reused
  // idempotency key with different content; RESOURCE_EXHAUSTED for the rate, the sender's share
  // of a recipient's mailbox (naming quota, sender and recipient) or a full mailbox;
  // INVALID_ARGUMENT for an unknown recipient or a message over the size limit.
  void Send(const CallContext& ctx, SendParams params, audit::Reply<SendResult> reply);

  // Leases up to `max` deliveries of the caller's agency's mailbox for `lease`.
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

  // Mailbox signals: `fn` is called (on a storage or sweeper thread; it must be quick and must
  // not call Watch or Unwatch) when the mailbox of `agency` may have gained leasable deliveries.
  // Returns a handle for Unwatch. SignalAll wakes every watcher (the broker's periodic tick, for
  // deliveries whose retry delay has passed and notices queued by other services).
  int64_t Watch(const std::string& agency, std::function<void()> fn);
  void Unwatch(int64_t handle);
  void Signal(const std::string& agency);
  void SignalAll();

  // For the broker's metrics: called once per accepted message (on the storage's completion
  // thread), with whether it is the first message accepted in its commit. Set before serving.
  void set_accept_observer(std::function<void(bool first_in_commit)> fn) {
    accept_observer_ = std::move(fn);
  }
  // For the broker's metrics: called once for each delivery that ends withheld, expired or
  // dead-lettered (with that state), once the commit that ended it is durable, on the storage's
  // completion thread. Set before serving.
  void set_end_observer(std::function<void(DeliveryState)> fn) { end_observer_ = std::move(fn); }

  // For services that send inside their own transaction (referrals): Send's work without the
  // rate limit, recording the decision in `entry`; the caller appends `entry` and signals the
  // recipients after its commit.
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
                   DeliveryState state, std::string reason, const CallContext* by,
                   std::vector<std::string>& signal) const;
  // A lease that fell due (at `now`, or returned early): the delivery expires with its message,
  // dead-letters after its last attempt, or goes back to the mailbox. Returns the state reached.
  absl::StatusOr<DeliveryState> Lapse(WriteTx& tx, const policy::Policy& policy, Delivery& d,
                                      absl::Time now, std::vector<std::string>& signal) const;
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
                                                   absl::Duration lease,
                                                   std::vector<std::string>& signal) const;

  Storage& storage_;
  const audit::AuditLog& audit_log_;
  const policy::PolicyStore& policies_;
  const Clock& clock_;
  const records::RecordService& records_;
  const std::map<std::string, AgencyInfo> agencies_;
  const MessagingLimits limits_;
  const int64_t sender_quota_;  // limits_.mailbox_sender_quota, or the fair share
  RateLimiter rate_;

  absl::Mutex watch_mu_;
  int64_t next_watch_ ABSL_GUARDED_BY(watch_mu_) = 1;
  absl::flat_hash_map<int64_t, std::pair<std::string, std::function<void()>>> watchers_
      ABSL_GUARDED_BY(watch_mu_);

  std::function<void(bool)> accept_observer_;
  std::function<void(DeliveryState)> end_observer_;
  // The commit of the last accepted message; touched only on the storage's completion thread,
  // where replies run in commit order.
  int64_t last_accept_commit_ = -1;
};

}  // namespace throughcare::messaging

#endif  // THROUGHCARE_SERVICES_MESSAGING_MESSAGING_SERVICE_H_
