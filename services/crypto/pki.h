// Key and certificate generation for development and tests (OpenSSL 3). Production deployments
// bring certificates from their own CA; nothing here is used on the serving path.
#ifndef THROUGHCARE_SERVICES_CRYPTO_PKI_H_
#define THROUGHCARE_SERVICES_CRYPTO_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace throughcare::crypto {

struct KeyPair {
  std::string private_key_pem;  // PKCS#8
  std::string public_key_pem;   // SubjectPublicKeyInfo
};

absl::StatusOr<KeyPair> GenerateEd25519KeyPair();
absl::StatusOr<KeyPair> GenerateP256KeyPair();

// A certificate with its private key, both PEM.
struct IssuedCertificate {
  std::string certificate_pem;
  std::string private_key_pem;
};

struct CertificateRequest {
  std::string common_name;
  // More subject CNs after the first. For tests of the broker's refusal of such certificates: a
  // system certificate names exactly one system.
  std::vector<std::string> extra_common_names;
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries, e.g. "127.0.0.1"
  bool server = false;                    // extendedKeyUsage serverAuth (else clientAuth)
  absl::Time not_before;
  absl::Time not_after;
};

// A self-signed CA certificate (P-256 key, basicConstraints CA:TRUE, keyCertSign).
absl::StatusOr<IssuedCertificate> CreateCertificateAuthority(absl::string_view common_name,
                                                             absl::Time not_before,
                                                             absl::Time not_after);

// A leaf certificate (fresh P-256 key) signed by `ca`, with a random serial.
absl::StatusOr<IssuedCertificate> IssueCertificate(const IssuedCertificate& ca,
                                                   const CertificateRequest& request);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_PKI_H_
