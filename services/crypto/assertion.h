// Practitioner assertions: compact JWS (JWT) tokens an agency's identity provider signs to say
// which practitioner a system call is made for. Algorithms: "EdDSA" (Ed25519) and "ES256"
// (ECDSA P-256 with SHA-256, signature as the 64-byte R||S of RFC 7518 section 3.4).
//
// Claims: "iss" agency id, "sub" user id, "role", "aud" the broker's id (a string, or an array of
// strings that contains it), "iat" and "exp" (seconds since the epoch), and optionally "nbf".
// Parsing is strict: a header or payload that repeats a member is refused (a second "role" must
// not silently win), and a header with "crit" is refused, since the broker understands no JWS
// extensions (RFC 7515 section 4.1.11).
#ifndef THROUGHCARE_SERVICES_CRYPTO_ASSERTION_H_
#define THROUGHCARE_SERVICES_CRYPTO_ASSERTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace throughcare::crypto {

// The audience an assertion names when no other is configured: a broker's default id.
inline constexpr absl::string_view kDefaultAudience = "throughcare";

struct Assertion {
  std::string agency_id;  // "iss"
  std::string user_id;    // "sub"
  std::string role;       // "role"
  absl::Time issued_at;   // "iat"
  absl::Time expires_at;  // "exp"
  // "aud": the broker the assertion is for (its configured broker_id), so that an assertion
  // minted for one broker (or for another service using the same identity key) is refused by
  // every other.
  std::string audience = std::string(kDefaultAudience);
};

// Signs `assertion` with a PEM private key (Ed25519 gives alg EdDSA, P-256 gives ES256; any other
// key type is InvalidArgument). Used by agency identity providers, the CLI and tests.
absl::StatusOr<std::string> MintAssertion(const Assertion& assertion,
                                          absl::string_view private_key_pem);

// Verifies assertions signed by one agency's identity key. Immutable after construction and safe
// to use from many threads at once.
class AssertionVerifier {
 public:
  // Parses a PEM public key (Ed25519 or P-256). InvalidArgument if it is neither. Verify accepts
  // only assertions whose "aud" names `audience` (non-empty; InvalidArgument otherwise).
  static absl::StatusOr<std::unique_ptr<AssertionVerifier>> FromPublicKeyPem(
      absl::string_view public_key_pem, absl::string_view audience);
  ~AssertionVerifier();
  AssertionVerifier(const AssertionVerifier&) = delete;
  AssertionVerifier& operator=(const AssertionVerifier&) = delete;

  // Checks the token's form (strictly: no repeated members, no "crit"), its "alg" against this
  // key's type, its signature, its audience, and its times: `now` < exp, iat <= exp, and iat and
  // nbf (when present) no later than now + 60 s of clock skew. Every failure is Unauthenticated
  // with a message that says which check failed ("malformed", "signature does not verify",
  // "expired at ...", "missing claim role", "audience ...", ...), never echoing the token.
  absl::StatusOr<Assertion> Verify(absl::string_view token, absl::Time now) const;

 private:
  struct Key;
  AssertionVerifier(std::unique_ptr<Key> key, std::string audience);
  std::unique_ptr<Key> key_;
  std::string audience_;
};

// Reads only the unverified "iss" claim, so the caller can pick the agency's verifier. Never use
// the result for anything else. Unauthenticated if the token is malformed.
absl::StatusOr<std::string> PeekIssuer(absl::string_view token);

// The unverified "sub" and "role" claims (empty where absent or not strings), only to record
// who a refused assertion claimed to be. Unauthenticated if the token is malformed.
struct ClaimedPractitioner {
  std::string user_id;
  std::string role;
};
absl::StatusOr<ClaimedPractitioner> PeekPractitioner(absl::string_view token);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_ASSERTION_H_
