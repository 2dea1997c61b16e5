#include "services/policy/policy.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

// The repository root, found from this file's path (tests run in the build directory).
std::string RepoRoot() {
  const std::string file = __FILE__;
  const std::string suffix = "tests/policy/policy_test.cc";
  if (file.size() >= suffix.size() &&
      file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0) {
    const std::string root = file.substr(0, file.size() - suffix.size());
    return root.empty() ? "." : root;
  }
  return ".";
}

std::string DemoPolicyPath() { return RepoRoot() + "/deploy/policy.yaml"; }

// ---------------------------------------------------------------------------------------------
// The demo policy, deploy/policy.yaml.

class DemoPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = Policy::LoadFile(DemoPolicyPath());
    ASSERT_THAT(loaded, IsOk()) << "from " << DemoPolicyPath();
    policy_ = *std::move(loaded);
  }
  Decision Decide(const std::string& role, const std::string& action, const std::string& data_class,
                  const std::string& purpose) const {
    return policy_->Decide(AccessRequest{role, action, data_class, purpose});
  }
  std::shared_ptr<const Policy> policy_;
};

struct Expectation {
  const char* role;
  const char* action;
  const char* data_class;
  const char* purpose;
  bool allowed;
};

// What the demo must allow and deny, written from the demo script rather than from the file.
constexpr bool kAllow = true;
constexpr bool kDeny = false;
const Expectation kDemoTable[] = {
    // Health: prison healthcare keeps it; probation may read a summary; housing may not.
    {"prison_healthcare", "record.write", "health", "direct_care", kAllow},
    {"prison_healthcare", "record.read", "health", "direct_care", kAllow},
    {"prison_healthcare", "record.write", "mental_health", "direct_care", kAllow},
    {"prison_healthcare", "record.read", "health", "offender_management", kDeny},
    {"offender_manager", "record.read", "health", "offender_management", kAllow},
    {"offender_manager", "record.read", "health", "resettlement", kDeny},
    {"offender_manager", "record.write", "health", "offender_management", kDeny},
    {"offender_manager", "record.read", "mental_health", "offender_management", kDeny},
    {"housing_officer", "record.read", "health", "resettlement", kDeny},
    {"housing_officer", "record.read", "health", "direct_care", kDeny},
    {"housing_officer", "record.read", "mental_health", "resettlement", kDeny},
    {"cjit_worker", "record.read", "health", "direct_care", kDeny},
    // Drugs: CARAT and CJIT share treatment; probation reads progress.
    {"carat_worker", "record.write", "drugs", "direct_care", kAllow},
    {"cjit_worker", "record.read", "drugs", "direct_care", kAllow},
    {"cjit_worker", "record.read", "drugs", "offender_management", kDeny},
    {"offender_manager", "record.read", "drugs", "offender_management", kAllow},
    {"offender_manager", "record.write", "drugs", "offender_management", kDeny},
    {"housing_officer", "record.read", "drugs", "resettlement", kDeny},
    // Risk.
    {"offender_manager", "record.write", "risk", "public_protection", kAllow},
    {"offender_manager", "record.read", "risk", "offender_management", kAllow},
    {"custody_officer", "record.read", "risk", "public_protection", kAllow},
    {"custody_officer", "record.write", "risk", "public_protection", kDeny},
    {"housing_officer", "record.read", "risk", "resettlement", kDeny},
    // Accommodation.
    {"housing_officer", "record.write", "accommodation", "resettlement", kAllow},
    {"resettlement_officer", "record.read", "accommodation", "resettlement", kAllow},
    {"offender_manager", "record.read", "accommodation", "offender_management", kAllow},
    {"offender_manager", "record.write", "accommodation", "offender_management", kDeny},
    // Custody events.
    {"prison_reception", "record.write", "custody", "resettlement", kAllow},
    {"prison_reception", "record.write", "custody", "offender_management", kAllow},
    {"offender_manager", "record.read", "custody", "offender_management", kAllow},
    {"cjit_worker", "record.read", "custody", "direct_care", kAllow},
    {"housing_officer", "record.read", "custody", "resettlement", kAllow},
    {"housing_officer", "record.write", "custody", "resettlement", kDeny},
    // Identity.
    {"housing_officer", "subject.read", "identity", "resettlement", kAllow},
    {"housing_officer", "subject.register", "identity", "resettlement", kDeny},
    {"prison_reception", "subject.register", "identity", "offender_management", kAllow},
    {"custody_officer", "subject.register", "identity", "public_protection", kAllow},
    {"offender_manager", "subject.update", "identity", "offender_management", kAllow},
    {"cjit_worker", "subject.update", "identity", "direct_care", kAllow},
    {"prison_healthcare", "subject.read", "identity", "direct_care", kAllow},
    {"prison_healthcare", "subject.register", "identity", "direct_care", kDeny},
    {"resettlement_officer", "subject.update", "identity", "resettlement", kDeny},
    // Audit: only the auditor, only the access log, only for audit.
    {"auditor", "audit.read", "audit", "audit", kAllow},
    {"auditor", "record.read", "health", "audit", kDeny},
    {"auditor", "subject.read", "identity", "audit", kDeny},
    {"offender_manager", "audit.read", "audit", "audit", kDeny},
    // Purposes with no rules yet.
    {"offender_manager", "record.read", "risk", "victim_notification", kDeny},
    {"offender_manager", "record.read", "custody", "performance_reporting", kDeny},
};

TEST_F(DemoPolicyTest, MatchesTheDemoTable) {
  for (const Expectation& e : kDemoTable) {
    const Decision d = Decide(e.role, e.action, e.data_class, e.purpose);
    EXPECT_EQ(d.allowed, e.allowed)
        << e.role << " " << e.action << " " << e.data_class << " " << e.purpose << ": " << d.reason;
    EXPECT_FALSE(d.reason.empty());
    EXPECT_EQ(d.rule_id.empty(), !e.allowed) << d.reason;
  }
}

TEST_F(DemoPolicyTest, ReasonsNameTheRuleOrTheMissingPermission) {
  Decision d = Decide("prison_healthcare", "record.write", "health", "direct_care");
  EXPECT_EQ(d.rule_id, "healthcare-health");
  EXPECT_EQ(d.reason,
            "rule 'healthcare-health' permits role 'prison_healthcare' to record.write data class "
            "'health' for purpose 'direct_care'");

  d = Decide("offender_manager", "record.read", "health", "resettlement");
  EXPECT_EQ(d.reason,
            "role 'offender_manager' may record.read data class 'health' only for purposes "
            "[offender_management], not 'resettlement'");

  d = Decide("offender_manager", "record.read", "risk", "victim_notification");
  EXPECT_EQ(d.reason,
            "role 'offender_manager' may record.read data class 'risk' only for purposes "
            "[offender_management, public_protection], not 'victim_notification'");

  d = Decide("housing_officer", "record.read", "health", "resettlement");
  EXPECT_EQ(d.reason,
            "no rule permits role 'housing_officer' to record.read data class 'health' (for any "
            "purpose)");

  d = Decide("gp", "record.read", "health", "direct_care");
  EXPECT_EQ(d.reason, "unknown role 'gp'");
}

TEST_F(DemoPolicyTest, DeclaresTheDemoVocabularyInFileOrder) {
  EXPECT_THAT(policy_->roles(),
              ElementsAre("prison_reception", "carat_worker", "prison_healthcare",
                          "resettlement_officer", "offender_manager", "cjit_worker",
                          "housing_officer", "custody_officer", "auditor"));
  EXPECT_THAT(policy_->data_classes(), ElementsAre("identity", "drugs", "health", "mental_health",
                                                   "risk", "accommodation", "custody", "audit"));
  EXPECT_THAT(policy_->purposes(),
              ElementsAre("direct_care", "offender_management", "public_protection", "resettlement",
                          "victim_notification", "performance_reporting", "audit"));
  EXPECT_THAT(policy_->labels(), ElementsAre("sealed", "mappa", "victim_related", "not_convicted"));
}

TEST_F(DemoPolicyTest, VersionIsAShortContentHash) {
  EXPECT_THAT(policy_->version(), StartsWith("sha256:"));
  EXPECT_EQ(policy_->version().size(), 7u + 16u);
}

TEST(PolicyLoadFileTest, MissingFileIsNotFound) {
  EXPECT_THAT(Policy::LoadFile(RepoRoot() + "/deploy/no-such-policy.yaml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no-such-policy.yaml")));
  EXPECT_THAT(Policy::LoadFile(RepoRoot() + "/deploy"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(PolicyLoadFileTest, ErrorsNameTheFile) {
  const std::string path = ::testing::TempDir() + "policy_test_bad.yaml";
  {
    std::ofstream out(path);
    out << "roles: []\n";
  }
  EXPECT_THAT(Policy::LoadFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(path + ":")));
  std::remove(path.c_str());
}

// ---------------------------------------------------------------------------------------------
// Small inline policies: decisions, reasons and validation.

// A minimal valid policy. Line numbers matter to the validation tests below: they edit it with
// Replace() and expect errors on the line the edit lands on.
constexpr char kSmall[] = R"(roles:
  - id: nurse
    description: A nurse.
  - id: probation
    description: An offender manager.
  - id: housing
    description: A housing officer.
data_classes:
  - id: identity
    description: Who.
  - id: health
    description: Health.
  - id: audit
    description: Log.
purposes:
  - id: care
    description: Care.
  - id: supervision
    description: Supervision.
  - id: housing_need
    description: Housing.
labels:
  - id: sealed
    description: Sealed.
rules:
  - id: nurse-health
    description: Nurses keep health records.
    roles: [nurse]
    actions: [record.write, record.read]
    data_classes: [health]
    purposes: [care]
  - id: probation-health
    description: Probation reads health for supervision.
    roles: [probation]
    actions: [record.read]
    data_classes: [health]
    purposes: [supervision]
  - id: probation-health-care
    description: A second rule covering the same grant, for a second purpose.
    roles: [probation, nurse]
    actions: [record.read]
    data_classes: [health]
    purposes: [care, supervision]
)";

// kSmall with the first occurrence of `from` replaced by `to` (which must occur).
std::string Replace(absl::string_view from, absl::string_view to) {
  std::string text = kSmall;
  const size_t at = text.find(std::string(from));
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), std::string(to));
  return text;
}

absl::StatusOr<std::shared_ptr<const Policy>> ParseSmall(absl::string_view text) {
  return Policy::Parse(text, "small.yaml");
}

TEST(PolicyParseTest, SmallPolicyParses) {
  ASSERT_OK_AND_ASSIGN(auto policy, ParseSmall(kSmall));
  EXPECT_THAT(policy->roles(), ElementsAre("nurse", "probation", "housing"));
  EXPECT_THAT(policy->data_classes(), ElementsAre("identity", "health", "audit"));
  EXPECT_THAT(policy->purposes(), ElementsAre("care", "supervision", "housing_need"));
  EXPECT_THAT(policy->labels(), ElementsAre("sealed"));
}

TEST(PolicyParseTest, HasAccessorsAnswerPerSection) {
  ASSERT_OK_AND_ASSIGN(auto policy, ParseSmall(kSmall));
  EXPECT_TRUE(policy->HasRole("nurse"));
  EXPECT_FALSE(policy->HasRole("health"));  // a data class, not a role
  EXPECT_FALSE(policy->HasRole("Nurse"));
  EXPECT_FALSE(policy->HasRole(""));
  EXPECT_TRUE(policy->HasDataClass("health"));
  EXPECT_TRUE(policy->HasDataClass("identity"));
  EXPECT_FALSE(policy->HasDataClass("care"));
  EXPECT_TRUE(policy->HasPurpose("care"));
  EXPECT_FALSE(policy->HasPurpose("nurse"));
  EXPECT_TRUE(policy->HasLabel("sealed"));
  EXPECT_FALSE(policy->HasLabel("mappa"));
}

TEST(PolicyDecideTest, AllowNamesTheFirstMatchingRule) {
  ASSERT_OK_AND_ASSIGN(auto policy, ParseSmall(kSmall));
  Decision d = policy->Decide({"nurse", "record.write", "health", "care"});
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule_id, "nurse-health");
  EXPECT_EQ(d.reason,
            "rule 'nurse-health' permits role 'nurse' to record.write data class 'health' for "
            "purpose 'care'");

  // Two rules grant probation record.read health for supervision; the first in the file wins.
  d = policy->Decide({"probation", "record.read", "health", "supervision"});
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule_id, "probation-health");
  d = policy->Decide({"probation", "record.read", "health", "care"});
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule_id, "probation-health-care");
}

TEST(PolicyDecideTest, DenialForAnotherPurposeListsThePermittedPurposes) {
  ASSERT_OK_AND_ASSIGN(auto policy, ParseSmall(kSmall));
  const Decision d = policy->Decide({"probation", "record.read", "health", "housing_need"});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule_id, "");
  EXPECT_EQ(d.reason,
            "role 'probation' may record.read data class 'health' only for purposes "
            "[care, supervision], not 'housing_need'");
}

TEST(PolicyDecideTest, DenialWithNoGrantSaysSo) {
  ASSERT_OK_AND_ASSIGN(auto policy, ParseSmall(kSmall));
  Decision d = policy->Decide({"housing", "record.read", "health", "housing_need"});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason,
            "no rule permits role 'housing' to record.read data class 'health' (for any purpose)");
  // Reading is granted to probation, writing is not.
  d = policy->Decide({"probation", "record.write", "health", "supervision"});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason,
            "no rule permits role 'probation' to record.write data class 'health' (for any "
            "purpose)");
}

TEST(PolicyDecideTest, UnknownNamesAreDeniedAsUnknown) {
  ASSERT_OK_AND_ASSIGN(auto policy, ParseSmall(kSmall));
  const struct {
    AccessRequest request;
    std::string reason;
  } cases[] = {
      {{"surgeon", "record.read", "health", "care"}, "unknown role 'surgeon'"},
      {{"nurse", "record.delete", "health", "care"}, "unknown action 'record.delete'"},
      {{"nurse", "record.read", "dental", "care"}, "unknown data class 'dental'"},
      {{"nurse", "record.read", "health", "curiosity"}, "unknown purpose 'curiosity'"},
      {{"", "record.read", "health", "care"}, "the request names no role"},
      {{"nurse", "record.read", "health", ""}, "the request names no purpose"},
      // Case matters: ids are lower case.
      {{"Nurse", "record.read", "health", "care"}, "unknown role 'Nurse'"},
  };
  for (const auto& c : cases) {
    const Decision d = policy->Decide(c.request);
    EXPECT_FALSE(d.allowed) << c.reason;
    EXPECT_EQ(d.rule_id, "");
    EXPECT_EQ(d.reason, c.reason);
  }
}

TEST(PolicyParseTest, VersionIsTheHashOfTheText) {
  ASSERT_OK_AND_ASSIGN(auto a, ParseSmall(kSmall));
  ASSERT_OK_AND_ASSIGN(auto b, ParseSmall(kSmall));
  ASSERT_OK_AND_ASSIGN(auto c, ParseSmall(absl::StrCat(kSmall, "# a comment changes it too\n")));
  EXPECT_EQ(a->version(), b->version());
  EXPECT_NE(a->version(), c->version());
  EXPECT_THAT(a->version(), ::testing::MatchesRegex("sha256:[0-9a-f]{16}"));
}

TEST(PolicyParseTest, VersionIsIndependentOfTheSourceName) {
  ASSERT_OK_AND_ASSIGN(auto a, Policy::Parse(kSmall, "a.yaml"));
  ASSERT_OK_AND_ASSIGN(auto b, Policy::Parse(kSmall, "b.yaml"));
  EXPECT_EQ(a->version(), b->version());
}

struct BadPolicy {
  std::string name;
  std::string text;
  std::string error;  // the whole message, "small.yaml:<line>: ..."
};

void PrintTo(const BadPolicy& bad, std::ostream* os) { *os << bad.name; }

class PolicyValidationTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(PolicyValidationTest, RejectsWithLineNumber) {
  EXPECT_THAT(ParseSmall(GetParam().text),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PolicyValidationTest,
    ::testing::Values(
        // YAML itself. yaml-cpp notices the unclosed flow sequence on the line after it.
        BadPolicy{"SyntaxError", Replace("    roles: [nurse]", "    roles: [nurse"),
                  "small.yaml:29: YAML syntax error: end of sequence flow not found"},
        BadPolicy{"Empty", "", "small.yaml:1: the policy is empty"},
        BadPolicy{"OnlyComments", "# nothing here\n", "small.yaml:1: the policy is empty"},
        BadPolicy{"TwoDocuments", absl::StrCat(kSmall, "---\nroles: []\n"),
                  "small.yaml:45: a policy file holds exactly one YAML document"},
        BadPolicy{"NotAMapping", "- roles\n- rules\n",
                  "small.yaml:1: policy must be a mapping with keys roles, data_classes, "
                  "purposes, labels, rules"},
        // Top-level keys.
        BadPolicy{"UnknownTopLevelKey", Replace("labels:", "label:"),
                  "small.yaml:22: policy: unknown key 'label' (expected roles, data_classes, "
                  "purposes, labels, rules)"},
        BadPolicy{"MissingTopLevelKey", absl::StrReplaceAll(kSmall, {{"purposes:\n", ""}}),
                  "small.yaml:1: policy: missing key 'purposes'"},
        BadPolicy{"DuplicateTopLevelKey", absl::StrCat(kSmall, "labels: []\n"),
                  "small.yaml:44: policy: duplicate key 'labels' (first at line 22)"},
        // Declaration sections.
        BadPolicy{"EmptySection",
                  Replace("labels:\n  - id: sealed\n    description: Sealed.", "labels: []"),
                  "small.yaml:22: labels must be a non-empty list of {id, description}"},
        BadPolicy{"SectionNotAList",
                  Replace("labels:\n  - id: sealed\n    description: Sealed.", "labels: sealed"),
                  "small.yaml:22: labels must be a non-empty list of {id, description}"},
        BadPolicy{"EntryNotAMapping",
                  Replace("  - id: health\n    description: Health.", "  - health"),
                  "small.yaml:11: data_classes[1] must be a mapping with keys id, description"},
        BadPolicy{"EntryUnknownKey", Replace("    description: Health.", "    descripton: Health."),
                  "small.yaml:12: data_classes[1]: unknown key 'descripton' (expected id, "
                  "description)"},
        BadPolicy{"EntryMissingDescription",
                  Replace("  - id: health\n    description: Health.", "  - id: health"),
                  "small.yaml:11: data_classes[1]: missing key 'description'"},
        BadPolicy{"EntryDuplicateKey",
                  Replace("    description: Health.", "    description: Health.\n    id: dental"),
                  "small.yaml:13: data_classes[1]: duplicate key 'id' (first at line 11)"},
        BadPolicy{"EmptyDescription", Replace("    description: Health.", "    description: \"\""),
                  "small.yaml:12: data class 'health': description must be a non-empty string"},
        BadPolicy{"NullDescription", Replace("    description: Health.", "    description:"),
                  "small.yaml:12: data class 'health': description must be a non-empty string"},
        BadPolicy{"IdNotAString", Replace("  - id: nurse", "  - id: [nurse]"),
                  "small.yaml:2: roles[0]: id must be a string matching [a-z][a-z0-9_]*"},
        BadPolicy{"IdUpperCase", Replace("  - id: nurse", "  - id: Nurse"),
                  "small.yaml:2: roles[0]: id 'Nurse' must match [a-z][a-z0-9_]*"},
        BadPolicy{"IdWithHyphen", Replace("  - id: housing_need", "  - id: housing-need"),
                  "small.yaml:20: purposes[2]: id 'housing-need' must match [a-z][a-z0-9_]*"},
        BadPolicy{"IdStartsWithDigit", Replace("  - id: sealed", "  - id: 1sealed"),
                  "small.yaml:23: labels[0]: id '1sealed' must match [a-z][a-z0-9_]*"},
        BadPolicy{"DuplicateId", Replace("  - id: housing\n", "  - id: nurse\n"),
                  "small.yaml:6: role 'nurse' is declared twice (first at line 2)"},
        BadPolicy{"MissingIdentityClass", Replace("  - id: identity", "  - id: identities"),
                  "small.yaml:8: data_classes must include 'identity' (the broker uses it for "
                  "its own actions)"},
        BadPolicy{"MissingAuditClass", Replace("  - id: audit", "  - id: logs"),
                  "small.yaml:8: data_classes must include 'audit' (the broker uses it for its "
                  "own actions)"},
        // Rules.
        BadPolicy{"NoRules",
                  std::string(kSmall).substr(0, std::string(kSmall).find("rules:")) + "rules:\n",
                  "small.yaml:25: rules must be a non-empty list of {id, description, roles, "
                  "actions, data_classes, purposes}"},
        BadPolicy{"RuleUnknownKey", Replace("    purposes: [care]", "    purpose: [care]"),
                  "small.yaml:31: rules[0]: unknown key 'purpose' (expected id, description, "
                  "roles, actions, data_classes, purposes)"},
        BadPolicy{"RuleMissingKey", Replace("    purposes: [care]\n", ""),
                  "small.yaml:26: rules[0]: missing key 'purposes'"},
        BadPolicy{"RuleIdUpperCase", Replace("  - id: nurse-health", "  - id: Nurse-health"),
                  "small.yaml:26: rules[0]: id 'Nurse-health' must match [a-z][a-z0-9_-]*"},
        BadPolicy{"RuleDuplicateId",
                  Replace("  - id: probation-health\n", "  - id: nurse-health\n"),
                  "small.yaml:32: rule 'nurse-health' is declared twice (first at line 26)"},
        BadPolicy{"RuleMissingDescription",
                  Replace("    description: Nurses keep health records.", "    description: "),
                  "small.yaml:27: rule 'nurse-health': description must be a non-empty string"},
        BadPolicy{"RuleUnknownRole", Replace("    roles: [probation]", "    roles: [probaton]"),
                  "small.yaml:34: rule 'probation-health': unknown role 'probaton'"},
        BadPolicy{
            "RuleUnknownAction",
            Replace("    actions: [record.read]", "    actions: [record.read, record.delete]"),
            "small.yaml:35: rule 'probation-health': unknown action 'record.delete' "
            "(expected one of subject.register, subject.read, subject.update, "
            "record.write, record.read, audit.read)"},
        BadPolicy{"RuleUnknownDataClass",
                  Replace("    data_classes: [health]", "    data_classes: [dental]"),
                  "small.yaml:30: rule 'nurse-health': unknown data class 'dental'"},
        BadPolicy{"RuleUnknownPurpose",
                  Replace("    purposes: [supervision]", "    purposes: [supervison]"),
                  "small.yaml:37: rule 'probation-health': unknown purpose 'supervison'"},
        BadPolicy{"RuleNamesALabelAsAPurpose",
                  Replace("    purposes: [care]", "    purposes: [sealed]"),
                  "small.yaml:31: rule 'nurse-health': unknown purpose 'sealed'"},
        BadPolicy{"RuleEmptyRoles", Replace("    roles: [nurse]", "    roles: []"),
                  "small.yaml:28: rule 'nurse-health': roles must be a non-empty list of role "
                  "ids"},
        BadPolicy{"RuleRolesNotAList", Replace("    roles: [nurse]", "    roles: nurse"),
                  "small.yaml:28: rule 'nurse-health': roles must be a non-empty list of role "
                  "ids"},
        BadPolicy{"RuleEmptyActions",
                  Replace("    actions: [record.write, record.read]", "    actions: []"),
                  "small.yaml:29: rule 'nurse-health': actions must be a non-empty list of "
                  "actions"},
        BadPolicy{"RuleEmptyPurposes", Replace("    purposes: [care]", "    purposes:"),
                  "small.yaml:31: rule 'nurse-health': purposes must be a non-empty list of "
                  "purpose ids"},
        BadPolicy{"RuleRepeatedEntry", Replace("    roles: [nurse]", "    roles: [nurse, nurse]"),
                  "small.yaml:28: rule 'nurse-health': role 'nurse' is listed twice"},
        BadPolicy{"RuleNestedListEntry", Replace("    roles: [nurse]", "    roles: [[nurse]]"),
                  "small.yaml:28: rule 'nurse-health': roles entries must be role ids"},
        BadPolicy{"RuleBlockListEntryLine",
                  Replace("    roles: [nurse]", "    roles:\n      - nurse\n      - nobody"),
                  "small.yaml:30: rule 'nurse-health': unknown role 'nobody'"}),
    [](const ::testing::TestParamInfo<BadPolicy>& info) { return info.param.name; });

}  // namespace
}  // namespace throughcare::policy
