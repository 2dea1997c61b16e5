// Value types for people known to the broker ("subjects") and their agency identifiers.
#ifndef THROUGHCARE_SUBJECT_H_
#define THROUGHCARE_SUBJECT_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace throughcare {

// The agency identifiers a person can be known by. Each (kind, value) pair belongs to at most one
// subject at a time.
enum class IdentifierKind {
  kPnc = 1,                // Police National Computer number, e.g. "20/1234567Z"
  kNoms = 2,               // prison (NOMS) number, e.g. "A1234BC"
  kCrn = 3,                // probation case reference number, e.g. "X123456"
  kNhsNumber = 4,          // 10-digit NHS number with a modulus-11 check digit
  kLocalAuthorityRef = 5,  // a local authority's own reference, "<LA code>/<reference>"
};

struct Identifier {
  IdentifierKind kind = IdentifierKind::kNoms;
  std::string value;             // normalised (see services/subjects/identifiers.h)
  std::string linked_by_agency;  // who linked it
  absl::Time linked_at;
};

struct Subject {
  std::string id;         // opaque broker id, "sub_" + 26 random base32 characters
  std::string home_area;  // local-authority (GSS) code of the person's home area; may be empty
  std::string registered_by_agency;
  absl::Time registered_at;
  std::vector<Identifier> identifiers;  // ordered by kind, then value
};

}  // namespace throughcare

#endif  // THROUGHCARE_SUBJECT_H_
