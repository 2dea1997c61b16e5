// SHA-256 helpers (OpenSSL).
#ifndef THROUGHCARE_SERVICES_CRYPTO_HASH_H_
#define THROUGHCARE_SERVICES_CRYPTO_HASH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace throughcare::crypto {

// The 32-byte SHA-256 digest of `data`.
std::string Sha256(absl::string_view data);

// The SHA-256 digest of `data` as 64 lowercase hex characters.
std::string Sha256Hex(absl::string_view data);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_HASH_H_
