// The Policy object: its construction, what a loaded policy declares, and the small decisions
// of its optional sections (relationship starts, identifier registration, reporting). Loading
// is in policy_parse.cc and policy_parse_sections.cc, access decisions in policy_decide.cc.
#include "services/policy/policy.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/policy/internal/policy_context.h"
#include "services/policy/internal/policy_data.h"
#include "services/identifiers/identifiers.h"

namespace throughcare::policy {

using policy_internal::IdentifierRule;
using policy_internal::KindName;
using policy_internal::Quoted;
using policy_internal::ReasonLength;
using policy_internal::StartRule;

Policy::Policy(std::unique_ptr<Impl> impl, std::string version)
    : impl_(std::move(impl)), version_(std::move(version)) {}

Policy::~Policy() = default;

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

StartDecision Policy::DecideRelationshipStart(absl::string_view role,
                                              absl::string_view agency_kind,
                                              RelationshipKind kind,
                                              absl::string_view reason) const {
  StartDecision d;
  const std::string who = absl::StrCat("role ", Quoted(role), " of a ", Quoted(agency_kind),
                                       " agency");
  if (kind == RelationshipKind::kReferral) {
    d.reason = "a referral relationship begins only when the referral is accepted";
    return d;
  }
  auto role_it = impl_->roles.index.find(role);
  for (const StartRule& rule : impl_->starts) {
    const bool matches =
        role_it != impl_->roles.index.end() && rule.roles[role_it->second] &&
        std::find(rule.kinds.begin(), rule.kinds.end(), kind) != rule.kinds.end() &&
        std::find(rule.agency_kinds.begin(), rule.agency_kinds.end(), agency_kind) !=
            rule.agency_kinds.end();
    if (!matches) continue;
    if (rule.self_claim && ReasonLength(reason) < impl_->min_reason_length) {
      d.reason = absl::StrCat("a self-claimed relationship (relationship start ", Quoted(rule.id),
                              ") needs a reason of at least ", impl_->min_reason_length,
                              " characters, saying why the agency works with the person");
      return d;
    }
    d.kind = rule.self_claim ? StartKind::kSelfClaim : StartKind::kWorkflow;
    d.rule_id = rule.id;
    d.reason = absl::StrCat("relationship start ", Quoted(rule.id), " lets ", who, " start ",
                            rule.self_claim ? "(self-claim) " : "", "a ", KindName(kind),
                            " relationship");
    return d;
  }
  d.reason = absl::StrCat("no relationship start lets ", who, " start a ", KindName(kind),
                          " relationship; relationships come from workflows (custody from the "
                          "receiving prison, allocation from the allocating agency, referral "
                          "acceptance)");
  return d;
}

bool Policy::MayRegisterIdentifier(absl::string_view agency_kind, IdentifierKind kind,
                                   std::string* reason) const {
  std::vector<std::string> allowed;
  for (const IdentifierRule& rule : impl_->identifiers) {
    if (rule.kind == kind) allowed = rule.agency_kinds;
  }
  if (std::find(allowed.begin(), allowed.end(), agency_kind) != allowed.end()) return true;
  if (reason != nullptr) {
    *reason = absl::StrCat("agency kind ", Quoted(agency_kind), " may not register or link ",
                           subjects::IdentifierKindName(kind),
                           " identifiers; only the agency kinds that issue or first meet them "
                           "may: [",
                           absl::StrJoin(allowed, ", "), "]");
  }
  return false;
}

bool Policy::IsNationalReportRole(absl::string_view role) const {
  auto it = impl_->roles.index.find(role);
  return it != impl_->roles.index.end() && impl_->national_report_roles[it->second];
}

int64_t Policy::report_min_count() const { return impl_->report_min_count; }

std::vector<std::string> Policy::agency_kinds() const {
  std::set<std::string> kinds;
  for (const IdentifierRule& rule : impl_->identifiers) {
    kinds.insert(rule.agency_kinds.begin(), rule.agency_kinds.end());
  }
  for (const StartRule& rule : impl_->starts) {
    kinds.insert(rule.agency_kinds.begin(), rule.agency_kinds.end());
  }
  return {kinds.begin(), kinds.end()};
}

}  // namespace throughcare::policy
