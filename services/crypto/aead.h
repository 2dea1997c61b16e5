// Authenticated encryption for record contents at rest: AES-256-GCM (OpenSSL EVP).
//
// Record bodies are sealed under a per-subject data key; each data key is sealed under the
// broker's master key ("wrapped"). Destroying a subject's wrapped key makes their records
// unreadable while the audit log, which holds no contents, still verifies.
#ifndef THROUGHCARE_SERVICES_CRYPTO_AEAD_H_
#define THROUGHCARE_SERVICES_CRYPTO_AEAD_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace throughcare::crypto {

inline constexpr size_t kAesKeySize = 32;    // AES-256
inline constexpr size_t kGcmNonceSize = 12;  // 96-bit random nonce per seal
inline constexpr size_t kGcmTagSize = 16;

// `n` bytes from OpenSSL's CSPRNG. Fails (Internal) only if the RNG fails.
absl::StatusOr<std::string> RandomBytes(size_t n);

// Encrypts `plaintext` under `key` (exactly kAesKeySize bytes, else InvalidArgument) with a fresh
// random nonce, binding `aad` (authenticated, not encrypted). Returns nonce || ciphertext || tag.
absl::StatusOr<std::string> Seal(absl::string_view key, absl::string_view plaintext,
                                 absl::string_view aad);

// Reverses Seal. A wrong key, wrong aad, truncated or altered input gives DataLoss; the
// plaintext of a failed open is never returned.
absl::StatusOr<std::string> Open(absl::string_view key, absl::string_view sealed,
                                 absl::string_view aad);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_AEAD_H_
