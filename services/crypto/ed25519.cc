#include "services/crypto/ed25519.h"

#include <openssl/pem.h>

#include "services/crypto/internal/openssl.h"

namespace throughcare::crypto {

using internal::Bytes;
using internal::MdCtxPtr;
using internal::OpenSslError;
using internal::PkeyPtr;

struct Ed25519PrivateKey::Key {
  PkeyPtr pkey;
};

namespace {

absl::StatusOr<std::string> RawPublicKey(EVP_PKEY* pkey) {
  if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("not an Ed25519 key");
  }
  std::string raw(kEd25519PublicKeySize, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
      len != kEd25519PublicKeySize) {
    return absl::InternalError(OpenSslError("EVP_PKEY_get_raw_public_key failed"));
  }
  return raw;
}

absl::StatusOr<PkeyPtr> ReadPrivateKey(absl::string_view pem) {
  absl::StatusOr<internal::BioPtr> bio = internal::MemBioOf(pem);
  if (!bio.ok()) return bio.status();
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio->get(), nullptr, internal::NoPassword, nullptr));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(OpenSslError("not a PEM private key"));
  }
  return pkey;
}

}  // namespace

Ed25519PrivateKey::Ed25519PrivateKey(std::unique_ptr<Key> key, std::string public_key)
    : key_(std::move(key)), public_key_(std::move(public_key)) {}
Ed25519PrivateKey::~Ed25519PrivateKey() = default;

absl::StatusOr<std::unique_ptr<Ed25519PrivateKey>> Ed25519PrivateKey::FromPem(
    absl::string_view pem) {
  absl::StatusOr<PkeyPtr> pkey = ReadPrivateKey(pem);
  if (!pkey.ok()) return pkey.status();
  absl::StatusOr<std::string> public_key = RawPublicKey(pkey->get());
  if (!public_key.ok()) return public_key.status();
  auto key = std::make_unique<Key>();
  key->pkey = std::move(*pkey);
  return std::unique_ptr<Ed25519PrivateKey>(
      new Ed25519PrivateKey(std::move(key), std::move(*public_key)));
}

absl::StatusOr<std::string> Ed25519PrivateKey::Sign(absl::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(kEd25519SignatureSize, '\0');
  size_t len = sig.size();
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     Bytes(message), message.size()) != 1 ||
      len != kEd25519SignatureSize) {
    return absl::InternalError(OpenSslError("Ed25519 signing failed"));
  }
  return sig;
}

absl::StatusOr<std::string> Ed25519PublicKeyFromPem(absl::string_view pem) {
  absl::StatusOr<internal::BioPtr> bio = internal::MemBioOf(pem);
  if (!bio.ok()) return bio.status();
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio->get(), nullptr, internal::NoPassword, nullptr));
  if (pkey == nullptr) {
    ERR_clear_error();
    absl::StatusOr<PkeyPtr> private_key = ReadPrivateKey(pem);
    if (!private_key.ok()) {
      return absl::InvalidArgumentError("neither a PEM public key nor a PEM private key");
    }
    pkey = std::move(*private_key);
  }
  return RawPublicKey(pkey.get());
}

absl::Status Ed25519Verify(absl::string_view public_key, absl::string_view message,
                           absl::string_view signature) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError("an Ed25519 public key has 32 bytes");
  }
  if (signature.size() != kEd25519SignatureSize) {
    return absl::InvalidArgumentError("an Ed25519 signature has 64 bytes");
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key),
                                           public_key.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (pkey == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return absl::InternalError(OpenSslError("Ed25519 verification could not start"));
  }
  const bool ok = EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                                   Bytes(message), message.size()) == 1;
  ERR_clear_error();
  if (!ok) return absl::UnauthenticatedError("signature does not verify");
  return absl::OkStatus();
}

}  // namespace throughcare::crypto
