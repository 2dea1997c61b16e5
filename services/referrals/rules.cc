#include "services/referrals/rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace throughcare::referrals {
namespace {

// The main path, in order; a deadline to reach a state is met by it or any later state here.
constexpr ReferralState kPath[] = {
    ReferralState::kSent,          ReferralState::kReceived,     ReferralState::kAccepted,
    ReferralState::kAppointmentBooked, ReferralState::kFirstContact, ReferralState::kAssessed,
    ReferralState::kEngaged};

int PathIndex(ReferralState s) {
  for (int i = 0; i < static_cast<int>(std::size(kPath)); ++i) {
    if (kPath[i] == s) return i;
  }
  // Did not attend waits for a new appointment or first contact: after the booking.
  if (s == ReferralState::kDidNotAttend) return 3;
  return -1;
}

// The states the receiver may move a referral to from `from`.
std::vector<ReferralState> ReceiverMoves(ReferralState from) {
  using S = ReferralState;
  const std::vector<S> ending = {S::kClosed, S::kLostContact};
  auto with_ending = [&ending](std::vector<S> moves) {
    moves.insert(moves.end(), ending.begin(), ending.end());
    return moves;
  };
  switch (from) {
    case S::kSent:
      return {S::kReceived, S::kAccepted, S::kDeclined};
    case S::kReceived:
      return {S::kAccepted, S::kDeclined};
    case S::kAccepted:
      return with_ending({S::kAppointmentBooked, S::kFirstContact});
    case S::kAppointmentBooked:
      return with_ending({S::kFirstContact, S::kDidNotAttend});
    case S::kDidNotAttend:
      return with_ending({S::kAppointmentBooked, S::kFirstContact});
    case S::kFirstContact:
      return with_ending({S::kAssessed});
    case S::kAssessed:
      return with_ending({S::kEngaged});
    case S::kEngaged:
      return ending;
    default:
      return {};
  }
}

std::string Names(const std::vector<ReferralState>& states) {
  std::vector<std::string> names;
  for (ReferralState s : states) names.push_back(StateName(s));
  if (names.size() <= 1) return absl::StrJoin(names, "");
  return absl::StrCat(absl::StrJoin(names.begin(), names.end() - 1, ", "), " or ", names.back());
}

}  // namespace

std::string StateName(ReferralState s) {
  switch (s) {
    case ReferralState::kSent:
      return "sent";
    case ReferralState::kReceived:
      return "received";
    case ReferralState::kAccepted:
      return "accepted";
    case ReferralState::kDeclined:
      return "declined";
    case ReferralState::kAppointmentBooked:
      return "appointment_booked";
    case ReferralState::kFirstContact:
      return "first_contact";
    case ReferralState::kDidNotAttend:
      return "did_not_attend";
    case ReferralState::kAssessed:
      return "assessed";
    case ReferralState::kEngaged:
      return "engaged";
    case ReferralState::kClosed:
      return "closed";
    case ReferralState::kWithdrawn:
      return "withdrawn";
    case ReferralState::kLostContact:
      return "lost_contact";
  }
  return "unknown";
}

absl::Status CheckTransition(ReferralState from, ReferralState to, Side side) {
  if (IsFinal(from)) {
    return absl::FailedPreconditionError(
        absl::StrCat("referral is ", StateName(from), " (final); no transition is possible"));
  }
  if (side == Side::kReferrer) {
    if (to == ReferralState::kWithdrawn) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(
        "referral is ", StateName(from), "; the referring agency may only withdraw it (",
        StateName(to), " is the receiving agency's to record)"));
  }
  const std::vector<ReferralState> moves = ReceiverMoves(from);
  if (std::find(moves.begin(), moves.end(), to) != moves.end()) return absl::OkStatus();
  if (to == ReferralState::kWithdrawn) {
    return absl::FailedPreconditionError(absl::StrCat(
        "referral is ", StateName(from), "; only the referring agency may withdraw it"));
  }
  return absl::FailedPreconditionError(absl::StrCat("referral is ", StateName(from),
                                                    "; the receiving agency may move it to ",
                                                    Names(moves), ", not ", StateName(to)));
}

bool NeedsReason(ReferralState to) { return IsFinal(to); }

std::string StageName(Stage stage) {
  switch (stage) {
    case Stage::kReferred:
      return "referred";
    case Stage::kReceived:
      return "received";
    case Stage::kAccepted:
      return "accepted";
    case Stage::kFirstContact:
      return "first_contact";
    case Stage::kAssessed:
      return "assessed";
    case Stage::kEngaged:
      return "engaged";
  }
  return "unknown";
}

bool Meets(ReferralState state, ReferralState reach) {
  const int at = PathIndex(state);
  const int want = PathIndex(reach);
  return at >= 0 && want >= 0 && at >= want;
}

WorkingCalendar::WorkingCalendar(std::vector<absl::CivilDay> bank_holidays)
    : holidays_(bank_holidays.begin(), bank_holidays.end()) {
  for (absl::CivilDay day : bank_holidays) {
    if (!last_.has_value() || day > *last_) last_ = day;
  }
}

std::string WorkingCalendar::StaleWarning(absl::CivilDay today, int horizon) const {
  if (last_.has_value() && *last_ - today >= horizon) return "";
  return absl::StrCat(
      last_.has_value() ? absl::StrCat("the directory lists no bank holiday after ",
                                       absl::FormatCivilTime(*last_))
                        : "the directory lists no bank holidays",
      ", so working-day deadlines count every weekday from then on: add the coming bank "
      "holidays to its bank_holidays");
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  const absl::Weekday w = absl::GetWeekday(day);
  return w != absl::Weekday::saturday && w != absl::Weekday::sunday && !holidays_.contains(day);
}

absl::CivilDay WorkingCalendar::AddWorkingDays(absl::CivilDay day, int n) const {
  while (n > 0) {
    day += 1;
    if (IsWorkingDay(day)) --n;
  }
  return day;
}

std::optional<absl::Time> DueAt(const DeadlineRule& rule, absl::Time created_at,
                                const std::optional<absl::CivilDay>& event_date,
                                const WorkingCalendar& calendar) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  if (rule.from == DeadlineRule::From::kCreation) {
    if (!rule.working_days) return created_at + absl::Hours(24) * rule.days;
    const absl::CivilSecond at = absl::ToCivilSecond(created_at, utc);
    const absl::CivilDay day = calendar.AddWorkingDays(absl::CivilDay(at), rule.days);
    // The same time of day, on the working day reached.
    return created_at + (absl::FromCivil(day, utc) - absl::FromCivil(absl::CivilDay(at), utc));
  }
  if (!event_date.has_value()) return std::nullopt;
  if (rule.before_event) return absl::FromCivil(*event_date, utc);
  const absl::CivilDay last = rule.working_days ? calendar.AddWorkingDays(*event_date, rule.days)
                                                : *event_date + rule.days;
  return absl::FromCivil(last + 1, utc);
}

}  // namespace throughcare::referrals
