// Value types for referrals: handoffs of a person from one agency to another, tracked as a state
// machine with deadlines (see proto/throughcare/v1/referrals.proto for the contract).
#ifndef THROUGHCARE_REFERRAL_H_
#define THROUGHCARE_REFERRAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "throughcare/message.h"

namespace throughcare {

// The numbers are the API's (ReferralState) and are stored.
enum class ReferralState {
  kSent = 1,
  kReceived = 2,
  kAccepted = 3,
  kDeclined = 4,
  kAppointmentBooked = 5,
  kFirstContact = 6,
  kDidNotAttend = 7,
  kAssessed = 8,
  kEngaged = 9,
  kClosed = 10,
  kWithdrawn = 11,
  kLostContact = 12,
};

// Declined, closed, withdrawn and lost contact are final.
inline bool IsFinal(ReferralState s) {
  return s == ReferralState::kDeclined || s == ReferralState::kClosed ||
         s == ReferralState::kWithdrawn || s == ReferralState::kLostContact;
}

struct ReferralTransition {
  ReferralState from = ReferralState::kSent;
  ReferralState to = ReferralState::kSent;
  std::string agency_id;
  std::string user_id;
  std::string reason;
  absl::Time at;
};

struct ReferralDeadline {
  std::string name;
  ReferralState reach = ReferralState::kReceived;
  std::optional<absl::Time> due_at;  // unset until the event date it runs from is known
  std::optional<absl::Time> met_at;
  std::optional<absl::Time> escalated_at;
  std::string supervisor_role;
};

struct Referral {
  std::string referral_id;  // "ref_" + opaque id
  std::string referral_type;
  std::string subject_id;
  std::string home_area;  // the person's, when it was routed
  std::string referring_agency;
  std::string referring_user;
  std::string receiving_agency;
  std::string contact;  // the single point of contact's team name
  ReferralState state = ReferralState::kSent;
  std::string reason;
  std::optional<absl::CivilDay> event_date;
  std::string note;
  std::string message_id;
  std::vector<RecordRef> records;
  std::string idempotency_key;
  std::string relationship_id;  // the receiver's REFERRAL relationship while accepted
  absl::Time created_at;
  absl::Time updated_at;
  // When the referral first reached each stage of the funnel (received ... engaged), for reports.
  std::optional<absl::Time> received_at;
  std::optional<absl::Time> accepted_at;
  std::optional<absl::Time> first_contact_at;
  std::optional<absl::Time> assessed_at;
  std::optional<absl::Time> engaged_at;
  std::vector<ReferralTransition> history;
  std::vector<ReferralDeadline> deadlines;
};

// How many referrals of a type are open, and how many of those are overdue (see ReferralQuery).
struct OpenReferralCount {
  std::string referral_type;
  int64_t open = 0;
  int64_t overdue = 0;
};

// A position in the newest-first order of referrals (created_at, then id, descending).
struct ReferralCursor {
  absl::Time created_at;
  std::string referral_id;
};

// Which of an agency's referrals a listing returns, newest first.
struct ReferralQuery {
  std::string agency_id;   // made or received by this agency
  std::string subject_id;  // empty: about anyone
  bool open_only = false;  // not in a final state
  // Only those overdue at this time: a deadline escalated, or, while open, one due by then and
  // not met.
  std::optional<absl::Time> overdue_at;
  std::optional<ReferralCursor> after;  // pagination: only those after this one
  int limit = 100;
};

}  // namespace throughcare

#endif  // THROUGHCARE_REFERRAL_H_
