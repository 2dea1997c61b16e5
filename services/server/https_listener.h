// The HTTPS listener of the adapters (config `adapters_listen`): agencies whose interface is an
// adapter format post in their own format here. The same mutual TLS as gRPC (the broker's
// certificate, client certificates from the same CA: a client without one, or with one from
// another CA, fails the handshake), the same practitioner assertion ("Authorization: Bearer"),
// the same request ids ("X-Request-Id", echoed); then the agency's format decodes the body and
// AdapterCalls runs each operation through the gRPC call's own handler.
//
//   POST /events   hmpps-events: one domain event (services/adapters/hmpps/hmpps_events.h)
//
// Answers are JSON: 200 {"requestId", "operations": [{"source", "result"}]} when every
// operation was carried out; else the status of the first refusal (HttpStatusFor) with
// {"requestId", "code", "message", "source"} (operations before it stay done: each is an
// access of its own, audited as such), or 400 with {"requestId", "code", "errors": [{"where",
// "reason"}]} when the input does not decode (then nothing is done).
#ifndef THROUGHCARE_SERVICES_SERVER_HTTPS_LISTENER_H_
#define THROUGHCARE_SERVICES_SERVER_HTTPS_LISTENER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "services/server/adapter_calls.h"
#include "services/server/config.h"
#include "services/server/edge.h"

namespace throughcare::server {

class HttpsListener {
 public:
  // Listens on config.adapters_listen (port 0 picks one) and serves on its own threads.
  // Unavailable when the address cannot be bound; errors name the TLS file at fault.
  static absl::StatusOr<std::unique_ptr<HttpsListener>> Start(const BrokerConfig& config,
                                                              Edge& edge, AdapterCalls& calls);
  virtual ~HttpsListener() = default;

  virtual int port() const = 0;
  // Stops listening and waits for the requests in flight. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_HTTPS_LISTENER_H_
