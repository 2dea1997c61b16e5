#include "services/crypto/ids.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace throughcare::crypto {

std::string NewOpaqueId(absl::string_view prefix) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  unsigned char random[26];
  if (RAND_bytes(random, sizeof(random)) != 1) std::abort();  // no safe way to go on without ids
  std::string id = absl::StrCat(prefix, "_");
  for (unsigned char b : random) id.push_back(kAlphabet[b & 31]);
  return id;
}

}  // namespace throughcare::crypto
