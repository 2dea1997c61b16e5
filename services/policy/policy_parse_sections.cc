// Reading the identifiers, relationship_starts and reporting sections of a policy file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/policy/internal/policy_context.h"
#include "services/policy/internal/policy_sections.h"
#include "services/identifiers/identifiers.h"
#include "throughcare/status_macros.h"

namespace throughcare::policy::policy_internal {
namespace {

constexpr absl::string_view kIdentifierKeys[] = {"kind", "agency_kinds"};
constexpr absl::string_view kStartKeys[] = {"id",    "description", "kinds",
                                            "roles", "agency_kinds"};
constexpr absl::string_view kStartOptionalKeys[] = {"self_claim"};
constexpr absl::string_view kReportingOptionalKeys[] = {"national_roles", "min_count"};
constexpr absl::string_view kBooleans[] = {"false", "true"};

constexpr IdentifierKind kIdentifierKinds[] = {
    IdentifierKind::kPnc, IdentifierKind::kNoms, IdentifierKind::kCrn,
    IdentifierKind::kNhsNumber, IdentifierKind::kLocalAuthorityRef};
// Referral relationships are left out: they begin only when a referral is accepted.
constexpr RelationshipKind kStartableKinds[] = {RelationshipKind::kAllocation,
                                                RelationshipKind::kCustody};
constexpr int64_t kMaxReportMinCount = 100;

// A non-empty list of distinct agency kinds ([a-z][a-z0-9_]*, as in the broker's config).
absl::StatusOr<std::vector<std::string>> AgencyKindList(const Loader& loader, const Field& field,
                                                        absl::string_view context) {
  RETURN_IF_ERROR(loader.NonEmptyList(field, absl::StrCat(context, ": "), "agency kinds"));
  std::vector<std::string> out;
  absl::flat_hash_set<std::string> seen;
  for (const YAML::Node& entry : field.value) {
    const Field one{true, field.key, entry};
    absl::StatusOr<std::string> kind = loader.Id(one, context, /*allow_hyphen=*/false);
    if (!kind.ok()) {
      return loader.Error(entry.Mark(), absl::StrCat(context, ": agency_kinds entries must "
                                                              "match [a-z][a-z0-9_]*"));
    }
    if (!seen.insert(*kind).second) {
      return loader.Error(entry.Mark(),
                          absl::StrCat(context, ": agency kind '", *kind, "' is listed twice"));
    }
    out.push_back(*std::move(kind));
  }
  return out;
}

// One of the names in `values` (by their names), for a scalar entry of a list.
template <typename T, size_t N>
absl::StatusOr<T> Named(const Loader& loader, const YAML::Node& entry, absl::string_view context,
                        absl::string_view what, const T (&values)[N],
                        absl::string_view (*name)(T), absl::string_view hint) {
  std::string known;
  for (T v : values) {
    if (entry.IsScalar() && name(v) == entry.Scalar()) return v;
    absl::StrAppend(&known, known.empty() ? "" : ", ", name(v));
  }
  return loader.Error(entry.Mark(),
                      absl::StrCat(context, ": unknown ", what, " '",
                                   entry.IsScalar() ? entry.Scalar() : "<not a string>",
                                   "' (expected one of ", known, ")", hint));
}

absl::Status ParseIdentifier(const Loader& loader, const YAML::Node& entry,
                             const std::string& position, PolicyData& p) {
  ASSIGN_OR_RETURN(std::vector<Field> fields, loader.Fields(entry, position, kIdentifierKeys));
  ASSIGN_OR_RETURN(IdentifierKind kind,
                   Named(loader, fields[0].value, position, "identifier kind", kIdentifierKinds,
                         &subjects::IdentifierKindName, ""));
  const std::string context =
      absl::StrCat("identifier kind ", Quoted(subjects::IdentifierKindName(kind)));
  for (const IdentifierRule& other : p.identifiers) {
    if (other.kind == kind) {
      return loader.Error(fields[0].value.Mark(), absl::StrCat(context, " is listed twice"));
    }
  }
  ASSIGN_OR_RETURN(std::vector<std::string> kinds, AgencyKindList(loader, fields[1], context));
  p.identifiers.push_back(IdentifierRule{kind, std::move(kinds)});
  return absl::OkStatus();
}

absl::Status ParseStart(const Loader& loader, const YAML::Node& entry,
                        const std::string& position, absl::flat_hash_set<std::string>& ids,
                        PolicyData& p) {
  ASSIGN_OR_RETURN(std::vector<Field> fields,
                   loader.Fields(entry, position, kStartKeys, kStartOptionalKeys));
  StartRule rule;
  ASSIGN_OR_RETURN(rule.id, loader.Id(fields[0], position, /*allow_hyphen=*/true));
  const std::string context = absl::StrCat("relationship start ", Quoted(rule.id));
  if (!ids.insert(rule.id).second) {
    return loader.Error(fields[0].value.Mark(), absl::StrCat(context, " is declared twice"));
  }
  RETURN_IF_ERROR(loader.String(fields[1], context).status());
  RETURN_IF_ERROR(loader.NonEmptyList(fields[2], absl::StrCat(context, ": "),
                                      "relationship kinds (allocation, custody)"));
  for (const YAML::Node& k : fields[2].value) {
    ASSIGN_OR_RETURN(RelationshipKind kind,
                     Named(loader, k, context, "relationship kind", kStartableKinds, &KindName,
                           "; a referral relationship begins only when a referral is accepted"));
    rule.kinds.push_back(kind);
  }
  ASSIGN_OR_RETURN(std::vector<uint32_t> roles,
                   loader.References(fields[3], context, "role", p.roles));
  rule.roles.assign(p.roles.ids.size(), false);
  for (uint32_t r : roles) rule.roles[r] = true;
  ASSIGN_OR_RETURN(rule.agency_kinds, AgencyKindList(loader, fields[4], context));
  if (fields[5].present) {
    ASSIGN_OR_RETURN(size_t value, loader.OneOf(fields[5], context, kBooleans));
    rule.self_claim = value == 1;
  }
  p.starts.push_back(std::move(rule));
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseIdentifiers(const Loader& loader, const Field& section, PolicyData& p) {
  if (!section.present) return absl::OkStatus();
  RETURN_IF_ERROR(loader.NonEmptyList(section, "",
                                      absl::StrCat("{", Expected(kIdentifierKeys, {}), "}")));
  for (size_t n = 0; n < section.value.size(); ++n) {
    RETURN_IF_ERROR(
        ParseIdentifier(loader, section.value[n], absl::StrCat("identifiers[", n, "]"), p));
  }
  return absl::OkStatus();
}

absl::Status ParseRelationshipStarts(const Loader& loader, const Field& section, PolicyData& p) {
  if (!section.present) return absl::OkStatus();
  RETURN_IF_ERROR(loader.NonEmptyList(
      section, "", absl::StrCat("{", Expected(kStartKeys, kStartOptionalKeys), "}")));
  absl::flat_hash_set<std::string> ids;
  for (size_t n = 0; n < section.value.size(); ++n) {
    RETURN_IF_ERROR(ParseStart(loader, section.value[n],
                               absl::StrCat("relationship_starts[", n, "]"), ids, p));
  }
  return absl::OkStatus();
}

absl::Status ParseReporting(const Loader& loader, const Field& section, PolicyData& p) {
  p.national_report_roles.assign(p.roles.ids.size(), false);
  if (!section.present) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<Field> fields,
                   loader.Fields(section.value, "reporting", {}, kReportingOptionalKeys));
  if (fields[0].present) {
    ASSIGN_OR_RETURN(std::vector<uint32_t> roles,
                     loader.References(fields[0], "reporting", "role", p.roles));
    for (uint32_t r : roles) p.national_report_roles[r] = true;
  }
  if (fields[1].present) {
    int64_t count = 0;
    if (!fields[1].value.IsScalar() || !absl::SimpleAtoi(fields[1].value.Scalar(), &count) ||
        count < 1 || count > kMaxReportMinCount) {
      return loader.Error(fields[1].key.Mark(),
                          absl::StrCat("reporting: min_count must be a whole number from 1 to ",
                                       kMaxReportMinCount));
    }
    p.report_min_count = count;
  }
  return absl::OkStatus();
}

}  // namespace throughcare::policy::policy_internal
