// What every RPC does before and after its domain call, in one place: authenticate the system
// and practitioner, check the declared purpose, assign the request id, then (after the domain
// replies) convert the status, log the call and finish the reactor.
#ifndef THROUGHCARE_SERVICES_SERVER_EDGE_H_
#define THROUGHCARE_SERVICES_SERVER_EDGE_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "services/audit/audit_log.h"
#include "services/policy/policy_store.h"
#include "services/server/convert.h"
#include "services/server/identity.h"
#include "services/server/metrics.h"
#include "throughcare/clock.h"
#include "throughcare/principal.h"

namespace throughcare::server {

// Ends a unary call with a status. Call exactly once.
using Finish = absl::AnyInvocable<void(absl::Status)>;

class Edge {
 public:
  // `plaintext_dev_mode`: no TLS; the system's certificate CN is taken from the metadata
  // "x-throughcare-dev-system" instead (development only).
  Edge(const Authenticator& authenticator, const policy::PolicyStore& policies, const Clock& clock,
       Metrics& metrics, Storage& storage, const audit::AuditLog& audit_log,
       bool plaintext_dev_mode)
      : authenticator_(authenticator),
        policies_(policies),
        clock_(clock),
        metrics_(metrics),
        storage_(storage),
        audit_log_(audit_log),
        plaintext_dev_mode_(plaintext_dev_mode) {}

  // A call that got past the edge, or one refused there after its caller was identified.
  struct Started {
    CallContext call;
    absl::Status refused;  // OK: go on; else the answer (after Refuse audits it)
    // False when no registered system could be named (no certificate, an unknown one, one with
    // two CNs): `refused` holds why, `call` only the request id, and nothing is audited.
    bool identified = true;
  };

  // Identifies the caller (client certificate, practitioner assertion) and sets the request id
  // (echoed in the response metadata "x-request-id"). A caller refused here still gets a
  // Started, with the refusal in `refused`, so that its log line and its error carry the request
  // id; the error return is kept for failures before there is one. Then checks the role the
  // agency may grant and the declared purpose; their failure is `refused` too.
  // `purpose` is nullopt for calls that declare none: receiving and settling messages, which
  // are used for each message's own purpose.
  absl::StatusOr<Started> Begin(grpc::CallbackServerContext* ctx,
                                const std::optional<std::string>& purpose);

  // What Begin does once the transport has given the client certificate's subject CNs (empty
  // without a verified certificate), the "authorization" and "x-request-id" values: for every
  // edge (gRPC, the HTTPS listener of the adapters).
  Started Identify(const std::vector<std::string>& cns, const std::string& authorization,
                   const std::string& request_id,
                   const std::optional<std::string>& purpose) const;

  // Audits the refusal of an identified caller ("rpc.<method>", deny, the reason), then calls
  // `done` with the refusal (or with the audit failure, which replaces it). An unidentified
  // caller names nobody accountable: `done` is called at once, without an audit entry.
  void Refuse(absl::string_view method, const Started& started,
              absl::AnyInvocable<void(absl::Status)> done);

  // A unary call: Begin, then `handle`, which must eventually call the Finish it is given.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, absl::string_view method,
                                  const std::optional<std::string>& purpose,
                                  absl::AnyInvocable<void(const CallContext&, Finish)> handle);

  // Logs the end of a call (method, peer, code, who, request id, duration, and for a failure its
  // reason with identifiers withheld; the certificate's CNs when no agency was named) and counts
  // it in the metrics. NOT_FOUND is routine (info); the broker's own failures are errors.
  void LogCall(grpc::CallbackServerContext* ctx, absl::string_view method,
               const CallContext* call, absl::Time start, const absl::Status& status) const;

  const policy::PolicyStore& policies() const { return policies_; }
  const Authenticator& authenticator() const { return authenticator_; }
  const Clock& clock() const { return clock_; }

 private:
  const Authenticator& authenticator_;
  const policy::PolicyStore& policies_;
  const Clock& clock_;
  Metrics& metrics_;
  Storage& storage_;
  const audit::AuditLog& audit_log_;
  const bool plaintext_dev_mode_;
};

// A domain reply that fills `out` on success and finishes the call.
template <typename T, typename Proto>
audit::Reply<T> ReplyInto(Proto* out, Finish finish) {
  return [out, finish = std::move(finish)](absl::StatusOr<T> result) mutable {
    if (result.ok()) ToProto(*result, out);
    finish(result.status());
  };
}

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_EDGE_H_
