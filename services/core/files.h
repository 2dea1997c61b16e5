// Reading whole files: the one way the broker, its tools and tests read configuration, keys,
// certificates and policies.
#ifndef THROUGHCARE_SERVICES_CORE_FILES_H_
#define THROUGHCARE_SERVICES_CORE_FILES_H_

#include <string>

#include "absl/status/statusor.h"

namespace throughcare {

// The file's bytes. NotFound (or PermissionDenied) with the path and the reason in the message;
// InvalidArgument for a directory.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace throughcare

#endif  // THROUGHCARE_SERVICES_CORE_FILES_H_
