#include "services/crypto/pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/crypto/internal/openssl.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::crypto {
namespace {

using namespace ::throughcare::crypto::internal;  // NOLINT: OpenSSL ownership types

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::throughcare::testing::StatusIs;


BioPtr ReadBio(const std::string& pem) {
  return BioPtr(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

X509Ptr ParseCert(const std::string& pem) {
  X509Ptr cert(PEM_read_bio_X509(ReadBio(pem).get(), nullptr, nullptr, nullptr));
  EXPECT_NE(cert, nullptr) << "certificate does not parse";
  return cert;
}

PkeyPtr ParsePrivateKey(const std::string& pem) {
  PkeyPtr key(PEM_read_bio_PrivateKey(ReadBio(pem).get(), nullptr, nullptr, nullptr));
  EXPECT_NE(key, nullptr) << "private key does not parse";
  return key;
}

PkeyPtr ParsePublicKey(const std::string& pem) {
  PkeyPtr key(PEM_read_bio_PUBKEY(ReadBio(pem).get(), nullptr, nullptr, nullptr));
  EXPECT_NE(key, nullptr) << "public key does not parse";
  return key;
}

std::string GroupName(EVP_PKEY* key) {
  char name[64] = {0};
  size_t len = 0;
  EVP_PKEY_get_group_name(key, name, sizeof(name), &len);
  return std::string(name, len);
}

// Ed25519 signs the message itself; P-256 signs its SHA-256.
const EVP_MD* DigestFor(EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "ED25519") ? nullptr : EVP_sha256();
}

std::string SignWith(EVP_PKEY* key, const std::string& message) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  const auto* m = reinterpret_cast<const unsigned char*>(message.data());
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(key), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, m, message.size()), 1);
  std::string sig(len, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, m,
                           message.size()),
            1);
  sig.resize(len);
  return sig;
}

bool VerifyWith(EVP_PKEY* key, const std::string& message, const std::string& sig) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor(key), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                          sig.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

// X509_V_OK, or why `leaf` does not chain to `ca` for `purpose` under strict RFC 5280 checks.
int VerifyChain(X509* leaf, X509* ca, int purpose) {
  X509StorePtr store(X509_STORE_new());
  EXPECT_EQ(X509_STORE_add_cert(store.get(), ca), 1);
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  EXPECT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr), 1);
  EXPECT_EQ(X509_STORE_CTX_set_purpose(ctx.get(), purpose), 1);
  X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx.get()), X509_V_FLAG_X509_STRICT);
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  return X509_STORE_CTX_get_error(ctx.get());
}

std::string VerifyErrorString(int code) { return X509_verify_cert_error_string(code); }

struct AltNames {
  std::vector<std::string> dns;
  std::vector<std::string> ips;  // dotted IPv4, or colon-separated decimal bytes for IPv6
};

AltNames GetAltNames(X509* cert) {
  AltNames out;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      out.dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                           ASN1_STRING_length(name->d.dNSName));
    } else if (name->type == GEN_IPADD) {
      const unsigned char* b = ASN1_STRING_get0_data(name->d.iPAddress);
      const int n = ASN1_STRING_length(name->d.iPAddress);
      std::vector<std::string> bytes;
      for (int j = 0; j < n; ++j) bytes.push_back(absl::StrCat(b[j]));
      out.ips.push_back(absl::StrJoin(bytes, n == 4 ? "." : ":"));
    }
  }
  return out;
}

std::string CommonName(X509* cert) {
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
  return cn;
}

// --- key pairs ---

TEST(KeyPairTest, Ed25519SignsAndVerifies) {
  ASSERT_OK_AND_ASSIGN(KeyPair pair, GenerateEd25519KeyPair());
  EXPECT_THAT(pair.private_key_pem, StartsWith("-----BEGIN PRIVATE KEY-----"));
  EXPECT_THAT(pair.public_key_pem, StartsWith("-----BEGIN PUBLIC KEY-----"));
  PkeyPtr priv = ParsePrivateKey(pair.private_key_pem);
  PkeyPtr pub = ParsePublicKey(pair.public_key_pem);
  ASSERT_NE(priv, nullptr);
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(priv.get(), "ED25519"));
  EXPECT_EQ(EVP_PKEY_eq(priv.get(), pub.get()), 1);

  const std::string sig = SignWith(priv.get(), "hello");
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(VerifyWith(pub.get(), "hello", sig));
  EXPECT_FALSE(VerifyWith(pub.get(), "hellO", sig));
}

TEST(KeyPairTest, P256SignsAndVerifies) {
  ASSERT_OK_AND_ASSIGN(KeyPair pair, GenerateP256KeyPair());
  EXPECT_THAT(pair.private_key_pem, StartsWith("-----BEGIN PRIVATE KEY-----"));
  EXPECT_THAT(pair.public_key_pem, StartsWith("-----BEGIN PUBLIC KEY-----"));
  PkeyPtr priv = ParsePrivateKey(pair.private_key_pem);
  PkeyPtr pub = ParsePublicKey(pair.public_key_pem);
  ASSERT_NE(priv, nullptr);
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(pub.get(), "EC"));
  EXPECT_EQ(OBJ_txt2nid(GroupName(pub.get()).c_str()), NID_X9_62_prime256v1);

  const std::string sig = SignWith(priv.get(), "hello");
  EXPECT_TRUE(VerifyWith(pub.get(), "hello", sig));
  EXPECT_FALSE(VerifyWith(pub.get(), "hellO", sig));
}

TEST(KeyPairTest, EachCallGeneratesANewKey) {
  ASSERT_OK_AND_ASSIGN(KeyPair a, GenerateEd25519KeyPair());
  ASSERT_OK_AND_ASSIGN(KeyPair b, GenerateEd25519KeyPair());
  EXPECT_NE(a.private_key_pem, b.private_key_pem);
  PkeyPtr a_priv = ParsePrivateKey(a.private_key_pem);
  PkeyPtr b_pub = ParsePublicKey(b.public_key_pem);
  EXPECT_FALSE(VerifyWith(b_pub.get(), "m", SignWith(a_priv.get(), "m")));
}

// --- certificates ---

class PkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(ca_, CreateCertificateAuthority("Throughcare Test CA",
                                                         now_ - absl::Hours(1),
                                                         now_ + absl::Hours(24 * 365)));
    ca_cert_ = ParseCert(ca_.certificate_pem);
    ASSERT_NE(ca_cert_, nullptr);
  }

  CertificateRequest ServerRequest() const {
    CertificateRequest r;
    r.common_name = "localhost";
    r.dns_names = {"localhost"};
    r.ip_addresses = {"127.0.0.1"};
    r.server = true;
    r.not_before = now_ - absl::Hours(1);
    r.not_after = now_ + absl::Hours(24);
    return r;
  }

  CertificateRequest ClientRequest() const {
    CertificateRequest r;
    r.common_name = "agency-a";
    r.server = false;
    r.not_before = now_ - absl::Hours(1);
    r.not_after = now_ + absl::Hours(24);
    return r;
  }

  const absl::Time now_ = absl::Now();
  IssuedCertificate ca_;
  X509Ptr ca_cert_;
};

TEST_F(PkiTest, CertificateAuthorityIsASelfSignedV3Ca) {
  X509* ca = ca_cert_.get();
  EXPECT_EQ(X509_get_version(ca), X509_VERSION_3);
  EXPECT_EQ(CommonName(ca), "Throughcare Test CA");
  EXPECT_EQ(X509_check_ca(ca), 1);
  EXPECT_NE(X509_get_extension_flags(ca) & EXFLAG_CA, 0u);
  EXPECT_NE(X509_get_extension_flags(ca) & EXFLAG_SS, 0u);  // self-signed
  EXPECT_NE(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN, 0u);
  EXPECT_EQ(X509_get_signature_nid(ca), NID_ecdsa_with_SHA256);
  EXPECT_NE(X509_get0_subject_key_id(ca), nullptr);

  PkeyPtr key = ParsePrivateKey(ca_.private_key_pem);
  EXPECT_THAT(ca_.private_key_pem, StartsWith("-----BEGIN PRIVATE KEY-----"));
  EXPECT_EQ(X509_check_private_key(ca, key.get()), 1);
  EXPECT_EQ(OBJ_txt2nid(GroupName(key.get()).c_str()), NID_X9_62_prime256v1);
  EXPECT_EQ(X509_verify(ca, X509_get0_pubkey(ca)), 1);
  // It verifies as its own trust anchor.
  EXPECT_EQ(VerifyChain(ca, ca, X509_PURPOSE_ANY), X509_V_OK);
}

TEST_F(PkiTest, ServerCertificateChainsToCaForServerAuth) {
  ASSERT_OK_AND_ASSIGN(IssuedCertificate server, IssueCertificate(ca_, ServerRequest()));
  X509Ptr leaf = ParseCert(server.certificate_pem);
  ASSERT_NE(leaf, nullptr);

  const int result = VerifyChain(leaf.get(), ca_cert_.get(), X509_PURPOSE_SSL_SERVER);
  EXPECT_EQ(result, X509_V_OK) << VerifyErrorString(result);
  EXPECT_EQ(X509_get_version(leaf.get()), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(leaf.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_NE(X509_get_extension_flags(leaf.get()) & EXFLAG_BCONS, 0u);  // CA:FALSE present
  EXPECT_NE(X509_get_key_usage(leaf.get()) & KU_DIGITAL_SIGNATURE, 0u);
  EXPECT_NE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER, 0u);
  EXPECT_EQ(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_CLIENT, 0u);
  EXPECT_EQ(X509_check_purpose(leaf.get(), X509_PURPOSE_SSL_SERVER, 0), 1);

  const AltNames names = GetAltNames(leaf.get());
  EXPECT_THAT(names.dns, ElementsAre("localhost"));
  EXPECT_THAT(names.ips, ElementsAre("127.0.0.1"));
  EXPECT_EQ(X509_check_host(leaf.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "example.com", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.2", 0), 0);

  // Its own fresh key, PKCS#8, matching the certificate.
  EXPECT_THAT(server.private_key_pem, StartsWith("-----BEGIN PRIVATE KEY-----"));
  EXPECT_NE(server.private_key_pem, ca_.private_key_pem);
  PkeyPtr key = ParsePrivateKey(server.private_key_pem);
  EXPECT_EQ(X509_check_private_key(leaf.get(), key.get()), 1);

  // The authority key identifier names the CA's subject key identifier.
  const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(leaf.get());
  ASSERT_NE(akid, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(akid, X509_get0_subject_key_id(ca_cert_.get())), 0);
  EXPECT_NE(X509_get0_subject_key_id(leaf.get()), nullptr);
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(leaf.get()),
                          X509_get_subject_name(ca_cert_.get())),
            0);

  // A server certificate is not good for client authentication.
  EXPECT_EQ(VerifyChain(leaf.get(), ca_cert_.get(), X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_INVALID_PURPOSE);
}

TEST_F(PkiTest, ClientCertificateChainsToCaForClientAuth) {
  ASSERT_OK_AND_ASSIGN(IssuedCertificate client, IssueCertificate(ca_, ClientRequest()));
  X509Ptr leaf = ParseCert(client.certificate_pem);
  ASSERT_NE(leaf, nullptr);

  const int result = VerifyChain(leaf.get(), ca_cert_.get(), X509_PURPOSE_SSL_CLIENT);
  EXPECT_EQ(result, X509_V_OK) << VerifyErrorString(result);
  EXPECT_EQ(CommonName(leaf.get()), "agency-a");
  EXPECT_NE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_CLIENT, 0u);
  EXPECT_EQ(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER, 0u);
  const AltNames names = GetAltNames(leaf.get());
  EXPECT_THAT(names.dns, IsEmpty());
  EXPECT_THAT(names.ips, IsEmpty());
  EXPECT_EQ(VerifyChain(leaf.get(), ca_cert_.get(), X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_INVALID_PURPOSE);
}

TEST_F(PkiTest, SupportsSeveralAndIpv6AltNames) {
  CertificateRequest request = ServerRequest();
  request.dns_names = {"localhost", "broker.test"};
  request.ip_addresses = {"127.0.0.1", "::1"};
  ASSERT_OK_AND_ASSIGN(IssuedCertificate server, IssueCertificate(ca_, request));
  X509Ptr leaf = ParseCert(server.certificate_pem);
  const AltNames names = GetAltNames(leaf.get());
  EXPECT_THAT(names.dns, ElementsAre("localhost", "broker.test"));
  EXPECT_THAT(names.ips, ElementsAre("127.0.0.1", "0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:1"));
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "::1", 0), 1);
}

TEST_F(PkiTest, SerialsAreRandomPositiveAndSixteenBytes) {
  ASSERT_OK_AND_ASSIGN(IssuedCertificate a, IssueCertificate(ca_, ClientRequest()));
  ASSERT_OK_AND_ASSIGN(IssuedCertificate b, IssueCertificate(ca_, ClientRequest()));
  X509Ptr ca = ParseCert(a.certificate_pem);
  X509Ptr cb = ParseCert(b.certificate_pem);
  const ASN1_INTEGER* sa = X509_get0_serialNumber(ca.get());
  const ASN1_INTEGER* sb = X509_get0_serialNumber(cb.get());
  EXPECT_NE(ASN1_INTEGER_cmp(sa, sb), 0);
  BignumPtr bn(ASN1_INTEGER_to_BN(sa, nullptr));
  ASSERT_NE(bn, nullptr);
  EXPECT_FALSE(BN_is_negative(bn.get()));
  EXPECT_EQ(BN_num_bytes(bn.get()), 16);
}

TEST_F(PkiTest, LeafFromAnotherCaDoesNotVerify) {
  ASSERT_OK_AND_ASSIGN(IssuedCertificate other_ca,
                       CreateCertificateAuthority("Other CA", now_ - absl::Hours(1),
                                                  now_ + absl::Hours(24)));
  ASSERT_OK_AND_ASSIGN(IssuedCertificate leaf, IssueCertificate(other_ca, ServerRequest()));
  X509Ptr cert = ParseCert(leaf.certificate_pem);
  EXPECT_EQ(VerifyChain(cert.get(), ca_cert_.get(), X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(PkiTest, ExpiredLeafDoesNotVerify) {
  CertificateRequest request = ServerRequest();
  request.not_before = now_ - absl::Hours(48);
  request.not_after = now_ - absl::Hours(24);
  ASSERT_OK_AND_ASSIGN(IssuedCertificate leaf, IssueCertificate(ca_, request));
  X509Ptr cert = ParseCert(leaf.certificate_pem);
  EXPECT_EQ(VerifyChain(cert.get(), ca_cert_.get(), X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST_F(PkiTest, RejectsBadRequests) {
  CertificateRequest bad_ip = ServerRequest();
  bad_ip.ip_addresses = {"127.0.0.256"};
  EXPECT_THAT(IssueCertificate(ca_, bad_ip),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("IP address")));

  CertificateRequest bad_dns = ServerRequest();
  bad_dns.dns_names = {"localhost,IP:10.0.0.1"};
  EXPECT_THAT(IssueCertificate(ca_, bad_dns),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("DNS name")));

  CertificateRequest no_name = ServerRequest();
  no_name.common_name = "";
  EXPECT_THAT(IssueCertificate(ca_, no_name),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("common_name")));

  CertificateRequest backwards = ServerRequest();
  backwards.not_after = backwards.not_before;
  EXPECT_THAT(IssueCertificate(ca_, backwards),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not_before")));
  EXPECT_THAT(CreateCertificateAuthority("CA", now_, now_ - absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not_before")));
}

TEST_F(PkiTest, RejectsUnusableCa) {
  IssuedCertificate garbage{"not a certificate", ca_.private_key_pem};
  EXPECT_THAT(IssueCertificate(garbage, ServerRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CA certificate")));

  ASSERT_OK_AND_ASSIGN(KeyPair stranger, GenerateP256KeyPair());
  IssuedCertificate wrong_key{ca_.certificate_pem, stranger.private_key_pem};
  EXPECT_THAT(IssueCertificate(wrong_key, ServerRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not match")));

  // A leaf cannot act as a CA.
  ASSERT_OK_AND_ASSIGN(IssuedCertificate leaf, IssueCertificate(ca_, ClientRequest()));
  EXPECT_THAT(IssueCertificate(leaf, ServerRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a CA")));
}

}  // namespace
}  // namespace throughcare::crypto
