// What this binary was built from, for `--version`, the start log and the build_info metric.
#ifndef THROUGHCARE_VERSION_H_
#define THROUGHCARE_VERSION_H_

#include <string>

#include "absl/strings/string_view.h"

namespace throughcare {

// The release: CMake's project version, e.g. "0.1.0".
absl::string_view Version();

// The git commit built (12 hex digits, with "-dirty" when tracked files had changes), the
// THROUGHCARE_GIT_COMMIT given to CMake, or "unknown" when built outside a git checkout.
absl::string_view BuildCommit();

// "<program> 0.1.0 (commit 1a2b3c4d5e6f)".
std::string VersionLine(absl::string_view program);

}  // namespace throughcare

#endif  // THROUGHCARE_VERSION_H_
