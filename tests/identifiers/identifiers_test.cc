#include "services/identifiers/identifiers.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::subjects {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

constexpr char kField[] = "identifier.value";

absl::StatusOr<std::string> Normalize(IdentifierKind kind, absl::string_view raw) {
  return NormalizeIdentifier(kind, raw, kField);
}

// The value, or the error as text so that a failed comparison shows it.
std::string Value(const absl::StatusOr<std::string>& result) {
  return result.ok() ? *result : "error: " + result.status().ToString();
}

// An InvalidArgument error that starts with the field name and quotes the expected format.
::testing::Matcher<absl::StatusOr<std::string>> InvalidWith(absl::string_view problem,
                                                            absl::string_view format) {
  return StatusIs(absl::StatusCode::kInvalidArgument,
                  AllOf(StartsWith(std::string(kField) + ": "), HasSubstr(std::string(problem)),
                        HasSubstr("(expected " + std::string(format))));
}

TEST(IdentifierKindNameTest, NamesEveryKind) {
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kPnc), "pnc");
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kNoms), "noms");
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kCrn), "crn");
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kNhsNumber), "nhs_number");
  EXPECT_EQ(IdentifierKindName(IdentifierKind::kLocalAuthorityRef), "la_reference");
  EXPECT_EQ(IdentifierKindName(static_cast<IdentifierKind>(99)), "unknown");
}

// ---------------------------------------------------------------------------------------------
// PNC: check letter = "ZABCDEFGHJKLMNPQRTUVWXY"[(YY * 10^7 + serial) mod 23], letters indexed
// from 0 (Z=0 A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 J=9 K=10 L=11 M=12 N=13 P=14 Q=15 R=16 T=17
// U=18 V=19 W=20 X=21 Y=22).
//
//   20/1234567: 201234567 = 23 * 8749329 + 0   -> Z
//   12/1234567: 121234567 = 23 * 5271068 + 3   -> C
//   99/1:       990000001 = 23 * 43043478 + 7  -> G
//   12/1:       120000001 = 23 * 5217391 + 8   -> H
//   05/1234:     50001234 = 23 * 2173966 + 16  -> R
//   00/0:               0 = 0                  -> Z
constexpr absl::string_view kPncFormat = "YY/NNNNNNNC";

TEST(PncTest, AcceptsValidCheckLetters) {
  EXPECT_EQ(Value(Normalize(IdentifierKind::kPnc, "20/1234567Z")), "20/1234567Z");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kPnc, "12/1234567C")), "12/1234567C");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kPnc, "00/0000000Z")), "00/0000000Z");
}

TEST(PncTest, ZeroPadsTheSerialUpperCasesAndTrims) {
  ASSERT_OK_AND_ASSIGN(std::string a, Normalize(IdentifierKind::kPnc, "99/1G"));
  EXPECT_EQ(a, "99/0000001G");
  ASSERT_OK_AND_ASSIGN(std::string b, Normalize(IdentifierKind::kPnc, "  12/1h\t"));
  EXPECT_EQ(b, "12/0000001H");
  ASSERT_OK_AND_ASSIGN(std::string c, Normalize(IdentifierKind::kPnc, "05/1234r"));
  EXPECT_EQ(c, "05/0001234R");
  // Leading zeros in the serial do not change the number.
  ASSERT_OK_AND_ASSIGN(std::string d, Normalize(IdentifierKind::kPnc, "05/001234R"));
  EXPECT_EQ(d, "05/0001234R");
}

TEST(PncTest, RejectsWrongCheckLetter) {
  // 12/1234567 needs C (the example in include/throughcare/subject.h, ...Z, is not valid).
  EXPECT_THAT(Normalize(IdentifierKind::kPnc, "12/1234567Z"),
              InvalidWith("PNC check letter does not match", kPncFormat));
  // One mistyped serial digit: 20/1234568 -> 201234568 mod 23 = 1 -> A, not Z.
  EXPECT_THAT(Normalize(IdentifierKind::kPnc, "20/1234568Z"),
              InvalidWith("PNC check letter does not match", kPncFormat));
}

TEST(PncTest, RejectsMalformedValues) {
  const char* const malformed[] = {
      "201234567Z",     // no slash
      "2020/1234567Z",  // 4-digit year
      "2/1234567Z",     // 1-digit year
      "2a/1234567Z",    // non-digit year
      "20/Z",           // no serial
      "20/12345678Z",   // 8-digit serial
      "20/1234567",     // no check letter (7 is taken as the letter)
      "20/12 34567Z",   // space inside
      "20/1234567ZZ",   // two letters
      "20/-1234567Z",   // sign
      "20/1234567/Z",
  };
  for (const char* value : malformed) {
    EXPECT_THAT(Normalize(IdentifierKind::kPnc, value), InvalidWith("PNC", kPncFormat)) << value;
  }
}

// ---------------------------------------------------------------------------------------------
// NOMS: letter, four digits, two letters.
constexpr absl::string_view kNomsFormat = "one letter, four digits, two letters";

TEST(NomsTest, AcceptsAndUpperCases) {
  EXPECT_EQ(Value(Normalize(IdentifierKind::kNoms, "A1234BC")), "A1234BC");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kNoms, " a1234bc\n")), "A1234BC");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kNoms, "Z0000zz")), "Z0000ZZ");
}

TEST(NomsTest, RejectsMalformedValues) {
  for (const char* value :
       {"A1234B", "A12345BC", "11234BC", "A123ABC", "A1234B1", "A 1234BC", "A1234-BC", "AB1234C"}) {
    EXPECT_THAT(Normalize(IdentifierKind::kNoms, value),
                InvalidWith("malformed NOMS number", kNomsFormat))
        << value;
  }
}

// ---------------------------------------------------------------------------------------------
// CRN: letter and six digits.
constexpr absl::string_view kCrnFormat = "one letter and six digits";

TEST(CrnTest, AcceptsAndUpperCases) {
  EXPECT_EQ(Value(Normalize(IdentifierKind::kCrn, "X123456")), "X123456");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kCrn, "  x000001 ")), "X000001");
}

TEST(CrnTest, RejectsMalformedValues) {
  for (const char* value : {"X12345", "X1234567", "1234567", "XX12345", "X12345A", "X 123456"}) {
    EXPECT_THAT(Normalize(IdentifierKind::kCrn, value), InvalidWith("malformed CRN", kCrnFormat))
        << value;
  }
}

// ---------------------------------------------------------------------------------------------
// NHS numbers: weights 10..2 over the first nine digits, check = 11 - (sum mod 11), 11 -> 0,
// 10 -> no valid number. Synthetic numbers from the 999 range, reserved for testing:
//
//   999 000 001x: 9*10 + 9*9 + 9*8 + 0*7 + 0*6 + 0*5 + 0*4 + 0*3 + 1*2 = 90+81+72+2 = 245
//                 245 mod 11 = 3 (242 = 22*11), 11 - 3 = 8            -> 999 000 0018
//   999 000 005x: 90+81+72 + 5*2 = 253 = 23*11, mod 11 = 0, 11 -> 0   -> 999 000 0050
//   999 000 000x: 90+81+72 = 243, mod 11 = 1 (242), 11 - 1 = 10       -> no valid number
//   943 476 591x: the NHS's published example, 299 mod 11 = 2, 11-2 = 9 -> 943 476 5919
constexpr absl::string_view kNhsFormat = "10 digits with a valid modulus-11 check digit";

TEST(NhsNumberTest, AcceptsValidCheckDigits) {
  EXPECT_EQ(Value(Normalize(IdentifierKind::kNhsNumber, "9990000018")), "9990000018");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kNhsNumber, "9990000050")), "9990000050");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kNhsNumber, "9434765919")), "9434765919");
}

TEST(NhsNumberTest, RemovesSpacesAndHyphens) {
  EXPECT_EQ(Value(Normalize(IdentifierKind::kNhsNumber, "999 000 0018")), "9990000018");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kNhsNumber, "999-000-0018")), "9990000018");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kNhsNumber, "\t 999 000-0050 \n")), "9990000050");
}

TEST(NhsNumberTest, RejectsWrongCheckDigit) {
  EXPECT_THAT(Normalize(IdentifierKind::kNhsNumber, "9990000017"),
              InvalidWith("NHS number check digit does not match", kNhsFormat));
  EXPECT_THAT(Normalize(IdentifierKind::kNhsNumber, "999 000 0051"),
              InvalidWith("NHS number check digit does not match", kNhsFormat));
  // Two adjacent digits swapped: 9990000108 -> weights give 90+81+72+0+0+0+0+1*3+0 = 246,
  // mod 11 = 4, check 7, not 8.
  EXPECT_THAT(Normalize(IdentifierKind::kNhsNumber, "9990000108"),
              InvalidWith("NHS number check digit does not match", kNhsFormat));
}

TEST(NhsNumberTest, RejectsNumbersWhoseCheckWouldBeTen) {
  for (int last = 0; last <= 9; ++last) {
    const std::string value = "999000000" + std::to_string(last);
    EXPECT_THAT(Normalize(IdentifierKind::kNhsNumber, value),
                InvalidWith("not a valid NHS number", kNhsFormat))
        << value;
  }
}

TEST(NhsNumberTest, RejectsWrongLengthAndCharacters) {
  EXPECT_THAT(Normalize(IdentifierKind::kNhsNumber, "999000001"),
              InvalidWith("NHS number must have 10 digits", kNhsFormat));
  EXPECT_THAT(Normalize(IdentifierKind::kNhsNumber, "99900000188"),
              InvalidWith("NHS number must have 10 digits", kNhsFormat));
  EXPECT_THAT(Normalize(IdentifierKind::kNhsNumber, "999.000.0018"),
              InvalidWith("only digits, spaces and hyphens", kNhsFormat));
  EXPECT_THAT(Normalize(IdentifierKind::kNhsNumber, "999 000 001B"),
              InvalidWith("only digits, spaces and hyphens", kNhsFormat));
  EXPECT_THAT(Normalize(IdentifierKind::kNhsNumber, " - - "),
              InvalidWith("NHS number must have 10 digits", kNhsFormat));
}

// ---------------------------------------------------------------------------------------------
// Local authority references: "<GSS code>/<reference>".
constexpr absl::string_view kLaFormat = "<GSS code>/<reference>";

TEST(LaReferenceTest, UpperCasesTheWholeReference) {
  EXPECT_EQ(Value(Normalize(IdentifierKind::kLocalAuthorityRef, "E06000018/HX-1234")),
            "E06000018/HX-1234");
  EXPECT_EQ(Value(Normalize(IdentifierKind::kLocalAuthorityRef, " w06000015/abc-Def9 ")),
            "W06000015/ABC-DEF9");
  EXPECT_EQ(
      Value(Normalize(IdentifierKind::kLocalAuthorityRef, "S12000036/" + std::string(32, 'a'))),
      "S12000036/" + std::string(32, 'A'));
  EXPECT_EQ(Value(Normalize(IdentifierKind::kLocalAuthorityRef, "N09000003/1")), "N09000003/1");
}

TEST(LaReferenceTest, RejectsMalformedValues) {
  const struct {
    std::string value;
    const char* problem;
  } cases[] = {
      {"E06000018", "has no '/'"},
      {"X06000018/ABC", "must start with the authority's GSS code"},
      {"E0600001/ABC", "must start with the authority's GSS code"},
      {"E060000180/ABC", "must start with the authority's GSS code"},
      {"/ABC", "must start with the authority's GSS code"},
      {"E06000018/", "1-32 characters after the '/'"},
      {"E06000018/" + std::string(33, 'a'), "1-32 characters after the '/'"},
      {"E06000018/AB CD", "a character other than"},
      {"E06000018/AB/CD", "a character other than"},
      {"E06000018/AB_CD", "a character other than"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(Normalize(IdentifierKind::kLocalAuthorityRef, c.value),
                InvalidWith(c.problem, kLaFormat))
        << c.value;
  }
}

// ---------------------------------------------------------------------------------------------
// Empty values and unknown kinds.

TEST(NormalizeIdentifierTest, EmptyValueIsAnErrorForEveryKind) {
  const struct {
    IdentifierKind kind;
    const char* format;
  } kinds[] = {
      {IdentifierKind::kPnc, "YY/NNNNNNNC"},
      {IdentifierKind::kNoms, "one letter, four digits"},
      {IdentifierKind::kCrn, "one letter and six digits"},
      {IdentifierKind::kNhsNumber, "10 digits"},
      {IdentifierKind::kLocalAuthorityRef, "<GSS code>/<reference>"},
  };
  for (const auto& k : kinds) {
    EXPECT_THAT(Normalize(k.kind, ""), InvalidWith("is empty", k.format));
    EXPECT_THAT(Normalize(k.kind, " \t\n"), InvalidWith("is empty", k.format));
  }
}

TEST(NormalizeIdentifierTest, UsesTheCallersFieldName) {
  EXPECT_THAT(NormalizeIdentifier(IdentifierKind::kNoms, "bad", "subject.identifiers[2].value"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("subject.identifiers[2].value: malformed NOMS number")));
}

TEST(NormalizeIdentifierTest, UnknownKindIsInvalidArgument) {
  EXPECT_THAT(NormalizeIdentifier(static_cast<IdentifierKind>(0), "A1234BC", kField),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("identifier.value: unknown identifier kind 0"),
                             HasSubstr("expected pnc, noms, crn, nhs_number or la_reference"))));
}

// ---------------------------------------------------------------------------------------------
// Home areas.

TEST(HomeAreaTest, AcceptsGssCodesForEachNation) {
  EXPECT_EQ(Value(NormalizeHomeArea("E06000018", "subject.home_area")), "E06000018");
  EXPECT_EQ(Value(NormalizeHomeArea("w06000015", "subject.home_area")), "W06000015");
  EXPECT_EQ(Value(NormalizeHomeArea(" S12000036 ", "subject.home_area")), "S12000036");
  EXPECT_EQ(Value(NormalizeHomeArea("n09000003", "subject.home_area")), "N09000003");
}

TEST(HomeAreaTest, RejectsOtherValues) {
  for (const char* value : {"", "  ", "E0600001", "E060000180", "X06000018", "E06O00018",
                            "Nottingham", "E06000018/1"}) {
    EXPECT_THAT(NormalizeHomeArea(value, "subject.home_area"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(StartsWith("subject.home_area: "),
                               HasSubstr("(expected a local-authority GSS code: E, W, S or N "
                                         "then 8 digits"))))
        << value;
  }
}

}  // namespace
}  // namespace throughcare::subjects
