// The authorization matrix: every combination of role, action, data class, purpose, consent
// state, relationship, label, owner, purpose of collection and break-glass, decided by a small
// dedicated policy and compared with an expected outcome written out independently here: a
// hand-written table of granted (role, action, class, purpose) tuples, small hand-written truth
// tables for the other dimensions, and a short oracle that combines them. The oracle never calls
// the code under test.
#include <cstdio>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
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
using ::testing::Not;
using ::testing::StartsWith;

// The policy under test. Its grants and truth tables are restated by hand below.
constexpr char kMatrixPolicy[] = R"(
roles:
  - id: nurse
    description: Prison nurse.
  - id: probation
    description: Offender manager.
  - id: police
    description: Police custody officer.
data_classes:
  - id: identity
    description: Who the person is.
  - id: health
    description: Health records; shared only with consent.
    basis: consent
  - id: risk
    description: Risk of harm.
  - id: housing
    description: Accommodation plans.
    basis: role
  - id: audit
    description: The access log.
purposes:
  - id: care
    description: Direct care.
  - id: supervision
    description: Managing the sentence; may also be used for protection.
    compatible_with: [protection]
  - id: protection
    description: Public protection.
labels:
  - id: mappa
    description: A MAPPA case (no effect).
    effect: none
  - id: sealed
    description: Opened by break-glass only, by probation only.
    effect: break_glass_only
    roles: [probation]
  - id: not_convicted
    description: Unconvicted; shared only with consent.
    effect: consent_only
  - id: victim_related
    description: About a victim; redacted for the police.
    effect: redact
    roles: [police]
statutory_bases:
  - id: mappa-duty
    description: MAPPA duty to cooperate.
    roles: [probation, police]
    data_classes: [risk, health]
    purposes: [protection]
break_glass:
  roles: [probation, police]
  min_reason_length: 20
identifiers:
  - kind: noms
    agency_kinds: [prison]
  - kind: nhs_number
    agency_kinds: [health, prison_healthcare]
  - kind: pnc
    agency_kinds: [police]
relationship_starts:
  - id: probation-allocates
    description: Probation allocates its cases.
    kinds: [allocation]
    roles: [probation]
    agency_kinds: [probation]
  - id: nurse-claims
    description: Nurses say they treat a person; reviewed.
    kinds: [allocation]
    roles: [nurse]
    agency_kinds: [prison_healthcare, health]
    self_claim: true
rules:
  - id: nurse-health
    description: Nurses read health records for care.
    roles: [nurse]
    actions: [record.read]
    data_classes: [health]
    purposes: [care]
  - id: nurse-housing
    description: Nurses read housing plans for care, with or without a relationship.
    roles: [nurse]
    actions: [record.read]
    data_classes: [housing]
    purposes: [care]
    relationship: not_required
  - id: nurse-identity
    description: Nurses find their patients.
    roles: [nurse]
    actions: [subject.read]
    data_classes: [identity]
    purposes: [care]
  - id: probation-records
    description: Probation reads health, risk and housing to supervise and protect.
    roles: [probation]
    actions: [record.read]
    data_classes: [health, risk, housing]
    purposes: [supervision, protection]
  - id: probation-identity
    description: Probation finds its cases.
    roles: [probation]
    actions: [subject.read]
    data_classes: [identity]
    purposes: [supervision, protection]
  - id: police-records
    description: Police read risk and health for protection.
    roles: [police]
    actions: [record.read]
    data_classes: [risk, health]
    purposes: [protection]
  - id: police-identity
    description: Police look up detainees without a relationship.
    roles: [police]
    actions: [subject.read]
    data_classes: [identity]
    purposes: [protection]
    relationship: not_required
)";

// ---------------------------------------------------------------------------------------------
// The expected outcome, by hand.

struct Granted {
  std::string role, action, data_class, purpose;
  bool relationship_required;
  std::string rule_id;
};
const std::vector<Granted>& GrantedTuples() {
  static const auto* table = new std::vector<Granted>{
      {"nurse", "record.read", "health", "care", true, "nurse-health"},
      {"nurse", "record.read", "housing", "care", false, "nurse-housing"},
      {"nurse", "subject.read", "identity", "care", true, "nurse-identity"},
      {"probation", "record.read", "health", "supervision", true, "probation-records"},
      {"probation", "record.read", "health", "protection", true, "probation-records"},
      {"probation", "record.read", "risk", "supervision", true, "probation-records"},
      {"probation", "record.read", "risk", "protection", true, "probation-records"},
      {"probation", "record.read", "housing", "supervision", true, "probation-records"},
      {"probation", "record.read", "housing", "protection", true, "probation-records"},
      {"probation", "subject.read", "identity", "supervision", true, "probation-identity"},
      {"probation", "subject.read", "identity", "protection", true, "probation-identity"},
      {"police", "record.read", "risk", "protection", true, "police-records"},
      {"police", "record.read", "health", "protection", true, "police-records"},
      {"police", "subject.read", "identity", "protection", false, "police-identity"},
  };
  return *table;
}

using Triple = std::tuple<std::string, std::string, std::string>;
using Pair = std::pair<std::string, std::string>;

const std::vector<std::string> kConsentBasedClasses = {"health"};
// (purpose of collection, purpose of use)
const std::vector<Pair> kCompatible = {{"care", "care"},
                                       {"supervision", "supervision"},
                                       {"protection", "protection"},
                                       {"supervision", "protection"}};
// (role, data class, purpose of use)
const std::vector<Triple> kStatutory = {{"probation", "risk", "protection"},
                                        {"probation", "health", "protection"},
                                        {"police", "risk", "protection"},
                                        {"police", "health", "protection"}};
const std::vector<std::string> kBreakGlassRoles = {"probation", "police"};
const std::vector<std::string> kSealedRoles = {"probation"};
const std::vector<std::string> kRedactRoles = {"police"};

template <typename T>
bool In(const std::vector<T>& list, const T& value) {
  for (const T& entry : list) {
    if (entry == value) return true;
  }
  return false;
}

// The dimensions.
const std::vector<std::string> kRoles = {"nurse", "probation", "police"};
const std::vector<std::string> kActionsUnderTest = {"record.read", "subject.read"};
const std::vector<std::string> kClasses = {"identity", "health", "risk", "housing", "audit"};
const std::vector<std::string> kPurposes = {"care", "supervision", "protection"};

enum class ConsentState { kNone, kActive, kExpired, kWithdrawn, kWrongPurpose, kWrongRecipient };
const std::vector<ConsentState> kConsentStates = {
    ConsentState::kNone,      ConsentState::kActive,       ConsentState::kExpired,
    ConsentState::kWithdrawn, ConsentState::kWrongPurpose, ConsentState::kWrongRecipient};
const char* Name(ConsentState s) {
  switch (s) {
    case ConsentState::kNone: return "no consent";
    case ConsentState::kActive: return "active consent";
    case ConsentState::kExpired: return "expired consent";
    case ConsentState::kWithdrawn: return "withdrawn consent";
    case ConsentState::kWrongPurpose: return "consent for another purpose";
    case ConsentState::kWrongRecipient: return "consent for another recipient";
  }
  return "?";
}

enum class RelationshipState { kNone, kActive, kEnded };
const std::vector<RelationshipState> kRelationshipStates = {
    RelationshipState::kNone, RelationshipState::kActive, RelationshipState::kEnded};
const char* Name(RelationshipState s) {
  switch (s) {
    case RelationshipState::kNone: return "no relationship";
    case RelationshipState::kActive: return "active relationship";
    case RelationshipState::kEnded: return "ended relationship";
  }
  return "?";
}

// "" is a record with no label.
const std::vector<std::string> kLabelStates = {"", "mappa", "sealed", "not_convicted",
                                               "victim_related"};
enum class LabelEffect { kNone, kSealed, kConsentOnly, kRedact };
LabelEffect EffectOf(const std::string& label) {
  if (label == "sealed") return LabelEffect::kSealed;
  if (label == "not_convicted") return LabelEffect::kConsentOnly;
  if (label == "victim_related") return LabelEffect::kRedact;
  return LabelEffect::kNone;  // no label, mappa
}

enum class Owner { kOwnAgency, kOtherAgency };
const std::vector<Owner> kOwners = {Owner::kOwnAgency, Owner::kOtherAgency};

enum class BreakGlass { kNone, kValid, kTooShort };
const std::vector<BreakGlass> kBreakGlassStates = {BreakGlass::kNone, BreakGlass::kValid,
                                                   BreakGlass::kTooShort};
constexpr char kGoodReason[] = "Detainee collapsed; urgent risk to life.";  // 40 characters
constexpr char kShortReason[] = "urgent, sorry";                           // 13 characters

struct Combination {
  std::string role, action, data_class, purpose;
  ConsentState consent;
  RelationshipState relationship;
  std::string label;
  Owner owner;
  std::string collected_for;
  BreakGlass break_glass;
};

std::string Describe(const Combination& c) {
  return absl::StrCat(c.role, " ", c.action, " ", c.data_class, " for ", c.purpose, ", ",
                      Name(c.consent), ", ", Name(c.relationship), ", label '", c.label, "', ",
                      c.owner == Owner::kOwnAgency ? "own" : "other", " agency's record collected for ",
                      c.collected_for, ", break-glass ",
                      c.break_glass == BreakGlass::kNone    ? "none"
                      : c.break_glass == BreakGlass::kValid ? "valid"
                                                            : "too short");
}

enum class Outcome { kAllow, kAllowRedact, kDeny, kDenyNotFound };
const char* Name(Outcome o) {
  switch (o) {
    case Outcome::kAllow: return "allow";
    case Outcome::kAllowRedact: return "allow+redact";
    case Outcome::kDeny: return "deny";
    case Outcome::kDenyNotFound: return "deny-not-found";
  }
  return "?";
}

struct Expected {
  Outcome outcome = Outcome::kDeny;
  bool break_glass = false;
  std::string basis;    // when allowed
  std::string rule_id;  // whenever a rule grants the action
};

// The oracle: straight from the rules in policy.h's comment and the tables above.
Expected Oracle(const Combination& c) {
  Expected e;
  const Granted* grant = nullptr;
  for (const Granted& g : GrantedTuples()) {
    if (g.role == c.role && g.action == c.action && g.data_class == c.data_class &&
        g.purpose == c.purpose) {
      grant = &g;
    }
  }
  if (grant == nullptr) return e;  // check 1: break-glass cannot help
  e.rule_id = grant->rule_id;

  const bool relationship_ok =
      !grant->relationship_required || c.relationship == RelationshipState::kActive;
  const bool consent = c.consent == ConsentState::kActive;
  bool sharing_ok = true;
  bool label_ok = true;
  bool sealed = false;
  bool redact = false;
  std::string basis = absl::StrCat("role rule '", grant->rule_id, "'");
  if (c.action == "record.read") {
    const bool own = c.owner == Owner::kOwnAgency;
    const bool statutory = In(kStatutory, Triple{c.role, c.data_class, c.purpose});
    const bool compatible = In(kCompatible, Pair{c.collected_for, c.purpose});
    const bool needs_consent_or_statute = In(kConsentBasedClasses, c.data_class) || !compatible;
    const LabelEffect effect = EffectOf(c.label);
    if (own) {
      basis = "own agency's record";
    } else {
      if (needs_consent_or_statute) sharing_ok = consent || statutory;
      if ((needs_consent_or_statute || effect == LabelEffect::kConsentOnly) && consent) {
        basis = "consent con_matrix v1";
      } else if (needs_consent_or_statute && statutory) {
        basis = "statutory basis 'mappa-duty'";
      }
    }
    sealed = effect == LabelEffect::kSealed;
    if (sealed) label_ok = false;
    if (effect == LabelEffect::kConsentOnly) label_ok = own || consent;
    redact = effect == LabelEffect::kRedact && In(kRedactRoles, c.role);
  }

  if (relationship_ok && sharing_ok && label_ok) {
    e.outcome = redact ? Outcome::kAllowRedact : Outcome::kAllow;
    e.basis = basis;
    return e;
  }
  if (c.break_glass == BreakGlass::kValid && In(kBreakGlassRoles, c.role) &&
      (!sealed || In(kSealedRoles, c.role))) {
    e.outcome = redact ? Outcome::kAllowRedact : Outcome::kAllow;
    e.break_glass = true;
    e.basis = absl::StrCat("break-glass by role '", c.role, "'");
    return e;
  }
  e.outcome = relationship_ok ? Outcome::kDeny : Outcome::kDenyNotFound;
  return e;
}

// ---------------------------------------------------------------------------------------------
// Building the request for a combination.

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2025, 6, 1, 9, 0, 0), absl::UTCTimeZone());

struct Agency {
  const char* id;
  const char* kind;
};
Agency AgencyOf(const std::string& role) {
  if (role == "nurse") return {"hmp-healthcare", "prison_healthcare"};
  if (role == "probation") return {"probation-east", "probation"};
  return {"police-east", "police"};
}

// Owns the data a request borrows.
struct Context {
  std::vector<Relationship> relationships;
  std::vector<Consent> consents;
  std::vector<std::string> labels;
};

AccessRequest Build(const Combination& c, Context& context) {
  const Agency agency = AgencyOf(c.role);
  AccessRequest request;
  request.role = c.role;
  request.agency_id = agency.id;
  request.agency_kind = agency.kind;
  request.user_id = "practitioner-1";
  request.action = c.action;
  request.data_class = c.data_class;
  request.purpose = c.purpose;
  request.person_scoped = true;
  request.now = kNow;

  context = Context();
  if (c.relationship != RelationshipState::kNone) {
    Relationship r;
    r.relationship_id = "rel_matrix";
    r.subject_id = "sub_matrix";
    r.agency_id = agency.id;
    r.started_at = kNow - absl::Hours(48);
    if (c.relationship == RelationshipState::kEnded) r.ended_at = kNow - absl::Hours(24);
    context.relationships.push_back(r);
  }
  if (c.consent != ConsentState::kNone) {
    Consent k;
    k.consent_id = "con_matrix";
    k.subject_id = "sub_matrix";
    k.data_classes = {c.data_class};
    k.recipient_agencies = {agency.id};
    k.purposes = {c.purpose};
    k.valid_from = kNow - absl::Hours(24 * 30);
    k.valid_until = kNow + absl::Hours(24 * 30);
    switch (c.consent) {
      case ConsentState::kExpired:
        k.valid_until = kNow - absl::Hours(1);
        break;
      case ConsentState::kWithdrawn:
        k.version = 2;
        k.withdrawn_at = kNow - absl::Hours(1);
        break;
      case ConsentState::kWrongPurpose:
        k.purposes = {c.purpose == "care" ? "supervision" : "care"};
        break;
      case ConsentState::kWrongRecipient:
        k.recipient_agencies = {"housing-east"};
        k.recipient_kinds = {"housing"};
        break;
      default:
        break;
    }
    context.consents.push_back(k);
  }
  request.relationships = context.relationships;
  request.consents = context.consents;
  if (c.action == "record.read") {
    request.owner_agency = c.owner == Owner::kOwnAgency ? agency.id : "other-agency";
    request.collected_for = c.collected_for;
    if (!c.label.empty()) context.labels.push_back(c.label);
    request.labels = context.labels;
  }
  if (c.break_glass == BreakGlass::kValid) request.break_glass_reason = kGoodReason;
  if (c.break_glass == BreakGlass::kTooShort) request.break_glass_reason = kShortReason;
  return request;
}

Outcome OutcomeOf(const Decision& d) {
  if (d.allowed) return d.redact_victim_fields ? Outcome::kAllowRedact : Outcome::kAllow;
  return d.answer_not_found ? Outcome::kDenyNotFound : Outcome::kDeny;
}

class AuthorizationMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = Policy::Parse(kMatrixPolicy, "matrix.yaml");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    policy_ = *std::move(parsed);
  }
  std::shared_ptr<const Policy> policy_;
};

TEST_F(AuthorizationMatrixTest, EveryCombinationMatchesTheIndependentTable) {
  size_t combinations = 0;
  size_t unexpected_allows = 0;
  size_t unexpected_denies = 0;
  size_t wrong_details = 0;  // right allow/deny, wrong obligation, flag, basis or rule
  size_t explain_disagrees = 0;
  size_t reported = 0;
  std::map<std::string, size_t> outcomes;
  auto report = [&reported](const std::string& what) {
    if (++reported <= 25) ADD_FAILURE() << what;
  };

  Context context;
  for (const std::string& role : kRoles)
  for (const std::string& action : kActionsUnderTest)
  for (const std::string& data_class : kClasses)
  for (const std::string& purpose : kPurposes)
  for (ConsentState consent : kConsentStates)
  for (RelationshipState relationship : kRelationshipStates)
  for (const std::string& label : kLabelStates)
  for (Owner owner : kOwners)
  for (const std::string& collected_for : kPurposes)
  for (BreakGlass break_glass : kBreakGlassStates) {
    const Combination c{role,         action, data_class,    purpose,    consent,
                        relationship, label,  owner,         collected_for, break_glass};
    ++combinations;
    const Expected want = Oracle(c);
    const AccessRequest request = Build(c, context);
    const Decision got = policy_->Decide(request);
    const Outcome outcome = OutcomeOf(got);
    ++outcomes[absl::StrCat(Name(want.outcome), want.break_glass ? " (break-glass)" : "")];

    const bool want_allowed =
        want.outcome == Outcome::kAllow || want.outcome == Outcome::kAllowRedact;
    if (got.allowed && !want_allowed) {
      ++unexpected_allows;
      report(absl::StrCat("UNEXPECTED ALLOW: ", Describe(c), ": ", got.reason));
      continue;
    }
    if (!got.allowed && want_allowed) {
      ++unexpected_denies;
      report(absl::StrCat("UNEXPECTED DENY: ", Describe(c), ": ", got.reason));
      continue;
    }
    if (outcome != want.outcome || got.break_glass != want.break_glass ||
        got.basis != want.basis || got.rule_id != want.rule_id || got.reason.empty()) {
      ++wrong_details;
      report(absl::StrCat("WRONG DETAIL: ", Describe(c), ": want ", Name(want.outcome),
                          want.break_glass ? " break-glass" : "", " basis '", want.basis,
                          "' rule '", want.rule_id, "', got ", Name(outcome),
                          got.break_glass ? " break-glass" : "", " basis '", got.basis,
                          "' rule '", got.rule_id, "': ", got.reason));
      continue;
    }

    // Explaining changes nothing but the explanation, which names every check in order.
    const Decision explained = policy_->Decide(request, /*explain=*/true);
    bool same = explained.allowed == got.allowed && explained.reason == got.reason &&
                explained.basis == got.basis && explained.rule_id == got.rule_id &&
                explained.answer_not_found == got.answer_not_found &&
                explained.break_glass == got.break_glass &&
                explained.redact_victim_fields == got.redact_victim_fields &&
                got.checks.empty() && explained.checks.size() == 6;
    if (same) {
      const char* names[] = {"role_permission", "relationship", "lawful_basis",
                             "purpose",         "labels",       "break_glass"};
      bool all_passed = true;
      for (size_t i = 0; i < 6; ++i) {
        same = same && explained.checks[i].name == names[i] && !explained.checks[i].detail.empty();
        all_passed = all_passed && explained.checks[i].passed;
      }
      // Allowed without break-glass exactly when every check passed.
      same = same && (all_passed == (got.allowed && !got.break_glass));
    }
    if (!same) {
      ++explain_disagrees;
      report(absl::StrCat("EXPLAIN DISAGREES: ", Describe(c), ": ", explained.reason));
    }
  }

  std::printf("authorization matrix: %zu combinations\n", combinations);
  for (const auto& [outcome, count] : outcomes) {
    std::printf("  expected %-28s %zu\n", outcome.c_str(), count);
  }
  std::printf("  unexpected allows: %zu\n  unexpected denies: %zu\n", unexpected_allows,
              unexpected_denies);
  std::printf("  wrong details: %zu\n  explain disagreements: %zu\n", wrong_details,
              explain_disagrees);
  EXPECT_EQ(combinations, 3u * 2 * 5 * 3 * 6 * 3 * 5 * 2 * 3 * 3);
  EXPECT_EQ(unexpected_allows, 0u);
  EXPECT_EQ(unexpected_denies, 0u);
  EXPECT_EQ(wrong_details, 0u);
  EXPECT_EQ(explain_disagrees, 0u);
}

// The oracle is only as good as its tables; pin a few outcomes it must produce so that an
// oracle that (say) denied everything would be caught.
TEST(AuthorizationOracleTest, SpotChecks) {
  auto outcome = [](Combination c) { return Oracle(c).outcome; };
  const Combination nurse_reads_health{"nurse",  "record.read",       "health",
                                       "care",   ConsentState::kActive, RelationshipState::kActive,
                                       "",       Owner::kOtherAgency, "care",
                                       BreakGlass::kNone};
  EXPECT_EQ(outcome(nurse_reads_health), Outcome::kAllow);
  Combination c = nurse_reads_health;
  c.consent = ConsentState::kExpired;
  EXPECT_EQ(outcome(c), Outcome::kDeny);
  c.relationship = RelationshipState::kEnded;
  EXPECT_EQ(outcome(c), Outcome::kDenyNotFound);
  c = nurse_reads_health;
  c.label = "sealed";
  EXPECT_EQ(outcome(c), Outcome::kDeny);
  c = nurse_reads_health;
  c.role = "police";
  c.purpose = "protection";
  c.consent = ConsentState::kNone;
  c.label = "victim_related";
  EXPECT_EQ(outcome(c), Outcome::kAllowRedact);  // statutory basis
  c.label = "not_convicted";
  EXPECT_EQ(outcome(c), Outcome::kDeny);
}

// ---------------------------------------------------------------------------------------------
// Boundaries and break-glass, one at a time.

class MatrixPolicyTest : public AuthorizationMatrixTest {
 protected:
  // Probation reads a health record owned by another agency, collected for care, for
  // supervision: it needs its allocation and a consent.
  AccessRequest HealthRead() {
    relationships_.clear();
    Relationship r;
    r.relationship_id = "rel_1";
    r.agency_id = "probation-east";
    r.started_at = kNow - absl::Hours(1);
    relationships_.push_back(r);
    AccessRequest request;
    request.role = "probation";
    request.agency_id = "probation-east";
    request.agency_kind = "probation";
    request.action = "record.read";
    request.data_class = "health";
    request.purpose = "supervision";
    request.person_scoped = true;
    request.owner_agency = "hmp-healthcare";
    request.collected_for = "care";
    request.now = kNow;
    request.relationships = relationships_;
    request.consents = consents_;
    request.labels = labels_;
    return request;
  }
  Consent& AddConsent(absl::Time from, absl::Time until) {
    Consent c;
    c.consent_id = "con_b";
    c.data_classes = {"health"};
    c.recipient_agencies = {"probation-east"};
    c.purposes = {"supervision"};
    c.valid_from = from;
    c.valid_until = until;
    consents_.push_back(c);
    return consents_.back();
  }
  std::vector<Relationship> relationships_;
  std::vector<Consent> consents_;
  std::vector<std::string> labels_;
};

TEST_F(MatrixPolicyTest, ConsentExpiresExactlyAtValidUntil) {
  AddConsent(kNow - absl::Hours(24), kNow);
  AccessRequest request = HealthRead();
  request.now = kNow;
  Decision d = policy_->Decide(request);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reason, HasSubstr("consent con_b v1 expired at 2025-06-01T09:00:00Z"));
  request.now = kNow - absl::Microseconds(1);
  d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "consent con_b v1");
}

TEST_F(MatrixPolicyTest, ConsentStartsExactlyAtValidFrom) {
  AddConsent(kNow, kNow + absl::Hours(24));
  AccessRequest request = HealthRead();
  request.now = kNow;
  Decision d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed) << d.reason;
  request.now = kNow - absl::Microseconds(1);
  d = policy_->Decide(request);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reason, HasSubstr("consent con_b v1 is not valid until 2025-06-01T09:00:00Z"));
}

TEST_F(MatrixPolicyTest, AWithdrawnConsentNeverCovers) {
  Consent& c = AddConsent(kNow - absl::Hours(24), kNow + absl::Hours(24));
  c.version = 3;
  c.withdrawn_at = kNow + absl::Hours(1);  // even a withdrawal recorded as future
  const Decision d = policy_->Decide(HealthRead());
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reason, HasSubstr("consent con_b v3 was withdrawn"));
}

TEST_F(MatrixPolicyTest, RelationshipEndsExactlyAtEndedAt) {
  AddConsent(kNow - absl::Hours(24), kNow + absl::Hours(24));
  AccessRequest request = HealthRead();
  relationships_[0].ended_at = kNow;
  Decision d = policy_->Decide(request);
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.answer_not_found);
  EXPECT_EQ(d.reason, "no active relationship between agency 'probation-east' and the person "
                      "(rel_1 ended at 2025-06-01T09:00:00Z)");
  relationships_[0].ended_at = kNow + absl::Microseconds(1);
  d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed) << d.reason;
  relationships_[0].ended_at.reset();
  relationships_[0].started_at = kNow;
  EXPECT_TRUE(policy_->Decide(request).allowed);
  relationships_[0].started_at = kNow + absl::Microseconds(1);
  EXPECT_FALSE(policy_->Decide(request).allowed);
}

TEST_F(MatrixPolicyTest, ARelationshipForOnePractitionerCoversOnlyThem) {
  AddConsent(kNow - absl::Hours(24), kNow + absl::Hours(24));
  AccessRequest request = HealthRead();
  relationships_[0].user_id = "om-7";
  request.user_id = "om-8";
  Decision d = policy_->Decide(request);
  EXPECT_TRUE(d.answer_not_found);
  EXPECT_THAT(d.reason, HasSubstr("(rel_1 is for user 'om-7' only)"));
  request.user_id = "om-7";
  EXPECT_TRUE(policy_->Decide(request).allowed);
  // Another agency's relationship neither counts nor is described.
  relationships_[0].agency_id = "cjit-east";
  d = policy_->Decide(request);
  EXPECT_TRUE(d.answer_not_found);
  EXPECT_EQ(d.reason, "no active relationship between agency 'probation-east' (user 'om-7') and "
                      "the person");
}

TEST_F(MatrixPolicyTest, BreakGlassIsRefusedWithoutAReason) {
  const Decision d = policy_->Decide(HealthRead());
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.break_glass);
  EXPECT_THAT(d.reason, Not(HasSubstr("break-glass")));
}

TEST_F(MatrixPolicyTest, BreakGlassIsRefusedWithATooShortReason) {
  AccessRequest request = HealthRead();
  request.break_glass_reason = "needed urgently";  // 15 characters
  Decision d = policy_->Decide(request);
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.break_glass);
  EXPECT_THAT(d.reason,
              HasSubstr("; break-glass refused: the reason has 15 characters; at least 20 are "
                        "required"));
  // Padding does not count; 19 characters are one too few, 20 are enough.
  request.break_glass_reason = "   1234567890123456789        ";
  EXPECT_FALSE(policy_->Decide(request).allowed);
  request.break_glass_reason = "12345678901234567890";
  d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.break_glass);
}

TEST_F(MatrixPolicyTest, BreakGlassIsRefusedForARoleNotNamed) {
  AccessRequest request = HealthRead();
  request.role = "nurse";
  request.agency_id = "hmp-healthcare";
  request.purpose = "care";
  request.owner_agency = "other-agency";
  request.break_glass_reason = kGoodReason;
  const Decision d = policy_->Decide(request);
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.answer_not_found);  // the nurse has no relationship either
  EXPECT_THAT(d.reason, HasSubstr("; break-glass refused: role 'nurse' is not among the "
                                  "break-glass roles [probation, police]"));
  EXPECT_FALSE(policy_->MayBreakGlass("nurse"));
  EXPECT_TRUE(policy_->MayBreakGlass("police"));
}

TEST_F(MatrixPolicyTest, BreakGlassCannotOverrideTheRolePermission) {
  AccessRequest request = HealthRead();
  request.purpose = "care";  // probation has no rule for care
  request.break_glass_reason = kGoodReason;
  const Decision d = policy_->Decide(request);
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.break_glass);
  EXPECT_THAT(d.reason, HasSubstr("break-glass cannot override a missing role permission"));
}

TEST_F(MatrixPolicyTest, BreakGlassIsAllowedAndFlaggedOtherwise) {
  AccessRequest request = HealthRead();
  request.relationships = {};
  request.break_glass_reason = kGoodReason;
  Decision d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.break_glass);
  EXPECT_FALSE(d.answer_not_found);
  EXPECT_EQ(d.basis, "break-glass by role 'probation'");
  EXPECT_EQ(d.rule_id, "probation-records");
  EXPECT_THAT(d.reason, StartsWith("break-glass by role 'probation' overrides: no active "
                                   "relationship between agency 'probation-east'"));

  // Not flagged when the access is allowed anyway.
  AddConsent(kNow - absl::Hours(24), kNow + absl::Hours(24));
  request = HealthRead();
  request.break_glass_reason = kGoodReason;
  d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.break_glass);
  EXPECT_EQ(d.basis, "consent con_b v1");
}

TEST_F(MatrixPolicyTest, ExplainListsEveryCheck) {
  labels_ = {"mappa"};
  AccessRequest request = HealthRead();
  Decision d = policy_->Decide(request, /*explain=*/true);
  EXPECT_FALSE(d.allowed);
  ASSERT_EQ(d.checks.size(), 6u);
  const std::vector<std::string> names = {d.checks[0].name, d.checks[1].name, d.checks[2].name,
                                          d.checks[3].name, d.checks[4].name, d.checks[5].name};
  EXPECT_THAT(names, ElementsAre("role_permission", "relationship", "lawful_basis", "purpose",
                                 "labels", "break_glass"));
  EXPECT_TRUE(d.checks[0].passed);
  EXPECT_EQ(d.checks[0].detail,
            "rule 'probation-records' permits role 'probation' to record.read data class "
            "'health' for purpose 'supervision'");
  EXPECT_TRUE(d.checks[1].passed);
  EXPECT_THAT(d.checks[1].detail, StartsWith("relationship rel_1 (allocation) of agency "
                                             "'probation-east', active since"));
  EXPECT_FALSE(d.checks[2].passed);
  EXPECT_THAT(d.checks[2].detail, StartsWith("no active consent covers data class 'health'"));
  EXPECT_EQ(d.reason, d.checks[2].detail);
  EXPECT_FALSE(d.checks[3].passed);
  EXPECT_THAT(d.checks[3].detail, StartsWith("purpose 'supervision' is not compatible with the "
                                             "purpose of collection 'care', and no active "
                                             "consent covers"));
  EXPECT_TRUE(d.checks[4].passed);
  EXPECT_EQ(d.checks[4].detail, "labels 'mappa': no effect");
  EXPECT_FALSE(d.checks[5].passed);
  EXPECT_EQ(d.checks[5].detail, "not requested");

  AddConsent(kNow - absl::Hours(24), kNow + absl::Hours(24));
  request = HealthRead();
  d = policy_->Decide(request, /*explain=*/true);
  EXPECT_TRUE(d.allowed) << d.reason;
  ASSERT_EQ(d.checks.size(), 6u);
  for (const Check& check : d.checks) EXPECT_TRUE(check.passed) << check.name << ": " << check.detail;
  EXPECT_EQ(d.checks[2].detail,
            "consent con_b v1 covers data class 'health' for agency 'probation-east' and "
            "purpose 'supervision'");
  EXPECT_EQ(d.checks[3].detail,
            "purpose 'supervision' is not compatible with the purpose of collection 'care', but "
            "consent con_b v1 covers purpose 'supervision'");

  // A call that is not about one person: only the role permission applies.
  AccessRequest audit;
  audit.role = "probation";
  audit.action = "record.read";
  audit.data_class = "risk";
  audit.purpose = "supervision";
  d = policy_->Decide(audit, /*explain=*/true);
  EXPECT_TRUE(d.allowed);
  ASSERT_EQ(d.checks.size(), 6u);
  EXPECT_EQ(d.checks[1].detail, "not applicable: not about a person's data");

  // A role that no rule names: the other checks are not evaluated.
  audit.role = "nurse";
  d = policy_->Decide(audit, /*explain=*/true);
  EXPECT_FALSE(d.allowed);
  ASSERT_EQ(d.checks.size(), 6u);
  EXPECT_FALSE(d.checks[0].passed);
  EXPECT_EQ(d.checks[2].detail, "not evaluated: no rule grants the action");
}

TEST_F(MatrixPolicyTest, AnUndeclaredLabelDeniesEvenWithBreakGlass) {
  AddConsent(kNow - absl::Hours(24), kNow + absl::Hours(24));
  labels_ = {"top_secret"};
  AccessRequest request = HealthRead();
  request.break_glass_reason = kGoodReason;
  const Decision d = policy_->Decide(request);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason,
            "the record carries label 'top_secret', which the policy does not declare; "
            "break-glass refused: the record carries label 'top_secret', which the policy does "
            "not declare");
}

TEST_F(MatrixPolicyTest, AnUndeclaredPurposeOfCollectionIsIncompatibleWithEverything) {
  AccessRequest request = HealthRead();
  request.data_class = "risk";
  request.collected_for = "gossip";
  Decision d = policy_->Decide(request);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reason, StartsWith("the record's purpose of collection 'gossip' is not declared "
                                   "by the policy, and no active consent covers"));
  request.collected_for = "supervision";
  d = policy_->Decide(request);
  EXPECT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.basis, "role rule 'probation-records'");
}

// ---------------------------------------------------------------------------------------------
// Who may register identifiers, and who may start which relationships, by agency kind: every
// combination against tables written out by hand from the policy above.

const char* const kAgencyKinds[] = {"prison",  "probation", "police",   "health",
                                    "prison_healthcare", "housing", "cjit"};

TEST_F(MatrixPolicyTest, IdentifierRegistrationByAgencyKind) {
  // The (agency kind, identifier kind) pairs the identifiers section allows; nothing else.
  const std::set<std::pair<std::string, IdentifierKind>> allowed = {
      {"prison", IdentifierKind::kNoms},
      {"health", IdentifierKind::kNhsNumber},
      {"prison_healthcare", IdentifierKind::kNhsNumber},
      {"police", IdentifierKind::kPnc}};
  int checked = 0;
  for (const char* agency_kind : kAgencyKinds) {
    for (IdentifierKind kind : {IdentifierKind::kPnc, IdentifierKind::kNoms, IdentifierKind::kCrn,
                                IdentifierKind::kNhsNumber, IdentifierKind::kLocalAuthorityRef}) {
      std::string why;
      const bool may = policy_->MayRegisterIdentifier(agency_kind, kind, &why);
      EXPECT_EQ(may, allowed.count({agency_kind, kind}) == 1)
          << agency_kind << " " << static_cast<int>(kind) << ": " << why;
      if (!may) {
        EXPECT_THAT(why, HasSubstr(absl::StrCat("'", agency_kind, "' may not register")));
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 35);
}

TEST_F(MatrixPolicyTest, RelationshipStartsByRoleAgencyKindAndReason) {
  // min_reason_length is 20, not counting surrounding white space: only the last will do.
  const std::string reasons[] = {"", "too short", "          padded, 16 chars          ",
                                 "Treating the person for a wound on reception."};
  auto long_enough = [&](const std::string& r) { return r == reasons[3]; };
  int workflows = 0, claims = 0, refused = 0;
  for (const char* role : {"nurse", "probation", "police"}) {
    for (const char* agency_kind : kAgencyKinds) {
      for (RelationshipKind kind : {RelationshipKind::kAllocation, RelationshipKind::kCustody,
                                    RelationshipKind::kReferral}) {
        for (const std::string& reason : reasons) {
          const std::string r = role, a = agency_kind;
          StartKind expected = StartKind::kRefused;
          if (kind == RelationshipKind::kAllocation && r == "probation" && a == "probation") {
            expected = StartKind::kWorkflow;
          } else if (kind == RelationshipKind::kAllocation && r == "nurse" &&
                     (a == "prison_healthcare" || a == "health") && long_enough(reason)) {
            expected = StartKind::kSelfClaim;
          }
          const StartDecision d = policy_->DecideRelationshipStart(role, agency_kind, kind, reason);
          EXPECT_EQ(d.kind, expected) << role << " of " << agency_kind << ", kind "
                                      << static_cast<int>(kind) << ", reason '" << reason
                                      << "': " << d.reason;
          EXPECT_FALSE(d.reason.empty());
          EXPECT_EQ(d.rule_id.empty(), d.kind == StartKind::kRefused);
          workflows += d.kind == StartKind::kWorkflow;
          claims += d.kind == StartKind::kSelfClaim;
          refused += d.kind == StartKind::kRefused;
        }
      }
    }
  }
  // Pinned, so that a table that allowed nothing (or everything) would be caught.
  EXPECT_EQ(workflows, 4);  // probation of probation, allocation, any reason
  EXPECT_EQ(claims, 2);     // a nurse of prison healthcare or health, with a real reason
  EXPECT_EQ(refused, 3 * 7 * 3 * 4 - 6);
}

}  // namespace
}  // namespace throughcare::policy
