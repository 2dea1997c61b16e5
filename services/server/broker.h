// The broker: wires storage, policy, audit, the domain services and the gRPC server together.
// throughcared's main and the integration tests start it the same way.
#ifndef THROUGHCARE_SERVICES_SERVER_BROKER_H_
#define THROUGHCARE_SERVICES_SERVER_BROKER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/server/config.h"
#include "throughcare/clock.h"

namespace throughcare::server {

struct BrokerOptions {
  // Development only: listen without TLS; the system is then named by the metadata
  // "x-throughcare-dev-system" (a certificate CN) instead of a certificate. Warned on start.
  bool insecure_plaintext = false;
  // Testing only: storage answers writes before they are durable (see
  // storage::SqliteOptions::unsafe_reply_before_commit). Warned on start.
  bool unsafe_non_durable = false;
};

class Broker {
 public:
  // Loads keys and policy, opens storage and starts serving on config.listen (port 0 picks a
  // free port). Errors name the file or setting at fault. `clock` must outlive the broker.
  static absl::StatusOr<std::unique_ptr<Broker>> Start(const BrokerConfig& config,
                                                       const Clock& clock,
                                                       BrokerOptions options = {});
  virtual ~Broker() = default;

  // The port actually listened on.
  virtual int port() const = 0;
  // The metrics HTTP port, or 0 when metrics_listen is not configured.
  virtual int metrics_port() const = 0;
  // The adapters' HTTPS port, or 0 when adapters_listen is not configured.
  virtual int adapters_port() const = 0;
  // The version of the policy in force.
  virtual std::string policy_version() const = 0;
  // Re-reads the policy file; on error the current policy stays and the error is returned.
  virtual absl::Status ReloadPolicy() = 0;
  // Does at once, on the caller's thread, the periodic work the broker's ticker does every
  // 100 ms: expiry and lease returns in messaging, referral deadlines, waking subscribers. For
  // tests that move a fake clock and must not wait for the next tick. Thread-safe.
  virtual void RunPeriodicWork() = 0;
  // Stops accepting calls, lets calls in flight finish (up to `grace`), then closes storage.
  // Idempotent.
  virtual void Shutdown(absl::Duration grace) = 0;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_BROKER_H_
