// The crash harness's record of what its clients saw (sends answered, deliveries, confirmed
// acknowledgements) and the checks of at-least-once delivery made on it.
#ifndef THROUGHCARE_TESTS_CRASH_LEDGER_H_
#define THROUGHCARE_TESTS_CRASH_LEDGER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace throughcare::crash {

// What the checks found. Each list holds one line per offence.
struct Findings {
  // a. Message ids Send answered OK with that were never delivered.
  std::vector<std::string> lost;
  // b. Delivered message ids that no Send returned.
  std::vector<std::string> phantom;
  // c. Deliveries that were not redeliveries of an unsettled message: an attempt number that
  // does not rise, a lease id seen before, a delivery after a confirmed ack.
  std::vector<std::string> duplicate;
  // Idempotency keys answered with different message ids, or replayed without duplicate = true.
  std::vector<std::string> key_mismatch;
};

// Counters for progress lines and the summary.
struct Tally {
  int64_t sends_acknowledged = 0;  // distinct keys answered OK
  int64_t replays = 0;             // OK answers beyond the first for a key
  // Keys whose first OK was already a duplicate: accepted before a crash lost the answer.
  int64_t answered_on_retry = 0;
  int64_t delivered = 0;       // distinct message ids delivered
  int64_t deliveries = 0;      // deliveries in all
  int64_t acks_confirmed = 0;  // distinct messages whose ack was confirmed
  int64_t acks_refused = 0;    // settlement results with an error (e.g. an expired lease)
  int max_attempt = 0;
};

// Thread-safe. Deliveries and ack confirmations are numbered in the order they are recorded; the
// harness records them from one subscriber thread, in the order the streams gave them.
class Ledger {
 public:
  // A Send for `key` was answered OK with `message_id`; `duplicate` as the answer said.
  void SendAcknowledged(const std::string& key, const std::string& message_id, bool duplicate);
  // The subscriber received a delivery.
  void Delivered(const std::string& message_id, int attempt, const std::string& lease_id);
  // A settlement result: the ack of `message_id` was durably applied (ACKNOWLEDGED, no error).
  void AckConfirmed(const std::string& message_id);
  // A settlement result with an error.
  void AckRefused();

  Tally tally() const;
  // When the subscriber last recorded anything (a delivery or a settlement result).
  absl::Time last_subscriber_event() const;
  // Message ids Send returned whose ack has not been confirmed, excluding `settled` (ids whose
  // outcome is known otherwise), sorted.
  std::vector<std::string> Unconfirmed(const absl::flat_hash_set<std::string>& settled) const;
  // The idempotency key a message id was returned for, or "".
  std::string KeyOf(const std::string& message_id) const;

  // Runs checks a (lost), b (phantom), c (duplicate) and the idempotency check.
  Findings Check() const;

 private:
  struct Delivery {
    int64_t seq;
    int attempt;
    std::string lease_id;
  };
  struct MessageLog {
    std::vector<Delivery> deliveries;
    std::optional<int64_t> first_ack_seq;
  };

  void CheckDeliveries(const std::string& message_id, const MessageLog& log,
                       std::vector<std::string>& out) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  // The first message id each key was answered with.
  absl::flat_hash_map<std::string, std::string> id_of_key_ ABSL_GUARDED_BY(mu_);
  // Every message id a Send returned, with its key.
  absl::flat_hash_map<std::string, std::string> key_of_id_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> key_mismatch_ ABSL_GUARDED_BY(mu_);
  int64_t replays_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t answered_on_retry_ ABSL_GUARDED_BY(mu_) = 0;
  // What the subscriber saw of each message.
  absl::flat_hash_map<std::string, MessageLog> messages_ ABSL_GUARDED_BY(mu_);
  int64_t deliveries_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t acks_confirmed_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t acks_refused_ ABSL_GUARDED_BY(mu_) = 0;
  int max_attempt_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_subscriber_event_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace throughcare::crash

#endif  // THROUGHCARE_TESTS_CRASH_LEDGER_H_
