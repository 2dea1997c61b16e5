#include "services/policy/policy.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "services/crypto/hash.h"
#include "throughcare/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace throughcare::policy {
namespace {

// Indexed by the action's position here; Decide() compares against these, so adding an action
// means adding a constant to policy.h and an entry here.
constexpr absl::string_view kActions[] = {kSubjectRegister, kSubjectRead, kSubjectUpdate,
                                          kRecordWrite,     kRecordRead,  kAuditRead};
constexpr int kNumActions = sizeof(kActions) / sizeof(kActions[0]);

int ActionIndex(absl::string_view action) {
  for (int i = 0; i < kNumActions; ++i) {
    if (kActions[i] == action) return i;
  }
  return -1;
}

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
  std::vector<int> rule_by_purpose;         // by purpose index; first granting rule, or -1
  std::vector<std::string> allowed_reason;  // by purpose index; empty where not allowed
  std::string other_purposes_reason;  // "role 'r' may a data class 'c' only for purposes [..]"
};

// A declaration section's ids in file order, and each id's index in that order.
struct Declarations {
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, uint32_t> index;
};

constexpr absl::string_view kTopLevelKeys[] = {"roles", "data_classes", "purposes", "labels",
                                               "rules"};
constexpr absl::string_view kDeclarationKeys[] = {"id", "description"};
constexpr absl::string_view kRuleKeys[] = {"id",      "description",  "roles",
                                           "actions", "data_classes", "purposes"};

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

struct Field {
  bool present = false;  // a default YAML::Node is a defined null, so track presence here
  YAML::Node key;
  YAML::Node value;
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

  // Returns the values of `map` aligned with `keys`. Every key is required; unknown and repeated
  // keys are errors, so a typo can neither widen nor narrow access.
  absl::StatusOr<std::vector<Field>> Fields(const YAML::Node& map, absl::string_view context,
                                            absl::Span<const absl::string_view> keys) const {
    const std::string expected = absl::StrJoin(keys, ", ");
    if (!map.IsMap()) {
      return Error(map.Mark(), absl::StrCat(context, " must be a mapping with keys ", expected));
    }
    std::vector<Field> fields(keys.size());
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;  // a copy: `it->` yields a temporary proxy
      if (!key.IsScalar()) {
        return Error(key.Mark(),
                     absl::StrCat(context, ": keys must be strings (expected ", expected, ")"));
      }
      size_t i = 0;
      while (i < keys.size() && keys[i] != key.Scalar()) ++i;
      if (i == keys.size()) {
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

  // A declaration section: a non-empty list of {id, description}.
  absl::StatusOr<Declarations> Declare(const Field& section, absl::string_view singular) const {
    const std::string& name = section.key.Scalar();
    RETURN_IF_ERROR(NonEmptyList(section, "", "{id, description}"));
    Declarations out;
    absl::flat_hash_map<std::string, int> lines;
    for (size_t n = 0; n < section.value.size(); ++n) {
      const YAML::Node entry = section.value[n];
      ASSIGN_OR_RETURN(std::vector<Field> fields,
                       Fields(entry, absl::StrCat(name, "[", n, "]"), kDeclarationKeys));
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
      out.index.emplace(id, static_cast<uint32_t>(out.ids.size()));
      out.ids.push_back(std::move(id));
    }
    return out;
  }

  // One of a rule's lists: non-empty, no repeats, every entry declared in `known`.
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

}  // namespace

struct Policy::Impl {
  Declarations roles;
  Declarations data_classes;
  Declarations purposes;
  Declarations labels;
  std::vector<std::string> rule_ids;
  absl::flat_hash_map<GrantKey, Grant> grants;
};

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
  ASSIGN_OR_RETURN(std::vector<Field> top, loader.Fields(documents[0], "policy", kTopLevelKeys));
  ASSIGN_OR_RETURN(impl->roles, loader.Declare(top[0], "role"));
  ASSIGN_OR_RETURN(impl->data_classes, loader.Declare(top[1], "data class"));
  ASSIGN_OR_RETURN(impl->purposes, loader.Declare(top[2], "purpose"));
  ASSIGN_OR_RETURN(impl->labels, loader.Declare(top[3], "label"));
  for (absl::string_view required : {kIdentityDataClass, kAuditDataClass}) {
    if (!impl->data_classes.index.contains(required)) {
      return loader.Error(top[1].key.Mark(),
                          absl::StrCat("data_classes must include '", required,
                                       "' (the broker uses it for its own actions)"));
    }
  }

  const Field& rules = top[4];
  RETURN_IF_ERROR(
      loader.NonEmptyList(rules, "", "{id, description, roles, actions, data_classes, purposes}"));
  absl::flat_hash_map<std::string, int> rule_lines;
  const size_t num_purposes = impl->purposes.ids.size();
  for (size_t n = 0; n < rules.value.size(); ++n) {
    const YAML::Node entry = rules.value[n];
    const std::string position = absl::StrCat("rules[", n, "]");
    ASSIGN_OR_RETURN(std::vector<Field> fields, loader.Fields(entry, position, kRuleKeys));
    ASSIGN_OR_RETURN(std::string id, loader.Id(fields[0], position, /*allow_hyphen=*/true));
    const std::string context = absl::StrCat("rule '", id, "'");
    auto [it, inserted] = rule_lines.emplace(id, fields[0].value.Mark().line + 1);
    if (!inserted) {
      return loader.Error(
          fields[0].value.Mark(),
          absl::StrCat(context, " is declared twice (first at line ", it->second, ")"));
    }
    RETURN_IF_ERROR(loader.String(fields[1], context).status());
    ASSIGN_OR_RETURN(std::vector<uint32_t> roles,
                     loader.References(fields[2], context, "role", impl->roles));
    ASSIGN_OR_RETURN(std::vector<uint32_t> actions, loader.Actions(fields[3], context));
    ASSIGN_OR_RETURN(std::vector<uint32_t> classes,
                     loader.References(fields[4], context, "data class", impl->data_classes));
    ASSIGN_OR_RETURN(std::vector<uint32_t> purposes,
                     loader.References(fields[5], context, "purpose", impl->purposes));

    const int rule = static_cast<int>(impl->rule_ids.size());
    impl->rule_ids.push_back(id);
    for (uint32_t role : roles) {
      for (uint32_t action : actions) {
        for (uint32_t data_class : classes) {
          Grant& grant = impl->grants[GrantKey{role, action, data_class}];
          if (grant.rule_by_purpose.empty()) grant.rule_by_purpose.assign(num_purposes, -1);
          for (uint32_t purpose : purposes) {
            if (grant.rule_by_purpose[purpose] < 0) grant.rule_by_purpose[purpose] = rule;
          }
        }
      }
    }
  }

  // Precompute every reason Decide() can give for a granted (role, action, data class).
  for (auto& [key, grant] : impl->grants) {
    const std::string who_what =
        absl::StrCat("role ", Quoted(impl->roles.ids[key.role]), " to ", kActions[key.action],
                     " data class ", Quoted(impl->data_classes.ids[key.data_class]));
    std::vector<absl::string_view> allowed_purposes;
    grant.allowed_reason.assign(num_purposes, std::string());
    for (size_t p = 0; p < num_purposes; ++p) {
      if (grant.rule_by_purpose[p] < 0) continue;
      allowed_purposes.push_back(impl->purposes.ids[p]);
      grant.allowed_reason[p] =
          absl::StrCat("rule ", Quoted(impl->rule_ids[grant.rule_by_purpose[p]]), " permits ",
                       who_what, " for purpose ", Quoted(impl->purposes.ids[p]));
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
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::NotFoundError(
        absl::StrCat("cannot read policy file '", path, "': it is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read policy file '", path, "'"));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::NotFoundError(absl::StrCat("cannot read policy file '", path, "'"));
  }
  return Parse(text.str(), path);
}

Decision Policy::Decide(const AccessRequest& request) const {
  Decision decision;
  auto unknown = [&decision](absl::string_view what, const std::string& value) {
    decision.reason = value.empty() ? absl::StrCat("the request names no ", what)
                                    : absl::StrCat("unknown ", what, " ", Quoted(value));
    return decision;
  };
  const Impl& p = *impl_;
  const auto role = p.roles.index.find(request.role);
  if (role == p.roles.index.end()) return unknown("role", request.role);
  const int action = ActionIndex(request.action);
  if (action < 0) return unknown("action", request.action);
  const auto data_class = p.data_classes.index.find(request.data_class);
  if (data_class == p.data_classes.index.end()) return unknown("data class", request.data_class);
  const auto purpose = p.purposes.index.find(request.purpose);
  if (purpose == p.purposes.index.end()) return unknown("purpose", request.purpose);

  const auto grant =
      p.grants.find(GrantKey{role->second, static_cast<uint32_t>(action), data_class->second});
  if (grant == p.grants.end()) {
    decision.reason =
        absl::StrCat("no rule permits role ", Quoted(request.role), " to ", request.action,
                     " data class ", Quoted(request.data_class), " (for any purpose)");
    return decision;
  }
  const int rule = grant->second.rule_by_purpose[purpose->second];
  if (rule < 0) {
    decision.reason =
        absl::StrCat(grant->second.other_purposes_reason, ", not ", Quoted(request.purpose));
    return decision;
  }
  decision.allowed = true;
  decision.rule_id = p.rule_ids[rule];
  decision.reason = grant->second.allowed_reason[purpose->second];
  return decision;
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
