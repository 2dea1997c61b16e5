// Reading the peer's certificate on the serving path: the names a client certificate's subject
// carries, so the broker can refuse one that names more than one system.
#ifndef THROUGHCARE_SERVICES_CRYPTO_CERTIFICATE_H_
#define THROUGHCARE_SERVICES_CRYPTO_CERTIFICATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace throughcare::crypto {

// Every commonName attribute of the subject of the PEM certificate, in order (gRPC's own
// "x509_common_name" property reports only the first). InvalidArgument if it does not parse.
// Thread-safe.
absl::StatusOr<std::vector<std::string>> SubjectCommonNames(absl::string_view certificate_pem);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_CERTIFICATE_H_
