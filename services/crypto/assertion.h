// Practitioner assertions: compact JWS (JWT) tokens an agency's identity provider signs to say
// which practitioner a system call is made for. Algorithms: "EdDSA" (Ed25519) and "ES256"
// (ECDSA P-256 with SHA-256, signature as the 64-byte R||S of RFC 7518 section 3.4).
//
// Claims: "iss" agency id, "sub" user id, "role", "iat" and "exp" (seconds since the epoch).
#ifndef THROUGHCARE_SERVICES_CRYPTO_ASSERTION_H_
#define THROUGHCARE_SERVICES_CRYPTO_ASSERTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace throughcare::crypto {

struct Assertion {
  std::string agency_id;  // "iss"
  std::string user_id;    // "sub"
  std::string role;       // "role"
  absl::Time issued_at;   // "iat"
  absl::Time expires_at;  // "exp"
};

// Signs `assertion` with a PEM private key (Ed25519 gives alg EdDSA, P-256 gives ES256; any other
// key type is InvalidArgument). Used by agency identity providers, the CLI and tests.
absl::StatusOr<std::string> MintAssertion(const Assertion& assertion,
                                          absl::string_view private_key_pem);

// Verifies assertions signed by one agency's identity key. Immutable after construction and safe
// to use from many threads at once.
class AssertionVerifier {
 public:
  // Parses a PEM public key (Ed25519 or P-256). InvalidArgument if it is neither.
  static absl::StatusOr<std::unique_ptr<AssertionVerifier>> FromPublicKeyPem(
      absl::string_view public_key_pem);
  ~AssertionVerifier();
  AssertionVerifier(const AssertionVerifier&) = delete;
  AssertionVerifier& operator=(const AssertionVerifier&) = delete;

  // Checks the token's form, its "alg" against this key's type, its signature, and that
  // `now` < exp (and iat <= now + 60s of clock skew). Every failure is Unauthenticated with a
  // message that says which check failed ("malformed", "signature does not verify", "expired at
  // ...", "missing claim role", ...), never echoing the token.
  absl::StatusOr<Assertion> Verify(absl::string_view token, absl::Time now) const;

 private:
  struct Key;
  explicit AssertionVerifier(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
};

// Reads only the unverified "iss" claim, so the caller can pick the agency's verifier. Never use
// the result for anything else. Unauthenticated if the token is malformed.
absl::StatusOr<std::string> PeekIssuer(absl::string_view token);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_ASSERTION_H_
