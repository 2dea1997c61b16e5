#include "services/crypto/certificate.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "services/crypto/internal/openssl.h"
#include "throughcare/status_macros.h"

namespace throughcare::crypto {

namespace {

absl::StatusOr<internal::X509Ptr> ParseCertificate(absl::string_view certificate_pem) {
  ASSIGN_OR_RETURN(internal::BioPtr bio, internal::MemBioOf(certificate_pem));
  internal::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, internal::NoPassword, nullptr));
  if (cert == nullptr) {
    return absl::InvalidArgumentError(internal::OpenSslError("cannot parse the certificate"));
  }
  return cert;
}

}  // namespace

absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view certificate_pem) {
  ASSIGN_OR_RETURN(internal::X509Ptr cert, ParseCertificate(certificate_pem));
  struct tm tm {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) {
    return absl::InvalidArgumentError(internal::OpenSslError("unreadable notAfter"));
  }
  return absl::FromTM(tm, absl::UTCTimeZone());
}

absl::StatusOr<std::vector<std::string>> SubjectCommonNames(absl::string_view certificate_pem) {
  ASSIGN_OR_RETURN(internal::X509Ptr cert, ParseCertificate(certificate_pem));
  const X509_NAME* subject = X509_get_subject_name(cert.get());
  std::vector<std::string> names;
  for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, value);
    if (len < 0) {
      return absl::InvalidArgumentError(internal::OpenSslError("unreadable subject CN"));
    }
    names.emplace_back(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  return names;
}

}  // namespace throughcare::crypto
