// Ed25519 (RFC 8032) keys, signatures and verification, for signed notes: the broker's audit
// checkpoints and the agencies' witness cosignatures (services/audit/note.h).
#ifndef THROUGHCARE_SERVICES_CRYPTO_ED25519_H_
#define THROUGHCARE_SERVICES_CRYPTO_ED25519_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace throughcare::crypto {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

// An Ed25519 private key. Immutable; safe to use from many threads at once.
class Ed25519PrivateKey {
 public:
  // Parses a PEM private key (PKCS#8). InvalidArgument if it is not an Ed25519 key.
  static absl::StatusOr<std::unique_ptr<Ed25519PrivateKey>> FromPem(absl::string_view pem);
  ~Ed25519PrivateKey();
  Ed25519PrivateKey(const Ed25519PrivateKey&) = delete;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = delete;

  // The 64-byte signature of `message`.
  absl::StatusOr<std::string> Sign(absl::string_view message) const;
  // The 32-byte public key, as RFC 8032 encodes it.
  const std::string& public_key() const { return public_key_; }

 private:
  struct Key;
  Ed25519PrivateKey(std::unique_ptr<Key> key, std::string public_key);
  std::unique_ptr<Key> key_;
  std::string public_key_;
};

// The 32-byte public key in a PEM public key (SubjectPublicKeyInfo) or private key.
// InvalidArgument if it holds no Ed25519 key.
absl::StatusOr<std::string> Ed25519PublicKeyFromPem(absl::string_view pem);

// OK if `signature` is a valid signature of `message` by `public_key` (32 bytes); otherwise
// Unauthenticated ("signature does not verify"), or InvalidArgument for a key or signature of the
// wrong length.
absl::Status Ed25519Verify(absl::string_view public_key, absl::string_view message,
                           absl::string_view signature);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_ED25519_H_
