// Internal to services/policy: the optional sections that say how people become known to an
// agency and what aggregate reports show (identifiers, relationship_starts, reporting). Read by
// Policy::Parse after the declarations and rules; every error names the source and the line.
#ifndef THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_SECTIONS_H_
#define THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_SECTIONS_H_

#include "absl/status/status.h"
#include "services/policy/internal/policy_data.h"
#include "services/policy/internal/policy_loader.h"

namespace throughcare::policy::policy_internal {

// identifiers: [{kind, agency_kinds}]; absent: nobody may register or link identifiers.
absl::Status ParseIdentifiers(const Loader& loader, const Field& section, PolicyData& p);

// relationship_starts: [{id, description, kinds, roles, agency_kinds; optional self_claim}];
// absent: nobody may start a relationship (referral acceptance still makes them).
absl::Status ParseRelationshipStarts(const Loader& loader, const Field& section, PolicyData& p);

// reporting: {optional national_roles, min_count}; absent: no national roles, min_count 5.
absl::Status ParseReporting(const Loader& loader, const Field& section, PolicyData& p);

}  // namespace throughcare::policy::policy_internal

#endif  // THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_SECTIONS_H_
