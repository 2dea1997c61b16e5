#include "services/policy/policy.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/consent.h"

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

// A request that only the role permission decides (not about one person's data).
AccessRequest Req(const std::string& role, const std::string& action,
                  const std::string& data_class, const std::string& purpose) {
  AccessRequest request;
  request.role = role;
  request.action = action;
  request.data_class = data_class;
  request.purpose = purpose;
  return request;
}

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
    return policy_->Decide(Req(role, action, data_class, purpose));
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
    // Healthcare links the NHS number of the people it screens; reception registers them.
    {"prison_healthcare", "subject.update", "identity", "direct_care", kAllow},
    {"resettlement_officer", "subject.update", "identity", "resettlement", kDeny},
    // Audit: only the auditor, only the access log, only for audit.
    {"auditor", "audit.read", "audit", "audit", kAllow},
    {"auditor", "record.read", "health", "audit", kDeny},
    {"auditor", "subject.read", "identity", "audit", kAllow},  // an auditor may look a person up
    {"offender_manager", "audit.read", "audit", "audit", kDeny},
    // Purposes with no rules yet.
    {"offender_manager", "record.read", "risk", "victim_notification", kDeny},
    {"offender_manager", "record.read", "custody", "performance_reporting", kDeny},
    // New arrivals: reception and police custody look people up and register them.
    {"prison_reception", "subject.read", "identity", "offender_management", kAllow},
    {"prison_reception", "subject.read", "identity", "resettlement", kAllow},
    {"prison_reception", "subject.update", "identity", "offender_management", kAllow},
    {"custody_officer", "subject.read", "identity", "public_protection", kAllow},
    {"custody_officer", "subject.update", "identity", "public_protection", kAllow},
    {"custody_officer", "subject.read", "identity", "offender_management", kDeny},
    {"offender_manager", "subject.read", "identity", "public_protection", kAllow},
    // Consents: recorded by those who treat and supervise, for the consent-based classes.
    {"carat_worker", "consent.write", "drugs", "direct_care", kAllow},
    {"cjit_worker", "consent.read", "drugs", "direct_care", kAllow},
    {"prison_healthcare", "consent.write", "mental_health", "direct_care", kAllow},
    {"offender_manager", "consent.write", "health", "offender_management", kAllow},
    {"offender_manager", "consent.read", "drugs", "offender_management", kAllow},
    {"offender_manager", "consent.write", "risk", "offender_management", kDeny},
    {"housing_officer", "consent.write", "health", "resettlement", kDeny},
    {"housing_officer", "consent.read", "drugs", "resettlement", kDeny},
    {"custody_officer", "consent.read", "health", "public_protection", kDeny},
    {"carat_worker", "consent.write", "drugs", "resettlement", kDeny},
    // Relationships: the roles that take on cases start them.
    {"offender_manager", "relationship.write", "identity", "offender_management", kAllow},
    {"cjit_worker", "relationship.write", "identity", "direct_care", kAllow},
    {"carat_worker", "relationship.write", "identity", "direct_care", kAllow},
    {"prison_healthcare", "relationship.write", "identity", "direct_care", kAllow},
    {"housing_officer", "relationship.write", "identity", "resettlement", kAllow},
    {"prison_reception", "relationship.write", "identity", "offender_management", kAllow},
    {"resettlement_officer", "relationship.write", "identity", "resettlement", kDeny},
    {"custody_officer", "relationship.write", "identity", "public_protection", kDeny},
    {"auditor", "relationship.read", "identity", "audit", kDeny},
    {"cjit_worker", "relationship.read", "identity", "direct_care", kAllow},
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

  d = Decide("surgeon", "record.read", "health", "direct_care");
  EXPECT_EQ(d.reason, "unknown role 'surgeon'");
}

TEST_F(DemoPolicyTest, DeclaresTheDemoVocabularyInFileOrder) {
  EXPECT_THAT(policy_->roles(),
              ElementsAre("prison_reception", "carat_worker", "prison_healthcare",
                          "resettlement_officer", "offender_manager", "cjit_worker",
                          "housing_officer", "custody_officer", "auditor", "policy_admin",
                          "team_manager", "gp", "data_protection_officer", "witness"));
  EXPECT_THAT(policy_->data_classes(),
              ElementsAre("identity", "drugs", "health", "mental_health", "risk", "accommodation",
                          "custody", "audit", "performance"));
  EXPECT_THAT(policy_->purposes(),
              ElementsAre("direct_care", "offender_management", "public_protection", "resettlement",
                          "victim_notification", "performance_reporting", "audit",
                          "data_protection"));
  EXPECT_THAT(policy_->labels(), ElementsAre("sealed", "mappa", "victim_related", "not_convicted"));
}

TEST_F(DemoPolicyTest, BreakGlassRolesAndMinimumReason) {
  EXPECT_TRUE(policy_->MayBreakGlass("offender_manager"));
  EXPECT_TRUE(policy_->MayBreakGlass("custody_officer"));
  EXPECT_TRUE(policy_->MayBreakGlass("prison_healthcare"));
  EXPECT_FALSE(policy_->MayBreakGlass("housing_officer"));
  EXPECT_FALSE(policy_->MayBreakGlass("auditor"));
  EXPECT_FALSE(policy_->MayBreakGlass("surgeon"));
  EXPECT_EQ(policy_->break_glass_min_reason_length(), 20u);
}

TEST_F(DemoPolicyTest, VersionIsAShortContentHash) {
  EXPECT_THAT(policy_->version(), StartsWith("sha256:"));
  EXPECT_EQ(policy_->version().size(), 7u + 16u);
}

// ---------------------------------------------------------------------------------------------
// The demo policy on one person's data: relationships, consent, statutory basis, labels.

constexpr char kHealthcare[] = "hmp-northgate-healthcare";
constexpr char kPrison[] = "hmp-northgate";
constexpr char kProbation[] = "probation-east";
constexpr char kCjit[] = "cjit-east";
constexpr char kHousing[] = "housing-east";
constexpr char kPolice[] = "police-east";

struct Caller {
  const char* role;
  const char* agency;
  const char* kind;
};
constexpr Caller kOffenderManager = {"offender_manager", kProbation, "probation"};
constexpr Caller kHousingOfficer = {"housing_officer", kHousing, "housing"};
constexpr Caller kCjitWorker = {"cjit_worker", kCjit, "cjit"};
constexpr Caller kCaratWorker = {"carat_worker", kPrison, "prison"};
constexpr Caller kNurse = {"prison_healthcare", kHealthcare, "prison_healthcare"};
constexpr Caller kCustodyOfficer = {"custody_officer", kPolice, "police"};
constexpr Caller kReception = {"prison_reception", kPrison, "prison"};

class DemoPersonTest : public DemoPolicyTest {
 protected:
  const absl::Time now_ =
      absl::FromCivil(absl::CivilSecond(2025, 3, 1, 12, 0, 0), absl::UTCTimeZone());

  // A call about the person (identity, consent and relationship actions).
  AccessRequest About(const Caller& caller, const std::string& action,
                      const std::string& data_class, const std::string& purpose) const {
    AccessRequest request = Req(caller.role, action, data_class, purpose);
    request.agency_id = caller.agency;
    request.agency_kind = caller.kind;
    request.user_id = "u1";
    request.person_scoped = true;
    request.now = now_;
    request.relationships = relationships_;
    request.consents = consents_;
    return request;
  }
  // record.read of a record owned by `owner`, collected for `collected_for`.
  AccessRequest Read(const Caller& caller, const std::string& data_class,
                     const std::string& purpose, const std::string& owner,
                     const std::string& collected_for) const {
    AccessRequest request = About(caller, "record.read", data_class, purpose);
    request.owner_agency = owner;
    request.collected_for = collected_for;
    request.labels = labels_;
    return request;
  }
  void Allocate(const std::string& agency) {
    Relationship r;
    r.relationship_id = "rel_" + agency;
    r.agency_id = agency;
    r.started_at = now_ - absl::Hours(24);
    relationships_.push_back(r);
  }
  Consent& AddConsent(const std::string& id, std::vector<std::string> classes,
                      std::vector<std::string> agencies, std::vector<std::string> purposes) {
    Consent c;
    c.consent_id = id;
    c.data_classes = std::move(classes);
    c.recipient_agencies = std::move(agencies);
    c.purposes = std::move(purposes);
    c.valid_from = now_ - absl::Hours(24 * 30);
    c.valid_until = now_ + absl::Hours(24 * 365);
    consents_.push_back(std::move(c));
    return consents_.back();
  }

  std::vector<Relationship> relationships_;
  std::vector<Consent> consents_;
  std::vector<std::string> labels_;
};

// The demo: the probation offender manager reads the prison healthcare's health summary on
// release. It needs an allocation and the person's consent; housing is refused whatever it has.
TEST_F(DemoPersonTest, OffenderManagerReadsHealthSummaryWithAllocationAndConsent) {
  Decision d = policy_->Decide(Read(kOffenderManager, "health", "offender_management",
                                    kHealthcare, "direct_care"));
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.answer_not_found);
  EXPECT_EQ(d.reason, "no active relationship between agency 'probation-east' (user 'u1') and the "
                      "person");
  EXPECT_EQ(d.basis, "");

  Allocate(kProbation);
  d = policy_->Decide(
      Read(kOffenderManager, "health", "offender_management", kHealthcare, "direct_care"));
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.answer_not_found);
  EXPECT_EQ(d.rule_id, "health-offender-management");
  EXPECT_EQ(d.reason,
            "no active consent covers data class 'health' for agency 'probation-east' and "
            "purpose 'offender_management' (the person has no consents), and no "
            "statutory basis names role 'offender_manager' for data class 'health' and purpose "
            "'offender_management'");

  AddConsent("con_demo", {"health"}, {kProbation}, {"offender_management"});
  d = policy_->Decide(
      Read(kOffenderManager, "health", "offender_management", kHealthcare, "direct_care"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.rule_id, "health-offender-management");
  EXPECT_EQ(d.basis, "consent con_demo v1");
  EXPECT_FALSE(d.break_glass);
  EXPECT_FALSE(d.redact_victim_fields);

  // Not mental health, consent or not.
  consents_.back().data_classes.push_back("mental_health");
  d = policy_->Decide(Read(kOffenderManager, "mental_health", "offender_management", kHealthcare,
                           "direct_care"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reason, StartsWith("no rule permits role 'offender_manager' to record.read"));

  // Housing: allocated, with a consent naming it, still refused by role.
  Allocate(kHousing);
  AddConsent("con_housing", {"health"}, {kHousing}, {"resettlement"});
  d = policy_->Decide(Read(kHousingOfficer, "health", "resettlement", kHealthcare, "direct_care"));
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.answer_not_found);
  EXPECT_EQ(d.reason,
            "no rule permits role 'housing_officer' to record.read data class 'health' (for any "
            "purpose)");
}

TEST_F(DemoPersonTest, DenialsSayWhyEachConsentDoesNotCover) {
  Allocate(kProbation);
  Consent& withdrawn = AddConsent("con_w", {"health"}, {kProbation}, {"offender_management"});
  withdrawn.version = 2;
  withdrawn.withdrawn_at = now_ - absl::Hours(1);
  Consent& expired = AddConsent("con_e", {"health"}, {kProbation}, {"offender_management"});
  expired.valid_until = now_;
  Consent& future = AddConsent("con_f", {"health"}, {kProbation}, {"offender_management"});
  future.valid_from = now_ + absl::Seconds(1);
  AddConsent("con_p", {"health"}, {kProbation}, {"direct_care"});
  AddConsent("con_c", {"drugs"}, {kProbation}, {"offender_management"});
  Consent& recipient = AddConsent("con_r", {"health"}, {kCjit}, {"offender_management"});
  recipient.recipient_kinds = {"cjit"};
  const Decision d = policy_->Decide(
      Read(kOffenderManager, "health", "offender_management", kHealthcare, "direct_care"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.basis, "");
  EXPECT_EQ(d.reason,
            "no active consent covers data class 'health' for agency 'probation-east' and "
            "purpose 'offender_management' (consent con_w v2 was withdrawn; "
            "consent con_e v1 expired at 2025-03-01T12:00:00Z; consent con_f v1 is not valid "
            "until 2025-03-01T12:00:01Z; consent con_p v1 does not cover purpose "
            "'offender_management'; consent con_c v1 does not cover data class 'health'; consent "
            "con_r v1 does not name agency 'probation-east' or kind 'probation'), and no "
            "statutory basis names role 'offender_manager' for data class 'health' and purpose "
            "'offender_management'");
}

TEST_F(DemoPersonTest, ConsentMayNameTheRecipientKind) {
  Allocate(kCjit);
  Consent& c = AddConsent("con_dir", {"drugs"}, {}, {"direct_care"});
  c.recipient_kinds = {"cjit", "probation"};
  const Decision d =
      policy_->Decide(Read(kCjitWorker, "drugs", "direct_care", kPrison, "direct_care"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "consent con_dir v1");
}

TEST_F(DemoPersonTest, OwnAgencysRecordNeedsNoConsent) {
  Allocate(kHealthcare);
  const Decision d =
      policy_->Decide(Read(kNurse, "health", "direct_care", kHealthcare, "direct_care"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "own agency's record");
  EXPECT_EQ(d.rule_id, "healthcare-health");
}

TEST_F(DemoPersonTest, RiskIsSharedForPublicProtectionUnderRoleRuleOrStatutoryBasis) {
  Relationship custody;
  custody.relationship_id = "rel_custody";
  custody.kind = RelationshipKind::kCustody;
  custody.agency_id = kPolice;
  custody.started_at = now_ - absl::Hours(2);
  relationships_.push_back(custody);

  // Collected for offender management, which is compatible with public protection.
  Decision d = policy_->Decide(
      Read(kCustodyOfficer, "risk", "public_protection", kProbation, "offender_management"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "role rule 'risk-police-custody'");

  // Collected for another purpose: the MAPPA duty to cooperate is the basis.
  d = policy_->Decide(
      Read(kCustodyOfficer, "risk", "public_protection", kProbation, "resettlement"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "statutory basis 'mappa-duty-to-cooperate'");

  // The person is not convicted: statutory bases and role rules do not count.
  labels_ = {"not_convicted"};
  d = policy_->Decide(
      Read(kCustodyOfficer, "risk", "public_protection", kProbation, "offender_management"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reason, StartsWith("label 'not_convicted' allows sharing outside the owning "
                                   "agency only with consent, and no active consent covers"));
  AddConsent("con_nc", {"risk"}, {kPolice}, {"public_protection"});
  d = policy_->Decide(
      Read(kCustodyOfficer, "risk", "public_protection", kProbation, "offender_management"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "consent con_nc v1");

  // MAPPA has no effect.
  labels_ = {"mappa"};
  d = policy_->Decide(
      Read(kCustodyOfficer, "risk", "public_protection", kProbation, "offender_management"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_FALSE(d.redact_victim_fields);
}

TEST_F(DemoPersonTest, VictimRelatedFieldsAreRedactedForTheNamedRoles) {
  labels_ = {"victim_related"};
  Allocate(kCjit);
  Allocate(kProbation);
  AddConsent("con_dir", {"drugs"}, {kCjit, kProbation}, {"direct_care", "offender_management"});
  Decision d = policy_->Decide(Read(kCjitWorker, "drugs", "direct_care", kPrison, "direct_care"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_TRUE(d.redact_victim_fields);
  d = policy_->Decide(
      Read(kOffenderManager, "drugs", "offender_management", kPrison, "direct_care"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_FALSE(d.redact_victim_fields);
}

TEST_F(DemoPersonTest, SealedRecordsOpenOnlyByBreakGlassByTheNamedRoles) {
  labels_ = {"sealed"};
  Allocate(kProbation);
  Allocate(kPolice);
  const std::string reason = "MAPPA level 3 meeting in one hour; risk to a named child.";
  Decision d = policy_->Decide(
      Read(kOffenderManager, "risk", "offender_management", kProbation, "offender_management"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason,
            "label 'sealed' makes the record visible only by break-glass by roles "
            "[offender_manager]");

  AccessRequest request =
      Read(kOffenderManager, "risk", "offender_management", kProbation, "offender_management");
  request.break_glass_reason = reason;
  d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_TRUE(d.break_glass);
  EXPECT_EQ(d.basis, "break-glass by role 'offender_manager'");

  // Custody officers may break glass, but not into sealed records.
  request = Read(kCustodyOfficer, "risk", "public_protection", kProbation, "offender_management");
  request.break_glass_reason = reason;
  d = policy_->Decide(request);
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.break_glass);
  EXPECT_THAT(d.reason, HasSubstr("; break-glass refused: label 'sealed' may be opened by "
                                  "break-glass only by roles [offender_manager]"));
}

TEST_F(DemoPersonTest, NewArrivalsAreLookedUpWithoutARelationship) {
  Decision d = policy_->Decide(About(kReception, "subject.read", "identity", "offender_management"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "role rule 'identity-reception'");
  d = policy_->Decide(About(kCustodyOfficer, "subject.read", "identity", "public_protection"));
  EXPECT_TRUE(d.allowed) << d.reason;
  // Linking identifiers needs the person to be in the agency's custody.
  d = policy_->Decide(About(kReception, "subject.update", "identity", "offender_management"));
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.answer_not_found);
  // Others must work with the person to find them.
  d = policy_->Decide(About(kHousingOfficer, "subject.read", "identity", "resettlement"));
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.answer_not_found);
}

TEST_F(DemoPersonTest, StartingARelationshipNeedsNoneButRecordingConsentDoes) {
  Decision d = policy_->Decide(About(kCjitWorker, "relationship.write", "identity", "direct_care"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.rule_id, "relationship-direct-care");
  d = policy_->Decide(About(kCjitWorker, "relationship.read", "identity", "direct_care"));
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.answer_not_found);
  d = policy_->Decide(About(kCaratWorker, "consent.write", "drugs", "direct_care"));
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.answer_not_found);
  Allocate(kPrison);
  d = policy_->Decide(About(kCaratWorker, "consent.write", "drugs", "direct_care"));
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "role rule 'consent-recording'");
}

TEST_F(DemoPersonTest, TheAuditorReadsTheLogWithoutARelationship) {
  AccessRequest request = Req("auditor", "audit.read", "audit", "audit");
  request.agency_id = "ig-office";
  Decision d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed) << d.reason;
  request.person_scoped = true;  // the log of one person
  request.now = now_;
  d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "role rule 'audit-review'");
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
  Decision d = policy->Decide(Req("nurse", "record.write", "health", "care"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule_id, "nurse-health");
  EXPECT_EQ(d.reason,
            "rule 'nurse-health' permits role 'nurse' to record.write data class 'health' for "
            "purpose 'care'");

  // Two rules grant probation record.read health for supervision; the first in the file wins.
  d = policy->Decide(Req("probation", "record.read", "health", "supervision"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule_id, "probation-health");
  d = policy->Decide(Req("probation", "record.read", "health", "care"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.rule_id, "probation-health-care");
}

TEST(PolicyDecideTest, DenialForAnotherPurposeListsThePermittedPurposes) {
  ASSERT_OK_AND_ASSIGN(auto policy, ParseSmall(kSmall));
  const Decision d = policy->Decide(Req("probation", "record.read", "health", "housing_need"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule_id, "");
  EXPECT_EQ(d.reason,
            "role 'probation' may record.read data class 'health' only for purposes "
            "[care, supervision], not 'housing_need'");
}

TEST(PolicyDecideTest, DenialWithNoGrantSaysSo) {
  ASSERT_OK_AND_ASSIGN(auto policy, ParseSmall(kSmall));
  Decision d = policy->Decide(Req("housing", "record.read", "health", "housing_need"));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason,
            "no rule permits role 'housing' to record.read data class 'health' (for any purpose)");
  // Reading is granted to probation, writing is not.
  d = policy->Decide(Req("probation", "record.write", "health", "supervision"));
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
      {Req("surgeon", "record.read", "health", "care"), "unknown role 'surgeon'"},
      {Req("nurse", "record.delete", "health", "care"), "unknown action 'record.delete'"},
      {Req("nurse", "record.read", "dental", "care"), "unknown data class 'dental'"},
      {Req("nurse", "record.read", "health", "curiosity"), "unknown purpose 'curiosity'"},
      {Req("", "record.read", "health", "care"), "the request names no role"},
      {Req("nurse", "record.read", "health", ""), "the request names no purpose"},
      // Case matters: ids are lower case.
      {Req("Nurse", "record.read", "health", "care"), "unknown role 'Nurse'"},
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
                  "purposes, labels, rules; optional statutory_bases, break_glass, identifiers, "
                  "relationship_starts, reporting"},
        // Top-level keys.
        BadPolicy{"UnknownTopLevelKey", Replace("labels:", "label:"),
                  "small.yaml:22: policy: unknown key 'label' (expected roles, data_classes, "
                  "purposes, labels, rules; optional statutory_bases, break_glass, identifiers, "
                  "relationship_starts, reporting)"},
        BadPolicy{"MissingTopLevelKey", absl::StrReplaceAll(kSmall, {{"purposes:\n", ""}}),
                  "small.yaml:1: policy: missing key 'purposes'"},
        BadPolicy{"DuplicateTopLevelKey", absl::StrCat(kSmall, "labels: []\n"),
                  "small.yaml:44: policy: duplicate key 'labels' (first at line 22)"},
        // Declaration sections.
        BadPolicy{"EmptySection",
                  Replace("labels:\n  - id: sealed\n    description: Sealed.", "labels: []"),
                  "small.yaml:22: labels must be a non-empty list of {id, description; optional "
                  "effect, roles}"},
        BadPolicy{"SectionNotAList",
                  Replace("labels:\n  - id: sealed\n    description: Sealed.", "labels: sealed"),
                  "small.yaml:22: labels must be a non-empty list of {id, description; optional "
                  "effect, roles}"},
        BadPolicy{"EntryNotAMapping",
                  Replace("  - id: health\n    description: Health.", "  - health"),
                  "small.yaml:11: data_classes[1] must be a mapping with keys id, description; "
                  "optional basis, retention"},
        BadPolicy{"EntryUnknownKey", Replace("    description: Health.", "    descripton: Health."),
                  "small.yaml:12: data_classes[1]: unknown key 'descripton' (expected id, "
                  "description; optional basis, retention)"},
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
                  "actions, data_classes, purposes; optional relationship}"},
        BadPolicy{"RuleUnknownKey", Replace("    purposes: [care]", "    purpose: [care]"),
                  "small.yaml:31: rules[0]: unknown key 'purpose' (expected id, description, "
                  "roles, actions, data_classes, purposes; optional relationship)"},
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
            "record.write, record.read, audit.read, consent.write, consent.read, "
            "relationship.write, relationship.read, policy.reload, message.send, "
            "message.receive, referral.write, referral.read, referral.report, audit.witness, "
            "record.erase, subject.erase)"},
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

// Appended to kSmall (which ends at line 43), these start at line 44.
constexpr char kStatutory[] = R"(statutory_bases:
  - id: mappa
    description: MAPPA.
    roles: [probation]
    data_classes: [health]
    purposes: [supervision]
)";
constexpr char kBreakGlass[] = R"(break_glass:
  roles: [probation]
  min_reason_length: 20
)";

// kSmall followed by `tail` with its first `from` replaced by `to`.
std::string WithTail(absl::string_view tail, absl::string_view from = "",
                     absl::string_view to = "") {
  std::string text(tail);
  if (!from.empty()) {
    const size_t at = text.find(std::string(from));
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), std::string(to));
  }
  return absl::StrCat(kSmall, text);
}

INSTANTIATE_TEST_SUITE_P(
    FormatV2Errors, PolicyValidationTest,
    ::testing::Values(
        // data_classes[].basis
        BadPolicy{"DataClassBasisUnknown",
                  Replace("    description: Health.", "    description: Health.\n    basis: consnet"),
                  "small.yaml:13: data class 'health': basis must be one of role, consent, not "
                  "'consnet'"},
        BadPolicy{"DataClassBasisNotAScalar",
                  Replace("    description: Health.",
                          "    description: Health.\n    basis: [consent]"),
                  "small.yaml:13: data class 'health': basis must be one of role, consent"},
        BadPolicy{"DataClassUnknownKey",
                  Replace("    description: Health.", "    description: Health.\n    bases: role"),
                  "small.yaml:13: data_classes[1]: unknown key 'bases' (expected id, description; "
                  "optional basis, retention)"},
        BadPolicy{"RolesTakeNoBasis",
                  Replace("    description: A nurse.", "    description: A nurse.\n    basis: role"),
                  "small.yaml:4: roles[0]: unknown key 'basis' (expected id, description)"},
        // purposes[].compatible_with
        BadPolicy{"CompatibleWithUnknownPurpose",
                  Replace("    description: Supervision.",
                          "    description: Supervision.\n    compatible_with: [care, nursing]"),
                  "small.yaml:20: purpose 'supervision': unknown purpose 'nursing'"},
        BadPolicy{"CompatibleWithARole",
                  Replace("    description: Supervision.",
                          "    description: Supervision.\n    compatible_with: [nurse]"),
                  "small.yaml:20: purpose 'supervision': unknown purpose 'nurse'"},
        BadPolicy{"CompatibleWithEmpty",
                  Replace("    description: Supervision.",
                          "    description: Supervision.\n    compatible_with: []"),
                  "small.yaml:20: purpose 'supervision': compatible_with must be a non-empty list "
                  "of purpose ids"},
        BadPolicy{"CompatibleWithRepeated",
                  Replace("    description: Supervision.",
                          "    description: Supervision.\n    compatible_with: [care, care]"),
                  "small.yaml:20: purpose 'supervision': purpose 'care' is listed twice"},
        // labels[].effect and labels[].roles
        BadPolicy{"LabelEffectUnknown",
                  Replace("    description: Sealed.", "    description: Sealed.\n    effect: hidden"),
                  "small.yaml:25: label 'sealed': effect must be one of none, break_glass_only, "
                  "redact, consent_only, not 'hidden'"},
        BadPolicy{"LabelBreakGlassOnlyNeedsRoles",
                  Replace("    description: Sealed.",
                          "    description: Sealed.\n    effect: break_glass_only"),
                  "small.yaml:25: label 'sealed': effect break_glass_only needs roles (the roles "
                  "it applies to)"},
        BadPolicy{"LabelRedactNeedsRoles",
                  Replace("    description: Sealed.", "    description: Sealed.\n    effect: redact"),
                  "small.yaml:25: label 'sealed': effect redact needs roles (the roles it applies "
                  "to)"},
        BadPolicy{"LabelRolesWithoutEffect",
                  Replace("    description: Sealed.", "    description: Sealed.\n    roles: [nurse]"),
                  "small.yaml:25: label 'sealed': roles is allowed only with effect "
                  "break_glass_only or redact"},
        BadPolicy{"LabelRolesWithConsentOnly",
                  Replace("    description: Sealed.",
                          "    description: Sealed.\n    effect: consent_only\n    roles: [nurse]"),
                  "small.yaml:26: label 'sealed': roles is allowed only with effect "
                  "break_glass_only or redact"},
        BadPolicy{"LabelUnknownRole",
                  Replace("    description: Sealed.",
                          "    description: Sealed.\n    effect: redact\n    roles: [nurse, surgeon]"),
                  "small.yaml:26: label 'sealed': unknown role 'surgeon'"},
        BadPolicy{"LabelEmptyRoles",
                  Replace("    description: Sealed.",
                          "    description: Sealed.\n    effect: break_glass_only\n    roles: []"),
                  "small.yaml:26: label 'sealed': roles must be a non-empty list of role ids"},
        BadPolicy{"LabelUnknownKey",
                  Replace("    description: Sealed.", "    description: Sealed.\n    efect: none"),
                  "small.yaml:25: labels[0]: unknown key 'efect' (expected id, description; "
                  "optional effect, roles)"},
        // rules[].relationship
        BadPolicy{"RuleRelationshipUnknown",
                  Replace("    purposes: [care]\n", "    purposes: [care]\n    relationship: optional\n"),
                  "small.yaml:32: rule 'nurse-health': relationship must be one of required, "
                  "not_required, not 'optional'"},
        BadPolicy{"RuleRelationshipBoolean",
                  Replace("    purposes: [care]\n", "    purposes: [care]\n    relationship: false\n"),
                  "small.yaml:32: rule 'nurse-health': relationship must be one of required, "
                  "not_required, not 'false'"},
        BadPolicy{"RuleRelationshipTwice",
                  Replace("    purposes: [care]\n",
                          "    purposes: [care]\n    relationship: required\n"
                          "    relationship: not_required\n"),
                  "small.yaml:33: rules[0]: duplicate key 'relationship' (first at line 32)"},
        // statutory_bases
        BadPolicy{"StatutoryEmpty", absl::StrCat(kSmall, "statutory_bases: []\n"),
                  "small.yaml:44: statutory_bases must be a non-empty list of {id, description, "
                  "roles, data_classes, purposes}"},
        BadPolicy{"StatutoryIdMalformed", WithTail(kStatutory, "id: mappa", "id: MAPPA"),
                  "small.yaml:45: statutory_bases[0]: id 'MAPPA' must match [a-z][a-z0-9_-]*"},
        BadPolicy{"StatutoryMissingPurposes",
                  WithTail(kStatutory, "    purposes: [supervision]\n", ""),
                  "small.yaml:45: statutory_bases[0]: missing key 'purposes'"},
        BadPolicy{"StatutoryUnknownKey",
                  WithTail(kStatutory, "    purposes: [supervision]\n",
                           "    purposes: [supervision]\n    relationship: not_required\n"),
                  "small.yaml:50: statutory_bases[0]: unknown key 'relationship' (expected id, "
                  "description, roles, data_classes, purposes)"},
        BadPolicy{"StatutoryUnknownRole", WithTail(kStatutory, "[probation]", "[police]"),
                  "small.yaml:47: statutory basis 'mappa': unknown role 'police'"},
        BadPolicy{"StatutoryUnknownDataClass", WithTail(kStatutory, "[health]", "[risk]"),
                  "small.yaml:48: statutory basis 'mappa': unknown data class 'risk'"},
        BadPolicy{"StatutoryUnknownPurpose", WithTail(kStatutory, "[supervision]", "[protection]"),
                  "small.yaml:49: statutory basis 'mappa': unknown purpose 'protection'"},
        BadPolicy{"StatutoryEmptyRoles", WithTail(kStatutory, "[probation]", "[]"),
                  "small.yaml:47: statutory basis 'mappa': roles must be a non-empty list of "
                  "role ids"},
        BadPolicy{"StatutoryNoDescription", WithTail(kStatutory, "MAPPA.", "\"\""),
                  "small.yaml:46: statutory basis 'mappa': description must be a non-empty "
                  "string"},
        BadPolicy{"StatutoryDuplicateId",
                  absl::StrCat(kSmall, kStatutory,
                               "  - id: mappa\n    description: Again.\n    roles: [nurse]\n"
                               "    data_classes: [health]\n    purposes: [care]\n"),
                  "small.yaml:50: statutory basis 'mappa' is declared twice (first at line 45)"},
        // break_glass
        BadPolicy{"BreakGlassNotAMapping", absl::StrCat(kSmall, "break_glass: [probation]\n"),
                  "small.yaml:44: break_glass must be a mapping with keys roles; optional "
                  "min_reason_length"},
        BadPolicy{"BreakGlassMissingRoles", WithTail(kBreakGlass, "  roles: [probation]\n", ""),
                  "small.yaml:45: break_glass: missing key 'roles'"},
        BadPolicy{"BreakGlassUnknownRole", WithTail(kBreakGlass, "[probation]", "[surgeon]"),
                  "small.yaml:45: break_glass: unknown role 'surgeon'"},
        BadPolicy{"BreakGlassEmptyRoles", WithTail(kBreakGlass, "[probation]", "[]"),
                  "small.yaml:45: break_glass: roles must be a non-empty list of role ids"},
        BadPolicy{"BreakGlassUnknownKey",
                  WithTail(kBreakGlass, "min_reason_length", "min_reason_chars"),
                  "small.yaml:46: break_glass: unknown key 'min_reason_chars' (expected roles; "
                  "optional min_reason_length)"},
        BadPolicy{"BreakGlassZeroLength", WithTail(kBreakGlass, ": 20", ": 0"),
                  "small.yaml:46: break_glass: min_reason_length must be a whole number from 1 "
                  "to 1000"},
        BadPolicy{"BreakGlassLengthNotANumber", WithTail(kBreakGlass, ": 20", ": twenty"),
                  "small.yaml:46: break_glass: min_reason_length must be a whole number from 1 "
                  "to 1000"},
        BadPolicy{"BreakGlassNegativeLength", WithTail(kBreakGlass, ": 20", ": -5"),
                  "small.yaml:46: break_glass: min_reason_length must be a whole number from 1 "
                  "to 1000"},
        BadPolicy{"BreakGlassTwice", absl::StrCat(kSmall, kBreakGlass, kBreakGlass),
                  "small.yaml:47: policy: duplicate key 'break_glass' (first at line 44)"}),
    [](const ::testing::TestParamInfo<BadPolicy>& info) { return info.param.name; });

TEST(PolicyParseTest, FormatV2KeysAreOptionalWithDefaults) {
  // kSmall has none of them: no consent-based class, no compatibility, no label effects, no
  // statutory bases, nobody may break glass, and the minimum reason is 20 characters.
  ASSERT_OK_AND_ASSIGN(auto policy, ParseSmall(kSmall));
  EXPECT_FALSE(policy->MayBreakGlass("probation"));
  EXPECT_EQ(policy->break_glass_min_reason_length(), 20u);

  ASSERT_OK_AND_ASSIGN(auto v2, ParseSmall(absl::StrCat(
                                    Replace("    description: Health.",
                                            "    description: Health.\n    basis: consent"),
                                    kStatutory, "break_glass:\n  roles: [probation, nurse]\n")));
  EXPECT_TRUE(v2->MayBreakGlass("probation"));
  EXPECT_TRUE(v2->MayBreakGlass("nurse"));
  EXPECT_FALSE(v2->MayBreakGlass("housing"));
  EXPECT_EQ(v2->break_glass_min_reason_length(), 20u);
}

TEST(PolicyParseTest, TheNewActionsAreAccepted) {
  ASSERT_OK_AND_ASSIGN(
      auto policy,
      ParseSmall(Replace("    actions: [record.read]\n",
                         "    actions: [record.read, consent.write, consent.read, "
                         "relationship.write, relationship.read]\n")));
  for (const char* action :
       {"consent.write", "consent.read", "relationship.write", "relationship.read"}) {
    EXPECT_TRUE(policy->Decide(Req("probation", action, "health", "supervision")).allowed)
        << action;
  }
}

// When the first rule granting a combination needs a relationship and the caller has none, a
// later rule saying `relationship: not_required` decides.
TEST(PolicyDecideTest, ARuleNeedingNoRelationshipDecidesWhenThereIsNone) {
  ASSERT_OK_AND_ASSIGN(
      auto policy,
      ParseSmall(absl::StrCat(kSmall, R"(  - id: probation-health-urgent
    description: Probation reads health without a relationship.
    roles: [probation]
    actions: [record.read]
    data_classes: [health]
    purposes: [supervision]
    relationship: not_required
)")));
  AccessRequest request = Req("probation", "record.read", "health", "supervision");
  request.agency_id = "probation-east";
  request.person_scoped = true;
  request.owner_agency = "probation-east";
  request.collected_for = "supervision";
  Decision d = policy->Decide(request);
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.rule_id, "probation-health-urgent");
  EXPECT_EQ(d.reason,
            "rule 'probation-health-urgent' permits role 'probation' to record.read data class "
            "'health' for purpose 'supervision'");

  Relationship allocation;
  allocation.agency_id = "probation-east";
  request.relationships = absl::MakeConstSpan(&allocation, 1);
  d = policy->Decide(request);
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.rule_id, "probation-health");
}

}  // namespace
}  // namespace throughcare::policy
