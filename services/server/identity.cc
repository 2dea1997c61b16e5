#include "services/core/files.h"
#include "services/server/identity.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(
    const std::vector<AgencyConfig>& agencies, absl::string_view audience) {
  auto auth = std::unique_ptr<Authenticator>(new Authenticator());
  for (const AgencyConfig& a : agencies) {
    ASSIGN_OR_RETURN(std::string pem, ReadFile(a.identity_key_file));
    absl::StatusOr<std::unique_ptr<crypto::AssertionVerifier>> verifier =
        crypto::AssertionVerifier::FromPublicKeyPem(pem, audience);
    if (!verifier.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("agency '", a.id, "': identity key ",
                                                     a.identity_key_file, ": ",
                                                     verifier.status().message()));
    }
    Agency& agency = auth->agencies_[a.id];
    agency.kind = a.kind;
    agency.verifier = std::move(verifier).value();
    agency.roles.insert(a.roles.begin(), a.roles.end());
    for (const SystemConfig& s : a.systems) {
      auth->systems_by_cn_[s.certificate_cn] = System{a.id, s.id};
    }
  }
  return auth;
}

absl::StatusOr<std::string> Authenticator::AgencyKind(const std::string& agency_id) const {
  auto it = agencies_.find(agency_id);
  if (it == agencies_.end()) return absl::NotFoundError(absl::StrCat("no agency ", agency_id));
  return it->second.kind;
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    const std::vector<std::string>& certificate_cns, absl::string_view authorization,
    absl::Time now) const {
  ASSIGN_OR_RETURN(Principal principal, Identify(certificate_cns, authorization, now));
  RETURN_IF_ERROR(CheckRole(principal));
  return principal;
}

std::optional<Principal> Authenticator::ClaimedBy(const std::vector<std::string>& certificate_cns,
                                                  absl::string_view authorization) const {
  if (certificate_cns.size() != 1) return std::nullopt;
  auto it = systems_by_cn_.find(certificate_cns.front());
  if (it == systems_by_cn_.end()) return std::nullopt;
  Principal claimed;
  claimed.agency_id = it->second.agency_id;
  claimed.system_id = it->second.system_id;
  absl::string_view token = authorization;
  if (absl::ConsumePrefix(&token, "Bearer ")) {
    if (auto practitioner = crypto::PeekPractitioner(token); practitioner.ok()) {
      claimed.user_id = practitioner->user_id.substr(0, 256);
      claimed.role = practitioner->role.substr(0, 64);
    }
  }
  return claimed;
}

absl::Status Authenticator::CheckRole(const Principal& principal) const {
  auto it = agencies_.find(principal.agency_id);
  if (it == agencies_.end() || !it->second.roles.contains(principal.role)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "agency '", principal.agency_id, "' may not grant role '", principal.role, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Principal> Authenticator::Identify(
    const std::vector<std::string>& certificate_cns, absl::string_view authorization,
    absl::Time now) const {
  if (certificate_cns.empty()) {
    return absl::UnauthenticatedError("no client certificate: agency systems must use mutual TLS");
  }
  // One name, one system: a certificate with a second CN must not pass as its first (or any).
  if (certificate_cns.size() > 1) {
    return absl::UnauthenticatedError(absl::StrCat(
        "client certificate has ", certificate_cns.size(),
        " subject CNs; a system certificate must have exactly one subject CN"));
  }
  const System* system = nullptr;
  if (auto it = systems_by_cn_.find(certificate_cns.front()); it != systems_by_cn_.end()) {
    system = &it->second;
  }
  if (system == nullptr) {
    return absl::UnauthenticatedError(absl::StrCat(
        "client certificate '", certificate_cns.front(), "' is not registered to any agency system"));
  }
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing practitioner assertion: send metadata 'authorization: Bearer <assertion>'");
  }
  absl::string_view token = authorization;
  if (!absl::ConsumePrefix(&token, "Bearer ") || token.empty()) {
    return absl::UnauthenticatedError(
        "malformed authorization metadata: expected 'Bearer <assertion>'");
  }
  ASSIGN_OR_RETURN(std::string issuer, crypto::PeekIssuer(token));
  if (issuer != system->agency_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        "practitioner assertion was issued for agency '", issuer,
        "' but the client certificate belongs to agency '", system->agency_id, "'"));
  }
  const Agency& agency = agencies_.at(system->agency_id);
  ASSIGN_OR_RETURN(crypto::Assertion assertion, agency.verifier->Verify(token, now));
  if (assertion.expires_at - assertion.issued_at > kMaxAssertionLifetime) {
    return absl::UnauthenticatedError(absl::StrCat(
        "assertion rejected: valid for longer than ", absl::FormatDuration(kMaxAssertionLifetime),
        " (iat to exp); agencies must issue short-lived assertions"));
  }
  return Principal{system->agency_id, agency.kind,    system->system_id,
                   assertion.user_id,  assertion.role, assertion.expires_at};
}

}  // namespace throughcare::server
