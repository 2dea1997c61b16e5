// Reading certificates: the names a client certificate's subject carries, so the broker can
// refuse one that names more than one system; and when a certificate expires, for the start log.
#ifndef THROUGHCARE_SERVICES_CRYPTO_CERTIFICATE_H_
#define THROUGHCARE_SERVICES_CRYPTO_CERTIFICATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace throughcare::crypto {

// Every commonName attribute of the subject of the PEM certificate, in order (gRPC's own
// "x509_common_name" property reports only the first). InvalidArgument if it does not parse.
// Thread-safe.
absl::StatusOr<std::vector<std::string>> SubjectCommonNames(absl::string_view certificate_pem);

// When the (first) PEM certificate expires: its notAfter. InvalidArgument if it does not parse.
// Thread-safe.
absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view certificate_pem);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_CERTIFICATE_H_
