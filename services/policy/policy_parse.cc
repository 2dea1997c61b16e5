// Loading a policy file: Policy::Parse reads the sections in file order, each into the indexed
// PolicyData that Decide() reads, and precomputes the reasons a decision can give.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/files.h"
#include "services/core/yaml.h"
#include "services/crypto/hash.h"
#include "services/policy/internal/policy_data.h"
#include "services/policy/internal/policy_loader.h"
#include "services/policy/internal/policy_sections.h"
#include "services/policy/policy.h"
#include "throughcare/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace throughcare::policy {
namespace {

using policy_internal::Expected;
using policy_internal::Field;
using policy_internal::Grant;
using policy_internal::GrantKey;
using policy_internal::kActions;
using policy_internal::kLabelEffects;
using policy_internal::LabelEffect;
using policy_internal::LabelInfo;
using policy_internal::Loader;
using policy_internal::PolicyData;
using policy_internal::Quoted;
using policy_internal::RuleInfo;
using policy_internal::Section;

constexpr absl::string_view kDataClassBases[] = {"role", "consent"};
constexpr absl::string_view kRelationshipValues[] = {"required", "not_required"};

constexpr absl::string_view kTopLevelKeys[] = {"roles", "data_classes", "purposes", "labels",
                                               "rules"};
constexpr absl::string_view kTopLevelOptionalKeys[] = {
    "statutory_bases", "break_glass", "identifiers", "relationship_starts", "reporting"};
constexpr absl::string_view kDataClassOptionalKeys[] = {"basis", "retention"};
constexpr int kMaxRetentionCount = 1000;
constexpr absl::string_view kPurposeOptionalKeys[] = {"compatible_with"};
constexpr absl::string_view kLabelOptionalKeys[] = {"effect", "roles"};
constexpr absl::string_view kRuleKeys[] = {"id",      "description",  "roles",
                                           "actions", "data_classes", "purposes"};
constexpr absl::string_view kRuleOptionalKeys[] = {"relationship"};
constexpr absl::string_view kStatutoryBasisKeys[] = {"id",    "description",  "roles",
                                                     "data_classes", "purposes"};
constexpr absl::string_view kBreakGlassKeys[] = {"roles"};
constexpr absl::string_view kBreakGlassOptionalKeys[] = {"min_reason_length"};

constexpr size_t kMaxMinReasonLength = 1000;

// Maps an entry's id (a line number per id seen so far), to find ids declared twice.
using IdLines = absl::flat_hash_map<std::string, int>;

// The policy file's one YAML document.
absl::StatusOr<YAML::Node> LoadDocument(const Loader& loader, absl::string_view yaml_text) {
  ASSIGN_OR_RETURN(YAML::Node document, ParseYaml(yaml_text, loader.source(), "policy"));
  if (document.IsNull()) return loader.Error(YAML::Mark(), "the policy is empty");
  return document;
}

// An entry's id (fields[0], rule-style: hyphens allowed), declared once, and its description
// (fields[1]). `kind` names the entry in errors once its id is known: "<kind> '<id>'".
absl::StatusOr<std::string> UniqueId(const Loader& loader, const std::vector<Field>& fields,
                                     absl::string_view position, absl::string_view kind,
                                     IdLines& lines) {
  ASSIGN_OR_RETURN(std::string id, loader.Id(fields[0], position, /*allow_hyphen=*/true));
  const std::string context = absl::StrCat(kind, " ", Quoted(id));
  auto [it, inserted] = lines.emplace(id, fields[0].value.Mark().line + 1);
  if (!inserted) {
    return loader.Error(
        fields[0].value.Mark(),
        absl::StrCat(context, " is declared twice (first at line ", it->second, ")"));
  }
  RETURN_IF_ERROR(loader.String(fields[1], context).status());
  return id;
}

// data_classes[].basis: whether each class is consent-based.
absl::Status ParseDataClassBases(const Loader& loader, const Section& classes, PolicyData& p) {
  const size_t num_classes = p.data_classes.ids.size();
  p.consent_based.assign(num_classes, false);
  for (size_t c = 0; c < num_classes; ++c) {
    const Field& basis = classes.optional[c][0];
    if (!basis.present) continue;
    ASSIGN_OR_RETURN(size_t value,
                     loader.OneOf(basis, absl::StrCat("data class ", Quoted(p.data_classes.ids[c])),
                                  kDataClassBases));
    p.consent_based[c] = value == 1;
  }
  return absl::OkStatus();
}

// data_classes[].retention: "<n>d" or "<n>y", n from 1 to kMaxRetentionCount.
absl::Status ParseRetention(const Loader& loader, const Section& classes, PolicyData& p) {
  for (size_t c = 0; c < p.data_classes.ids.size(); ++c) {
    const Field& field = classes.optional[c][1];
    if (!field.present) continue;
    const std::string context = absl::StrCat("data class ", Quoted(p.data_classes.ids[c]));
    ASSIGN_OR_RETURN(std::string text, loader.String(field, context));
    RetentionPeriod period{p.data_classes.ids[c], 0, text.back() == 'y', text};
    if ((text.back() != 'y' && text.back() != 'd') ||
        !absl::SimpleAtoi(absl::string_view(text).substr(0, text.size() - 1), &period.count) ||
        period.count < 1 || period.count > kMaxRetentionCount) {
      return loader.Error(field.value.Mark(),
                          absl::StrCat(context, ": retention '", text,
                                       "' is not a period such as 90d or 6y (1 to ",
                                       kMaxRetentionCount, " days or years)"));
    }
    p.retention.push_back(std::move(period));
  }
  return absl::OkStatus();
}

// purposes[].compatible_with; every purpose is compatible with itself.
absl::Status ParseCompatibility(const Loader& loader, const Section& purposes, PolicyData& p) {
  const size_t num_purposes = p.purposes.ids.size();
  p.compatible.assign(num_purposes * num_purposes, false);
  for (size_t u = 0; u < num_purposes; ++u) {
    p.compatible[u * num_purposes + u] = true;
    const Field& compatible_with = purposes.optional[u][0];
    if (!compatible_with.present) continue;
    ASSIGN_OR_RETURN(std::vector<uint32_t> uses,
                     loader.References(compatible_with,
                                       absl::StrCat("purpose ", Quoted(p.purposes.ids[u])),
                                       "purpose", p.purposes));
    for (uint32_t use : uses) p.compatible[u * num_purposes + use] = true;
  }
  return absl::OkStatus();
}

// labels[].effect and labels[].roles: the roles are required by, and allowed only with, the
// effects break_glass_only and redact.
absl::Status ParseLabels(const Loader& loader, const Section& labels, PolicyData& p) {
  for (size_t l = 0; l < p.labels.ids.size(); ++l) {
    const std::string context = absl::StrCat("label ", Quoted(p.labels.ids[l]));
    const Field& effect = labels.optional[l][0];
    const Field& label_roles = labels.optional[l][1];
    LabelInfo info;
    info.roles.assign(p.roles.ids.size(), false);
    if (effect.present) {
      ASSIGN_OR_RETURN(size_t value, loader.OneOf(effect, context, kLabelEffects));
      info.effect = static_cast<LabelEffect>(value);
    }
    const bool needs_roles =
        info.effect == LabelEffect::kBreakGlassOnly || info.effect == LabelEffect::kRedact;
    if (needs_roles && !label_roles.present) {
      return loader.Error(effect.key.Mark(),
                          absl::StrCat(context, ": effect ",
                                       kLabelEffects[static_cast<int>(info.effect)],
                                       " needs roles (the roles it applies to)"));
    }
    if (!needs_roles && label_roles.present) {
      return loader.Error(label_roles.key.Mark(),
                          absl::StrCat(context, ": roles is allowed only with effect "
                                                "break_glass_only or redact"));
    }
    if (needs_roles) {
      ASSIGN_OR_RETURN(std::vector<uint32_t> ids,
                       loader.References(label_roles, context, "role", p.roles));
      std::vector<absl::string_view> names;
      for (uint32_t r : ids) {
        info.roles[r] = true;
        names.push_back(p.roles.ids[r]);
      }
      info.roles_text = absl::StrCat("[", absl::StrJoin(names, ", "), "]");
    }
    p.label_info.push_back(std::move(info));
  }
  return absl::OkStatus();
}

// Records that rule number `rule` grants each of its (role, action, data class) for its
// purposes. The first granting rule for a purpose is the one that decides; the first that needs
// no relationship is kept beside it, for callers without one.
void AddGrants(int rule, const RuleInfo& info, const std::vector<uint32_t>& roles,
               const std::vector<uint32_t>& actions, const std::vector<uint32_t>& classes,
               const std::vector<uint32_t>& purposes, PolicyData& p) {
  const size_t num_purposes = p.purposes.ids.size();
  for (uint32_t role : roles) {
    for (uint32_t action : actions) {
      for (uint32_t data_class : classes) {
        Grant& grant = p.grants[GrantKey{role, action, data_class}];
        if (grant.rule_by_purpose.empty()) {
          grant.rule_by_purpose.assign(num_purposes, -1);
          grant.unrelated_rule_by_purpose.assign(num_purposes, -1);
        }
        for (uint32_t purpose : purposes) {
          if (grant.rule_by_purpose[purpose] < 0) grant.rule_by_purpose[purpose] = rule;
          if (!info.relationship_required && grant.unrelated_rule_by_purpose[purpose] < 0) {
            grant.unrelated_rule_by_purpose[purpose] = rule;
          }
        }
      }
    }
  }
}

// rules[n], at `position`.
absl::Status ParseRule(const Loader& loader, const YAML::Node& entry, const std::string& position,
                       IdLines& rule_lines, PolicyData& p) {
  ASSIGN_OR_RETURN(std::vector<Field> fields,
                   loader.Fields(entry, position, kRuleKeys, kRuleOptionalKeys));
  ASSIGN_OR_RETURN(std::string id, UniqueId(loader, fields, position, "rule", rule_lines));
  const std::string context = absl::StrCat("rule '", id, "'");
  ASSIGN_OR_RETURN(std::vector<uint32_t> rule_roles,
                   loader.References(fields[2], context, "role", p.roles));
  ASSIGN_OR_RETURN(std::vector<uint32_t> actions, loader.Actions(fields[3], context));
  ASSIGN_OR_RETURN(std::vector<uint32_t> rule_classes,
                   loader.References(fields[4], context, "data class", p.data_classes));
  ASSIGN_OR_RETURN(std::vector<uint32_t> rule_purposes,
                   loader.References(fields[5], context, "purpose", p.purposes));
  RuleInfo info;
  if (fields[6].present) {
    ASSIGN_OR_RETURN(size_t value, loader.OneOf(fields[6], context, kRelationshipValues));
    info.relationship_required = value == 0;
  }
  info.basis = absl::StrCat("role rule ", Quoted(id));
  info.id = std::move(id);
  AddGrants(static_cast<int>(p.rules.size()), info, rule_roles, actions, rule_classes,
            rule_purposes, p);
  p.rules.push_back(std::move(info));
  return absl::OkStatus();
}

// rules: a non-empty list, in file order (the first granting rule decides).
absl::Status ParseRules(const Loader& loader, const Field& rules, PolicyData& p) {
  RETURN_IF_ERROR(loader.NonEmptyList(
      rules, "", absl::StrCat("{", Expected(kRuleKeys, kRuleOptionalKeys), "}")));
  IdLines rule_lines;
  for (size_t n = 0; n < rules.value.size(); ++n) {
    RETURN_IF_ERROR(
        ParseRule(loader, rules.value[n], absl::StrCat("rules[", n, "]"), rule_lines, p));
  }
  return absl::OkStatus();
}

// statutory_bases[n], at `position`: a named legal gateway for (role, data class, purpose).
absl::Status ParseStatutoryBasis(const Loader& loader, const YAML::Node& entry,
                                 const std::string& position, IdLines& lines, PolicyData& p) {
  const size_t num_classes = p.data_classes.ids.size();
  const size_t num_purposes = p.purposes.ids.size();
  ASSIGN_OR_RETURN(std::vector<Field> fields, loader.Fields(entry, position, kStatutoryBasisKeys));
  ASSIGN_OR_RETURN(std::string id, UniqueId(loader, fields, position, "statutory basis", lines));
  const std::string context = absl::StrCat("statutory basis ", Quoted(id));
  ASSIGN_OR_RETURN(std::vector<uint32_t> basis_roles,
                   loader.References(fields[2], context, "role", p.roles));
  ASSIGN_OR_RETURN(std::vector<uint32_t> basis_classes,
                   loader.References(fields[3], context, "data class", p.data_classes));
  ASSIGN_OR_RETURN(std::vector<uint32_t> basis_purposes,
                   loader.References(fields[4], context, "purpose", p.purposes));
  const int basis = static_cast<int>(p.statutory_ids.size());
  for (uint32_t r : basis_roles) {
    for (uint32_t c : basis_classes) {
      for (uint32_t u : basis_purposes) {
        int& slot = p.statutory[(r * num_classes + c) * num_purposes + u];
        if (slot < 0) slot = basis;
      }
    }
  }
  p.statutory_basis_text.push_back(absl::StrCat("statutory basis ", Quoted(id)));
  p.statutory_ids.push_back(std::move(id));
  return absl::OkStatus();
}

// statutory_bases: optional; when present, a non-empty list.
absl::Status ParseStatutoryBases(const Loader& loader, const Field& statutory_bases,
                                 PolicyData& p) {
  p.statutory.assign(p.roles.ids.size() * p.data_classes.ids.size() * p.purposes.ids.size(), -1);
  if (!statutory_bases.present) return absl::OkStatus();
  RETURN_IF_ERROR(loader.NonEmptyList(statutory_bases, "",
                                      absl::StrCat("{", Expected(kStatutoryBasisKeys, {}), "}")));
  IdLines lines;
  for (size_t n = 0; n < statutory_bases.value.size(); ++n) {
    RETURN_IF_ERROR(ParseStatutoryBasis(loader, statutory_bases.value[n],
                                        absl::StrCat("statutory_bases[", n, "]"), lines, p));
  }
  return absl::OkStatus();
}

// break_glass: {roles, min_reason_length}. Absent: nobody may break glass.
absl::Status ParseBreakGlass(const Loader& loader, const Field& break_glass, PolicyData& p) {
  p.break_glass_roles.assign(p.roles.ids.size(), false);
  p.break_glass_roles_text = "[]";
  if (!break_glass.present) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<Field> fields,
                   loader.Fields(break_glass.value, "break_glass", kBreakGlassKeys,
                                 kBreakGlassOptionalKeys));
  ASSIGN_OR_RETURN(std::vector<uint32_t> ids,
                   loader.References(fields[0], "break_glass", "role", p.roles));
  std::vector<absl::string_view> names;
  for (uint32_t r : ids) {
    p.break_glass_roles[r] = true;
    names.push_back(p.roles.ids[r]);
  }
  p.break_glass_roles_text = absl::StrCat("[", absl::StrJoin(names, ", "), "]");
  if (fields[1].present) {
    uint32_t length = 0;
    if (!fields[1].value.IsScalar() || !absl::SimpleAtoi(fields[1].value.Scalar(), &length) ||
        length < 1 || length > kMaxMinReasonLength) {
      return loader.Error(fields[1].key.Mark(),
                          absl::StrCat("break_glass: min_reason_length must be a whole number "
                                       "from 1 to ",
                                       kMaxMinReasonLength));
    }
    p.min_reason_length = length;
  }
  return absl::OkStatus();
}

// Precomputes every reason Decide() can give for a granted (role, action, data class).
void PrecomputeReasons(PolicyData& p) {
  const size_t num_purposes = p.purposes.ids.size();
  for (auto& [key, grant] : p.grants) {
    const std::string who_what =
        absl::StrCat("role ", Quoted(p.roles.ids[key.role]), " to ", kActions[key.action],
                     " data class ", Quoted(p.data_classes.ids[key.data_class]));
    std::vector<absl::string_view> allowed_purposes;
    grant.allowed_reason.assign(num_purposes, std::string());
    grant.unrelated_allowed_reason.assign(num_purposes, std::string());
    for (size_t u = 0; u < num_purposes; ++u) {
      if (grant.rule_by_purpose[u] < 0) continue;
      allowed_purposes.push_back(p.purposes.ids[u]);
      grant.allowed_reason[u] =
          absl::StrCat("rule ", Quoted(p.rules[grant.rule_by_purpose[u]].id), " permits ",
                       who_what, " for purpose ", Quoted(p.purposes.ids[u]));
      if (grant.unrelated_rule_by_purpose[u] < 0) continue;
      grant.unrelated_allowed_reason[u] =
          absl::StrCat("rule ", Quoted(p.rules[grant.unrelated_rule_by_purpose[u]].id),
                       " permits ", who_what, " for purpose ", Quoted(p.purposes.ids[u]));
    }
    grant.other_purposes_reason =
        absl::StrCat("role ", Quoted(p.roles.ids[key.role]), " may ", kActions[key.action],
                     " data class ", Quoted(p.data_classes.ids[key.data_class]),
                     " only for purposes [", absl::StrJoin(allowed_purposes, ", "), "]");
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Policy>> Policy::Parse(absl::string_view yaml_text,
                                                            absl::string_view source_name) {
  const Loader loader(source_name);
  ASSIGN_OR_RETURN(YAML::Node document, LoadDocument(loader, yaml_text));
  auto impl = std::make_unique<Impl>();
  ASSIGN_OR_RETURN(std::vector<Field> top,
                   loader.Fields(document, "policy", kTopLevelKeys, kTopLevelOptionalKeys));
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
  RETURN_IF_ERROR(ParseDataClassBases(loader, classes, *impl));
  RETURN_IF_ERROR(ParseRetention(loader, classes, *impl));
  RETURN_IF_ERROR(ParseCompatibility(loader, purposes, *impl));
  RETURN_IF_ERROR(ParseLabels(loader, labels, *impl));
  RETURN_IF_ERROR(ParseRules(loader, top[4], *impl));
  RETURN_IF_ERROR(ParseStatutoryBases(loader, top[5], *impl));
  RETURN_IF_ERROR(ParseBreakGlass(loader, top[6], *impl));
  RETURN_IF_ERROR(policy_internal::ParseIdentifiers(loader, top[7], *impl));
  RETURN_IF_ERROR(policy_internal::ParseRelationshipStarts(loader, top[8], *impl));
  RETURN_IF_ERROR(policy_internal::ParseReporting(loader, top[9], *impl));
  PrecomputeReasons(*impl);

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

}  // namespace throughcare::policy
