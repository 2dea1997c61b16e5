// The decision point: Policy::Decide and the checks it runs, in the order policy.h gives them.
#include "services/policy/policy.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "services/policy/internal/policy_context.h"
#include "services/policy/internal/policy_data.h"

namespace throughcare::policy {
namespace {

using policy_internal::ActionIndex;
using policy_internal::CheckConsent;
using policy_internal::ConsentFault;
using policy_internal::ConsentName;
using policy_internal::Grant;
using policy_internal::GrantKey;
using policy_internal::KindName;
using policy_internal::LabelEffect;
using policy_internal::LabelInfo;
using policy_internal::PolicyData;
using policy_internal::Quoted;
using policy_internal::ReasonLength;
using policy_internal::RelationshipActive;
using policy_internal::TimeText;

// The checks, in the order policy.h gives them; Decision::checks uses these names.
enum CheckIndex : int {
  kRolePermission = 0,
  kRelationshipCheck = 1,
  kLawfulBasis = 2,
  kPurposeCheck = 3,
  kLabelsCheck = 4,
  kBreakGlassCheck = 5,
  kNumChecks = 6,
};
constexpr absl::string_view kCheckNames[kNumChecks] = {
    "role_permission", "relationship", "lawful_basis", "purpose", "labels", "break_glass"};

// One decision. Evaluates the checks in order; without `explain` it stops at the first failure
// and builds strings only for the reason and the basis.
class Decider {
 public:
  Decider(const PolicyData& policy, const AccessRequest& request, bool explain,
          Decision& decision)
      : p_(policy), q_(request), explain_(explain), d_(decision) {}

  void Run();

 private:
  // What the record's labels ask for, gathered once.
  struct LabelSummary {
    absl::string_view undeclared;     // the first label the policy does not declare
    int break_glass_only = -1;        // the first break_glass_only label
    int break_glass_only_denied = -1; // the first break_glass_only label not naming the role
    int consent_only = -1;            // the first consent_only label
    int redact = -1;                  // the first redact label naming the role
  };

  // Records a passed check. `detail` builds its description, called only when explaining, so
  // the fast path builds no strings for checks that pass.
  template <typename DetailFn>
  void Pass(int check, DetailFn&& detail) {
    if (!explain_) return;
    d_.checks[check].passed = true;
    d_.checks[check].detail = detail();
  }
  void NotApplicable(int check, absl::string_view why) {
    Pass(check, [why] { return absl::StrCat("not applicable: ", why); });
  }
  // Records a failed check; returns whether to go on evaluating (only when explaining).
  bool Fail(int check, std::string reason) {
    if (failed_check_ < 0) {
      failed_check_ = check;
      failure_ = reason;
    }
    if (explain_) {
      d_.checks[check].passed = false;
      d_.checks[check].detail = std::move(reason);
    }
    return explain_;
  }

  bool RolePermission();
  bool RelationshipCheck();
  void RecordChecks();
  bool SharingChecks();
  bool LawfulBasisCheck(bool consent_class);
  bool PurposeCheck(bool compatible, bool declared);
  void LabelsCheck();
  void SummarizeLabels();
  const Consent* FindConsent();
  std::string NoRelationshipReason() const;
  std::string NoConsentReason() const;
  std::string NoStatutoryText() const;
  void Finish();
  void Allow(std::string basis);

  const PolicyData& p_;
  const AccessRequest& q_;
  const bool explain_;
  Decision& d_;

  uint32_t role_ = 0;
  uint32_t class_ = 0;
  uint32_t purpose_ = 0;
  const Grant* grant_ = nullptr;
  int rule_ = -1;
  bool unrelated_rule_ = false;  // rule_ is the grant's not_required alternative

  bool record_ = false;
  bool own_ = false;
  LabelSummary labels_;
  bool consent_searched_ = false;
  const Consent* consent_ = nullptr;
  int statutory_ = -1;
  enum class Basis { kRoleRule, kOwnAgency, kConsent, kStatutory } basis_ = Basis::kRoleRule;

  int failed_check_ = -1;
  std::string failure_;
};

void Decider::Run() {
  if (explain_) {
    d_.checks.resize(kNumChecks);
    for (int i = 0; i < kNumChecks; ++i) d_.checks[i].name = std::string(kCheckNames[i]);
  }
  if (!RolePermission()) {
    d_.reason = failure_;
    if (!q_.break_glass_reason.empty()) {
      absl::StrAppend(&d_.reason, "; break-glass cannot override a missing role permission");
    }
    if (explain_) {
      for (int i = kRelationshipCheck; i < kBreakGlassCheck; ++i) {
        d_.checks[i].detail = "not evaluated: no rule grants the action";
      }
      d_.checks[kBreakGlassCheck].detail =
          q_.break_glass_reason.empty() ? "not requested"
                                        : "refused: break-glass cannot override a missing role "
                                          "permission";
    }
    return;
  }
  if (!q_.person_scoped) {
    NotApplicable(kRelationshipCheck, "not about a person's data");
    NotApplicable(kLawfulBasis, "not about a person's data");
    NotApplicable(kPurposeCheck, "not about a person's data");
    NotApplicable(kLabelsCheck, "not about a person's data");
    Finish();
    return;
  }
  record_ = !q_.owner_agency.empty();
  if (record_) SummarizeLabels();
  if (!RelationshipCheck()) {
    Finish();
    return;
  }
  if (!record_) {
    NotApplicable(kLawfulBasis, "no record (identity, consent and relationship actions)");
    NotApplicable(kPurposeCheck, "no record (identity, consent and relationship actions)");
    NotApplicable(kLabelsCheck, "no record (identity, consent and relationship actions)");
    Finish();
    return;
  }
  RecordChecks();
  Finish();
}

// Check 1. Returns false when it fails (nothing else is evaluated then).
bool Decider::RolePermission() {
  auto unknown = [this](absl::string_view what, const std::string& value) {
    Fail(kRolePermission, value.empty() ? absl::StrCat("the request names no ", what)
                                        : absl::StrCat("unknown ", what, " ", Quoted(value)));
    return false;
  };
  const auto role = p_.roles.index.find(q_.role);
  if (role == p_.roles.index.end()) return unknown("role", q_.role);
  const int action = ActionIndex(q_.action);
  if (action < 0) return unknown("action", q_.action);
  const auto data_class = p_.data_classes.index.find(q_.data_class);
  if (data_class == p_.data_classes.index.end()) return unknown("data class", q_.data_class);
  const auto purpose = p_.purposes.index.find(q_.purpose);
  if (purpose == p_.purposes.index.end()) return unknown("purpose", q_.purpose);
  role_ = role->second;
  class_ = data_class->second;
  purpose_ = purpose->second;

  const auto grant = p_.grants.find(GrantKey{role_, static_cast<uint32_t>(action), class_});
  if (grant == p_.grants.end()) {
    Fail(kRolePermission,
         absl::StrCat("no rule permits role ", Quoted(q_.role), " to ", q_.action,
                      " data class ", Quoted(q_.data_class), " (for any purpose)"));
    return false;
  }
  grant_ = &grant->second;
  rule_ = grant_->rule_by_purpose[purpose_];
  if (rule_ < 0) {
    Fail(kRolePermission,
         absl::StrCat(grant_->other_purposes_reason, ", not ", Quoted(q_.purpose)));
    return false;
  }
  d_.rule_id = p_.rules[rule_].id;
  Pass(kRolePermission, [this] { return grant_->allowed_reason[purpose_]; });
  return true;
}

// Check 2. May switch to a granting rule that needs no relationship.
bool Decider::RelationshipCheck() {
  if (!p_.rules[rule_].relationship_required) {
    Pass(kRelationshipCheck,
         [this] { return absl::StrCat("not required by rule ", Quoted(p_.rules[rule_].id)); });
    return true;
  }
  if (!q_.agency_id.empty()) {
    for (const Relationship& r : q_.relationships) {
      if (r.agency_id != q_.agency_id || !RelationshipActive(r, q_.now)) continue;
      if (!r.user_id.empty() && r.user_id != q_.user_id) continue;
      Pass(kRelationshipCheck, [&r] {
        return absl::StrCat("relationship ", r.relationship_id, " (", KindName(r.kind),
                            ") of agency ", Quoted(r.agency_id),
                            r.user_id.empty() ? "" : absl::StrCat(" user ", Quoted(r.user_id)),
                            ", active since ", TimeText(r.started_at));
      });
      return true;
    }
  }
  const int unrelated = grant_->unrelated_rule_by_purpose[purpose_];
  if (unrelated >= 0) {
    rule_ = unrelated;
    unrelated_rule_ = true;
    d_.rule_id = p_.rules[rule_].id;
    Pass(kRelationshipCheck, [this] {
      return absl::StrCat("no active relationship, and rule ", Quoted(p_.rules[rule_].id),
                          " does not require one");
    });
    return true;
  }
  return Fail(kRelationshipCheck, NoRelationshipReason());
}

// Only the caller's own agency's relationships are described: others' would reveal who else
// works with the person.
std::string Decider::NoRelationshipReason() const {
  std::string reason =
      q_.agency_id.empty()
          ? std::string("the request names no agency, so no relationship with the person applies")
          : absl::StrCat("no active relationship between agency ", Quoted(q_.agency_id),
                         q_.user_id.empty() ? "" : absl::StrCat(" (user ", Quoted(q_.user_id), ")"),
                         " and the person");
  std::vector<std::string> found;
  if (!q_.agency_id.empty()) {
    for (const Relationship& r : q_.relationships) {
      if (r.agency_id != q_.agency_id) continue;
      if (q_.now < r.started_at) {
        found.push_back(absl::StrCat(r.relationship_id, " starts at ", TimeText(r.started_at)));
      } else if (r.ended_at.has_value() && *r.ended_at <= q_.now) {
        found.push_back(absl::StrCat(r.relationship_id, " ended at ", TimeText(*r.ended_at)));
      } else {
        found.push_back(
            absl::StrCat(r.relationship_id, " is for user ", Quoted(r.user_id), " only"));
      }
    }
  }
  if (!found.empty()) absl::StrAppend(&reason, " (", absl::StrJoin(found, "; "), ")");
  return reason;
}

void Decider::SummarizeLabels() {
  for (const std::string& name : q_.labels) {
    const auto it = p_.labels.index.find(name);
    if (it == p_.labels.index.end()) {
      if (labels_.undeclared.empty()) labels_.undeclared = name;
      continue;
    }
    const int label = static_cast<int>(it->second);
    const LabelInfo& info = p_.label_info[label];
    switch (info.effect) {
      case LabelEffect::kNone:
        break;
      case LabelEffect::kBreakGlassOnly:
        if (labels_.break_glass_only < 0) labels_.break_glass_only = label;
        if (labels_.break_glass_only_denied < 0 && !info.roles[role_]) {
          labels_.break_glass_only_denied = label;
        }
        break;
      case LabelEffect::kConsentOnly:
        if (labels_.consent_only < 0) labels_.consent_only = label;
        break;
      case LabelEffect::kRedact:
        if (labels_.redact < 0 && info.roles[role_]) labels_.redact = label;
        break;
    }
  }
}

const Consent* Decider::FindConsent() {
  if (!consent_searched_) {
    consent_searched_ = true;
    for (const Consent& c : q_.consents) {
      if (CheckConsent(c, q_) == ConsentFault::kCovers) {
        consent_ = &c;
        break;
      }
    }
  }
  return consent_;
}

// "no active consent covers ...", naming each consent found and why it does not cover.
std::string Decider::NoConsentReason() const {
  std::string reason =
      absl::StrCat("no active consent covers data class ", Quoted(q_.data_class), " for agency ",
                   Quoted(q_.agency_id), " and purpose ", Quoted(q_.purpose));
  if (q_.consents.empty()) {
    absl::StrAppend(&reason, " (the person has no consents)");
    return reason;
  }
  std::vector<std::string> found;
  for (const Consent& c : q_.consents) {
    std::string why = ConsentName(c);
    switch (CheckConsent(c, q_)) {
      case ConsentFault::kCovers:
        absl::StrAppend(&why, " covers it");
        break;
      case ConsentFault::kWithdrawn:
        absl::StrAppend(&why, " was withdrawn");
        break;
      case ConsentFault::kNotYetValid:
        absl::StrAppend(&why, " is not valid until ", TimeText(c.valid_from));
        break;
      case ConsentFault::kExpired:
        absl::StrAppend(&why, " expired at ", TimeText(c.valid_until));
        break;
      case ConsentFault::kDataClass:
        absl::StrAppend(&why, " does not cover data class ", Quoted(q_.data_class));
        break;
      case ConsentFault::kPurpose:
        absl::StrAppend(&why, " does not cover purpose ", Quoted(q_.purpose));
        break;
      case ConsentFault::kRecipient:
        absl::StrAppend(&why, " does not name agency ", Quoted(q_.agency_id), " or kind ",
                        Quoted(q_.agency_kind));
        break;
    }
    found.push_back(std::move(why));
  }
  absl::StrAppend(&reason, " (", absl::StrJoin(found, "; "), ")");
  return reason;
}

std::string Decider::NoStatutoryText() const {
  return absl::StrCat("no statutory basis names role ", Quoted(q_.role), " for data class ",
                      Quoted(q_.data_class), " and purpose ", Quoted(q_.purpose));
}

// Checks 3-5, for a record.
void Decider::RecordChecks() {
  own_ = q_.owner_agency == q_.agency_id;
  if (own_) {
    basis_ = Basis::kOwnAgency;
    Pass(kLawfulBasis, [] { return std::string("own agency's record"); });
    Pass(kPurposeCheck, [] {
      return std::string("own agency's record: purpose limitation applies only to sharing");
    });
  } else if (!SharingChecks()) {
    return;
  }
  LabelsCheck();
}

// Checks 3 and 4, for another agency's record. Returns false when a check fails and the
// decision stops there (not explaining).
bool Decider::SharingChecks() {
  const bool consent_class = p_.consent_based[class_];
  const auto collected = p_.purposes.index.find(q_.collected_for);
  const bool declared = collected != p_.purposes.index.end();
  const bool compatible = declared && p_.Compatible(collected->second, purpose_);
  statutory_ = p_.Statutory(role_, class_, purpose_);
  if (consent_class || !compatible || labels_.consent_only >= 0) FindConsent();
  return LawfulBasisCheck(consent_class) && PurposeCheck(compatible, declared);
}

// Check 3: lawful basis to share. Returns false to stop.
bool Decider::LawfulBasisCheck(bool consent_class) {
  if (!consent_class) {
    Pass(kLawfulBasis, [this] {
      return absl::StrCat("data class ", Quoted(q_.data_class),
                          " is not consent-based: shared under role rule ",
                          Quoted(p_.rules[rule_].id));
    });
    if (consent_ != nullptr) basis_ = Basis::kConsent;
  } else if (consent_ != nullptr) {
    basis_ = Basis::kConsent;
    Pass(kLawfulBasis, [this] {
      return absl::StrCat(ConsentName(*consent_), " covers data class ", Quoted(q_.data_class),
                          " for agency ", Quoted(q_.agency_id), " and purpose ",
                          Quoted(q_.purpose));
    });
  } else if (statutory_ >= 0) {
    basis_ = Basis::kStatutory;
    Pass(kLawfulBasis, [this] {
      return absl::StrCat(p_.statutory_basis_text[statutory_], " names role ", Quoted(q_.role),
                          " for data class ", Quoted(q_.data_class), " and purpose ",
                          Quoted(q_.purpose));
    });
  } else if (!Fail(kLawfulBasis, absl::StrCat(NoConsentReason(), ", and ", NoStatutoryText()))) {
    return false;
  }
  return true;
}

// Check 4: purpose limitation. `declared`: the policy declares the purpose of collection.
// Returns false to stop.
bool Decider::PurposeCheck(bool compatible, bool declared) {
  if (compatible) {
    Pass(kPurposeCheck, [this] {
      return q_.collected_for == q_.purpose
                 ? absl::StrCat("purpose ", Quoted(q_.purpose), " is the purpose of collection")
                 : absl::StrCat("purpose ", Quoted(q_.purpose),
                                " is compatible with the purpose of collection ",
                                Quoted(q_.collected_for));
    });
    return true;
  }
  auto incompatible = [this, declared] {
    return declared ? absl::StrCat("purpose ", Quoted(q_.purpose),
                                   " is not compatible with the purpose of collection ",
                                   Quoted(q_.collected_for))
                    : absl::StrCat("the record's purpose of collection ",
                                   Quoted(q_.collected_for), " is not declared by the policy");
  };
  if (consent_ != nullptr) {
    basis_ = Basis::kConsent;
    Pass(kPurposeCheck, [&] {
      return absl::StrCat(incompatible(), ", but ", ConsentName(*consent_), " covers purpose ",
                          Quoted(q_.purpose));
    });
  } else if (statutory_ >= 0) {
    basis_ = Basis::kStatutory;
    Pass(kPurposeCheck, [&] {
      return absl::StrCat(incompatible(), ", but ", p_.statutory_basis_text[statutory_],
                          " covers it");
    });
  } else if (!Fail(kPurposeCheck, absl::StrCat(incompatible(), ", and ", NoConsentReason(),
                                               ", and ", NoStatutoryText()))) {
    return false;
  }
  return true;
}

// Check 5: labels. The last check, so a failure needs no early return.
void Decider::LabelsCheck() {
  if (!labels_.undeclared.empty()) {
    Fail(kLabelsCheck, absl::StrCat("the record carries label ", Quoted(labels_.undeclared),
                                    ", which the policy does not declare"));
  } else if (labels_.break_glass_only >= 0) {
    const LabelInfo& info = p_.label_info[labels_.break_glass_only];
    Fail(kLabelsCheck, absl::StrCat("label ", Quoted(p_.labels.ids[labels_.break_glass_only]),
                                    " makes the record visible only by break-glass by roles ",
                                    info.roles_text));
  } else if (labels_.consent_only >= 0 && !own_ && consent_ == nullptr) {
    Fail(kLabelsCheck,
         absl::StrCat("label ", Quoted(p_.labels.ids[labels_.consent_only]),
                      " allows sharing outside the owning agency only with consent, and ",
                      NoConsentReason()));
  } else if (explain_) {
    std::vector<std::string> effects;
    for (const std::string& name : q_.labels) {
      const uint32_t label = p_.labels.index.find(name)->second;
      const LabelInfo& info = p_.label_info[label];
      switch (info.effect) {
        case LabelEffect::kNone:
        case LabelEffect::kBreakGlassOnly:
          effects.push_back(absl::StrCat(Quoted(name), ": no effect"));
          break;
        case LabelEffect::kConsentOnly:
          effects.push_back(absl::StrCat(
              Quoted(name), own_ ? ": own agency's record" : ": shared with consent"));
          break;
        case LabelEffect::kRedact:
          effects.push_back(absl::StrCat(
              Quoted(name), info.roles[role_] ? ": victim-related fields are redacted"
                                              : ": no redaction for this role"));
          break;
      }
    }
    Pass(kLabelsCheck, [&effects] {
      return effects.empty() ? std::string("no labels")
                             : absl::StrCat("labels ", absl::StrJoin(effects, "; "));
    });
  }
}

void Decider::Allow(std::string basis) {
  d_.allowed = true;
  d_.basis = std::move(basis);
  d_.redact_victim_fields = record_ && labels_.redact >= 0;
}

void Decider::Finish() {
  if (failed_check_ < 0) {
    switch (basis_) {
      case Basis::kRoleRule:
        Allow(p_.rules[rule_].basis);
        break;
      case Basis::kOwnAgency:
        Allow("own agency's record");
        break;
      case Basis::kConsent:
        Allow(ConsentName(*consent_));
        d_.consent_id = consent_->consent_id;
        break;
      case Basis::kStatutory:
        Allow(p_.statutory_basis_text[statutory_]);
        break;
    }
    d_.reason = unrelated_rule_ ? grant_->unrelated_allowed_reason[purpose_]
                                : grant_->allowed_reason[purpose_];
    if (explain_) {
      d_.checks[kBreakGlassCheck].passed = true;
      d_.checks[kBreakGlassCheck].detail = q_.break_glass_reason.empty()
                                               ? "not requested"
                                               : "not needed: allowed without break-glass";
    }
    return;
  }

  if (q_.break_glass_reason.empty()) {
    d_.reason = std::move(failure_);
    d_.answer_not_found = failed_check_ == kRelationshipCheck;
    if (explain_) d_.checks[kBreakGlassCheck].detail = "not requested";
    return;
  }
  std::string refusal;
  const size_t length = ReasonLength(q_.break_glass_reason);
  if (!p_.break_glass_roles[role_]) {
    refusal = absl::StrCat("role ", Quoted(q_.role), " is not among the break-glass roles ",
                           p_.break_glass_roles_text);
  } else if (length < p_.min_reason_length) {
    refusal = absl::StrCat("the reason has ", length, " characters; at least ",
                           p_.min_reason_length, " are required");
  } else if (record_ && !labels_.undeclared.empty()) {
    refusal = absl::StrCat("the record carries label ", Quoted(labels_.undeclared),
                           ", which the policy does not declare");
  } else if (record_ && labels_.break_glass_only_denied >= 0) {
    const int label = labels_.break_glass_only_denied;
    refusal = absl::StrCat("label ", Quoted(p_.labels.ids[label]),
                           " may be opened by break-glass only by roles ",
                           p_.label_info[label].roles_text);
  }
  if (!refusal.empty()) {
    d_.reason = absl::StrCat(failure_, "; break-glass refused: ", refusal);
    d_.answer_not_found = failed_check_ == kRelationshipCheck;
    if (explain_) d_.checks[kBreakGlassCheck].detail = absl::StrCat("refused: ", refusal);
    return;
  }
  Allow(absl::StrCat("break-glass by role ", Quoted(q_.role)));
  d_.break_glass = true;
  d_.reason = absl::StrCat("break-glass by role ", Quoted(q_.role), " overrides: ", failure_);
  if (explain_) {
    d_.checks[kBreakGlassCheck].passed = true;
    d_.checks[kBreakGlassCheck].detail =
        absl::StrCat("role ", Quoted(q_.role), " broke glass with a reason of ", length,
                     " characters (at least ", p_.min_reason_length, " required)");
  }
}

}  // namespace

Decision Policy::Decide(const AccessRequest& request, bool explain) const {
  Decision decision;
  Decider(*impl_, request, explain, decision).Run();
  return decision;
}

const std::vector<RetentionPeriod>& Policy::retention() const { return impl_->retention; }

absl::Time RetentionPeriod::CutoffAt(absl::Time now) const {
  if (!years) return now - absl::Hours(24) * count;
  const absl::CivilSecond t = absl::ToCivilSecond(now, absl::UTCTimeZone());
  return absl::FromCivil(absl::CivilSecond(t.year() - count, t.month(), t.day(), t.hour(),
                                           t.minute(), t.second()),
                         absl::UTCTimeZone());
}

size_t Policy::break_glass_min_reason_length() const { return impl_->min_reason_length; }

bool Policy::MayBreakGlass(absl::string_view role) const {
  const auto it = impl_->roles.index.find(role);
  return it != impl_->roles.index.end() && impl_->break_glass_roles[it->second];
}

}  // namespace throughcare::policy
