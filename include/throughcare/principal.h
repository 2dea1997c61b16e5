// Who is calling and why: the identity every domain call carries below the RPC edge.
#ifndef THROUGHCARE_PRINCIPAL_H_
#define THROUGHCARE_PRINCIPAL_H_

#include <string>
#include <utility>

#include "absl/time/time.h"

namespace throughcare {

// An authenticated caller: an agency system (from its mutual-TLS certificate) acting for a
// practitioner (from a signed assertion the agency issued). All fields are non-empty once the
// edge has authenticated the call.
struct Principal {
  std::string agency_id;  // the agency the certificate maps to, e.g. "hmp-northgate"
  std::string agency_kind;  // its kind from the config, e.g. "prison", "cjit"
  std::string system_id;  // the agency system the certificate identifies
  std::string user_id;    // the practitioner, as the agency's identity provider names them
  std::string role;       // a role the agency may grant, e.g. "carat_worker"
  // When the practitioner's assertion expires: a call that lasts (a Subscribe stream) ends then.
  absl::Time credentials_expire_at = absl::InfiniteFuture();
};

// The context of one call: the principal, the declared purpose of use, and the request id that
// ties log lines and the audit entry together.
struct CallContext {
  Principal principal;
  std::string purpose;
  std::string request_id;
  // Adapters only: the input's own id for this operation (an event id, a Bundle entry, a CSV
  // row). The audited write that carries the operation out also keeps a receipt of it
  // (audit::RunAudited), so the same input again is ALREADY_EXISTS and changes nothing.
  std::string idempotency_key;
};

// The broker itself, as the actor of the work it does on its own: notices, escalations, the
// retention sweep. Its system, user and role are this id.
inline constexpr char kBrokerId[] = "throughcare";

// The context of such work, done on behalf of `agency_id` (kBrokerId when on nobody's behalf).
inline CallContext BrokerContext(std::string agency_id) {
  CallContext ctx;
  ctx.principal.agency_id = std::move(agency_id);
  ctx.principal.system_id = ctx.principal.user_id = ctx.principal.role = kBrokerId;
  return ctx;
}

}  // namespace throughcare

#endif  // THROUGHCARE_PRINCIPAL_H_
