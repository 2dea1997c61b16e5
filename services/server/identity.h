// Who is calling: maps the client certificate to an agency system, and verifies the
// practitioner assertion the agency signed. Independent of gRPC types so it is tested directly.
#ifndef THROUGHCARE_SERVICES_SERVER_IDENTITY_H_
#define THROUGHCARE_SERVICES_SERVER_IDENTITY_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/crypto/assertion.h"
#include "services/server/config.h"
#include "throughcare/principal.h"

namespace throughcare::server {

// The longest validity (iat to exp) of a practitioner assertion the broker accepts.
inline constexpr absl::Duration kMaxAssertionLifetime = absl::Hours(12);

// Immutable after Create; thread-safe.
class Authenticator {
 public:
  // Reads each agency's identity key. InvalidArgument naming the agency if a key is unusable.
  // Assertions must name `audience` (the broker's id) in their "aud" claim.
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(
      const std::vector<AgencyConfig>& agencies, absl::string_view audience);

  // `certificate_cns`: every subject CN of the verified client certificate (empty without one).
  // `authorization`: the "authorization" metadata value, "Bearer <assertion>" (may be empty).
  //  - no certificate, one with more than one subject CN, or one no system is registered for:
  //    Unauthenticated
  //  - missing, malformed, forged or expired assertion, or one valid for longer than
  //    kMaxAssertionLifetime: Unauthenticated saying which
  //  - assertion issued for another agency than the certificate's: PermissionDenied
  //  - a role the agency may not grant: PermissionDenied
  absl::StatusOr<Principal> Authenticate(const std::vector<std::string>& certificate_cns,
                                         absl::string_view authorization, absl::Time now) const;

  // The two halves of Authenticate. Identify establishes who is calling (system and a verified
  // practitioner assertion) and fails as Authenticate does, except that the role is not yet
  // checked; CheckRole then refuses a role the agency may not grant. A caller that passed
  // Identify is known, so its refusals can be audited.
  absl::StatusOr<Principal> Identify(const std::vector<std::string>& certificate_cns,
                                     absl::string_view authorization, absl::Time now) const;
  absl::Status CheckRole(const Principal& principal) const;

  // For auditing a refused identity: the agency system the certificate names (exactly one
  // registered CN), with the user and role the assertion claims, unverified (empty when it has
  // none or cannot be read). nullopt when the certificate names no registered system: nobody
  // accountable is known, and the refusal is only logged.
  std::optional<Principal> ClaimedBy(const std::vector<std::string>& certificate_cns,
                                     absl::string_view authorization) const;

  // The configured kind of an agency. NotFound for an unknown agency.
  absl::StatusOr<std::string> AgencyKind(const std::string& agency_id) const;

 private:
  struct Agency {
    std::string kind;
    std::unique_ptr<crypto::AssertionVerifier> verifier;
    absl::flat_hash_set<std::string> roles;
  };
  struct System {
    std::string agency_id;
    std::string system_id;
  };
  Authenticator() = default;

  absl::flat_hash_map<std::string, Agency> agencies_;
  absl::flat_hash_map<std::string, System> systems_by_cn_;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_IDENTITY_H_
