// Reading YAML: the one reader of the broker's configuration, policy and directory files and of
// the CLI's profiles. yaml-cpp parses; this adds what every caller needs and yaml-cpp does not
// give: errors that name the source and line, nothing thrown, exactly one document, and a key
// given twice in one mapping refused (yaml-cpp would silently keep the first).
#ifndef THROUGHCARE_SERVICES_CORE_YAML_H_
#define THROUGHCARE_SERVICES_CORE_YAML_H_

#include <string>

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace throughcare {

// InvalidArgument "<source>:<line>: <message>" (or "<source>: <message>" for a null mark).
absl::Status YamlError(absl::string_view source, const YAML::Mark& mark,
                       absl::string_view message);

// The one document of `text` (a null node when the text is empty or only comments). Errors are
// InvalidArgument naming `source` and the line: a syntax error, a second document, or a key
// that appears twice in one mapping ("<source>:<line>: <where>: duplicate key 'k' (first at
// line n)", where <where> is `top_level` for the top mapping, else "key", "key[2]",
// "key[2].sub"). A named `top_level` also names the file: "a policy file holds exactly one
// YAML document".
inline constexpr absl::string_view kYamlTopLevel = "the top level";
absl::StatusOr<YAML::Node> ParseYaml(absl::string_view text, absl::string_view source,
                                     absl::string_view top_level = kYamlTopLevel);

// ReadFile(path), then ParseYaml with the path as the source.
absl::StatusOr<YAML::Node> ReadYamlFile(const std::string& path,
                                        absl::string_view top_level = kYamlTopLevel);

}  // namespace throughcare

#endif  // THROUGHCARE_SERVICES_CORE_YAML_H_
