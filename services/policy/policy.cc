#include "services/policy/policy.h"

#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "services/core/files.h"
#include "services/crypto/hash.h"
#include "throughcare/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace throughcare::policy {
namespace {

// Indexed by the action's position here; Decide() compares against these, so adding an action
// means adding a constant to policy.h and an entry here.
constexpr absl::string_view kActions[] = {
    kSubjectRegister, kSubjectRead,  kSubjectUpdate,     kRecordWrite,      kRecordRead,
    kAuditRead,       kConsentWrite, kConsentRead,       kRelationshipWrite, kRelationshipRead,
    kPolicyReload,    kMessageSend,  kMessageReceive,    kReferralWrite,    kReferralRead,
    kReferralReport};
constexpr int kNumActions = sizeof(kActions) / sizeof(kActions[0]);

int ActionIndex(absl::string_view action) {
  for (int i = 0; i < kNumActions; ++i) {
    if (kActions[i] == action) return i;
  }
  return -1;
}

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

enum class LabelEffect { kNone, kBreakGlassOnly, kRedact, kConsentOnly };
constexpr absl::string_view kLabelEffects[] = {"none", "break_glass_only", "redact",
                                               "consent_only"};
constexpr absl::string_view kDataClassBases[] = {"role", "consent"};
constexpr absl::string_view kRelationshipValues[] = {"required", "not_required"};

// (role, action, data class), each as an index into the policy's declaration lists.
struct GrantKey {
  uint32_t role;
  uint32_t action;
  uint32_t data_class;

  friend bool operator==(const GrantKey& a, const GrantKey& b) {
    return a.role == b.role && a.action == b.action && a.data_class == b.data_class;
  }
  template <typename H>
  friend H AbslHashValue(H h, const GrantKey& k) {
    return H::combine(std::move(h), k.role, k.action, k.data_class);
  }
};

// Everything Decide() needs for one (role, action, data class) that at least one rule grants.
// The reasons are built at load time so a decision only looks up and copies.
struct Grant {
  std::vector<int> rule_by_purpose;  // by purpose index; first granting rule, or -1
  // By purpose index: the first granting rule that says `relationship: not_required`, or -1.
  // Used when the caller has no relationship and the first rule needs one.
  std::vector<int> unrelated_rule_by_purpose;
  std::vector<std::string> allowed_reason;            // by purpose; for rule_by_purpose
  std::vector<std::string> unrelated_allowed_reason;  // by purpose; for unrelated_rule_by_purpose
  std::string other_purposes_reason;  // "role 'r' may a data class 'c' only for purposes [..]"
};

// A declaration section's ids in file order, and each id's index in that order.
struct Declarations {
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, uint32_t> index;
};

struct RuleInfo {
  std::string id;
  bool relationship_required = true;
  std::string basis;  // "role rule '<id>'"
};

struct LabelInfo {
  LabelEffect effect = LabelEffect::kNone;
  std::vector<bool> roles;  // by role index; for break_glass_only and redact
  std::string roles_text;   // "[a, b]", for reasons
};

constexpr absl::string_view kTopLevelKeys[] = {"roles", "data_classes", "purposes", "labels",
                                               "rules"};
constexpr absl::string_view kTopLevelOptionalKeys[] = {"statutory_bases", "break_glass"};
constexpr absl::string_view kDeclarationKeys[] = {"id", "description"};
constexpr absl::string_view kDataClassOptionalKeys[] = {"basis"};
constexpr absl::string_view kPurposeOptionalKeys[] = {"compatible_with"};
constexpr absl::string_view kLabelOptionalKeys[] = {"effect", "roles"};
constexpr absl::string_view kRuleKeys[] = {"id",      "description",  "roles",
                                           "actions", "data_classes", "purposes"};
constexpr absl::string_view kRuleOptionalKeys[] = {"relationship"};
constexpr absl::string_view kStatutoryBasisKeys[] = {"id",    "description",  "roles",
                                                     "data_classes", "purposes"};
constexpr absl::string_view kBreakGlassKeys[] = {"roles"};
constexpr absl::string_view kBreakGlassOptionalKeys[] = {"min_reason_length"};

constexpr size_t kDefaultMinReasonLength = 20;
constexpr size_t kMaxMinReasonLength = 1000;

bool IsIdStart(char c) { return c >= 'a' && c <= 'z'; }
bool IsIdChar(char c, bool allow_hyphen) {
  return IsIdStart(c) || (c >= '0' && c <= '9') || c == '_' || (allow_hyphen && c == '-');
}
bool IsValidId(absl::string_view id, bool allow_hyphen) {
  if (id.empty() || !IsIdStart(id[0])) return false;
  for (char c : id) {
    if (!IsIdChar(c, allow_hyphen)) return false;
  }
  return true;
}

// "a, b; optional c, d": the keys a mapping takes, for error messages.
std::string Expected(absl::Span<const absl::string_view> required,
                     absl::Span<const absl::string_view> optional) {
  std::string out = absl::StrJoin(required, ", ");
  if (!optional.empty()) absl::StrAppend(&out, "; optional ", absl::StrJoin(optional, ", "));
  return out;
}

struct Field {
  bool present = false;  // a default YAML::Node is a defined null, so track presence here
  YAML::Node key;
  YAML::Node value;
};

// A declaration section (roles, data_classes, purposes, labels): the ids, and for each entry the
// optional keys' fields (aligned with the optional keys passed to Declare).
struct Section {
  Declarations declarations;
  std::vector<std::vector<Field>> optional;
};

// Turns one YAML document into validated declarations and rules. Every error names the source
// and the 1-based line.
class Loader {
 public:
  explicit Loader(absl::string_view source) : source_(source) {}

  absl::Status Error(const YAML::Mark& mark, absl::string_view message) const {
    if (mark.is_null()) return absl::InvalidArgumentError(absl::StrCat(source_, ": ", message));
    return absl::InvalidArgumentError(absl::StrCat(source_, ":", mark.line + 1, ": ", message));
  }

  // Returns the values of `map` aligned with `keys` followed by `optional`. Every key in `keys`
  // is required; unknown and repeated keys are errors, so a typo can neither widen nor narrow
  // access.
  absl::StatusOr<std::vector<Field>> Fields(const YAML::Node& map, absl::string_view context,
                                            absl::Span<const absl::string_view> keys,
                                            absl::Span<const absl::string_view> optional = {})
      const {
    const std::string expected = Expected(keys, optional);
    if (!map.IsMap()) {
      return Error(map.Mark(), absl::StrCat(context, " must be a mapping with keys ", expected));
    }
    std::vector<Field> fields(keys.size() + optional.size());
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;  // a copy: `it->` yields a temporary proxy
      if (!key.IsScalar()) {
        return Error(key.Mark(),
                     absl::StrCat(context, ": keys must be strings (expected ", expected, ")"));
      }
      size_t i = 0;
      while (i < fields.size() &&
             (i < keys.size() ? keys[i] : optional[i - keys.size()]) != key.Scalar()) {
        ++i;
      }
      if (i == fields.size()) {
        return Error(key.Mark(), absl::StrCat(context, ": unknown key '", key.Scalar(),
                                              "' (expected ", expected, ")"));
      }
      if (fields[i].present) {
        return Error(key.Mark(),
                     absl::StrCat(context, ": duplicate key '", key.Scalar(), "' (first at line ",
                                  fields[i].key.Mark().line + 1, ")"));
      }
      fields[i] = Field{true, key, it->second};
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!fields[i].present) {
        return Error(map.Mark(), absl::StrCat(context, ": missing key '", keys[i], "'"));
      }
    }
    return fields;
  }

  // A scalar that must be a non-empty string, e.g. a description.
  absl::StatusOr<std::string> String(const Field& field, absl::string_view context) const {
    if (!field.value.IsScalar() || field.value.Scalar().empty()) {
      return Error(field.key.Mark(),
                   absl::StrCat(context, ": ", field.key.Scalar(), " must be a non-empty string"));
    }
    return field.value.Scalar();
  }

  // A scalar that must be one of `values`; returns its index there.
  absl::StatusOr<size_t> OneOf(const Field& field, absl::string_view context,
                               absl::Span<const absl::string_view> values) const {
    const std::string allowed = absl::StrJoin(values, ", ");
    if (!field.value.IsScalar()) {
      return Error(field.key.Mark(), absl::StrCat(context, ": ", field.key.Scalar(),
                                                  " must be one of ", allowed));
    }
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] == field.value.Scalar()) return i;
    }
    return Error(field.value.Mark(),
                 absl::StrCat(context, ": ", field.key.Scalar(), " must be one of ", allowed,
                              ", not '", field.value.Scalar(), "'"));
  }

  // An id: a scalar matching [a-z][a-z0-9_]* (with '-' as well for rule ids).
  absl::StatusOr<std::string> Id(const Field& field, absl::string_view context,
                                 bool allow_hyphen) const {
    const absl::string_view pattern = allow_hyphen ? "[a-z][a-z0-9_-]*" : "[a-z][a-z0-9_]*";
    if (!field.value.IsScalar()) {
      return Error(field.key.Mark(),
                   absl::StrCat(context, ": id must be a string matching ", pattern));
    }
    const std::string& id = field.value.Scalar();
    if (!IsValidId(id, allow_hyphen)) {
      return Error(field.value.Mark(),
                   absl::StrCat(context, ": id '", id, "' must match ", pattern));
    }
    return id;
  }

  // A non-empty YAML sequence; `what` describes its entries for the error message.
  absl::Status NonEmptyList(const Field& field, absl::string_view context,
                            absl::string_view what) const {
    if (!field.value.IsSequence() || field.value.size() == 0) {
      return Error(field.key.Mark(), absl::StrCat(context, field.key.Scalar(),
                                                  " must be a non-empty list of ", what));
    }
    return absl::OkStatus();
  }

  // A declaration section: a non-empty list of {id, description} plus the `optional` keys.
  absl::StatusOr<Section> Declare(const Field& section, absl::string_view singular,
                                  absl::Span<const absl::string_view> optional = {}) const {
    const std::string& name = section.key.Scalar();
    RETURN_IF_ERROR(NonEmptyList(section, "",
                                 absl::StrCat("{", Expected(kDeclarationKeys, optional), "}")));
    Section out;
    absl::flat_hash_map<std::string, int> lines;
    for (size_t n = 0; n < section.value.size(); ++n) {
      const YAML::Node entry = section.value[n];
      ASSIGN_OR_RETURN(std::vector<Field> fields,
                       Fields(entry, absl::StrCat(name, "[", n, "]"), kDeclarationKeys, optional));
      ASSIGN_OR_RETURN(std::string id,
                       Id(fields[0], absl::StrCat(name, "[", n, "]"), /*allow_hyphen=*/false));
      const std::string context = absl::StrCat(singular, " '", id, "'");
      const int line = fields[0].value.Mark().line + 1;
      auto [it, inserted] = lines.emplace(id, line);
      if (!inserted) {
        return Error(fields[0].value.Mark(),
                     absl::StrCat(context, " is declared twice (first at line ", it->second, ")"));
      }
      RETURN_IF_ERROR(String(fields[1], context).status());
      out.declarations.index.emplace(id, static_cast<uint32_t>(out.declarations.ids.size()));
      out.declarations.ids.push_back(std::move(id));
      out.optional.emplace_back(fields.begin() + 2, fields.end());
    }
    return out;
  }

  // A list of references: non-empty, no repeats, every entry declared in `known`.
  absl::StatusOr<std::vector<uint32_t>> References(const Field& field, absl::string_view context,
                                                   absl::string_view singular,
                                                   const Declarations& known) const {
    RETURN_IF_ERROR(
        NonEmptyList(field, absl::StrCat(context, ": "), absl::StrCat(singular, " ids")));
    std::vector<uint32_t> out;
    absl::flat_hash_set<uint32_t> seen;
    for (const YAML::Node& entry : field.value) {
      if (!entry.IsScalar()) {
        return Error(entry.Mark(), absl::StrCat(context, ": ", field.key.Scalar(),
                                                " entries must be ", singular, " ids"));
      }
      auto it = known.index.find(entry.Scalar());
      if (it == known.index.end()) {
        return Error(entry.Mark(),
                     absl::StrCat(context, ": unknown ", singular, " '", entry.Scalar(), "'"));
      }
      if (!seen.insert(it->second).second) {
        return Error(entry.Mark(), absl::StrCat(context, ": ", singular, " '", entry.Scalar(),
                                                "' is listed twice"));
      }
      out.push_back(it->second);
    }
    return out;
  }

  absl::StatusOr<std::vector<uint32_t>> Actions(const Field& field,
                                                absl::string_view context) const {
    RETURN_IF_ERROR(NonEmptyList(field, absl::StrCat(context, ": "), "actions"));
    std::vector<uint32_t> out;
    absl::flat_hash_set<uint32_t> seen;
    for (const YAML::Node& entry : field.value) {
      const int action = entry.IsScalar() ? ActionIndex(entry.Scalar()) : -1;
      if (action < 0) {
        return Error(entry.Mark(),
                     absl::StrCat(context, ": unknown action '",
                                  entry.IsScalar() ? entry.Scalar() : "<not a string>",
                                  "' (expected one of ", absl::StrJoin(kActions, ", "), ")"));
      }
      if (!seen.insert(action).second) {
        return Error(entry.Mark(),
                     absl::StrCat(context, ": action '", entry.Scalar(), "' is listed twice"));
      }
      out.push_back(static_cast<uint32_t>(action));
    }
    return out;
  }

 private:
  std::string source_;
};

std::string Quoted(absl::string_view s) { return absl::StrCat("'", s, "'"); }

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

bool Contains(const std::vector<std::string>& list, absl::string_view value) {
  for (const std::string& entry : list) {
    if (entry == value) return true;
  }
  return false;
}

// The break-glass reason's length in characters (UTF-8 code points), ignoring surrounding
// white space, so that padding cannot satisfy the minimum.
size_t ReasonLength(absl::string_view reason) {
  size_t n = 0;
  for (char c : absl::StripAsciiWhitespace(reason)) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

absl::string_view KindName(RelationshipKind kind) {
  switch (kind) {
    case RelationshipKind::kAllocation:
      return "allocation";
    case RelationshipKind::kCustody:
      return "custody";
    case RelationshipKind::kReferral:
      return "referral";
  }
  return "relationship";
}

bool RelationshipActive(const Relationship& r, absl::Time now) {
  return r.started_at <= now && (!r.ended_at.has_value() || now < *r.ended_at);
}

// Why a consent does not cover a request; kCovers when it does. Checked in this order.
enum class ConsentFault {
  kCovers,
  kWithdrawn,
  kNotYetValid,
  kExpired,
  kDataClass,
  kPurpose,
  kRecipient
};

ConsentFault CheckConsent(const Consent& c, const AccessRequest& q) {
  // A withdrawn consent never covers, whatever the time: withdrawal takes effect at once.
  if (c.withdrawn_at.has_value()) return ConsentFault::kWithdrawn;
  if (q.now < c.valid_from) return ConsentFault::kNotYetValid;
  if (q.now >= c.valid_until) return ConsentFault::kExpired;
  if (!Contains(c.data_classes, q.data_class)) return ConsentFault::kDataClass;
  if (!Contains(c.purposes, q.purpose)) return ConsentFault::kPurpose;
  const bool by_agency = !q.agency_id.empty() && Contains(c.recipient_agencies, q.agency_id);
  const bool by_kind = !q.agency_kind.empty() && Contains(c.recipient_kinds, q.agency_kind);
  if (!by_agency && !by_kind) return ConsentFault::kRecipient;
  return ConsentFault::kCovers;
}

std::string ConsentName(const Consent& c) {
  return absl::StrCat("consent ", c.consent_id, " v", c.version);
}

// Everything a loaded policy holds, indexed for Decide().
struct PolicyData {
  Declarations roles;
  Declarations data_classes;
  Declarations purposes;
  Declarations labels;
  std::vector<RuleInfo> rules;
  absl::flat_hash_map<GrantKey, Grant> grants;
  std::vector<bool> consent_based;  // by data class
  std::vector<bool> compatible;     // [collected_for * purposes + purpose of use]
  std::vector<LabelInfo> label_info;
  std::vector<std::string> statutory_ids;
  std::vector<std::string> statutory_basis_text;  // "statutory basis '<id>'"
  std::vector<int> statutory;  // [(role * classes + class) * purposes + purpose]: first basis, -1
  std::vector<bool> break_glass_roles;  // by role
  std::string break_glass_roles_text;   // "[a, b]"
  size_t min_reason_length = kDefaultMinReasonLength;

  bool Compatible(uint32_t collected_for, uint32_t use) const {
    return compatible[collected_for * purposes.ids.size() + use];
  }
  int Statutory(uint32_t role, uint32_t data_class, uint32_t purpose) const {
    return statutory[(role * data_classes.ids.size() + data_class) * purposes.ids.size() +
                     purpose];
  }
};

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
  } else {
    const bool consent_class = p_.consent_based[class_];
    const auto collected = p_.purposes.index.find(q_.collected_for);
    const bool compatible =
        collected != p_.purposes.index.end() && p_.Compatible(collected->second, purpose_);
    statutory_ = p_.Statutory(role_, class_, purpose_);
    if (consent_class || !compatible || labels_.consent_only >= 0) FindConsent();

    // Check 3: lawful basis to share.
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
      return;
    }

    // Check 4: purpose limitation.
    if (compatible) {
      Pass(kPurposeCheck, [this] {
        return q_.collected_for == q_.purpose
                   ? absl::StrCat("purpose ", Quoted(q_.purpose), " is the purpose of collection")
                   : absl::StrCat("purpose ", Quoted(q_.purpose),
                                  " is compatible with the purpose of collection ",
                                  Quoted(q_.collected_for));
      });
    } else {
      const bool declared = collected != p_.purposes.index.end();
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
          return absl::StrCat(incompatible(), ", but ", ConsentName(*consent_),
                              " covers purpose ", Quoted(q_.purpose));
        });
      } else if (statutory_ >= 0) {
        basis_ = Basis::kStatutory;
        Pass(kPurposeCheck, [&] {
          return absl::StrCat(incompatible(), ", but ", p_.statutory_basis_text[statutory_],
                              " covers it");
        });
      } else if (!Fail(kPurposeCheck,
                       absl::StrCat(incompatible(), ", and ", NoConsentReason(), ", and ",
                                    NoStatutoryText()))) {
        return;
      }
    }
  }

  // Check 5: labels.
  if (!labels_.undeclared.empty()) {
    if (!Fail(kLabelsCheck, absl::StrCat("the record carries label ", Quoted(labels_.undeclared),
                                         ", which the policy does not declare"))) {
      return;
    }
  } else if (labels_.break_glass_only >= 0) {
    const LabelInfo& info = p_.label_info[labels_.break_glass_only];
    if (!Fail(kLabelsCheck,
              absl::StrCat("label ", Quoted(p_.labels.ids[labels_.break_glass_only]),
                           " makes the record visible only by break-glass by roles ",
                           info.roles_text))) {
      return;
    }
  } else if (labels_.consent_only >= 0 && !own_ && consent_ == nullptr) {
    if (!Fail(kLabelsCheck,
              absl::StrCat("label ", Quoted(p_.labels.ids[labels_.consent_only]),
                           " allows sharing outside the owning agency only with consent, and ",
                           NoConsentReason()))) {
      return;
    }
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

struct Policy::Impl : PolicyData {};

Policy::Policy(std::unique_ptr<Impl> impl, std::string version)
    : impl_(std::move(impl)), version_(std::move(version)) {}

Policy::~Policy() = default;

absl::StatusOr<std::shared_ptr<const Policy>> Policy::Parse(absl::string_view yaml_text,
                                                            absl::string_view source_name) {
  const Loader loader(source_name);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return loader.Error(e.mark, absl::StrCat("YAML syntax error: ", e.msg));
  }
  if (documents.empty() || documents[0].IsNull()) {
    return loader.Error(YAML::Mark(), "the policy is empty");
  }
  if (documents.size() > 1) {
    return loader.Error(documents[1].Mark(), "a policy file holds exactly one YAML document");
  }

  auto impl = std::make_unique<Impl>();
  ASSIGN_OR_RETURN(std::vector<Field> top, loader.Fields(documents[0], "policy", kTopLevelKeys,
                                                         kTopLevelOptionalKeys));
  ASSIGN_OR_RETURN(Section roles, loader.Declare(top[0], "role"));
  ASSIGN_OR_RETURN(Section classes, loader.Declare(top[1], "data class", kDataClassOptionalKeys));
  ASSIGN_OR_RETURN(Section purposes, loader.Declare(top[2], "purpose", kPurposeOptionalKeys));
  ASSIGN_OR_RETURN(Section labels, loader.Declare(top[3], "label", kLabelOptionalKeys));
  impl->roles = std::move(roles.declarations);
  impl->data_classes = std::move(classes.declarations);
  impl->purposes = std::move(purposes.declarations);
  impl->labels = std::move(labels.declarations);
  for (absl::string_view required : {kIdentityDataClass, kAuditDataClass}) {
    if (!impl->data_classes.index.contains(required)) {
      return loader.Error(top[1].key.Mark(),
                          absl::StrCat("data_classes must include '", required,
                                       "' (the broker uses it for its own actions)"));
    }
  }
  const size_t num_roles = impl->roles.ids.size();
  const size_t num_classes = impl->data_classes.ids.size();
  const size_t num_purposes = impl->purposes.ids.size();

  // data_classes[].basis
  impl->consent_based.assign(num_classes, false);
  for (size_t c = 0; c < num_classes; ++c) {
    const Field& basis = classes.optional[c][0];
    if (!basis.present) continue;
    ASSIGN_OR_RETURN(size_t value,
                     loader.OneOf(basis, absl::StrCat("data class ", Quoted(impl->data_classes.ids[c])),
                                  kDataClassBases));
    impl->consent_based[c] = value == 1;
  }

  // purposes[].compatible_with; every purpose is compatible with itself.
  impl->compatible.assign(num_purposes * num_purposes, false);
  for (size_t p = 0; p < num_purposes; ++p) {
    impl->compatible[p * num_purposes + p] = true;
    const Field& compatible_with = purposes.optional[p][0];
    if (!compatible_with.present) continue;
    ASSIGN_OR_RETURN(std::vector<uint32_t> uses,
                     loader.References(compatible_with,
                                       absl::StrCat("purpose ", Quoted(impl->purposes.ids[p])),
                                       "purpose", impl->purposes));
    for (uint32_t use : uses) impl->compatible[p * num_purposes + use] = true;
  }

  // labels[].effect and labels[].roles
  for (size_t l = 0; l < impl->labels.ids.size(); ++l) {
    const std::string context = absl::StrCat("label ", Quoted(impl->labels.ids[l]));
    const Field& effect = labels.optional[l][0];
    const Field& label_roles = labels.optional[l][1];
    LabelInfo info;
    info.roles.assign(num_roles, false);
    if (effect.present) {
      ASSIGN_OR_RETURN(size_t value, loader.OneOf(effect, context, kLabelEffects));
      info.effect = static_cast<LabelEffect>(value);
    }
    const bool needs_roles =
        info.effect == LabelEffect::kBreakGlassOnly || info.effect == LabelEffect::kRedact;
    if (needs_roles && !label_roles.present) {
      return loader.Error(effect.key.Mark(),
                          absl::StrCat(context, ": effect ", kLabelEffects[static_cast<int>(
                                                                 info.effect)],
                                       " needs roles (the roles it applies to)"));
    }
    if (!needs_roles && label_roles.present) {
      return loader.Error(label_roles.key.Mark(),
                          absl::StrCat(context, ": roles is allowed only with effect "
                                                "break_glass_only or redact"));
    }
    if (needs_roles) {
      ASSIGN_OR_RETURN(std::vector<uint32_t> ids,
                       loader.References(label_roles, context, "role", impl->roles));
      std::vector<absl::string_view> names;
      for (uint32_t r : ids) {
        info.roles[r] = true;
        names.push_back(impl->roles.ids[r]);
      }
      info.roles_text = absl::StrCat("[", absl::StrJoin(names, ", "), "]");
    }
    impl->label_info.push_back(std::move(info));
  }

  const Field& rules = top[4];
  RETURN_IF_ERROR(loader.NonEmptyList(
      rules, "", absl::StrCat("{", Expected(kRuleKeys, kRuleOptionalKeys), "}")));
  absl::flat_hash_map<std::string, int> rule_lines;
  for (size_t n = 0; n < rules.value.size(); ++n) {
    const YAML::Node entry = rules.value[n];
    const std::string position = absl::StrCat("rules[", n, "]");
    ASSIGN_OR_RETURN(std::vector<Field> fields,
                     loader.Fields(entry, position, kRuleKeys, kRuleOptionalKeys));
    ASSIGN_OR_RETURN(std::string id, loader.Id(fields[0], position, /*allow_hyphen=*/true));
    const std::string context = absl::StrCat("rule '", id, "'");
    auto [it, inserted] = rule_lines.emplace(id, fields[0].value.Mark().line + 1);
    if (!inserted) {
      return loader.Error(
          fields[0].value.Mark(),
          absl::StrCat(context, " is declared twice (first at line ", it->second, ")"));
    }
    RETURN_IF_ERROR(loader.String(fields[1], context).status());
    ASSIGN_OR_RETURN(std::vector<uint32_t> rule_roles,
                     loader.References(fields[2], context, "role", impl->roles));
    ASSIGN_OR_RETURN(std::vector<uint32_t> actions, loader.Actions(fields[3], context));
    ASSIGN_OR_RETURN(std::vector<uint32_t> rule_classes,
                     loader.References(fields[4], context, "data class", impl->data_classes));
    ASSIGN_OR_RETURN(std::vector<uint32_t> rule_purposes,
                     loader.References(fields[5], context, "purpose", impl->purposes));
    RuleInfo info;
    if (fields[6].present) {
      ASSIGN_OR_RETURN(size_t value, loader.OneOf(fields[6], context, kRelationshipValues));
      info.relationship_required = value == 0;
    }
    info.basis = absl::StrCat("role rule ", Quoted(id));
    info.id = std::move(id);

    const int rule = static_cast<int>(impl->rules.size());
    for (uint32_t role : rule_roles) {
      for (uint32_t action : actions) {
        for (uint32_t data_class : rule_classes) {
          Grant& grant = impl->grants[GrantKey{role, action, data_class}];
          if (grant.rule_by_purpose.empty()) {
            grant.rule_by_purpose.assign(num_purposes, -1);
            grant.unrelated_rule_by_purpose.assign(num_purposes, -1);
          }
          for (uint32_t purpose : rule_purposes) {
            if (grant.rule_by_purpose[purpose] < 0) grant.rule_by_purpose[purpose] = rule;
            if (!info.relationship_required && grant.unrelated_rule_by_purpose[purpose] < 0) {
              grant.unrelated_rule_by_purpose[purpose] = rule;
            }
          }
        }
      }
    }
    impl->rules.push_back(std::move(info));
  }

  // statutory_bases: named legal gateways for (role, data class, purpose).
  impl->statutory.assign(num_roles * num_classes * num_purposes, -1);
  const Field& statutory_bases = top[5];
  if (statutory_bases.present) {
    RETURN_IF_ERROR(loader.NonEmptyList(
        statutory_bases, "", absl::StrCat("{", Expected(kStatutoryBasisKeys, {}), "}")));
    absl::flat_hash_map<std::string, int> lines;
    for (size_t n = 0; n < statutory_bases.value.size(); ++n) {
      const std::string position = absl::StrCat("statutory_bases[", n, "]");
      ASSIGN_OR_RETURN(std::vector<Field> fields,
                       loader.Fields(statutory_bases.value[n], position, kStatutoryBasisKeys));
      ASSIGN_OR_RETURN(std::string id, loader.Id(fields[0], position, /*allow_hyphen=*/true));
      const std::string context = absl::StrCat("statutory basis ", Quoted(id));
      auto [it, inserted] = lines.emplace(id, fields[0].value.Mark().line + 1);
      if (!inserted) {
        return loader.Error(
            fields[0].value.Mark(),
            absl::StrCat(context, " is declared twice (first at line ", it->second, ")"));
      }
      RETURN_IF_ERROR(loader.String(fields[1], context).status());
      ASSIGN_OR_RETURN(std::vector<uint32_t> basis_roles,
                       loader.References(fields[2], context, "role", impl->roles));
      ASSIGN_OR_RETURN(std::vector<uint32_t> basis_classes,
                       loader.References(fields[3], context, "data class", impl->data_classes));
      ASSIGN_OR_RETURN(std::vector<uint32_t> basis_purposes,
                       loader.References(fields[4], context, "purpose", impl->purposes));
      const int basis = static_cast<int>(impl->statutory_ids.size());
      for (uint32_t r : basis_roles) {
        for (uint32_t c : basis_classes) {
          for (uint32_t p : basis_purposes) {
            int& slot = impl->statutory[(r * num_classes + c) * num_purposes + p];
            if (slot < 0) slot = basis;
          }
        }
      }
      impl->statutory_basis_text.push_back(absl::StrCat("statutory basis ", Quoted(id)));
      impl->statutory_ids.push_back(std::move(id));
    }
  }

  // break_glass: {roles, min_reason_length}. Absent: nobody may break glass.
  impl->break_glass_roles.assign(num_roles, false);
  impl->break_glass_roles_text = "[]";
  const Field& break_glass = top[6];
  if (break_glass.present) {
    ASSIGN_OR_RETURN(std::vector<Field> fields,
                     loader.Fields(break_glass.value, "break_glass", kBreakGlassKeys,
                                   kBreakGlassOptionalKeys));
    ASSIGN_OR_RETURN(std::vector<uint32_t> ids,
                     loader.References(fields[0], "break_glass", "role", impl->roles));
    std::vector<absl::string_view> names;
    for (uint32_t r : ids) {
      impl->break_glass_roles[r] = true;
      names.push_back(impl->roles.ids[r]);
    }
    impl->break_glass_roles_text = absl::StrCat("[", absl::StrJoin(names, ", "), "]");
    if (fields[1].present) {
      uint32_t length = 0;
      if (!fields[1].value.IsScalar() || !absl::SimpleAtoi(fields[1].value.Scalar(), &length) ||
          length < 1 || length > kMaxMinReasonLength) {
        return loader.Error(fields[1].key.Mark(),
                            absl::StrCat("break_glass: min_reason_length must be a whole number "
                                         "from 1 to ",
                                         kMaxMinReasonLength));
      }
      impl->min_reason_length = length;
    }
  }

  // Precompute every reason Decide() can give for a granted (role, action, data class).
  for (auto& [key, grant] : impl->grants) {
    const std::string who_what =
        absl::StrCat("role ", Quoted(impl->roles.ids[key.role]), " to ", kActions[key.action],
                     " data class ", Quoted(impl->data_classes.ids[key.data_class]));
    std::vector<absl::string_view> allowed_purposes;
    grant.allowed_reason.assign(num_purposes, std::string());
    grant.unrelated_allowed_reason.assign(num_purposes, std::string());
    for (size_t p = 0; p < num_purposes; ++p) {
      if (grant.rule_by_purpose[p] < 0) continue;
      allowed_purposes.push_back(impl->purposes.ids[p]);
      grant.allowed_reason[p] =
          absl::StrCat("rule ", Quoted(impl->rules[grant.rule_by_purpose[p]].id), " permits ",
                       who_what, " for purpose ", Quoted(impl->purposes.ids[p]));
      if (grant.unrelated_rule_by_purpose[p] < 0) continue;
      grant.unrelated_allowed_reason[p] =
          absl::StrCat("rule ", Quoted(impl->rules[grant.unrelated_rule_by_purpose[p]].id),
                       " permits ", who_what, " for purpose ", Quoted(impl->purposes.ids[p]));
    }
    grant.other_purposes_reason =
        absl::StrCat("role ", Quoted(impl->roles.ids[key.role]), " may ", kActions[key.action],
                     " data class ", Quoted(impl->data_classes.ids[key.data_class]),
                     " only for purposes [", absl::StrJoin(allowed_purposes, ", "), "]");
  }

  std::string version = absl::StrCat("sha256:", crypto::Sha256Hex(yaml_text).substr(0, 16));
  return std::shared_ptr<const Policy>(new Policy(std::move(impl), std::move(version)));
}

absl::StatusOr<std::shared_ptr<const Policy>> Policy::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return absl::NotFoundError(absl::StrCat("cannot read policy file: ", text.status().message()));
  }
  return Parse(*text, path);
}

Decision Policy::Decide(const AccessRequest& request, bool explain) const {
  Decision decision;
  Decider(*impl_, request, explain, decision).Run();
  return decision;
}

size_t Policy::break_glass_min_reason_length() const { return impl_->min_reason_length; }

bool Policy::MayBreakGlass(absl::string_view role) const {
  const auto it = impl_->roles.index.find(role);
  return it != impl_->roles.index.end() && impl_->break_glass_roles[it->second];
}

bool Policy::HasRole(absl::string_view id) const { return impl_->roles.index.contains(id); }
bool Policy::HasDataClass(absl::string_view id) const {
  return impl_->data_classes.index.contains(id);
}
bool Policy::HasPurpose(absl::string_view id) const { return impl_->purposes.index.contains(id); }
bool Policy::HasLabel(absl::string_view id) const { return impl_->labels.index.contains(id); }
const std::vector<std::string>& Policy::roles() const { return impl_->roles.ids; }
const std::vector<std::string>& Policy::data_classes() const { return impl_->data_classes.ids; }
const std::vector<std::string>& Policy::purposes() const { return impl_->purposes.ids; }
const std::vector<std::string>& Policy::labels() const { return impl_->labels.ids; }

}  // namespace throughcare::policy
