#include "services/crypto/assertion.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/crypto/internal/openssl.h"
#include "throughcare/status_macros.h"

namespace throughcare::crypto {
namespace {

using namespace internal;  // NOLINT: the module's own helpers

using Json = nlohmann::json;

// Tokens larger than this are rejected before any decoding work.
constexpr size_t kMaxTokenSize = 16 * 1024;
constexpr absl::Duration kMaxClockSkew = absl::Seconds(60);
// Both algorithms produce 64-byte signatures: Ed25519 natively, ES256 as 32-byte R || 32-byte S.
constexpr size_t kSignatureSize = 64;
constexpr size_t kP256ScalarSize = 32;

enum class KeyType { kEd25519, kP256 };

const char* AlgFor(KeyType type) { return type == KeyType::kEd25519 ? "EdDSA" : "ES256"; }

absl::Status Unauthenticated(absl::string_view what) {
  return absl::UnauthenticatedError(absl::StrCat("assertion rejected: ", what));
}

// --- base64url without padding (RFC 7515 section 2) ---

constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(absl::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                       (uint32_t{static_cast<unsigned char>(in[i + 1])} << 8) |
                       uint32_t{static_cast<unsigned char>(in[i + 2])};
    out.push_back(kBase64UrlAlphabet[(v >> 18) & 63]);
    out.push_back(kBase64UrlAlphabet[(v >> 12) & 63]);
    out.push_back(kBase64UrlAlphabet[(v >> 6) & 63]);
    out.push_back(kBase64UrlAlphabet[v & 63]);
  }
  const size_t rest = in.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t{static_cast<unsigned char>(in[i])} << 16;
    out.push_back(kBase64UrlAlphabet[(v >> 18) & 63]);
    out.push_back(kBase64UrlAlphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    const uint32_t v = (uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                       (uint32_t{static_cast<unsigned char>(in[i + 1])} << 8);
    out.push_back(kBase64UrlAlphabet[(v >> 18) & 63]);
    out.push_back(kBase64UrlAlphabet[(v >> 12) & 63]);
    out.push_back(kBase64UrlAlphabet[(v >> 6) & 63]);
  }
  return out;
}

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict: rejects padding, whitespace, the standard alphabet's '+' and '/', impossible lengths
// and non-zero unused trailing bits, so every value has exactly one accepted encoding.
bool Base64UrlDecode(absl::string_view in, std::string* out) {
  if (in.size() % 4 == 1) return false;
  out->clear();
  out->reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = Base64UrlValue(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return (acc & ((uint32_t{1} << bits) - 1)) == 0;
}

// --- keys ---

// Accepts only what the header promises: Ed25519, or EC on the P-256 curve.
absl::StatusOr<KeyType> ClassifyKey(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "ED25519")) return KeyType::kEd25519;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64];
    size_t group_len = 0;
    if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) == 1 &&
        OBJ_txt2nid(group) == NID_X9_62_prime256v1) {
      return KeyType::kP256;
    }
    ERR_clear_error();
    return absl::InvalidArgumentError("EC key is not on the P-256 curve");
  }
  return absl::InvalidArgumentError("key is neither Ed25519 nor P-256");
}

absl::StatusOr<PkeyPtr> ParsePrivateKey(absl::string_view pem) {
  ASSIGN_OR_RETURN(BioPtr bio, MemBioOf(pem));
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(OpenSslError("cannot parse PEM private key"));
  }
  return pkey;
}

absl::StatusOr<PkeyPtr> ParsePublicKey(absl::string_view pem) {
  ASSIGN_OR_RETURN(BioPtr bio, MemBioOf(pem));
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassword, nullptr));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(OpenSslError("cannot parse PEM public key"));
  }
  return pkey;
}

// --- signatures ---

// ES256 on the wire is R || S, each a 32-byte big-endian integer; OpenSSL speaks DER.
absl::StatusOr<std::string> DerToJose(absl::string_view der) {
  const unsigned char* p = Bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr) return absl::InternalError(OpenSslError("cannot parse ECDSA signature"));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(kSignatureSize, '\0');
  unsigned char* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, kP256ScalarSize) != static_cast<int>(kP256ScalarSize) ||
      BN_bn2binpad(s, o + kP256ScalarSize, kP256ScalarSize) != static_cast<int>(kP256ScalarSize)) {
    return absl::InternalError("ECDSA signature component does not fit 32 bytes");
  }
  return out;
}

// Returns an empty string if `jose` cannot be a P-256 signature (the caller reports it as a
// signature failure).
std::string JoseToDer(absl::string_view jose) {
  if (jose.size() != kSignatureSize) return "";
  BignumPtr r(BN_bin2bn(Bytes(jose), kP256ScalarSize, nullptr));
  BignumPtr s(BN_bin2bn(Bytes(jose) + kP256ScalarSize, kP256ScalarSize, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr) return "";
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return "";
  // ECDSA_SIG_set0 took ownership of both.
  r.release();
  s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return "";
  std::string der(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return "";
  return der;
}

// Ed25519 signs the message itself (no pre-hash); ES256 hashes with SHA-256.
const EVP_MD* DigestFor(KeyType type) { return type == KeyType::kEd25519 ? nullptr : EVP_sha256(); }

absl::StatusOr<std::string> Sign(EVP_PKEY* pkey, KeyType type, absl::string_view message) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return absl::InternalError(OpenSslError("EVP_MD_CTX_new failed"));
  if (EVP_DigestSignInit(ctx.get(), nullptr, DigestFor(type), nullptr, pkey) != 1) {
    return absl::InternalError(OpenSslError("EVP_DigestSignInit failed"));
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, Bytes(message), message.size()) != 1) {
    return absl::InternalError(OpenSslError("EVP_DigestSign (size) failed"));
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     Bytes(message), message.size()) != 1) {
    return absl::InternalError(OpenSslError("EVP_DigestSign failed"));
  }
  sig.resize(len);
  if (type == KeyType::kP256) return DerToJose(sig);
  return sig;
}

bool VerifySignature(EVP_PKEY* pkey, KeyType type, absl::string_view message,
                     absl::string_view signature) {
  if (signature.size() != kSignatureSize) return false;
  std::string der;
  if (type == KeyType::kP256) {
    der = JoseToDer(signature);
    if (der.empty()) {
      ERR_clear_error();
      return false;
    }
    signature = der;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx != nullptr &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, DigestFor(type), nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message),
                       message.size()) == 1;
  ERR_clear_error();
  return ok;
}

// --- token form ---

struct DecodedToken {
  absl::string_view signing_input;  // "header.payload" exactly as received
  std::string header;
  std::string payload;
  std::string signature;
};

absl::StatusOr<DecodedToken> Decode(absl::string_view token) {
  if (token.size() > kMaxTokenSize) return Unauthenticated("malformed token: too large");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Unauthenticated("malformed token: expected three dot-separated parts");
  }
  DecodedToken decoded;
  decoded.signing_input = token.substr(0, parts[0].size() + 1 + parts[1].size());
  if (!Base64UrlDecode(parts[0], &decoded.header)) {
    return Unauthenticated("malformed token: header is not base64url");
  }
  if (!Base64UrlDecode(parts[1], &decoded.payload)) {
    return Unauthenticated("malformed token: payload is not base64url");
  }
  if (!Base64UrlDecode(parts[2], &decoded.signature)) {
    return Unauthenticated("malformed token: signature is not base64url");
  }
  return decoded;
}

// Strict: besides being a JSON object, no object in it may repeat a member. A lenient parser
// keeps one of the repeats, and a verifier and another reader of the same token could then
// disagree about who it names.
absl::StatusOr<Json> ParseObject(absl::string_view text, absl::string_view part) {
  std::vector<std::set<std::string>> open;  // the members of each enclosing object
  bool repeated = false;
  const Json::parser_callback_t track = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !open.empty()) {
      open.pop_back();
    } else if (event == Json::parse_event_t::key && !open.empty() && parsed.is_string()) {
      repeated = repeated || !open.back().insert(parsed.get<std::string>()).second;
    }
    return true;
  };
  Json json = Json::parse(text.begin(), text.end(), track, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Unauthenticated(absl::StrCat("malformed token: ", part, " is not a JSON object"));
  }
  if (repeated) {
    return Unauthenticated(absl::StrCat("malformed token: ", part, " repeats a member"));
  }
  return json;
}

absl::StatusOr<std::string> StringClaim(const Json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return Unauthenticated(absl::StrCat("missing claim ", name));
  if (!it->is_string()) return Unauthenticated(absl::StrCat("claim ", name, " is not a string"));
  const std::string& value = it->get_ref<const std::string&>();
  if (value.empty()) return Unauthenticated(absl::StrCat("claim ", name, " is empty"));
  return value;
}

absl::StatusOr<absl::Time> TimeClaim(const Json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end()) return Unauthenticated(absl::StrCat("missing claim ", name));
  if (it->is_number_unsigned()) {
    const uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Unauthenticated(absl::StrCat("claim ", name, " is out of range"));
    }
    return absl::FromUnixSeconds(static_cast<int64_t>(v));
  }
  if (it->is_number_integer()) return absl::FromUnixSeconds(it->get<int64_t>());
  return Unauthenticated(absl::StrCat("claim ", name, " is not an integer"));
}

// "aud" (RFC 7519 section 4.1.3): a string, or an array of strings, that must name `audience`.
absl::Status CheckAudience(const Json& claims, absl::string_view audience) {
  const auto it = claims.find("aud");
  if (it == claims.end()) return Unauthenticated("missing claim aud");
  bool named = false;
  if (it->is_string()) {
    named = it->get_ref<const std::string&>() == audience;
  } else if (it->is_array() && !it->empty()) {
    for (const Json& a : *it) {
      if (!a.is_string()) return Unauthenticated("claim aud is not a string or list of strings");
      named = named || a.get_ref<const std::string&>() == audience;
    }
  } else {
    return Unauthenticated("claim aud is not a string or list of strings");
  }
  if (!named) {
    return Unauthenticated(absl::StrCat("audience (aud) does not name this broker ('", audience,
                                        "'); mint the assertion for this broker's id"));
  }
  return absl::OkStatus();
}

// The times: not expired, not issued or valid only in the future, and not issued after expiry.
absl::Status CheckTimes(const Json& claims, const Assertion& a, absl::Time now) {
  const auto text = [](absl::Time t) {
    return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
  };
  if (a.issued_at > a.expires_at) {
    return Unauthenticated(absl::StrCat("issued at ", text(a.issued_at), ", after it expires at ",
                                        text(a.expires_at)));
  }
  if (now >= a.expires_at) return Unauthenticated(absl::StrCat("expired at ", text(a.expires_at)));
  if (a.issued_at > now + kMaxClockSkew) {
    return Unauthenticated(absl::StrCat("issued in the future at ", text(a.issued_at)));
  }
  if (claims.contains("nbf")) {
    ASSIGN_OR_RETURN(absl::Time not_before, TimeClaim(claims, "nbf"));
    if (not_before > now + kMaxClockSkew) {
      return Unauthenticated(absl::StrCat("not valid before ", text(not_before)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

struct AssertionVerifier::Key {
  PkeyPtr pkey;
  KeyType type;
};

absl::StatusOr<std::string> MintAssertion(const Assertion& assertion,
                                          absl::string_view private_key_pem) {
  ASSIGN_OR_RETURN(PkeyPtr pkey, ParsePrivateKey(private_key_pem));
  ASSIGN_OR_RETURN(KeyType type, ClassifyKey(pkey.get()));
  if (assertion.audience.empty()) {
    return absl::InvalidArgumentError("assertion audience is empty: name the broker's id");
  }

  const Json header = {{"alg", AlgFor(type)}, {"typ", "JWT"}};
  const Json claims = {
      {"iss", assertion.agency_id},
      {"sub", assertion.user_id},
      {"role", assertion.role},
      {"aud", assertion.audience},
      {"iat", absl::ToUnixSeconds(assertion.issued_at)},
      {"exp", absl::ToUnixSeconds(assertion.expires_at)},
  };
  // dump() would throw on invalid UTF-8; `replace` keeps it exception-free, and the check below
  // refuses to sign anything other than what the caller passed.
  const std::string payload_json =
      claims.dump(-1, ' ', false, Json::error_handler_t::replace);
  const Json round_trip = Json::parse(payload_json, nullptr, false);
  if (round_trip.is_discarded() || round_trip != claims) {
    return absl::InvalidArgumentError("assertion claims must be valid UTF-8");
  }

  std::string token = absl::StrCat(Base64UrlEncode(header.dump()), ".",
                                    Base64UrlEncode(payload_json));
  ASSIGN_OR_RETURN(std::string signature, Sign(pkey.get(), type, token));
  absl::StrAppend(&token, ".", Base64UrlEncode(signature));
  return token;
}

AssertionVerifier::AssertionVerifier(std::unique_ptr<Key> key, std::string audience)
    : key_(std::move(key)), audience_(std::move(audience)) {}
AssertionVerifier::~AssertionVerifier() = default;

absl::StatusOr<std::unique_ptr<AssertionVerifier>> AssertionVerifier::FromPublicKeyPem(
    absl::string_view public_key_pem, absl::string_view audience) {
  if (audience.empty()) return absl::InvalidArgumentError("the verifier's audience is empty");
  ASSIGN_OR_RETURN(PkeyPtr pkey, ParsePublicKey(public_key_pem));
  ASSIGN_OR_RETURN(KeyType type, ClassifyKey(pkey.get()));
  auto key = std::make_unique<Key>(Key{std::move(pkey), type});
  return std::unique_ptr<AssertionVerifier>(
      new AssertionVerifier(std::move(key), std::string(audience)));
}

absl::StatusOr<Assertion> AssertionVerifier::Verify(absl::string_view token,
                                                    absl::Time now) const {
  ASSIGN_OR_RETURN(DecodedToken decoded, Decode(token));
  ASSIGN_OR_RETURN(Json header, ParseObject(decoded.header, "header"));

  // The key, not the token, decides the algorithm: this is what defeats "alg":"none" and
  // algorithm-substitution attacks.
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) {
    return Unauthenticated("malformed token: header has no string alg");
  }
  const std::string& alg_name = alg->get_ref<const std::string&>();
  if (alg_name == "none") return Unauthenticated("alg none is not accepted");
  if (alg_name != AlgFor(key_->type)) {
    return Unauthenticated(
        absl::StrCat("alg does not match the verifier's key (expected ", AlgFor(key_->type), ")"));
  }
  // A critical extension must be understood or the token refused; the broker understands none.
  if (header.contains("crit")) {
    return Unauthenticated("header crit names extensions this broker does not understand");
  }
  if (!VerifySignature(key_->pkey.get(), key_->type, decoded.signing_input, decoded.signature)) {
    return Unauthenticated("signature does not verify");
  }

  ASSIGN_OR_RETURN(Json claims, ParseObject(decoded.payload, "payload"));
  Assertion assertion;
  ASSIGN_OR_RETURN(assertion.agency_id, StringClaim(claims, "iss"));
  ASSIGN_OR_RETURN(assertion.user_id, StringClaim(claims, "sub"));
  ASSIGN_OR_RETURN(assertion.role, StringClaim(claims, "role"));
  ASSIGN_OR_RETURN(assertion.issued_at, TimeClaim(claims, "iat"));
  ASSIGN_OR_RETURN(assertion.expires_at, TimeClaim(claims, "exp"));
  RETURN_IF_ERROR(CheckAudience(claims, audience_));
  assertion.audience = audience_;
  RETURN_IF_ERROR(CheckTimes(claims, assertion, now));
  return assertion;
}

absl::StatusOr<std::string> PeekIssuer(absl::string_view token) {
  ASSIGN_OR_RETURN(DecodedToken decoded, Decode(token));
  ASSIGN_OR_RETURN(Json claims, ParseObject(decoded.payload, "payload"));
  return StringClaim(claims, "iss");
}

absl::StatusOr<ClaimedPractitioner> PeekPractitioner(absl::string_view token) {
  ASSIGN_OR_RETURN(DecodedToken decoded, Decode(token));
  ASSIGN_OR_RETURN(Json claims, ParseObject(decoded.payload, "payload"));
  ClaimedPractitioner claimed;
  claimed.user_id = StringClaim(claims, "sub").value_or("");
  claimed.role = StringClaim(claims, "role").value_or("");
  return claimed;
}

}  // namespace throughcare::crypto
