// Internal to services/policy: a loaded policy, indexed for deciding. The loader
// (policy_parse.cc) builds it; the decision point (policy_decide.cc) reads it.
#ifndef THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_DATA_H_
#define THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_DATA_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/policy/policy.h"
#include "throughcare/consent.h"
#include "throughcare/subject.h"

namespace throughcare::policy::policy_internal {

// Indexed by the action's position here; Decide() compares against these, so adding an action
// means adding a constant to policy.h and an entry here.
inline constexpr absl::string_view kActions[] = {
    kSubjectRegister, kSubjectRead,  kSubjectUpdate,     kRecordWrite,      kRecordRead,
    kAuditRead,       kConsentWrite, kConsentRead,       kRelationshipWrite, kRelationshipRead,
    kPolicyReload,    kMessageSend,  kMessageReceive,    kReferralWrite,    kReferralRead,
    kReferralReport,  kAuditWitness, kRecordErase,       kSubjectErase};
inline constexpr int kNumActions = sizeof(kActions) / sizeof(kActions[0]);

// The action's index in kActions, or -1 if it is not one.
inline int ActionIndex(absl::string_view action) {
  for (int i = 0; i < kNumActions; ++i) {
    if (kActions[i] == action) return i;
  }
  return -1;
}

// What a label does to a decision. kLabelEffects names them, in this order, in policy files.
enum class LabelEffect { kNone, kBreakGlassOnly, kRedact, kConsentOnly };
inline constexpr absl::string_view kLabelEffects[] = {"none", "break_glass_only", "redact",
                                                      "consent_only"};

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

inline constexpr size_t kDefaultMinReasonLength = 20;
inline constexpr int64_t kDefaultReportMinCount = 5;

// One entry of relationship_starts: who may start which kinds of relationship, and whether that
// is a workflow of theirs or a self-claim (a reason, a flag in the audit, a review).
struct StartRule {
  std::string id;
  std::vector<RelationshipKind> kinds;
  std::vector<bool> roles;  // by role index
  std::vector<std::string> agency_kinds;
  bool self_claim = false;
};

// One entry of identifiers: the agency kinds that issue or first meet an identifier kind.
struct IdentifierRule {
  IdentifierKind kind = IdentifierKind::kNoms;
  std::vector<std::string> agency_kinds;
};

// Everything a loaded policy holds, indexed for Decide().
struct PolicyData {
  Declarations roles;
  Declarations data_classes;
  Declarations purposes;
  Declarations labels;
  std::vector<RuleInfo> rules;
  absl::flat_hash_map<GrantKey, Grant> grants;
  std::vector<bool> consent_based;  // by data class
  std::vector<RetentionPeriod> retention;  // the classes that have one, in file order
  std::vector<bool> compatible;     // [collected_for * purposes + purpose of use]
  std::vector<LabelInfo> label_info;
  std::vector<std::string> statutory_ids;
  std::vector<std::string> statutory_basis_text;  // "statutory basis '<id>'"
  std::vector<int> statutory;  // [(role * classes + class) * purposes + purpose]: first basis, -1
  std::vector<bool> break_glass_roles;  // by role
  std::string break_glass_roles_text;   // "[a, b]"
  size_t min_reason_length = kDefaultMinReasonLength;
  std::vector<StartRule> starts;             // in file order; the first that matches decides
  std::vector<IdentifierRule> identifiers;   // at most one per identifier kind
  std::vector<bool> national_report_roles;   // by role
  int64_t report_min_count = kDefaultReportMinCount;

  bool Compatible(uint32_t collected_for, uint32_t use) const {
    return compatible[collected_for * purposes.ids.size() + use];
  }
  int Statutory(uint32_t role, uint32_t data_class, uint32_t purpose) const {
    return statutory[(role * data_classes.ids.size() + data_class) * purposes.ids.size() +
                     purpose];
  }
};

// "'s'", for reasons and error messages.
inline std::string Quoted(absl::string_view s) { return absl::StrCat("'", s, "'"); }

}  // namespace throughcare::policy::policy_internal

namespace throughcare::policy {

struct Policy::Impl : policy_internal::PolicyData {};

}  // namespace throughcare::policy

#endif  // THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_DATA_H_
