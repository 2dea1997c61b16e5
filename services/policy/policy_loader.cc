#include "services/policy/internal/policy_loader.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/yaml.h"
#include "throughcare/status_macros.h"

namespace throughcare::policy::policy_internal {
namespace {

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

}  // namespace

std::string Expected(absl::Span<const absl::string_view> required,
                     absl::Span<const absl::string_view> optional) {
  std::string out = absl::StrJoin(required, ", ");
  if (!optional.empty()) absl::StrAppend(&out, "; optional ", absl::StrJoin(optional, ", "));
  return out;
}

absl::Status Loader::Error(const YAML::Mark& mark, absl::string_view message) const {
  return YamlError(source_, mark, message);
}

absl::StatusOr<std::vector<Field>> Loader::Fields(
    const YAML::Node& map, absl::string_view context, absl::Span<const absl::string_view> keys,
    absl::Span<const absl::string_view> optional) const {
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
    // (A key given twice was refused when the YAML was read: services/core/yaml.h.)
    fields[i] = Field{true, key, it->second};
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!fields[i].present) {
      return Error(map.Mark(), absl::StrCat(context, ": missing key '", keys[i], "'"));
    }
  }
  return fields;
}

absl::StatusOr<std::string> Loader::String(const Field& field, absl::string_view context) const {
  if (!field.value.IsScalar() || field.value.Scalar().empty()) {
    return Error(field.key.Mark(),
                 absl::StrCat(context, ": ", field.key.Scalar(), " must be a non-empty string"));
  }
  return field.value.Scalar();
}

absl::StatusOr<size_t> Loader::OneOf(const Field& field, absl::string_view context,
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

absl::StatusOr<std::string> Loader::Id(const Field& field, absl::string_view context,
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

absl::Status Loader::NonEmptyList(const Field& field, absl::string_view context,
                                  absl::string_view what) const {
  if (!field.value.IsSequence() || field.value.size() == 0) {
    return Error(field.key.Mark(), absl::StrCat(context, field.key.Scalar(),
                                                " must be a non-empty list of ", what));
  }
  return absl::OkStatus();
}

absl::StatusOr<Section> Loader::Declare(const Field& section, absl::string_view singular,
                                        absl::Span<const absl::string_view> optional) const {
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

absl::StatusOr<std::vector<uint32_t>> Loader::References(const Field& field,
                                                         absl::string_view context,
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

absl::StatusOr<std::vector<uint32_t>> Loader::Actions(const Field& field,
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

}  // namespace throughcare::policy::policy_internal
