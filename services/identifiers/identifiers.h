// Validation and normalisation of agency identifiers and home-area codes. Pure functions.
//
// Every error is InvalidArgument and starts with the request field name given by the caller,
// then says what was wrong and the expected format, e.g.
//   "identifier.value: NHS number check digit does not match (expected 10 digits with a valid
//    modulus-11 check digit, e.g. 943 476 5919)".
#ifndef THROUGHCARE_SERVICES_IDENTIFIERS_IDENTIFIERS_H_
#define THROUGHCARE_SERVICES_IDENTIFIERS_IDENTIFIERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "throughcare/subject.h"

namespace throughcare::subjects {

// Lower-case stable name of a kind: "pnc", "noms", "crn", "nhs_number", "la_reference".
absl::string_view IdentifierKindName(IdentifierKind kind);

// Returns the canonical form of `raw` for `kind`, or InvalidArgument naming `field`.
//  - PNC:   "YY/NNNNNNNC": 2-digit year, '/', 1-7 digit serial (canonically zero-padded to 7),
//           check letter = "ZABCDEFGHJKLMNPQRTUVWXY"[(YY * 10^7 + serial) mod 23].
//  - NOMS:  one letter, four digits, two letters ("A1234BC"); upper-cased.
//  - CRN:   one letter and six digits ("X123456"); upper-cased.
//  - NHS:   10 digits, spaces or hyphens allowed on input and removed; modulus-11 check digit
//           (weights 10..2 over the first nine digits; 11 - sum mod 11, 11 means 0, 10 invalid).
//  - LA reference: "<GSS code>/<reference>", the issuing authority's code (see ValidateHomeArea)
//           then 1-32 of [A-Za-z0-9-]; upper-cased.
// Leading and trailing white space is removed first; an empty value is an error.
absl::StatusOr<std::string> NormalizeIdentifier(IdentifierKind kind, absl::string_view raw,
                                                absl::string_view field);

// A home area is a local-authority GSS code: one of E, W, S, N then 8 digits ("E06000018").
// Returns the upper-cased code or InvalidArgument naming `field`.
absl::StatusOr<std::string> NormalizeHomeArea(absl::string_view raw, absl::string_view field);

}  // namespace throughcare::subjects

#endif  // THROUGHCARE_SERVICES_IDENTIFIERS_IDENTIFIERS_H_
