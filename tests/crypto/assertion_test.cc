#include "services/crypto/assertion.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/crypto/pki.h"
#include "services/crypto/internal/openssl.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::crypto {
namespace {

using namespace ::throughcare::crypto::internal;  // NOLINT: OpenSSL ownership types

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;
using Json = nlohmann::json;

constexpr absl::StatusCode kUnauthenticated = absl::StatusCode::kUnauthenticated;
const absl::Time kNow = absl::FromUnixSeconds(1700000000);
constexpr absl::string_view kTestAudience = "broker-under-test";

// --- an independent JWS signer, so tests do not trust the code under test to build tokens ---


// absl's web-safe encoder emits no padding, as JWS requires.
std::string B64(const std::string& s) { return absl::WebSafeBase64Escape(s); }

std::string B64Decode(absl::string_view s) {
  std::string out;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(s, &out));
  return out;
}

std::vector<std::string> Parts(const std::string& token) {
  return absl::StrSplit(token, '.');
}

// Signs `header.payload` (both raw JSON text) with a PEM key: Ed25519 directly, P-256 as
// ECDSA/SHA-256 converted from DER to 64-byte R || S.
absl::StatusOr<std::string> SignJws(const std::string& header, const std::string& payload,
                                    const std::string& private_key_pem) {
  BioPtr bio(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  PkeyPtr pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (pkey == nullptr) return absl::InternalError("test key does not parse");
  const bool ed25519 = EVP_PKEY_is_a(pkey.get(), "ED25519");
  const std::string input = B64(header) + "." + B64(payload);

  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, ed25519 ? nullptr : EVP_sha256(), nullptr,
                         pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return absl::InternalError("test sign init failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return absl::InternalError("test sign failed");
  }
  sig.resize(len);
  if (!ed25519) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    EcdsaSigPtr ecdsa(
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
    if (ecdsa == nullptr) return absl::InternalError("test DER does not parse");
    std::string jose(64, '\0');
    unsigned char* out = reinterpret_cast<unsigned char*>(jose.data());
    BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa.get()), out, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa.get()), out + 32, 32);
    sig = std::move(jose);
  }
  return input + "." + B64(sig);
}

// A P-384 key pair: a real EC key the assertion code must refuse.
KeyPair P384KeyPair() {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  EXPECT_NE(pkey, nullptr);
  KeyPair pair;
  for (bool is_private : {true, false}) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (is_private) {
      PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
    } else {
      PEM_write_bio_PUBKEY(bio.get(), pkey.get());
    }
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    (is_private ? pair.private_key_pem : pair.public_key_pem) = std::string(data, n);
  }
  return pair;
}

Json Claims() {
  return Json{{"iss", "agency-a"},
              {"sub", "user-1"},
              {"role", "practitioner"},
              {"aud", std::string(kTestAudience)},
              {"iat", absl::ToUnixSeconds(kNow) - 10},
              {"exp", absl::ToUnixSeconds(kNow) + 300}};
}

Assertion SampleAssertion() {
  Assertion a{"agency-a", "user-1", "practitioner", kNow - absl::Seconds(10),
              kNow + absl::Seconds(300)};
  a.audience = std::string(kTestAudience);
  return a;
}

// --- tests run for both algorithms ---

struct AlgCase {
  const char* alg;
  const char* other_alg;
  absl::StatusOr<KeyPair> (*generate)();
  absl::StatusOr<KeyPair> (*generate_other_type)();
};

void PrintTo(const AlgCase& c, std::ostream* os) { *os << c.alg; }

class AssertionTest : public ::testing::TestWithParam<AlgCase> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(keys_, GetParam().generate());
    ASSERT_OK_AND_ASSIGN(verifier_,
                         AssertionVerifier::FromPublicKeyPem(keys_.public_key_pem, kTestAudience));
  }

  std::string Header(const std::string& alg) const {
    return Json{{"alg", alg}, {"typ", "JWT"}}.dump();
  }

  // A token over `claims` signed by this test's key, with header alg `alg` (default: correct).
  std::string HandSigned(const Json& claims, const std::string& alg = "") const {
    auto token = SignJws(Header(alg.empty() ? GetParam().alg : alg), claims.dump(),
                         keys_.private_key_pem);
    EXPECT_THAT(token, IsOk());
    return token.ok() ? *token : "";
  }

  KeyPair keys_;
  std::unique_ptr<AssertionVerifier> verifier_;
};

TEST_P(AssertionTest, MintVerifyRoundTrip) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintAssertion(SampleAssertion(), keys_.private_key_pem));
  ASSERT_OK_AND_ASSIGN(Assertion got, verifier_->Verify(token, kNow));
  EXPECT_EQ(got.agency_id, "agency-a");
  EXPECT_EQ(got.user_id, "user-1");
  EXPECT_EQ(got.role, "practitioner");
  EXPECT_EQ(got.issued_at, kNow - absl::Seconds(10));
  EXPECT_EQ(got.expires_at, kNow + absl::Seconds(300));
}

TEST_P(AssertionTest, MintedTokenHasJoseForm) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintAssertion(SampleAssertion(), keys_.private_key_pem));
  EXPECT_THAT(token, Not(HasSubstr("=")));
  const std::vector<std::string> parts = Parts(token);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(Json::parse(B64Decode(parts[0])), (Json{{"alg", GetParam().alg}, {"typ", "JWT"}}));
  EXPECT_EQ(Json::parse(B64Decode(parts[1])), Claims());
  EXPECT_EQ(B64Decode(parts[2]).size(), 64u);  // Ed25519, or ES256's R || S (not DER)
}

TEST_P(AssertionTest, AcceptsIndependentlySignedToken) {
  ASSERT_OK_AND_ASSIGN(Assertion got, verifier_->Verify(HandSigned(Claims()), kNow));
  EXPECT_EQ(got.user_id, "user-1");
}

TEST_P(AssertionTest, RejectsTamperedPayload) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintAssertion(SampleAssertion(), keys_.private_key_pem));
  std::vector<std::string> parts = Parts(token);
  Json claims = Claims();
  claims["role"] = "administrator";
  const std::string tampered = absl::StrCat(parts[0], ".", B64(claims.dump()), ".", parts[2]);
  EXPECT_THAT(verifier_->Verify(tampered, kNow),
              StatusIs(kUnauthenticated, AllOf(HasSubstr("signature does not verify"),
                                               Not(HasSubstr(parts[1])), Not(HasSubstr(parts[2])))));
}

TEST_P(AssertionTest, RejectsAlteredSignature) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintAssertion(SampleAssertion(), keys_.private_key_pem));
  std::vector<std::string> parts = Parts(token);
  std::string sig = B64Decode(parts[2]);
  sig[10] = static_cast<char>(sig[10] ^ 0x01);
  EXPECT_THAT(verifier_->Verify(absl::StrCat(parts[0], ".", parts[1], ".", B64(sig)), kNow),
              StatusIs(kUnauthenticated, HasSubstr("signature does not verify")));
  // Too short, too long, and empty signatures.
  for (const std::string& bad : {sig.substr(0, 63), sig + "x", std::string()}) {
    EXPECT_THAT(verifier_->Verify(absl::StrCat(parts[0], ".", parts[1], ".", B64(bad)), kNow),
                StatusIs(kUnauthenticated, HasSubstr("signature does not verify")));
  }
}

TEST_P(AssertionTest, RejectsTokenSignedByAnotherKey) {
  ASSERT_OK_AND_ASSIGN(KeyPair other, GetParam().generate());
  ASSERT_OK_AND_ASSIGN(std::string token, MintAssertion(SampleAssertion(), other.private_key_pem));
  EXPECT_THAT(verifier_->Verify(token, kNow),
              StatusIs(kUnauthenticated, HasSubstr("signature does not verify")));
}

TEST_P(AssertionTest, RejectsAlgNone) {
  const std::string unsigned_token =
      absl::StrCat(B64(Json{{"alg", "none"}, {"typ", "JWT"}}.dump()), ".", B64(Claims().dump()), ".");
  EXPECT_THAT(verifier_->Verify(unsigned_token, kNow),
              StatusIs(kUnauthenticated, HasSubstr("alg none")));
  // Even with a valid signature over the same input.
  EXPECT_THAT(verifier_->Verify(HandSigned(Claims(), "none"), kNow),
              StatusIs(kUnauthenticated, HasSubstr("alg none")));
}

TEST_P(AssertionTest, RejectsSwappedAlg) {
  // Our key's signature, but the header claims the other algorithm.
  EXPECT_THAT(verifier_->Verify(HandSigned(Claims(), GetParam().other_alg), kNow),
              StatusIs(kUnauthenticated, HasSubstr("alg does not match")));
  EXPECT_THAT(verifier_->Verify(HandSigned(Claims(), "HS256"), kNow),
              StatusIs(kUnauthenticated, HasSubstr("alg does not match")));
  // A genuine token from a key of the other type.
  ASSERT_OK_AND_ASSIGN(KeyPair other, GetParam().generate_other_type());
  ASSERT_OK_AND_ASSIGN(std::string token, MintAssertion(SampleAssertion(), other.private_key_pem));
  EXPECT_THAT(verifier_->Verify(token, kNow),
              StatusIs(kUnauthenticated, HasSubstr("alg does not match")));
}

TEST_P(AssertionTest, RejectsHeaderWithoutStringAlg) {
  for (const Json& header : {Json{{"typ", "JWT"}}, Json{{"alg", 7}}}) {
    ASSERT_OK_AND_ASSIGN(std::string token,
                         SignJws(header.dump(), Claims().dump(), keys_.private_key_pem));
    EXPECT_THAT(verifier_->Verify(token, kNow),
                StatusIs(kUnauthenticated, HasSubstr("header has no string alg")));
  }
}

TEST_P(AssertionTest, RejectsSignedNonJsonPayload) {
  for (const std::string& payload : {std::string("not json"), std::string("[1,2]"),
                                     std::string("{\"iss\":")}) {
    ASSERT_OK_AND_ASSIGN(std::string token,
                         SignJws(Header(GetParam().alg), payload, keys_.private_key_pem));
    EXPECT_THAT(verifier_->Verify(token, kNow),
                StatusIs(kUnauthenticated, HasSubstr("malformed token: payload")));
  }
}

TEST_P(AssertionTest, RejectsEachMissingClaim) {
  for (const char* claim : {"iss", "sub", "role", "iat", "exp"}) {
    Json claims = Claims();
    claims.erase(claim);
    EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow),
                StatusIs(kUnauthenticated, HasSubstr(absl::StrCat("missing claim ", claim))));
  }
}

TEST_P(AssertionTest, RejectsIllTypedClaims) {
  struct Case {
    const char* claim;
    Json value;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"iss", 5, "claim iss is not a string"},
      {"sub", nullptr, "claim sub is not a string"},
      {"role", Json::array({"practitioner"}), "claim role is not a string"},
      {"sub", "", "claim sub is empty"},
      {"iat", "1700000000", "claim iat is not an integer"},
      {"exp", 1700000300.5, "claim exp is not an integer"},
      {"exp", true, "claim exp is not an integer"},
      {"exp", Json(uint64_t{18446744073709551615u}), "claim exp is out of range"},
  };
  for (const Case& c : cases) {
    Json claims = Claims();
    claims[c.claim] = c.value;
    EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow),
                StatusIs(kUnauthenticated, HasSubstr(c.message)))
        << c.claim << "=" << c.value.dump();
  }
}

TEST_P(AssertionTest, ExpiresExactlyAtExp) {
  const std::string token = HandSigned(Claims());
  const absl::Time exp = kNow + absl::Seconds(300);
  EXPECT_THAT(verifier_->Verify(token, exp - absl::Nanoseconds(1)), IsOk());
  EXPECT_THAT(verifier_->Verify(token, exp), StatusIs(kUnauthenticated, HasSubstr("expired at")));
  EXPECT_THAT(verifier_->Verify(token, exp + absl::Hours(1)),
              StatusIs(kUnauthenticated, HasSubstr("expired at")));
}

TEST_P(AssertionTest, AllowsSixtySecondsOfClockSkewOnIat) {
  Json claims = Claims();
  claims["iat"] = absl::ToUnixSeconds(kNow) + 60;
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow), IsOk());
  claims["iat"] = absl::ToUnixSeconds(kNow) + 61;
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow),
              StatusIs(kUnauthenticated, HasSubstr("issued in the future")));
}

TEST_P(AssertionTest, RejectsATimeOrderThatCannotBe) {
  Json claims = Claims();
  claims["iat"] = absl::ToUnixSeconds(kNow) + 30;  // within the skew, but after exp
  claims["exp"] = absl::ToUnixSeconds(kNow) + 20;
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow),
              StatusIs(kUnauthenticated, HasSubstr("after it expires")));
}

TEST_P(AssertionTest, RejectsAFutureNotBefore) {
  Json claims = Claims();
  claims["nbf"] = absl::ToUnixSeconds(kNow) + 60;  // the same skew as iat
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow), IsOk());
  claims["nbf"] = absl::ToUnixSeconds(kNow) + 120;
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow),
              StatusIs(kUnauthenticated, HasSubstr("not valid before")));
  claims["nbf"] = "soon";
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow),
              StatusIs(kUnauthenticated, HasSubstr("claim nbf is not an integer")));
}

TEST_P(AssertionTest, RejectsCriticalHeaderExtensions) {
  const Json header = {{"alg", GetParam().alg}, {"typ", "JWT"}, {"crit", {"exp"}}};
  ASSERT_OK_AND_ASSIGN(std::string token,
                       SignJws(header.dump(), Claims().dump(), keys_.private_key_pem));
  EXPECT_THAT(verifier_->Verify(token, kNow),
              StatusIs(kUnauthenticated, HasSubstr("crit")));
}

TEST_P(AssertionTest, RejectsRepeatedMembers) {
  // Hand-written JSON: a second "role" must not silently win (or lose).
  std::string payload = Claims().dump();
  payload.insert(payload.size() - 1, R"(,"role":"administrator")");
  ASSERT_OK_AND_ASSIGN(std::string token,
                       SignJws(Header(GetParam().alg), payload, keys_.private_key_pem));
  EXPECT_THAT(verifier_->Verify(token, kNow),
              StatusIs(kUnauthenticated, HasSubstr("payload repeats a member")));
  const std::string header =
      absl::StrCat(R"({"alg":")", GetParam().alg, R"(","typ":"JWT","typ":"JWT"})");
  ASSERT_OK_AND_ASSIGN(token, SignJws(header, Claims().dump(), keys_.private_key_pem));
  EXPECT_THAT(verifier_->Verify(token, kNow),
              StatusIs(kUnauthenticated, HasSubstr("header repeats a member")));
}

TEST_P(AssertionTest, RequiresAnAudienceNamingThisBroker) {
  Json claims = Claims();
  claims.erase("aud");
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow),
              StatusIs(kUnauthenticated, HasSubstr("missing claim aud")));
  claims["aud"] = "another-broker";
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow),
              StatusIs(kUnauthenticated, HasSubstr("does not name this broker")));
  claims["aud"] = Json::array({"another-broker", std::string(kTestAudience)});
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow), IsOk());
  claims["aud"] = Json::array({7});
  EXPECT_THAT(verifier_->Verify(HandSigned(claims), kNow),
              StatusIs(kUnauthenticated, HasSubstr("claim aud is not")));
}

TEST_P(AssertionTest, VerifyIsSafeFromManyThreads) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintAssertion(SampleAssertion(), keys_.private_key_pem));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!verifier_->Verify(token, kNow).ok()) ++failures;
        if (verifier_->Verify(token, kNow + absl::Hours(1)).ok()) ++failures;  // expired
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_P(AssertionTest, PeekIssuerReadsUnverifiedIss) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintAssertion(SampleAssertion(), keys_.private_key_pem));
  ASSERT_OK_AND_ASSIGN(std::string issuer, PeekIssuer(token));
  EXPECT_EQ(issuer, "agency-a");
  // Peeking does not verify: a token from a stranger's key still yields its claimed issuer.
  ASSERT_OK_AND_ASSIGN(KeyPair other, GetParam().generate());
  Json claims = Claims();
  claims["iss"] = "agency-b";
  ASSERT_OK_AND_ASSIGN(std::string foreign,
                       SignJws(Header(GetParam().alg), claims.dump(), other.private_key_pem));
  EXPECT_THAT(PeekIssuer(foreign), IsOk());
  EXPECT_EQ(*PeekIssuer(foreign), "agency-b");
}

INSTANTIATE_TEST_SUITE_P(Algorithms, AssertionTest,
                         ::testing::Values(AlgCase{"EdDSA", "ES256", &GenerateEd25519KeyPair,
                                                   &GenerateP256KeyPair},
                                           AlgCase{"ES256", "EdDSA", &GenerateP256KeyPair,
                                                   &GenerateEd25519KeyPair}),
                         [](const ::testing::TestParamInfo<AlgCase>& info) {
                           return std::string(info.param.alg);
                         });

// --- algorithm-independent checks ---

TEST(AssertionMalformedTest, RejectsMalformedTokensWithoutEchoingThem) {
  ASSERT_OK_AND_ASSIGN(KeyPair keys, GenerateP256KeyPair());
  ASSERT_OK_AND_ASSIGN(auto verifier,
                       AssertionVerifier::FromPublicKeyPem(keys.public_key_pem, kTestAudience));
  const std::string header = B64(R"({"alg":"ES256","typ":"JWT"})");
  const std::string payload = B64(Claims().dump());
  const std::string sig = B64(std::string(64, 'S'));
  struct Case {
    std::string token;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"", "three dot-separated parts"},
      {"secretsecret", "three dot-separated parts"},
      {header + "." + payload, "three dot-separated parts"},
      {header + "." + payload + "." + sig + "." + sig, "three dot-separated parts"},
      {"!!!!" + header + "." + payload + "." + sig, "header is not base64url"},
      {header + "=." + payload + "." + sig, "header is not base64url"},
      {header + "." + payload + "+/." + sig, "payload is not base64url"},
      {header + "." + payload + " ." + sig, "payload is not base64url"},
      {header + "." + payload + "." + sig + "=", "signature is not base64url"},
      {B64("not json") + "." + payload + "." + sig, "header is not a JSON object"},
      {B64("[\"ES256\"]") + "." + payload + "." + sig, "header is not a JSON object"},
      {"." + payload + "." + sig, "header is not a JSON object"},
      {std::string(20000, 'A') + "." + payload + "." + sig, "too large"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(verifier->Verify(c.token, kNow),
                StatusIs(kUnauthenticated, HasSubstr(c.message)))
        << c.token.substr(0, 80);
    EXPECT_THAT(verifier->Verify(c.token, kNow),
                StatusIs(kUnauthenticated,
                         AllOf(HasSubstr("malformed"), Not(HasSubstr("secret")),
                               Not(HasSubstr(payload)))));
  }
}

TEST(AssertionMalformedTest, RejectsNonCanonicalBase64Url) {
  ASSERT_OK_AND_ASSIGN(KeyPair keys, GenerateEd25519KeyPair());
  ASSERT_OK_AND_ASSIGN(std::string token, MintAssertion(SampleAssertion(), keys.private_key_pem));
  ASSERT_OK_AND_ASSIGN(auto verifier,
                       AssertionVerifier::FromPublicKeyPem(keys.public_key_pem, kTestAudience));
  // 64 bytes encode to 86 characters whose last one carries 4 unused bits; setting one of them
  // gives a different string that a lenient decoder would map to the same signature.
  std::string sig = Parts(token)[2];
  ASSERT_EQ(sig.size(), 86u);
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const size_t v = alphabet.find(sig.back());
  ASSERT_EQ(v % 16, 0u);
  sig.back() = alphabet[v + 1];
  const std::vector<std::string> parts = Parts(token);
  EXPECT_THAT(verifier->Verify(absl::StrCat(parts[0], ".", parts[1], ".", sig), kNow),
              StatusIs(kUnauthenticated, HasSubstr("signature is not base64url")));
}

TEST(PeekIssuerTest, RejectsMalformedTokens) {
  EXPECT_THAT(PeekIssuer("nope"), StatusIs(kUnauthenticated, HasSubstr("malformed")));
  EXPECT_THAT(PeekIssuer(absl::StrCat("e30.", B64("not json"), ".")),
              StatusIs(kUnauthenticated, HasSubstr("malformed")));
  Json claims = Claims();
  claims.erase("iss");
  EXPECT_THAT(PeekIssuer(absl::StrCat("e30.", B64(claims.dump()), ".")),
              StatusIs(kUnauthenticated, HasSubstr("missing claim iss")));
}

TEST(AssertionKeyTest, FromPublicKeyPemRejectsOtherKeys) {
  EXPECT_THAT(AssertionVerifier::FromPublicKeyPem("not a pem", kTestAudience),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(AssertionVerifier::FromPublicKeyPem(P384KeyPair().public_key_pem, kTestAudience),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("P-256")));
  ASSERT_OK_AND_ASSIGN(KeyPair keys, GenerateP256KeyPair());
  EXPECT_THAT(AssertionVerifier::FromPublicKeyPem(keys.private_key_pem, kTestAudience),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AssertionKeyTest, MintRejectsBadKeysAndInvalidUtf8) {
  EXPECT_THAT(MintAssertion(SampleAssertion(), "not a pem"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MintAssertion(SampleAssertion(), P384KeyPair().private_key_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("P-256")));
  ASSERT_OK_AND_ASSIGN(KeyPair keys, GenerateEd25519KeyPair());
  EXPECT_THAT(MintAssertion(SampleAssertion(), keys.public_key_pem),
              StatusIs(absl::StatusCode::kInvalidArgument));
  Assertion nowhere = SampleAssertion();
  nowhere.audience = "";
  EXPECT_THAT(MintAssertion(nowhere, keys.private_key_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("audience")));
  EXPECT_THAT(AssertionVerifier::FromPublicKeyPem(keys.public_key_pem, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("audience")));
  Assertion bad = SampleAssertion();
  bad.role = "\xff\xfe";
  EXPECT_THAT(MintAssertion(bad, keys.private_key_pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
}

}  // namespace
}  // namespace throughcare::crypto
