// The policy file's sections on how people become known and visible (identifiers,
// relationship_starts) and what reports show (reporting): loading errors with their lines, and
// the demo policy's choices.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/policy/policy.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::throughcare::testing::StatusIs;

// The demo policy, found from this file's path (tests run in the build directory).
std::string DemoPolicyPath() {
  const std::string file = __FILE__;
  return file.substr(0, file.rfind("tests/policy/")) + "deploy/policy.yaml";
}

// 20 lines; the sections under test follow from line 21.
constexpr char kBase[] = R"(roles:
  - id: nurse
    description: A nurse.
  - id: probation
    description: An offender manager.
data_classes:
  - id: identity
    description: Who.
  - id: audit
    description: Log.
purposes:
  - id: care
    description: Care.
labels:
  - id: sealed
    description: Sealed.
rules:
  - {id: r, description: R., roles: [nurse], actions: [subject.read], data_classes: [identity],
     purposes: [care]}
break_glass: {roles: [probation], min_reason_length: 10}
)";

absl::StatusOr<std::shared_ptr<const Policy>> Parse(absl::string_view tail) {
  return Policy::Parse(absl::StrCat(kBase, tail), "p.yaml");
}

struct Bad {
  const char* name;
  const char* tail;
  const char* error;
};

class SectionErrorsTest : public ::testing::TestWithParam<Bad> {};

TEST_P(SectionErrorsTest, NameTheLine) {
  EXPECT_THAT(Parse(GetParam().tail),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, SectionErrorsTest,
    ::testing::Values(
        Bad{"UnknownIdentifierKind", "identifiers:\n  - kind: passport\n    agency_kinds: [prison]\n",
            "p.yaml:22: identifiers[0]: unknown identifier kind 'passport' (expected one of pnc, "
            "noms, crn, nhs_number, la_reference)"},
        Bad{"IdentifierKindTwice",
            "identifiers:\n  - {kind: noms, agency_kinds: [prison]}\n"
            "  - {kind: noms, agency_kinds: [police]}\n",
            "p.yaml:23: identifier kind 'noms' is listed twice"},
        Bad{"MalformedAgencyKind", "identifiers:\n  - {kind: noms, agency_kinds: [Prison]}\n",
            "p.yaml:22: identifier kind 'noms': agency_kinds entries must match [a-z][a-z0-9_]*"},
        Bad{"EmptyAgencyKinds", "identifiers:\n  - {kind: noms, agency_kinds: []}\n",
            "p.yaml:22: identifier kind 'noms': agency_kinds must be a non-empty list of agency "
            "kinds"},
        Bad{"ReferralIsNoStart",
            "relationship_starts:\n  - {id: s, description: S., kinds: [referral], "
            "roles: [nurse], agency_kinds: [prison]}\n",
            "p.yaml:22: relationship start 's': unknown relationship kind 'referral' (expected "
            "one of allocation, custody); a referral relationship begins only when a referral "
            "is accepted"},
        Bad{"StartUnknownRole",
            "relationship_starts:\n  - {id: s, description: S., kinds: [allocation], "
            "roles: [surgeon], agency_kinds: [prison]}\n",
            "p.yaml:22: relationship start 's': unknown role 'surgeon'"},
        Bad{"StartSelfClaimNotBoolean",
            "relationship_starts:\n  - {id: s, description: S., kinds: [allocation], "
            "roles: [nurse], agency_kinds: [prison], self_claim: yes}\n",
            "p.yaml:22: relationship start 's': self_claim must be one of false, true, not "
            "'yes'"},
        Bad{"StartTwice",
            "relationship_starts:\n  - {id: s, description: S., kinds: [allocation], "
            "roles: [nurse], agency_kinds: [prison]}\n  - {id: s, description: S., kinds: "
            "[custody], roles: [nurse], agency_kinds: [prison]}\n",
            "p.yaml:23: relationship start 's' is declared twice"},
        Bad{"ReportingMinCountZero", "reporting:\n  min_count: 0\n",
            "p.yaml:22: reporting: min_count must be a whole number from 1 to 100"},
        Bad{"ReportingUnknownKey", "reporting:\n  national: [nurse]\n",
            "p.yaml:22: reporting: unknown key 'national' (expected ; optional national_roles, "
            "min_count)"}),
    [](const ::testing::TestParamInfo<Bad>& info) { return info.param.name; });

TEST(PolicySectionsTest, AbsentSectionsGrantNothing) {
  ASSERT_OK_AND_ASSIGN(auto policy, Parse(""));
  std::string why;
  EXPECT_FALSE(policy->MayRegisterIdentifier("prison", IdentifierKind::kNoms, &why));
  EXPECT_THAT(why, HasSubstr("may: []"));
  const StartDecision d = policy->DecideRelationshipStart(
      "probation", "probation", RelationshipKind::kAllocation, "a reason long enough");
  EXPECT_EQ(d.kind, StartKind::kRefused);
  EXPECT_THAT(d.reason, HasSubstr("relationships come from workflows"));
  EXPECT_FALSE(policy->IsNationalReportRole("probation"));
  EXPECT_EQ(policy->report_min_count(), 5);
  EXPECT_TRUE(policy->agency_kinds().empty());
}

TEST(PolicySectionsTest, TheFirstMatchingStartDecidesAndSelfClaimsNeedTheBreakGlassLength) {
  ASSERT_OK_AND_ASSIGN(auto policy, Parse(R"(relationship_starts:
  - {id: allocate, description: A., kinds: [allocation], roles: [probation],
     agency_kinds: [probation]}
  - {id: claim, description: C., kinds: [allocation, custody], roles: [nurse, probation],
     agency_kinds: [prison_healthcare, probation], self_claim: true}
reporting: {national_roles: [nurse], min_count: 3}
)"));
  StartDecision d =
      policy->DecideRelationshipStart("probation", "probation", RelationshipKind::kAllocation, "");
  EXPECT_EQ(d.kind, StartKind::kWorkflow) << d.reason;
  EXPECT_EQ(d.rule_id, "allocate");
  d = policy->DecideRelationshipStart("probation", "probation", RelationshipKind::kCustody,
                                      "  nine char  ");
  EXPECT_EQ(d.kind, StartKind::kRefused) << "nine characters once trimmed";
  EXPECT_THAT(d.reason, HasSubstr("needs a reason of at least 10 characters"));
  d = policy->DecideRelationshipStart("probation", "probation", RelationshipKind::kCustody,
                                      "ten chars!");
  EXPECT_EQ(d.kind, StartKind::kSelfClaim) << d.reason;
  EXPECT_EQ(d.rule_id, "claim");
  d = policy->DecideRelationshipStart("nurse", "prison", RelationshipKind::kAllocation,
                                      "a reason long enough");
  EXPECT_EQ(d.kind, StartKind::kRefused) << "not an agency kind the entry names";
  EXPECT_TRUE(policy->IsNationalReportRole("nurse"));
  EXPECT_FALSE(policy->IsNationalReportRole("probation"));
  EXPECT_EQ(policy->report_min_count(), 3);
  EXPECT_THAT(policy->agency_kinds(), ElementsAre("prison_healthcare", "probation"));
}

// The demo policy: who registers which identifiers, which relationship starts are workflows and
// which self-claims, and who sees national reports.
TEST(DemoPolicySectionsTest, IdentifiersStartsAndReporting) {
  ASSERT_OK_AND_ASSIGN(auto policy, Policy::LoadFile(DemoPolicyPath()));
  const struct {
    const char* agency_kind;
    IdentifierKind kind;
  } registrants[] = {{"prison", IdentifierKind::kNoms},
                     {"probation", IdentifierKind::kCrn},
                     {"police", IdentifierKind::kPnc},
                     {"health", IdentifierKind::kNhsNumber},
                     {"prison_healthcare", IdentifierKind::kNhsNumber},
                     {"housing", IdentifierKind::kLocalAuthorityRef}};
  for (const auto& r : registrants) {
    EXPECT_TRUE(policy->MayRegisterIdentifier(r.agency_kind, r.kind, nullptr)) << r.agency_kind;
  }
  EXPECT_FALSE(policy->MayRegisterIdentifier("cjit", IdentifierKind::kNoms, nullptr));
  EXPECT_FALSE(policy->MayRegisterIdentifier("housing", IdentifierKind::kNhsNumber, nullptr));
  EXPECT_FALSE(policy->MayRegisterIdentifier("probation", IdentifierKind::kNoms, nullptr));

  const std::string reason = "Assessed on reception; prescribing continues.";
  EXPECT_EQ(policy
                ->DecideRelationshipStart("prison_reception", "prison", RelationshipKind::kCustody,
                                          "")
                .kind,
            StartKind::kWorkflow);
  EXPECT_EQ(policy
                ->DecideRelationshipStart("offender_manager", "probation",
                                          RelationshipKind::kAllocation, "")
                .kind,
            StartKind::kWorkflow);
  for (const auto& [role, kind] : {std::pair<const char*, const char*>{"housing_officer", "housing"},
                                   {"cjit_worker", "cjit"},
                                   {"carat_worker", "prison"},
                                   {"prison_healthcare", "prison_healthcare"}}) {
    EXPECT_EQ(policy->DecideRelationshipStart(role, kind, RelationshipKind::kAllocation, reason)
                  .kind,
              StartKind::kSelfClaim)
        << role;
    EXPECT_EQ(policy->DecideRelationshipStart(role, kind, RelationshipKind::kAllocation, "").kind,
              StartKind::kRefused)
        << role;
  }
  EXPECT_EQ(policy
                ->DecideRelationshipStart("prison_reception", "prison",
                                          RelationshipKind::kAllocation, reason)
                .kind,
            StartKind::kRefused);
  EXPECT_EQ(policy
                ->DecideRelationshipStart("offender_manager", "probation",
                                          RelationshipKind::kReferral, reason)
                .kind,
            StartKind::kRefused);
  EXPECT_TRUE(policy->IsNationalReportRole("auditor"));
  EXPECT_FALSE(policy->IsNationalReportRole("team_manager"));
  EXPECT_EQ(policy->report_min_count(), 5);
}

std::string WithAuditRetention(absl::string_view period) {
  return absl::StrReplaceAll(kBase, {{"    description: Log.\n",
                                      absl::StrCat("    description: Log.\n    retention: ",
                                                   period, "\n")}});
}

TEST(RetentionTest, PeriodsAreDaysOrCalendarYears) {
  ASSERT_OK_AND_ASSIGN(auto days, Policy::Parse(WithAuditRetention("90d"), "p.yaml"));
  ASSERT_THAT(days->retention(), ::testing::SizeIs(1));
  EXPECT_EQ(days->retention()[0].data_class, "audit");
  EXPECT_EQ(days->retention()[0].text, "90d");
  const absl::Time leap_day = absl::FromCivil(absl::CivilSecond(2028, 2, 29, 12, 0, 0),
                                              absl::UTCTimeZone());
  EXPECT_EQ(days->retention()[0].CutoffAt(leap_day), leap_day - absl::Hours(24 * 90));
  ASSERT_OK_AND_ASSIGN(auto years, Policy::Parse(WithAuditRetention("6y"), "p.yaml"));
  // Six calendar years before 29 February 2028 is 1 March 2022 (there is no 29 February 2022).
  EXPECT_EQ(years->retention()[0].CutoffAt(leap_day),
            absl::FromCivil(absl::CivilSecond(2022, 3, 1, 12, 0, 0), absl::UTCTimeZone()));
  ASSERT_OK_AND_ASSIGN(auto none, Policy::Parse(kBase, "p.yaml"));
  EXPECT_TRUE(none->retention().empty());
}

TEST(RetentionTest, AnythingElseNamesTheLine) {
  for (const char* bad : {"6 years", "0d", "1001y", "y", "-5d", "6m"}) {
    EXPECT_THAT(Policy::Parse(WithAuditRetention(bad), "p.yaml"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat("p.yaml:11: data class 'audit': retention '", bad,
                                      "' is not a period such as 90d or 6y (1 to 1000 days or "
                                      "years)")))
        << bad;
  }
}

}  // namespace
}  // namespace throughcare::policy
