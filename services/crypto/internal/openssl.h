// OpenSSL ownership and error helpers shared by the crypto module's implementation files. Not
// for use outside services/crypto/.
#ifndef THROUGHCARE_SERVICES_CRYPTO_INTERNAL_OPENSSL_H_
#define THROUGHCARE_SERVICES_CRYPTO_INTERNAL_OPENSSL_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <limits>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace throughcare::crypto::internal {

// A unique_ptr deleter that calls OpenSSL's free function for the type.
template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME_free>>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, Deleter<ASN1_STRING_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;

// Drains OpenSSL's thread-local error queue into "what: <first error>".
inline std::string OpenSslError(absl::string_view what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return std::string(what);
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return absl::StrCat(what, ": ", buf);
}

inline const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Never prompts on the terminal for an encrypted PEM (OpenSSL's default callback would).
inline int NoPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

// A read-only memory BIO over `pem` (which must outlive it).
inline absl::StatusOr<BioPtr> MemBioOf(absl::string_view pem) {
  if (pem.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError("PEM too large");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::InternalError(OpenSslError("BIO_new_mem_buf failed"));
  return bio;
}

}  // namespace throughcare::crypto::internal

#endif  // THROUGHCARE_SERVICES_CRYPTO_INTERNAL_OPENSSL_H_
