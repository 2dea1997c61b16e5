// The funnel report against a dataset whose expected counts, attrition and times are written
// out here by hand.
#include "services/referrals/report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace throughcare::referrals {
namespace {

using S = ReferralState;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 11, 2, 9, 0, 0), absl::UTCTimeZone());
const absl::Time kNow = kT0 + absl::Hours(24 * 30);

// A referral made at kT0 that reached the stages at the given hours (negative: never).
Referral Made(std::string id, S state, double received, double accepted = -1,
              double first_contact = -1, double assessed = -1, double engaged = -1,
              std::string type = "drug_treatment_on_release", std::string area = "E99999001",
              std::string agency = "cjit-east") {
  Referral r;
  r.referral_id = std::move(id);
  r.referral_type = std::move(type);
  r.home_area = std::move(area);
  r.receiving_agency = std::move(agency);
  r.state = state;
  r.created_at = kT0;
  auto at = [](double h) -> std::optional<absl::Time> {
    if (h < 0) return std::nullopt;
    return kT0 + absl::Hours(h);
  };
  r.received_at = at(received);
  r.accepted_at = at(accepted);
  r.first_contact_at = at(first_contact);
  r.assessed_at = at(assessed);
  r.engaged_at = at(engaged);
  return r;
}

ReferralDeadline Deadline(std::optional<absl::Time> due, std::optional<absl::Time> met = {},
                          std::optional<absl::Time> escalated = {}) {
  ReferralDeadline d;
  d.name = "acknowledged";
  d.due_at = due;
  d.met_at = met;
  d.escalated_at = escalated;
  return d;
}

std::vector<Referral> Dataset() {
  std::vector<Referral> all = {
      Made("r1", S::kEngaged, 1, 10, 50, 100, 200),
      Made("r2", S::kAssessed, 2, 20, 60, 120),
      Made("r3", S::kLostContact, 3, 30, 70),
      Made("r4", S::kAccepted, 4, 40),
      Made("r5", S::kAccepted, -1, 5),  // accepted straight from sent: received then too
      Made("r6", S::kDeclined, 6),
      Made("r7", S::kReceived, 7),
      Made("r8", S::kWithdrawn, -1),
      Made("r9", S::kSent, -1),
      Made("r10", S::kSent, -1),
      Made("r11", S::kSent, -1, -1, -1, -1, -1, "drug_treatment_on_release", "E99999002",
           "cjit-west"),
      Made("r12", S::kReceived, 3, -1, -1, -1, -1, "accommodation_on_release", "E99999001",
           "housing-east"),
  };
  all[0].deadlines = {Deadline(kT0 + absl::Hours(48), kT0 + absl::Hours(1))};  // met
  all[3].deadlines = {Deadline(kT0 + absl::Hours(48))};     // passed unmet, open: overdue
  all[7].deadlines = {Deadline(kT0 + absl::Hours(48))};     // passed unmet, but withdrawn
  all[8].deadlines = {Deadline(kNow + absl::Hours(1))};     // not due yet
  all[9].deadlines = {Deadline(kT0 + absl::Hours(48), {}, kT0 + absl::Hours(48))};  // escalated
  return all;
}

void ExpectStage(const StageFigures& f, Stage stage, int64_t count, double attrition,
                 double median, double p90) {
  SCOPED_TRACE(StageName(stage));
  EXPECT_EQ(f.stage, stage);
  EXPECT_EQ(f.count, count);
  EXPECT_NEAR(f.attrition_percent, attrition, 0.01);
  EXPECT_DOUBLE_EQ(f.median_hours, median);
  EXPECT_DOUBLE_EQ(f.p90_hours, p90);
}

TEST(FunnelTest, CountsAttritionAndTimesPerTypeAndArea) {
  std::vector<FunnelRow> rows = BuildFunnel(Dataset(), /*by_receiving_agency=*/false, kNow);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].referral_type, "accommodation_on_release");
  EXPECT_EQ(rows[1].referral_type, "drug_treatment_on_release");
  EXPECT_EQ(rows[1].group, "E99999001");
  EXPECT_EQ(rows[2].group, "E99999002");

  const FunnelRow& east = rows[1];
  ASSERT_EQ(east.stages.size(), 6u);
  ExpectStage(east.stages[0], Stage::kReferred, 10, 0, 0, 0);
  // Received: r1-r7 at 1..7 hours (r5 when accepted, at 5). 3 of 10 lost: 30%.
  ExpectStage(east.stages[1], Stage::kReceived, 7, 30, 4, 7);
  // Accepted: r1-r5 at 10, 20, 30, 40, 5 hours. 2 of 7 lost.
  ExpectStage(east.stages[2], Stage::kAccepted, 5, 200.0 / 7, 20, 40);
  ExpectStage(east.stages[3], Stage::kFirstContact, 3, 40, 60, 70);
  ExpectStage(east.stages[4], Stage::kAssessed, 2, 100.0 / 3, 110, 120);
  ExpectStage(east.stages[5], Stage::kEngaged, 1, 50, 200, 200);
  EXPECT_EQ(east.overdue, 2);  // r4 (unmet, open) and r10 (escalated)
  EXPECT_EQ(east.declined, 1);
  EXPECT_EQ(east.withdrawn, 1);
  EXPECT_EQ(east.lost_contact, 1);

  const FunnelRow& other = rows[2];
  ExpectStage(other.stages[0], Stage::kReferred, 1, 0, 0, 0);
  ExpectStage(other.stages[1], Stage::kReceived, 0, 100, 0, 0);
  ExpectStage(other.stages[2], Stage::kAccepted, 0, 0, 0, 0);  // none reached the stage before
  EXPECT_EQ(other.overdue, 0);

  ExpectStage(rows[0].stages[1], Stage::kReceived, 1, 0, 3, 3);
}

// Counts from 1 to 4 are withheld with their times and with the attrition that would give them
// away; 0 and 5 or more are shown.
TEST(FunnelTest, SmallCountsAreWithheldWithWhatWouldGiveThemAway) {
  std::vector<FunnelRow> rows = BuildFunnel(Dataset(), /*by_receiving_agency=*/false, kNow);
  SuppressSmallCounts(rows, 5);
  const FunnelRow& east = rows[1];
  ExpectStage(east.stages[0], Stage::kReferred, 10, 0, 0, 0);
  ExpectStage(east.stages[1], Stage::kReceived, 7, 30, 4, 7);
  ExpectStage(east.stages[2], Stage::kAccepted, 5, 200.0 / 7, 20, 40);  // 5 is shown
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(east.stages[i].suppressed) << i;
  for (int i = 3; i < 6; ++i) {
    ExpectStage(east.stages[i], kStages[i], 0, 0, 0, 0);
    EXPECT_TRUE(east.stages[i].suppressed) << i;
  }
  EXPECT_EQ(east.overdue, 0);
  EXPECT_TRUE(east.overdue_suppressed);
  EXPECT_TRUE(east.declined_suppressed);
  EXPECT_TRUE(east.withdrawn_suppressed);
  EXPECT_TRUE(east.lost_contact_suppressed);

  // A zero is shown, but not the attrition that follows a withheld count.
  const FunnelRow& other = rows[2];
  EXPECT_TRUE(other.stages[0].suppressed);
  EXPECT_FALSE(other.stages[1].suppressed);
  ExpectStage(other.stages[1], Stage::kReceived, 0, 0, 0, 0);
  EXPECT_EQ(other.overdue, 0);
  EXPECT_FALSE(other.overdue_suppressed);

  // A threshold of 1 withholds nothing.
  std::vector<FunnelRow> all = BuildFunnel(Dataset(), false, kNow);
  SuppressSmallCounts(all, 1);
  EXPECT_EQ(all[1].stages[5].count, 1);
  EXPECT_FALSE(all[1].stages[5].suppressed);
}

TEST(FunnelTest, GroupsByReceivingAgency) {
  std::vector<FunnelRow> rows = BuildFunnel(Dataset(), /*by_receiving_agency=*/true, kNow);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].group, "housing-east");
  EXPECT_EQ(rows[1].group, "cjit-east");
  EXPECT_EQ(rows[1].stages[0].count, 10);
  EXPECT_EQ(rows[2].group, "cjit-west");
}

TEST(FunnelTest, OverdueMeansPassedUnmetOnAnOpenReferralOrEscalated) {
  std::vector<Referral> all = Dataset();
  EXPECT_FALSE(IsOverdue(all[0], kNow));  // met
  EXPECT_TRUE(IsOverdue(all[3], kNow));
  EXPECT_FALSE(IsOverdue(all[3], kT0 + absl::Hours(47)));  // not yet due
  EXPECT_TRUE(IsOverdue(all[3], kT0 + absl::Hours(48)));   // due exactly now
  EXPECT_FALSE(IsOverdue(all[7], kNow));  // withdrawn
  EXPECT_FALSE(IsOverdue(all[8], kNow));
  EXPECT_TRUE(IsOverdue(all[9], kNow));
  EXPECT_TRUE(BuildFunnel({}, false, kNow).empty());
}

}  // namespace
}  // namespace throughcare::referrals
