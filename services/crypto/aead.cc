#include "services/crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/crypto/internal/openssl.h"
#include "throughcare/status_macros.h"

namespace throughcare::crypto {
namespace {

using namespace internal;  // NOLINT: the module's own helpers

// EVP update calls take int lengths; larger inputs are fed in chunks of this size.
constexpr size_t kMaxChunk = size_t{1} << 30;

absl::Status CheckKey(absl::string_view key) {
  if (key.size() != kAesKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-256-GCM key must be ", kAesKeySize, " bytes, got ", key.size()));
  }
  return absl::OkStatus();
}

// Feeds `aad` to an initialised encrypt or decrypt context.
bool UpdateAad(EVP_CIPHER_CTX* ctx, absl::string_view aad, bool encrypt) {
  while (!aad.empty()) {
    const size_t n = std::min(aad.size(), kMaxChunk);
    int out_len = 0;
    const int ok = encrypt ? EVP_EncryptUpdate(ctx, nullptr, &out_len, Bytes(aad), static_cast<int>(n))
                           : EVP_DecryptUpdate(ctx, nullptr, &out_len, Bytes(aad), static_cast<int>(n));
    if (ok != 1) return false;
    aad.remove_prefix(n);
  }
  return true;
}

// Runs `in` through the context into `out` (GCM is a stream mode: output length == input length).
bool UpdateData(EVP_CIPHER_CTX* ctx, absl::string_view in, unsigned char* out, bool encrypt) {
  while (!in.empty()) {
    const size_t n = std::min(in.size(), kMaxChunk);
    int out_len = 0;
    const int ok = encrypt
                       ? EVP_EncryptUpdate(ctx, out, &out_len, Bytes(in), static_cast<int>(n))
                       : EVP_DecryptUpdate(ctx, out, &out_len, Bytes(in), static_cast<int>(n));
    if (ok != 1 || static_cast<size_t>(out_len) != n) return false;
    in.remove_prefix(n);
    out += n;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(out.data());
  while (n > 0) {
    const size_t chunk = std::min(n, kMaxChunk);
    if (RAND_bytes(p, static_cast<int>(chunk)) != 1) {
      return absl::InternalError(OpenSslError("RAND_bytes failed"));
    }
    p += chunk;
    n -= chunk;
  }
  return out;
}

absl::StatusOr<std::string> Seal(absl::string_view key, absl::string_view plaintext,
                                 absl::string_view aad) {
  RETURN_IF_ERROR(CheckKey(key));
  ASSIGN_OR_RETURN(std::string nonce, RandomBytes(kGcmNonceSize));

  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return absl::InternalError(OpenSslError("EVP_CIPHER_CTX_new failed"));
  // The default GCM IV length is 96 bits, matching kGcmNonceSize.
  if (EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), Bytes(key), Bytes(nonce), nullptr) != 1) {
    return absl::InternalError(OpenSslError("AES-256-GCM encrypt init failed"));
  }
  if (!UpdateAad(ctx.get(), aad, /*encrypt=*/true)) {
    return absl::InternalError(OpenSslError("AES-256-GCM aad failed"));
  }

  std::string sealed = std::move(nonce);
  sealed.resize(kGcmNonceSize + plaintext.size() + kGcmTagSize);
  unsigned char* ciphertext = reinterpret_cast<unsigned char*>(sealed.data()) + kGcmNonceSize;
  if (!UpdateData(ctx.get(), plaintext, ciphertext, /*encrypt=*/true)) {
    return absl::InternalError(OpenSslError("AES-256-GCM encrypt failed"));
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), ciphertext + plaintext.size(), &final_len) != 1 ||
      final_len != 0) {
    return absl::InternalError(OpenSslError("AES-256-GCM encrypt final failed"));
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize),
                          ciphertext + plaintext.size()) != 1) {
    return absl::InternalError(OpenSslError("AES-256-GCM get tag failed"));
  }
  return sealed;
}

absl::StatusOr<std::string> Open(absl::string_view key, absl::string_view sealed,
                                 absl::string_view aad) {
  RETURN_IF_ERROR(CheckKey(key));
  if (sealed.size() < kGcmNonceSize + kGcmTagSize) {
    return absl::DataLossError(absl::StrCat("sealed data is truncated: ", sealed.size(),
                                            " bytes is shorter than nonce and tag"));
  }
  const absl::string_view nonce = sealed.substr(0, kGcmNonceSize);
  const absl::string_view ciphertext =
      sealed.substr(kGcmNonceSize, sealed.size() - kGcmNonceSize - kGcmTagSize);
  // EVP_CTRL_GCM_SET_TAG takes a non-const buffer, so the tag is copied out.
  std::string tag(sealed.substr(sealed.size() - kGcmTagSize));

  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return absl::InternalError(OpenSslError("EVP_CIPHER_CTX_new failed"));
  if (EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), Bytes(key), Bytes(nonce), nullptr) != 1) {
    return absl::InternalError(OpenSslError("AES-256-GCM decrypt init failed"));
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize),
                          tag.data()) != 1) {
    return absl::InternalError(OpenSslError("AES-256-GCM set tag failed"));
  }
  if (!UpdateAad(ctx.get(), aad, /*encrypt=*/false)) {
    return absl::InternalError(OpenSslError("AES-256-GCM aad failed"));
  }

  std::string plaintext(ciphertext.size(), '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(plaintext.data());
  if (!UpdateData(ctx.get(), ciphertext, out, /*encrypt=*/false)) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return absl::InternalError(OpenSslError("AES-256-GCM decrypt failed"));
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out + ciphertext.size(), &final_len) != 1) {
    // Unauthenticated plaintext must not escape, not even in freed memory.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    ERR_clear_error();
    return absl::DataLossError(
        "sealed data failed authentication (wrong key, wrong aad, or altered data)");
  }
  return plaintext;
}

}  // namespace throughcare::crypto
