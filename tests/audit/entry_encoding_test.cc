// The audit leaf input, byte for byte as entry_encoding.h documents it, and strict decoding.
#include "services/audit/entry_encoding.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::audit {
namespace {

using ::testing::HasSubstr;
using ::throughcare::testing::StatusIs;

AuditEntry Sample() {
  AuditEntry e;
  e.seq = 12;
  e.time = absl::FromUnixMicros(1764700000123456);
  e.agency_id = "cjit-east";
  e.system_id = "cjit-east-case-system";
  e.user_id = "cjit-worker-1";
  e.role = "cjit_worker";
  e.action = "message.receive";
  e.subject_id = "sub_aaaaaaaaaaaaaaaaaaaaaaaaaa";
  e.record_id = "rec_bbbbbbbbbbbbbbbbbbbbbbbbbb";
  e.record_version = 2;
  e.purpose = "direct_care";
  e.decision = AuditDecision::kAllow;
  e.reason = "rule 'drugs-direct-care'";
  e.policy_version = "v1:abc";
  e.request_id = "req_1";
  e.outcome = "OK";
  e.basis = "consent con_c v1";
  e.break_glass_reason = "";
  return e;
}

// F(x): 8-byte big-endian length, then the bytes (written out here independently of the code).
std::string F(const std::string& x) {
  std::string out(7, '\0');
  out.push_back(static_cast<char>(x.size()));  // every test field is under 256 bytes
  return out + x;
}

TEST(EntryEncodingTest, LeafInputIsTheDocumentedBytes) {
  const std::string expected =
      "throughcare.audit.v2" + F("12") + F("1764700000123456") + F("cjit-east") +
      F("cjit-east-case-system") + F("cjit-worker-1") + F("cjit_worker") + F("message.receive") +
      F("sub_aaaaaaaaaaaaaaaaaaaaaaaaaa") + F("rec_bbbbbbbbbbbbbbbbbbbbbbbbbb") + F("2") +
      F("direct_care") + F("allow") + F("rule 'drugs-direct-care'") + F("v1:abc") + F("req_1") +
      F("OK") + F("consent con_c v1") + F("");
  EXPECT_EQ(EncodeLeafInput(Sample()), expected);
}

TEST(EntryEncodingTest, DecodingGivesBackTheEntry) {
  for (AuditDecision d : {AuditDecision::kAllow, AuditDecision::kDeny, AuditDecision::kNone}) {
    AuditEntry e = Sample();
    e.decision = d;
    e.break_glass_reason = "person collapsed in reception; no consent could be asked";
    ASSERT_OK_AND_ASSIGN(AuditEntry back, DecodeLeafInput(EncodeLeafInput(e)));
    EXPECT_EQ(EncodeLeafInput(back), EncodeLeafInput(e));
    EXPECT_EQ(back.decision, d);
    EXPECT_EQ(back.time, e.time);
    EXPECT_EQ(back.break_glass_reason, e.break_glass_reason);
  }
}

TEST(EntryEncodingTest, MalformedLeafInputsNameWhatIsWrong) {
  const std::string good = EncodeLeafInput(Sample());
  EXPECT_THAT(DecodeLeafInput("throughcare.audit.v1" + good.substr(20)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("prefix")));
  EXPECT_THAT(DecodeLeafInput(good.substr(0, good.size() - 3)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DecodeLeafInput(good + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("after the last field")));
  AuditEntry e = Sample();
  e.reason = "bad \xff byte";
  EXPECT_THAT(DecodeLeafInput(EncodeLeafInput(e)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reason: not UTF-8")));
  std::string leading_zero = good;
  leading_zero.replace(20, 10, F("012"));
  EXPECT_THAT(DecodeLeafInput(leading_zero),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("seq")));
  std::string huge = good;
  huge[20] = '\x7f';  // a length far past the end
  EXPECT_THAT(DecodeLeafInput(huge), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("longer than what is left")));
}

}  // namespace
}  // namespace throughcare::audit
