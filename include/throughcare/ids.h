// Randomness and the opaque ids made from it, injected like the clock (STYLE.md, habit 7) so
// that tests can make them repeatable. Production uses crypto::SystemRandom and
// crypto::OpaqueIds (services/crypto/ids.h).
#ifndef THROUGHCARE_IDS_H_
#define THROUGHCARE_IDS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace throughcare {

// Cryptographically strong random bytes. Thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  // `n` random bytes. Never fails: an implementation that cannot get randomness stops the
  // process, as there is no safe way to go on.
  virtual std::string Bytes(size_t n) = 0;
};

// Opaque identifiers for broker objects: the prefix, '_' and 26 characters of base32 (130 bits
// of randomness), e.g. "sub_5k2q...". Unguessable, so ids reveal nothing about who is known to
// the broker. Thread-safe.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string NewId(absl::string_view prefix) = 0;
};

}  // namespace throughcare

#endif  // THROUGHCARE_IDS_H_
