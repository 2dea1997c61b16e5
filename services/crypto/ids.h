// The production Random (OpenSSL's RAND_bytes) and IdGenerator (include/throughcare/ids.h).
#ifndef THROUGHCARE_SERVICES_CRYPTO_IDS_H_
#define THROUGHCARE_SERVICES_CRYPTO_IDS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "throughcare/ids.h"

namespace throughcare::crypto {

// OpenSSL's generator. Stops the process if it fails.
class SystemRandom final : public Random {
 public:
  std::string Bytes(size_t n) override;
};

// Ids from `random`, which must outlive it.
class OpaqueIds final : public IdGenerator {
 public:
  explicit OpaqueIds(Random& random) : random_(random) {}
  std::string NewId(absl::string_view prefix) override;

 private:
  Random& random_;
};

// A process-wide SystemRandom and OpaqueIds over it, for wiring in main and for tools (the CLI,
// the dev environment) that need no fakes. Services take them injected.
Random& DefaultRandom();
IdGenerator& DefaultIds();

// DefaultIds().NewId(prefix).
std::string NewOpaqueId(absl::string_view prefix);

}  // namespace throughcare::crypto

#endif  // THROUGHCARE_SERVICES_CRYPTO_IDS_H_
