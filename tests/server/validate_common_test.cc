#include "services/server/validate_common.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "tests/server/validate_testing.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::server {
namespace {

using ::throughcare::server::testing::DemoPolicy;
using ::throughcare::server::testing::FieldError;
using ::throughcare::server::testing::Id;
using ::throughcare::server::testing::NamesField;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

TEST(ValidatePurposeTest, AcceptsADeclaredPurpose) {
  EXPECT_THAT(ValidatePurpose("direct_care", DemoPolicy()), IsOk());
}

TEST(ValidatePurposeTest, RequiresOneAndListsTheDeclaredOnes) {
  EXPECT_THAT(ValidatePurpose("", DemoPolicy()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith("purpose: required: declare a purpose of use (one "
                                             "of: direct_care, offender_management,")));
  EXPECT_THAT(ValidatePurpose("curiosity", DemoPolicy()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::StartsWith("purpose: unknown purpose 'curiosity' (expected "
                                             "one of: direct_care,")));
}

TEST(ValidateOpaqueIdTest, AcceptsPrefixAndBase32) {
  EXPECT_THAT(ValidateOpaqueId(Id("con"), "con", "consent_id"), IsOk());
  EXPECT_THAT(ValidateOpaqueId("con_abcdefghijklmnopqrstuvwxyz", "con", "consent_id"), IsOk());
  EXPECT_THAT(ValidateOpaqueId("con_234567abcdefghijklmnopqrst", "con", "consent_id"), IsOk());
}

TEST(ValidateOpaqueIdTest, NamesTheFieldOfAMissingOrMalformedId) {
  const std::string malformed = "malformed id (expected 'con_' and 26 base32 characters)";
  EXPECT_THAT(ValidateOpaqueId("", "con", "consent_id"), FieldError("consent_id", "required"));
  EXPECT_THAT(ValidateOpaqueId(Id("rec"), "con", "consent_id"),
              FieldError("consent_id", malformed));
  EXPECT_THAT(ValidateOpaqueId("con_" + std::string(25, 'a'), "con", "consent_id"),
              FieldError("consent_id", malformed));
  EXPECT_THAT(ValidateOpaqueId("con-" + std::string(26, 'a'), "con", "consent_id"),
              FieldError("consent_id", malformed));
  // Upper case, 0, 1, 8 and 9 are not base32 as the broker writes it.
  for (char bad : {'A', '0', '1', '8', '9'}) {
    EXPECT_THAT(ValidateOpaqueId(Id("con", bad), "con", "consent_id"),
                FieldError("consent_id", malformed))
        << bad;
  }
}

TEST(ValidateOpaqueIdTest, SubjectAndRecordIdsHaveTheirPrefixes) {
  EXPECT_THAT(ValidateSubjectId(Id("sub"), "subject_id"), IsOk());
  EXPECT_THAT(ValidateSubjectId(Id("rec"), "subject_id"), NamesField("subject_id"));
  EXPECT_THAT(ValidateRecordId(Id("rec"), "records[0].record_id"), IsOk());
  EXPECT_THAT(ValidateRecordId(Id("sub"), "records[0].record_id"),
              FieldError("records[0].record_id",
                         "malformed id (expected 'rec_' and 26 base32 characters)"));
}

TEST(ValidateBreakGlassReasonTest, AtMost2000Characters) {
  EXPECT_THAT(ValidateBreakGlassReason(""), IsOk());
  EXPECT_THAT(ValidateBreakGlassReason(std::string(2000, 'x')), IsOk());
  EXPECT_THAT(ValidateBreakGlassReason(std::string(2001, 'x')),
              FieldError("break_glass_reason", "at most 2000 characters"));
}

TEST(FieldChecksTest, TextAndDate) {
  using validation::Date;
  using validation::Text;
  EXPECT_THAT(Text("", "note", false), IsOk());
  EXPECT_THAT(Text("", "note", true), FieldError("note", "required"));
  EXPECT_THAT(Text(std::string(4001, 'x'), "note", false),
              FieldError("note", "at most 4000 characters"));
  EXPECT_THAT(Text("abc", "note", true, 2), FieldError("note", "at most 2 characters"));

  EXPECT_THAT(Date("", "event_date", false), IsOk());
  EXPECT_THAT(Date("2026-02-28", "event_date", true), IsOk());
  EXPECT_THAT(Date("", "event_date", true), FieldError("event_date", "required"));
  for (const char* bad : {"2026-02-30", "2026-2-28", "28/02/2026", "2026-02-28T00:00:00Z"}) {
    EXPECT_THAT(Date(bad, "event_date", true),
                FieldError("event_date", "expected a date as YYYY-MM-DD"))
        << bad;
  }
}

// The range RFC 3339 (and so protobuf's JSON) can write: a consent valid from year 294247 was
// once stored, and its person's consents then failed to print.
TEST(FieldChecksTest, TimestampsFromYear1To9999WithNanosInRange) {
  using validation::TimestampField;
  google::protobuf::Timestamp t;
  const int64_t first = absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0),
                                                             absl::UTCTimeZone()));
  const int64_t last = absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59), absl::UTCTimeZone()));
  t.set_seconds(first);
  EXPECT_THAT(TimestampField(t, "valid_from"), IsOk());
  t.set_seconds(last);
  t.set_nanos(999999999);
  ASSERT_THAT(TimestampField(t, "valid_from"), IsOk());
  EXPECT_EQ(*TimestampField(t, "valid_from"),
            absl::FromUnixSeconds(last) + absl::Nanoseconds(999999999));

  const std::string range =
      "must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z (got ";
  t.set_nanos(0);
  t.set_seconds(last + 1);
  EXPECT_THAT(TimestampField(t, "valid_from"),
              FieldError("valid_from", range + std::to_string(last + 1) + " seconds since 1970)"));
  t.set_seconds(first - 1);
  EXPECT_THAT(TimestampField(t, "valid_from"), NamesField("valid_from"));
  t.set_seconds(std::numeric_limits<int64_t>::max());
  EXPECT_THAT(TimestampField(t, "until"), NamesField("until"));
  t.set_seconds(std::numeric_limits<int64_t>::min());
  EXPECT_THAT(TimestampField(t, "until"), NamesField("until"));
  t.set_seconds(0);
  t.set_nanos(-1);
  EXPECT_THAT(TimestampField(t, "from_time"),
              FieldError("from_time", "nanos must be from 0 to 999999999 (got -1)"));
  t.set_nanos(1000000000);
  EXPECT_THAT(TimestampField(t, "from_time"),
              FieldError("from_time", "nanos must be from 0 to 999999999 (got 1000000000)"));

  EXPECT_THAT(validation::OptionalTimestampField(false, t, "from_time"), IsOk());
  EXPECT_THAT(validation::OptionalTimestampField(true, t, "from_time"), NamesField("from_time"));
}

TEST(FieldChecksTest, EnumValues) {
  const google::protobuf::EnumDescriptor& kinds = *v1::IdentifierKind_descriptor();
  EXPECT_THAT(validation::EnumValue(v1::IDENTIFIER_KIND_NOMS, kinds, "kind", true), IsOk());
  EXPECT_THAT(validation::EnumValue(0, kinds, "kind", false), IsOk());
  EXPECT_THAT(validation::EnumValue(0, kinds, "kind", true), FieldError("kind", "required"));
  EXPECT_THAT(validation::EnumValue(99, kinds, "kind", false),
              FieldError("kind", "unknown value 99 (expected one of: IDENTIFIER_KIND_PNC, "
                                 "IDENTIFIER_KIND_NOMS, IDENTIFIER_KIND_CRN, "
                                 "IDENTIFIER_KIND_NHS_NUMBER, "
                                 "IDENTIFIER_KIND_LOCAL_AUTHORITY_REF)"));
  EXPECT_THAT(validation::EnumValue(-1, kinds, "kind", true), NamesField("kind"));
}

TEST(FieldChecksTest, CountsAndAgencies) {
  EXPECT_THAT(validation::MaxCount(16, 16, "records"), IsOk());
  EXPECT_THAT(validation::MaxCount(17, 16, "records"),
              FieldError("records", "at most 16 (got 17)"));
  const AgencyKindLookup agencies = [](const std::string& id) -> absl::StatusOr<std::string> {
    if (id == "cjit-east") return std::string("cjit");
    return absl::NotFoundError(id);
  };
  EXPECT_THAT(validation::KnownAgency("cjit-east", "recipient_agencies[0]", agencies), IsOk());
  EXPECT_THAT(validation::KnownAgency("", "recipient_agencies[0]", agencies),
              FieldError("recipient_agencies[0]", "required"));
  EXPECT_THAT(validation::KnownAgency("cjit-west", "recipient_agencies[0]", agencies),
              FieldError("recipient_agencies[0]",
                         "unknown agency 'cjit-west': none of that id is registered "
                         "with the broker"));
  EXPECT_THAT(validation::KnownAgency(std::string(65, 'a'), "recipient_agencies[0]", agencies),
              FieldError("recipient_agencies[0]", "at most 64 characters"));
}

TEST(FieldChecksTest, DeclaredIds) {
  google::protobuf::RepeatedPtrField<std::string> ids;
  EXPECT_THAT(validation::DeclaredIds(ids, "purposes", "purpose", {"a", "b"}, false), IsOk());
  EXPECT_THAT(validation::DeclaredIds(ids, "purposes", "purpose", {"a", "b"}, true),
              FieldError("purposes", "at least one is required"));
  *ids.Add() = "b";
  *ids.Add() = "c";
  EXPECT_THAT(validation::DeclaredIds(ids, "purposes", "purpose", {"a", "b"}, true),
              FieldError("purposes[1]", "unknown purpose 'c' (expected one of: a, b)"));
  ids[1] = "b";
  EXPECT_THAT(validation::DeclaredIds(ids, "purposes", "purpose", {"a", "b"}, true),
              FieldError("purposes[1]", "given twice"));
}

TEST(FieldChecksTest, Duration) {
  google::protobuf::Duration d;
  auto check = [&](bool has) {
    return validation::ValidateDuration(has, d, absl::Seconds(1), absl::Hours(1),
                                        absl::Seconds(60), "lease");
  };
  EXPECT_EQ(*check(false), absl::Seconds(60));
  d.set_seconds(90);
  EXPECT_EQ(*check(true), absl::Seconds(90));
  d.set_seconds(0);
  EXPECT_THAT(check(true), FieldError("lease", "must be from 1s to 1h (got 0)"));
  d.set_seconds(3601);
  EXPECT_THAT(check(true), FieldError("lease", "must be from 1s to 1h (got 1h1s)"));
  d.set_seconds(-1);
  EXPECT_THAT(check(true), FieldError("lease", "must be a non-negative duration"));
  d.set_seconds(1);
  d.set_nanos(1000000000);
  EXPECT_THAT(check(true), FieldError("lease", "must be a non-negative duration"));
}

TEST(FieldChecksTest, IdempotencyKey) {
  EXPECT_THAT(validation::ValidateIdempotencyKey("cli_abc.1:2-3", "message"), IsOk());
  EXPECT_THAT(validation::ValidateIdempotencyKey(std::string(128, 'k'), "message"), IsOk());
  EXPECT_THAT(validation::ValidateIdempotencyKey("", "referral"),
              FieldError("idempotency_key", "required: a key unique to this referral, so that "
                                            "a retry is not carried out twice"));
  for (const std::string& bad : {std::string(129, 'k'), std::string("a b"), std::string("a/b")}) {
    EXPECT_THAT(validation::ValidateIdempotencyKey(bad, "message"),
                FieldError("idempotency_key", "must be 1-128 of [A-Za-z0-9._:-]"))
        << bad;
  }
}

TEST(FieldChecksTest, Pages) {
  v1::PageRequest page;
  EXPECT_EQ(*validation::ValidatePageSize(page), 100);
  EXPECT_EQ(*validation::ValidateSeqPageToken(page), 0);
  page.set_page_size(1000);
  page.set_page_token("42");
  EXPECT_EQ(*validation::ValidatePageSize(page), 1000);
  EXPECT_EQ(*validation::ValidateSeqPageToken(page), 42);
  page.set_page_size(1001);
  EXPECT_THAT(validation::ValidatePageSize(page),
              FieldError("page.page_size", "must be between 0 and 1000"));
  page.set_page_size(-1);
  EXPECT_THAT(validation::ValidatePageSize(page),
              FieldError("page.page_size", "must be between 0 and 1000"));
  for (const char* bad : {"-1", "x", "1.5", "000000000000000000042"}) {
    page.set_page_token(bad);
    EXPECT_THAT(validation::ValidateSeqPageToken(page),
                FieldError("page.page_token", "not a token returned by this call"))
        << bad;
  }
}

}  // namespace
}  // namespace throughcare::server
