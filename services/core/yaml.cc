#include "services/core/yaml.h"

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/core/files.h"
#include "throughcare/status_macros.h"

namespace throughcare {
namespace {

// Where a node is, for errors: the top level's name, then "key", "key[2]", "key[2].sub".
std::string Child(absl::string_view path, bool top, absl::string_view key) {
  return top ? std::string(key) : absl::StrCat(path, ".", key);
}

// Refuses a mapping anywhere under `node` (at `path`) that holds a scalar key twice.
absl::Status CheckKeys(const YAML::Node& node, absl::string_view source, const std::string& path,
                       bool top) {
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      RETURN_IF_ERROR(CheckKeys(node[i], source, absl::StrCat(path, "[", i, "]"), false));
    }
  } else if (node.IsMap()) {
    absl::flat_hash_map<std::string, int> lines;  // key -> the line it was first given on
    for (const auto& item : node) {
      if (!item.first.IsScalar()) continue;  // callers refuse keys that are not strings
      auto [it, inserted] = lines.emplace(item.first.Scalar(), item.first.Mark().line + 1);
      if (!inserted) {
        return YamlError(source, item.first.Mark(),
                         absl::StrCat(path, ": duplicate key '", item.first.Scalar(),
                                      "' (first at line ", it->second, ")"));
      }
      RETURN_IF_ERROR(
          CheckKeys(item.second, source, Child(path, top, item.first.Scalar()), false));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status YamlError(absl::string_view source, const YAML::Mark& mark,
                       absl::string_view message) {
  if (mark.is_null()) return absl::InvalidArgumentError(absl::StrCat(source, ": ", message));
  return absl::InvalidArgumentError(absl::StrCat(source, ":", mark.line + 1, ": ", message));
}

absl::StatusOr<YAML::Node> ParseYaml(absl::string_view text, absl::string_view source,
                                     absl::string_view top_level) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return YamlError(source, e.mark, absl::StrCat("YAML syntax error: ", e.msg));
  }
  if (documents.empty()) return YAML::Node(YAML::NodeType::Null);
  if (documents.size() > 1) {
    // "a policy file holds ...", or "a file holds ..." for a file with no name for its top.
    const std::string kind = top_level == kYamlTopLevel ? "" : absl::StrCat(top_level, " ");
    return YamlError(source, documents[1].Mark(),
                     absl::StrCat("a ", kind, "file holds exactly one YAML document"));
  }
  RETURN_IF_ERROR(CheckKeys(documents[0], source, std::string(top_level), true));
  return documents[0];
}

absl::StatusOr<YAML::Node> ReadYamlFile(const std::string& path, absl::string_view top_level) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseYaml(text, path, top_level);
}

}  // namespace throughcare
