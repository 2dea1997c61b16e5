#include "services/crypto/ids.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace throughcare::crypto {

std::string SystemRandom::Bytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no safe way to go on without randomness
  }
  return out;
}

std::string OpaqueIds::NewId(absl::string_view prefix) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  const std::string random = random_.Bytes(26);
  std::string id = absl::StrCat(prefix, "_");
  for (char b : random) id.push_back(kAlphabet[static_cast<unsigned char>(b) & 31]);
  return id;
}

Random& DefaultRandom() {
  static SystemRandom* random = new SystemRandom;
  return *random;
}

IdGenerator& DefaultIds() {
  static OpaqueIds* ids = new OpaqueIds(DefaultRandom());
  return *ids;
}

std::string NewOpaqueId(absl::string_view prefix) { return DefaultIds().NewId(prefix); }

}  // namespace throughcare::crypto
