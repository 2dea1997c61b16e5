// Opaque identifiers for broker objects: a prefix and 26 characters of random base32 (130 bits),
// e.g. "sub_5k2q...". Unguessable, so ids reveal nothing about who is known to the broker.
#ifndef THROUGHCARE_SERVICES_CRYPTO_IDS_H_
#define THROUGHCARE_SERVICES_CRYPTO_IDS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace throughcare::crypto {

std::string NewOpaqueId(absl::string_view prefix);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_IDS_H_
