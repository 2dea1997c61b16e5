#include "services/crypto/pki.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/crypto/aead.h"
#include "services/crypto/internal/openssl.h"
#include "throughcare/status_macros.h"

namespace throughcare::crypto {
namespace {

using namespace internal;  // NOLINT: the module's own helpers

constexpr size_t kSerialSize = 16;

absl::Status Internal(absl::string_view what) { return absl::InternalError(OpenSslError(what)); }

// --- keys and PEM ---

absl::StatusOr<PkeyPtr> GenerateKey(const char* algorithm, const char* group) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr));
  if (ctx == nullptr) return Internal(absl::StrCat("EVP_PKEY_CTX_new_from_name(", algorithm, ")"));
  if (EVP_PKEY_keygen_init(ctx.get()) != 1) return Internal("EVP_PKEY_keygen_init failed");
  if (group != nullptr && EVP_PKEY_CTX_set_group_name(ctx.get(), group) != 1) {
    return Internal(absl::StrCat("cannot select curve ", group));
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return Internal("key generation failed");
  return PkeyPtr(raw);
}

absl::StatusOr<PkeyPtr> GenerateP256Key() { return GenerateKey("EC", "P-256"); }

absl::StatusOr<BioPtr> NewMemBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return Internal("BIO_new failed");
  return bio;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

absl::StatusOr<std::string> PrivateKeyPem(EVP_PKEY* pkey) {
  ASSIGN_OR_RETURN(BioPtr bio, NewMemBio());
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) !=
      1) {
    return Internal("cannot write PKCS#8 private key");
  }
  return BioContents(bio.get());
}

absl::StatusOr<std::string> PublicKeyPem(EVP_PKEY* pkey) {
  ASSIGN_OR_RETURN(BioPtr bio, NewMemBio());
  if (PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) return Internal("cannot write public key");
  return BioContents(bio.get());
}

absl::StatusOr<std::string> CertificatePem(X509* cert) {
  ASSIGN_OR_RETURN(BioPtr bio, NewMemBio());
  if (PEM_write_bio_X509(bio.get(), cert) != 1) return Internal("cannot write certificate");
  return BioContents(bio.get());
}

absl::StatusOr<KeyPair> KeyPairOf(EVP_PKEY* pkey) {
  KeyPair pair;
  ASSIGN_OR_RETURN(pair.private_key_pem, PrivateKeyPem(pkey));
  ASSIGN_OR_RETURN(pair.public_key_pem, PublicKeyPem(pkey));
  return pair;
}

// --- certificate building ---

absl::Status CheckValidity(absl::Time not_before, absl::Time not_after) {
  if (not_before >= not_after) {
    return absl::InvalidArgumentError("certificate not_before must be earlier than not_after");
  }
  return absl::OkStatus();
}

absl::Status SetValidity(X509* cert, absl::Time not_before, absl::Time not_after) {
  // ASN1_TIME_set picks UTCTime or GeneralizedTime as RFC 5280 requires.
  if (ASN1_TIME_set(X509_getm_notBefore(cert), absl::ToTimeT(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), absl::ToTimeT(not_after)) == nullptr) {
    return absl::InvalidArgumentError(OpenSslError("certificate validity is not representable"));
  }
  return absl::OkStatus();
}

// A positive 128-bit serial: RFC 5280 allows up to 20 octets, and browsers and BoringSSL
// reject negative ones.
absl::Status SetRandomSerial(X509* cert) {
  ASSIGN_OR_RETURN(std::string bytes, RandomBytes(kSerialSize));
  bytes[0] = static_cast<char>((static_cast<unsigned char>(bytes[0]) & 0x7f) | 0x40);
  BignumPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
  if (bn == nullptr) return Internal("BN_bin2bn failed");
  if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return Internal("cannot set serial number");
  }
  return absl::OkStatus();
}

absl::Status SetSubjectCommonName(X509* cert, absl::string_view common_name) {
  if (common_name.empty()) return absl::InvalidArgumentError("common_name must not be empty");
  if (common_name.size() > 64) {  // ub-common-name, RFC 5280 appendix A
    return absl::InvalidArgumentError("common_name must be at most 64 characters");
  }
  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return absl::InvalidArgumentError(OpenSslError("invalid common_name"));
  }
  return absl::OkStatus();
}

// Starts a v3 certificate for `subject_key` with subject CN, serial and validity set.
absl::StatusOr<X509Ptr> NewCertificate(EVP_PKEY* subject_key, absl::string_view common_name,
                                       absl::Time not_before, absl::Time not_after) {
  RETURN_IF_ERROR(CheckValidity(not_before, not_after));
  X509Ptr cert(X509_new());
  if (cert == nullptr) return Internal("X509_new failed");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) return Internal("X509_set_version");
  RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  RETURN_IF_ERROR(SetValidity(cert.get(), not_before, not_after));
  RETURN_IF_ERROR(SetSubjectCommonName(cert.get(), common_name));
  if (X509_set_pubkey(cert.get(), subject_key) != 1) return Internal("X509_set_pubkey failed");
  return cert;
}

// Adds one extension in OpenSSL's config syntax (e.g. "critical,CA:TRUE"). `issuer` may be the
// certificate itself when self-signing. Values are constants, never caller input.
absl::Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (ext == nullptr) return Internal(absl::StrCat("cannot build extension ", OBJ_nid2sn(nid)));
  if (X509_add_ext(cert, ext.get(), -1) != 1) {
    return Internal(absl::StrCat("cannot add extension ", OBJ_nid2sn(nid)));
  }
  return absl::OkStatus();
}

bool IsDnsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '*' || c == '_';
}

// subjectAltName is built from typed GENERAL_NAMEs rather than a config string, so a caller's
// name can never inject extra entries.
absl::Status AddSubjectAltNames(X509* cert, const CertificateRequest& request) {
  if (request.dns_names.empty() && request.ip_addresses.empty()) return absl::OkStatus();
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (names == nullptr) return Internal("GENERAL_NAMES_new failed");

  for (const std::string& dns : request.dns_names) {
    if (dns.empty() || dns.size() > 253) {
      return absl::InvalidArgumentError("subjectAltName DNS name must be 1 to 253 characters");
    }
    for (char c : dns) {
      if (!IsDnsNameChar(c)) {
        return absl::InvalidArgumentError(
            absl::StrCat("subjectAltName DNS name has an invalid character: ", dns));
      }
    }
    Asn1StringPtr ia5(ASN1_IA5STRING_new());
    if (ia5 == nullptr || ASN1_STRING_set(ia5.get(), dns.data(), static_cast<int>(dns.size())) != 1) {
      return Internal("cannot encode DNS name");
    }
    GeneralNamePtr name(GENERAL_NAME_new());
    if (name == nullptr) return Internal("GENERAL_NAME_new failed");
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, ia5.release());
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) return Internal("push DNS name");
    name.release();  // owned by `names`
  }

  for (const std::string& ip : request.ip_addresses) {
    Asn1StringPtr octets(a2i_IPADDRESS(ip.c_str()));
    if (octets == nullptr) {
      ERR_clear_error();
      return absl::InvalidArgumentError(
          absl::StrCat("subjectAltName IP address is not a valid IPv4 or IPv6 address: ", ip));
    }
    GeneralNamePtr name(GENERAL_NAME_new());
    if (name == nullptr) return Internal("GENERAL_NAME_new failed");
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, octets.release());
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) return Internal("push IP address");
    name.release();  // owned by `names`
  }

  // The subject (CN) is never empty, so RFC 5280 lets the extension be non-critical.
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), /*crit=*/0, X509V3_ADD_DEFAULT) !=
      1) {
    return Internal("cannot add subjectAltName");
  }
  return absl::OkStatus();
}

absl::Status SignCertificate(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) return Internal("X509_sign failed");
  return absl::OkStatus();
}

absl::StatusOr<IssuedCertificate> Issued(X509* cert, EVP_PKEY* key) {
  IssuedCertificate issued;
  ASSIGN_OR_RETURN(issued.certificate_pem, CertificatePem(cert));
  ASSIGN_OR_RETURN(issued.private_key_pem, PrivateKeyPem(key));
  return issued;
}

}  // namespace

absl::StatusOr<KeyPair> GenerateEd25519KeyPair() {
  ASSIGN_OR_RETURN(PkeyPtr pkey, GenerateKey("ED25519", nullptr));
  return KeyPairOf(pkey.get());
}

absl::StatusOr<KeyPair> GenerateP256KeyPair() {
  ASSIGN_OR_RETURN(PkeyPtr pkey, GenerateP256Key());
  return KeyPairOf(pkey.get());
}

absl::StatusOr<IssuedCertificate> CreateCertificateAuthority(absl::string_view common_name,
                                                             absl::Time not_before,
                                                             absl::Time not_after) {
  ASSIGN_OR_RETURN(PkeyPtr key, GenerateP256Key());
  ASSIGN_OR_RETURN(X509Ptr cert, NewCertificate(key.get(), common_name, not_before, not_after));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1) {
    return Internal("X509_set_issuer_name failed");
  }
  X509* c = cert.get();
  RETURN_IF_ERROR(AddExtension(c, c, NID_basic_constraints, "critical,CA:TRUE"));
  RETURN_IF_ERROR(AddExtension(c, c, NID_key_usage, "critical,keyCertSign,cRLSign"));
  // The subject key identifier must exist before the authority key identifier copies it.
  RETURN_IF_ERROR(AddExtension(c, c, NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(AddExtension(c, c, NID_authority_key_identifier, "keyid:always"));
  RETURN_IF_ERROR(SignCertificate(c, key.get()));
  return Issued(c, key.get());
}

absl::StatusOr<IssuedCertificate> IssueCertificate(const IssuedCertificate& ca,
                                                   const CertificateRequest& request) {
  ASSIGN_OR_RETURN(BioPtr ca_cert_bio, MemBioOf(ca.certificate_pem));
  X509Ptr ca_cert(PEM_read_bio_X509(ca_cert_bio.get(), nullptr, NoPassword, nullptr));
  if (ca_cert == nullptr) {
    return absl::InvalidArgumentError(OpenSslError("cannot parse CA certificate PEM"));
  }
  ASSIGN_OR_RETURN(BioPtr ca_key_bio, MemBioOf(ca.private_key_pem));
  PkeyPtr ca_key(PEM_read_bio_PrivateKey(ca_key_bio.get(), nullptr, NoPassword, nullptr));
  if (ca_key == nullptr) {
    return absl::InvalidArgumentError(OpenSslError("cannot parse CA private key PEM"));
  }
  if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) {
    return absl::InvalidArgumentError(
        OpenSslError("CA private key does not match the CA certificate"));
  }
  if (X509_check_ca(ca_cert.get()) == 0) {
    return absl::InvalidArgumentError("CA certificate is not a CA (basicConstraints/keyUsage)");
  }

  ASSIGN_OR_RETURN(PkeyPtr key, GenerateP256Key());
  ASSIGN_OR_RETURN(X509Ptr cert, NewCertificate(key.get(), request.common_name,
                                                request.not_before, request.not_after));
  for (const std::string& cn : request.extra_common_names) {
    RETURN_IF_ERROR(SetSubjectCommonName(cert.get(), cn));
  }
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) != 1) {
    return Internal("X509_set_issuer_name failed");
  }
  X509* c = cert.get();
  X509* issuer = ca_cert.get();
  RETURN_IF_ERROR(AddExtension(c, issuer, NID_basic_constraints, "critical,CA:FALSE"));
  // ECDSA keys in (EC)DHE TLS only sign, so digitalSignature is the whole key usage.
  RETURN_IF_ERROR(AddExtension(c, issuer, NID_key_usage, "critical,digitalSignature"));
  RETURN_IF_ERROR(AddExtension(c, issuer, NID_ext_key_usage,
                               request.server ? "serverAuth" : "clientAuth"));
  RETURN_IF_ERROR(AddSubjectAltNames(c, request));
  RETURN_IF_ERROR(AddExtension(c, issuer, NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(AddExtension(c, issuer, NID_authority_key_identifier, "keyid:always"));
  RETURN_IF_ERROR(SignCertificate(c, ca_key.get()));
  return Issued(c, key.get());
}

}  // namespace throughcare::crypto
