// The rules of referrals, as pure functions: which transitions each side may make, when a
// deadline falls due (calendar or working days, bank holidays skipped), and which stage of the
// funnel a state has reached. No storage, no clock: callers pass the time.
#ifndef THROUGHCARE_SERVICES_REFERRALS_RULES_H_
#define THROUGHCARE_SERVICES_REFERRALS_RULES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "throughcare/referral.h"

namespace throughcare::referrals {

// Who asks for a transition: the agency that made the referral, or the one that received it.
enum class Side { kReferrer, kReceiver };

// OK if `side` may move a referral from `from` to `to`; otherwise FailedPrecondition naming the
// current state and what is possible from it, e.g. "referral is declined (final); no transition
// is possible" or "referral is sent; the receiver may move it to received, accepted or declined".
absl::Status CheckTransition(ReferralState from, ReferralState to, Side side);

// Transitions that need a reason: declined, withdrawn, lost contact, closed (the outcome).
bool NeedsReason(ReferralState to);

// The API's lower-case name of a state, e.g. "appointment_booked".
std::string StateName(ReferralState s);

// The funnel's stages, in order (report.h counts a later stage as having passed the earlier
// ones).
enum class Stage { kReferred, kReceived, kAccepted, kFirstContact, kAssessed, kEngaged };
inline constexpr Stage kStages[] = {Stage::kReferred,     Stage::kReceived, Stage::kAccepted,
                                    Stage::kFirstContact, Stage::kAssessed, Stage::kEngaged};
std::string StageName(Stage stage);
// The order of main-path states, for deadlines: a deadline to reach `reach` is met by any state
// at or after it on the path sent, received, accepted, appointment booked, first contact,
// assessed, engaged.
bool Meets(ReferralState state, ReferralState reach);

// When a deadline falls due.
struct DeadlineRule {
  std::string name;  // e.g. "acknowledged"
  ReferralState reach = ReferralState::kReceived;
  enum class From { kCreation, kEvent } from = From::kCreation;
  // kCreation: `days` (or working days) after the creation time, at the same time of day.
  // kEvent: the end of the `days`th day (or working day) after the event date; with
  // `before_event`, the start of the event date itself (e.g. "accepted before release").
  int days = 0;
  bool working_days = false;
  bool before_event = false;
  std::string supervisor_role;
};

// Weekends (Saturday, Sunday) and bank holidays are not working days. Days are UTC calendar
// days.
class WorkingCalendar {
 public:
  explicit WorkingCalendar(std::vector<absl::CivilDay> bank_holidays);
  bool IsWorkingDay(absl::CivilDay day) const;
  // The `n`th working day after `day` (n >= 0; 0 is `day` itself).
  absl::CivilDay AddWorkingDays(absl::CivilDay day, int n) const;
  // A warning for the operator when the bank holidays listed end less than `horizon` days after
  // `today` (after them every weekday counts as a working day); empty while they reach further.
  std::string StaleWarning(absl::CivilDay today, int horizon) const;

 private:
  absl::flat_hash_set<absl::CivilDay> holidays_;
  std::optional<absl::CivilDay> last_;  // the latest bank holiday listed
};

// The deadline's due time, or nullopt when it runs from an event date not yet known.
std::optional<absl::Time> DueAt(const DeadlineRule& rule, absl::Time created_at,
                                const std::optional<absl::CivilDay>& event_date,
                                const WorkingCalendar& calendar);

}  // namespace throughcare::referrals

#endif  // THROUGHCARE_SERVICES_REFERRALS_RULES_H_
