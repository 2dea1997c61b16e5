// Value types for store-and-forward messaging between agency mailboxes.
//
// A message is sent once and has one delivery per recipient agency. Each delivery moves through
//   kPending -> kLeased -> kAcked
//                  |  \-> kPending (lease expired, or nacked with a retry delay; attempt + 1)
//                  \----> kDeadLettered (rejected, or not acked after the maximum attempts)
//   kPending or kLeased -> kExpired (the message's expiry passed before an ack)
//   kWithheld (the policy refused the recipient, at send or at delivery)
// The last four are final.
#ifndef THROUGHCARE_MESSAGE_H_
#define THROUGHCARE_MESSAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace throughcare {

enum class MessageKind {
  kRecords = 1,           // a practitioner's message carrying records
  kReport = 2,            // the broker tells a sender what happened to one recipient
  kWithdrawalNotice = 3,  // the broker tells a recipient that a consent it received under ended
  kReferralUpdate = 4,    // the broker tells one side of a referral that the other moved it
  kEscalation = 5,        // the broker tells both sides of a referral that a deadline passed
};

enum class ReferralState;  // throughcare/referral.h

enum class DeliveryState {
  kPending = 1,
  kLeased = 2,
  kAcked = 3,
  kWithheld = 4,
  kExpired = 5,
  kDeadLettered = 6,
};

// A record version a message carries.
struct RecordRef {
  std::string record_id;
  int64_t version = 0;  // always a concrete version once stored
};

struct Message {
  std::string message_id;  // "msg_" + opaque id
  MessageKind kind = MessageKind::kRecords;
  // The sender. Reports and notices come from the broker: sender_agency "throughcare".
  std::string sender_agency;
  std::string sender_system;
  std::string sender_user;
  std::string sender_role;
  std::string subject_id;
  std::string purpose;
  std::string correlation_id;   // the sender's, e.g. a referral id; may be empty
  std::string idempotency_key;  // unique per sender agency; empty for broker messages
  std::string content_hash;     // hex SHA-256 of what was sent, to recognise a replay
  std::vector<RecordRef> records;
  // kReport: the message and recipient reported on, the state it reached and why.
  // kWithdrawalNotice: the consent withdrawn (in `notice_consent_id`), and the messages received
  // under it (in `notice_message_ids`).
  // kReferralUpdate: the referral (in `correlation_id`) moved to `notice_referral_state`, with
  // `notice_reason`. kEscalation: a deadline of the referral (in `correlation_id`) passed unmet;
  // `notice_reason` says which, for the supervising role `notice_for_role`.
  std::string notice_message_id;
  std::string notice_recipient;
  DeliveryState notice_state = DeliveryState::kPending;
  std::string notice_reason;
  std::string notice_consent_id;
  std::vector<std::string> notice_message_ids;
  ReferralState notice_referral_state{};
  std::string notice_for_role;
  absl::Time created_at;
  absl::Time expires_at;
};

// One recipient of one message: the recipient's mailbox entry and its tracking.
struct Delivery {
  std::string message_id;
  std::string recipient_agency;
  int64_t mailbox_seq = 0;  // assigned on insert; first in, first out within a mailbox
  DeliveryState state = DeliveryState::kPending;
  std::string reason;       // why withheld, expired or dead-lettered; the last nack's reason
  int attempts = 0;         // deliveries so far; the current lease's attempt number
  absl::Time available_at;  // kPending: not leased before this (a nack's retry delay)
  absl::Time expires_at;    // the message's expiry
  std::string lease_id;     // kLeased: the current lease; empty otherwise
  absl::Time lease_expires_at;  // kLeased: when the lease returns to the mailbox
  std::string leased_to_user;   // the practitioner of the latest lease
  // The consents the sharing relied on (at send, and at the latest delivery), so a withdrawal
  // can notify recipients that already received data under them.
  std::vector<std::string> consent_ids;
  std::optional<absl::Time> first_delivered_at;
  std::optional<absl::Time> acked_at;
  std::optional<absl::Time> ended_at;  // withheld, expired or dead-lettered
  absl::Time updated_at;
};

// A mailbox's open (pending or leased) deliveries, for metrics.
struct MailboxDepth {
  int64_t open = 0;
  // When the message of the first open delivery in mailbox order was sent; unset when none is
  // open.
  std::optional<absl::Time> oldest_sent_at;
};

}  // namespace throughcare

#endif  // THROUGHCARE_MESSAGE_H_
