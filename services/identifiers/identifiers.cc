#include "services/identifiers/identifiers.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace throughcare::subjects {
namespace {

// The expected format of each kind, quoted in every error so the caller can fix the value.
constexpr absl::string_view kPncFormat =
    "YY/NNNNNNNC: 2-digit year, '/', 1-7 digit serial and a mod-23 check letter, e.g. 20/1234567Z";
constexpr absl::string_view kNomsFormat = "one letter, four digits, two letters, e.g. A1234BC";
constexpr absl::string_view kCrnFormat = "one letter and six digits, e.g. X123456";
constexpr absl::string_view kNhsFormat =
    "10 digits with a valid modulus-11 check digit, e.g. 943 476 5919";
constexpr absl::string_view kLaReferenceFormat =
    "<GSS code>/<reference>: E, W, S or N and 8 digits, '/', then 1-32 of A-Z, a-z, 0-9 and '-', "
    "e.g. E06000018/HX-1234";
constexpr absl::string_view kHomeAreaFormat =
    "a local-authority GSS code: E, W, S or N then 8 digits, e.g. E06000018";

constexpr absl::string_view kPncCheckLetters = "ZABCDEFGHJKLMNPQRTUVWXY";
constexpr size_t kMaxLaReferenceLength = 32;

absl::Status Invalid(absl::string_view field, absl::string_view problem, absl::string_view format) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem, " (expected ", format, ")"));
}

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool AllLetters(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Digits only; callers check the length first, so the value fits easily.
int64_t ParseDigits(absl::string_view s) {
  int64_t n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

absl::StatusOr<std::string> NormalizePnc(absl::string_view value, absl::string_view field) {
  const size_t slash = value.find('/');
  if (slash == absl::string_view::npos) {
    return Invalid(field, "PNC number has no '/'", kPncFormat);
  }
  const absl::string_view year = value.substr(0, slash);
  const absl::string_view rest = value.substr(slash + 1);
  if (year.size() != 2 || !AllDigits(year)) {
    return Invalid(field, "PNC number must start with a 2-digit year", kPncFormat);
  }
  if (rest.size() < 2 || rest.size() > 8) {
    return Invalid(field, "PNC number must have a 1-7 digit serial and a check letter", kPncFormat);
  }
  const absl::string_view serial = rest.substr(0, rest.size() - 1);
  const char check = absl::ascii_toupper(static_cast<unsigned char>(rest.back()));
  if (!AllDigits(serial)) {
    return Invalid(field, "PNC serial must be 1-7 digits", kPncFormat);
  }
  if (!absl::ascii_isalpha(static_cast<unsigned char>(check))) {
    return Invalid(field, "PNC number must end with a check letter", kPncFormat);
  }
  const int64_t number = ParseDigits(year) * 10'000'000 + ParseDigits(serial);
  if (kPncCheckLetters[number % 23] != check) {
    // The correct letter is deliberately not revealed: a mismatch usually means a mistyped digit.
    return Invalid(field, "PNC check letter does not match", kPncFormat);
  }
  return absl::StrCat(year, "/", std::string(7 - serial.size(), '0'), serial,
                      absl::string_view(&check, 1));
}

absl::StatusOr<std::string> NormalizeNoms(absl::string_view value, absl::string_view field) {
  if (value.size() != 7 || !AllLetters(value.substr(0, 1)) || !AllDigits(value.substr(1, 4)) ||
      !AllLetters(value.substr(5, 2))) {
    return Invalid(field, "malformed NOMS number", kNomsFormat);
  }
  return absl::AsciiStrToUpper(value);
}

absl::StatusOr<std::string> NormalizeCrn(absl::string_view value, absl::string_view field) {
  if (value.size() != 7 || !AllLetters(value.substr(0, 1)) || !AllDigits(value.substr(1))) {
    return Invalid(field, "malformed CRN", kCrnFormat);
  }
  return absl::AsciiStrToUpper(value);
}

absl::StatusOr<std::string> NormalizeNhs(absl::string_view value, absl::string_view field) {
  std::string digits;
  digits.reserve(10);
  for (char c : value) {
    if (c == ' ' || c == '-') continue;
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return Invalid(field, "NHS number may contain only digits, spaces and hyphens", kNhsFormat);
    }
    digits.push_back(c);
  }
  if (digits.size() != 10) {
    return Invalid(field, "NHS number must have 10 digits", kNhsFormat);
  }
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) {
    return Invalid(field, "not a valid NHS number (no check digit is possible)", kNhsFormat);
  }
  if (check != digits[9] - '0') {
    return Invalid(field, "NHS number check digit does not match", kNhsFormat);
  }
  return digits;
}

// A GSS code without the surrounding checks; shared by home areas and LA references.
bool IsGssCode(absl::string_view code) {
  if (code.size() != 9) return false;
  const char country = absl::ascii_toupper(static_cast<unsigned char>(code[0]));
  return (country == 'E' || country == 'W' || country == 'S' || country == 'N') &&
         AllDigits(code.substr(1));
}

absl::StatusOr<std::string> NormalizeLaReference(absl::string_view value, absl::string_view field) {
  const size_t slash = value.find('/');
  if (slash == absl::string_view::npos) {
    return Invalid(field, "local authority reference has no '/'", kLaReferenceFormat);
  }
  const absl::string_view code = value.substr(0, slash);
  const absl::string_view reference = value.substr(slash + 1);
  if (!IsGssCode(code)) {
    return Invalid(field, "local authority reference must start with the authority's GSS code",
                   kLaReferenceFormat);
  }
  if (reference.empty() || reference.size() > kMaxLaReferenceLength) {
    return Invalid(field, "local authority reference must have 1-32 characters after the '/'",
                   kLaReferenceFormat);
  }
  for (char c : reference) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Invalid(field,
                     "local authority reference has a character other than A-Z, a-z, 0-9 or '-'",
                     kLaReferenceFormat);
    }
  }
  // Upper-cased whole, so that "hx-1" and "HX-1" cannot be linked to two different people.
  return absl::AsciiStrToUpper(absl::StrCat(code, "/", reference));
}

struct KindSpec {
  absl::string_view display;  // as the kind is named in error messages
  absl::string_view format;
  absl::StatusOr<std::string> (*normalize)(absl::string_view value, absl::string_view field);
};

const KindSpec* SpecFor(IdentifierKind kind) {
  static constexpr KindSpec kPnc = {"PNC number", kPncFormat, NormalizePnc};
  static constexpr KindSpec kNoms = {"NOMS number", kNomsFormat, NormalizeNoms};
  static constexpr KindSpec kCrn = {"CRN", kCrnFormat, NormalizeCrn};
  static constexpr KindSpec kNhs = {"NHS number", kNhsFormat, NormalizeNhs};
  static constexpr KindSpec kLaReference = {"local authority reference", kLaReferenceFormat,
                                            NormalizeLaReference};
  switch (kind) {
    case IdentifierKind::kPnc:
      return &kPnc;
    case IdentifierKind::kNoms:
      return &kNoms;
    case IdentifierKind::kCrn:
      return &kCrn;
    case IdentifierKind::kNhsNumber:
      return &kNhs;
    case IdentifierKind::kLocalAuthorityRef:
      return &kLaReference;
  }
  return nullptr;  // a value outside the enum, e.g. from an unchecked integer conversion
}

}  // namespace

absl::string_view IdentifierKindName(IdentifierKind kind) {
  switch (kind) {
    case IdentifierKind::kPnc:
      return "pnc";
    case IdentifierKind::kNoms:
      return "noms";
    case IdentifierKind::kCrn:
      return "crn";
    case IdentifierKind::kNhsNumber:
      return "nhs_number";
    case IdentifierKind::kLocalAuthorityRef:
      return "la_reference";
  }
  return "unknown";
}

absl::StatusOr<std::string> NormalizeIdentifier(IdentifierKind kind, absl::string_view raw,
                                                absl::string_view field) {
  const KindSpec* spec = SpecFor(kind);
  if (spec == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": unknown identifier kind ", static_cast<int>(kind),
                     " (expected pnc, noms, crn, nhs_number or la_reference)"));
  }
  const absl::string_view value = absl::StripAsciiWhitespace(raw);
  if (value.empty()) return Invalid(field, absl::StrCat(spec->display, " is empty"), spec->format);
  return spec->normalize(value, field);
}

absl::StatusOr<std::string> NormalizeHomeArea(absl::string_view raw, absl::string_view field) {
  const absl::string_view value = absl::StripAsciiWhitespace(raw);
  if (value.empty()) return Invalid(field, "home area is empty", kHomeAreaFormat);
  if (!IsGssCode(value)) return Invalid(field, "malformed home area code", kHomeAreaFormat);
  return absl::AsciiStrToUpper(value);
}

}  // namespace throughcare::subjects
