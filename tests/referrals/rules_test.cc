// The referral rules: every transition for both sides against a table written out here, the
// funnel stages, and deadlines across weekends and bank holidays.
#include "services/referrals/rules.h"

#include <set>
#include <tuple>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace throughcare::referrals {
namespace {

using ::testing::HasSubstr;
using S = ReferralState;

constexpr S kAll[] = {S::kSent,         S::kReceived,     S::kAccepted,  S::kDeclined,
                      S::kAppointmentBooked, S::kFirstContact, S::kDidNotAttend, S::kAssessed,
                      S::kEngaged,      S::kClosed,       S::kWithdrawn, S::kLostContact};

// The legal moves, written out from the contract in referrals.proto.
const std::set<std::tuple<S, S, Side>>& Legal() {
  static const auto* legal = [] {
    auto* l = new std::set<std::tuple<S, S, Side>>{
        {S::kSent, S::kReceived, Side::kReceiver},
        {S::kSent, S::kAccepted, Side::kReceiver},
        {S::kSent, S::kDeclined, Side::kReceiver},
        {S::kReceived, S::kAccepted, Side::kReceiver},
        {S::kReceived, S::kDeclined, Side::kReceiver},
        {S::kAccepted, S::kAppointmentBooked, Side::kReceiver},
        {S::kAccepted, S::kFirstContact, Side::kReceiver},
        {S::kAppointmentBooked, S::kFirstContact, Side::kReceiver},
        {S::kAppointmentBooked, S::kDidNotAttend, Side::kReceiver},
        {S::kDidNotAttend, S::kAppointmentBooked, Side::kReceiver},
        {S::kDidNotAttend, S::kFirstContact, Side::kReceiver},
        {S::kFirstContact, S::kAssessed, Side::kReceiver},
        {S::kAssessed, S::kEngaged, Side::kReceiver},
    };
    // After acceptance the receiver may close or lose contact at any open state.
    for (S from : {S::kAccepted, S::kAppointmentBooked, S::kDidNotAttend, S::kFirstContact,
                   S::kAssessed, S::kEngaged}) {
      l->insert({from, S::kClosed, Side::kReceiver});
      l->insert({from, S::kLostContact, Side::kReceiver});
    }
    // The referrer may withdraw any open referral.
    for (S from : {S::kSent, S::kReceived, S::kAccepted, S::kAppointmentBooked,
                   S::kDidNotAttend, S::kFirstContact, S::kAssessed, S::kEngaged}) {
      l->insert({from, S::kWithdrawn, Side::kReferrer});
    }
    return l;
  }();
  return *legal;
}

TEST(TransitionsTest, EveryTransitionOfBothSidesMatchesTheTable) {
  int legal = 0, illegal = 0;
  for (S from : kAll) {
    for (S to : kAll) {
      for (Side side : {Side::kReferrer, Side::kReceiver}) {
        const absl::Status s = CheckTransition(from, to, side);
        const bool want = Legal().count({from, to, side}) > 0;
        EXPECT_EQ(s.ok(), want) << StateName(from) << " -> " << StateName(to) << " by "
                                << (side == Side::kReferrer ? "referrer" : "receiver") << ": "
                                << s;
        if (!want) {
          EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
          // The message names the current state.
          EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("referral is ", StateName(from))));
          ++illegal;
        } else {
          ++legal;
        }
      }
    }
  }
  EXPECT_EQ(legal, static_cast<int>(Legal().size()));
  EXPECT_EQ(legal + illegal, 12 * 12 * 2);
}

TEST(TransitionsTest, RefusalsSayWhatIsPossible) {
  EXPECT_EQ(CheckTransition(S::kSent, S::kEngaged, Side::kReceiver).message(),
            "referral is sent; the receiving agency may move it to received, accepted or "
            "declined, not engaged");
  EXPECT_EQ(CheckTransition(S::kClosed, S::kEngaged, Side::kReceiver).message(),
            "referral is closed (final); no transition is possible");
  EXPECT_THAT(CheckTransition(S::kSent, S::kAccepted, Side::kReferrer).message(),
              HasSubstr("may only withdraw it"));
  EXPECT_THAT(CheckTransition(S::kAccepted, S::kWithdrawn, Side::kReceiver).message(),
              HasSubstr("only the referring agency may withdraw it"));
}

TEST(TransitionsTest, FinalStatesNeedAReason) {
  for (S s : kAll) {
    EXPECT_EQ(NeedsReason(s), s == S::kDeclined || s == S::kClosed || s == S::kWithdrawn ||
                                  s == S::kLostContact)
        << StateName(s);
  }
}

TEST(StagesTest, LaterStatesMeetEarlierDeadlines) {
  EXPECT_TRUE(Meets(S::kReceived, S::kReceived));
  EXPECT_TRUE(Meets(S::kAccepted, S::kReceived));
  EXPECT_TRUE(Meets(S::kEngaged, S::kFirstContact));
  EXPECT_TRUE(Meets(S::kDidNotAttend, S::kAccepted));
  EXPECT_FALSE(Meets(S::kDidNotAttend, S::kFirstContact));
  EXPECT_FALSE(Meets(S::kSent, S::kReceived));
  EXPECT_FALSE(Meets(S::kDeclined, S::kReceived));
  EXPECT_FALSE(Meets(S::kWithdrawn, S::kAccepted));
}

DeadlineRule Rule(std::string name, S reach, DeadlineRule::From from, int days,
                  bool working_days = false, bool before_event = false) {
  DeadlineRule rule;
  rule.name = std::move(name);
  rule.reach = reach;
  rule.from = from;
  rule.days = days;
  rule.working_days = working_days;
  rule.before_event = before_event;
  return rule;
}

absl::Time At(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), absl::UTCTimeZone());
}

// 2026-12-25 (Friday) and 2026-12-28 (Monday) are bank holidays here.
const WorkingCalendar kCalendar({absl::CivilDay(2026, 12, 25), absl::CivilDay(2026, 12, 28)});

TEST(DeadlinesTest, WorkingDaysSkipWeekendsAndBankHolidays) {
  EXPECT_TRUE(kCalendar.IsWorkingDay(absl::CivilDay(2026, 12, 24)));   // Thursday
  EXPECT_FALSE(kCalendar.IsWorkingDay(absl::CivilDay(2026, 12, 25)));  // holiday
  EXPECT_FALSE(kCalendar.IsWorkingDay(absl::CivilDay(2026, 12, 26)));  // Saturday
  EXPECT_FALSE(kCalendar.IsWorkingDay(absl::CivilDay(2026, 12, 28)));  // holiday
  EXPECT_EQ(kCalendar.AddWorkingDays(absl::CivilDay(2026, 12, 24), 1),
            absl::CivilDay(2026, 12, 29));
  EXPECT_EQ(kCalendar.AddWorkingDays(absl::CivilDay(2026, 11, 20), 2),  // Friday
            absl::CivilDay(2026, 11, 24));                                // Tuesday
  EXPECT_EQ(kCalendar.AddWorkingDays(absl::CivilDay(2026, 11, 21), 1),  // Saturday
            absl::CivilDay(2026, 11, 23));                                // Monday
  EXPECT_EQ(kCalendar.AddWorkingDays(absl::CivilDay(2026, 11, 20), 0),
            absl::CivilDay(2026, 11, 20));
}

TEST(DeadlinesTest, AStaleListOfBankHolidaysIsWarnedOf) {
  // The calendar's last bank holiday is 2026-12-28.
  EXPECT_EQ(kCalendar.StaleWarning(absl::CivilDay(2026, 7, 1), 180), "");  // 180 days ahead
  EXPECT_THAT(kCalendar.StaleWarning(absl::CivilDay(2026, 7, 2), 180),    // 179 days ahead
              HasSubstr("no bank holiday after 2026-12-28"));
  EXPECT_THAT(WorkingCalendar({}).StaleWarning(absl::CivilDay(2026, 7, 1), 180),
              HasSubstr("lists no bank holidays"));
}

TEST(DeadlinesTest, DueTimes) {
  DeadlineRule acknowledged = Rule("acknowledged", S::kReceived, DeadlineRule::From::kCreation,
                                   2, /*working_days=*/true);
  // Created Thursday 24 Dec 15:30: Friday and Monday are holidays, so Wednesday 30 Dec 15:30.
  EXPECT_EQ(DueAt(acknowledged, At(2026, 12, 24, 15, 30), std::nullopt, kCalendar),
            At(2026, 12, 30, 15, 30));
  // Created Friday 20 Nov 09:00: Tuesday 24 Nov 09:00.
  EXPECT_EQ(DueAt(acknowledged, At(2026, 11, 20, 9), std::nullopt, kCalendar),
            At(2026, 11, 24, 9));
  DeadlineRule calendar_days = Rule("review", S::kAssessed, DeadlineRule::From::kCreation, 3);
  EXPECT_EQ(DueAt(calendar_days, At(2026, 11, 20, 9), std::nullopt, kCalendar),
            At(2026, 11, 23, 9));

  DeadlineRule before = Rule("accepted_before_release", S::kAccepted, DeadlineRule::From::kEvent,
                             0, false, /*before_event=*/true);
  EXPECT_EQ(DueAt(before, At(2026, 11, 1), absl::CivilDay(2026, 12, 3), kCalendar),
            At(2026, 12, 3));
  EXPECT_EQ(DueAt(before, At(2026, 11, 1), std::nullopt, kCalendar), std::nullopt);

  DeadlineRule first_contact = Rule("first_contact", S::kFirstContact, DeadlineRule::From::kEvent, 5);
  // Released Thursday 3 Dec: by the end of Tuesday 8 Dec.
  EXPECT_EQ(DueAt(first_contact, At(2026, 11, 1), absl::CivilDay(2026, 12, 3), kCalendar),
            At(2026, 12, 9));
  first_contact.working_days = true;
  // Released Wednesday 23 Dec: 5 working days are 24, 29, 30, 31 Dec and 1 Jan.
  EXPECT_EQ(DueAt(first_contact, At(2026, 11, 1), absl::CivilDay(2026, 12, 23), kCalendar),
            At(2027, 1, 2));
}

}  // namespace
}  // namespace throughcare::referrals
