// The broker's configuration: the one loader of throughcared.yaml.
//
// The file is YAML; deploy/throughcared.example.yaml documents every key. Relative paths are
// resolved against the directory of the config file.
#ifndef THROUGHCARE_SERVICES_SERVER_CONFIG_H_
#define THROUGHCARE_SERVICES_SERVER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/crypto/assertion.h"
#include "services/messaging/messaging_service.h"
#include "services/referrals/directory.h"
#include "services/server/agency_kinds.h"

namespace throughcare::server {

struct SystemConfig {
  std::string id;              // e.g. "hmp-northgate-nomis"
  std::string certificate_cn;  // subject CN of the system's client certificate
};

// How an agency's systems connect (its `interface` block; without one, gRPC).
struct AgencyInterface {
  // "grpc", or a format of services/adapters by its name ("fhir-r4", "hmpps-events",
  // "csv-files").
  std::string format = "grpc";
  // Adapters: the purpose of use the agency's calls declare, as its formats carry none.
  std::string purpose;
  // fhir-r4, hmpps-events: the HTTPS URL its deliveries are pushed to; empty: none are pushed.
  std::string endpoint;
  // csv-files: the folders the broker reads the agency's files from and writes its own into,
  // and the practitioner (user id and role) the files act for, as a file carries no assertion.
  std::string inbox;
  std::string outbox;
  std::string user;
  std::string role;
};

struct AgencyConfig {
  std::string id;    // e.g. "hmp-northgate"; [a-z][a-z0-9-]*
  std::string kind;  // prison, prison_healthcare, probation, cjit, housing, police, health, ...
  std::string name;  // human-readable
  std::vector<std::string> home_areas;  // GSS codes served
  std::vector<std::string> roles;       // roles this agency may grant its practitioners
  std::string identity_key_file;        // PEM public key that verifies its assertions
  std::vector<SystemConfig> systems;
  // Optional: the agency's audit witness, whose cosignatures of checkpoints the broker accepts
  // when signed by this key (PEM Ed25519 public key) under this key name.
  std::string witness_name;
  std::string witness_key_file;
  AgencyInterface interface;
};

struct BrokerConfig {
  // This broker's id: the audience ("aud") every practitioner assertion must name, so that an
  // assertion minted for another broker (or service) sharing an agency's key is refused here.
  std::string broker_id = std::string(crypto::kDefaultAudience);
  std::string listen = "127.0.0.1:7443";
  std::string metrics_listen;        // Prometheus /metrics over HTTP; empty: not served
  // The adapters' HTTPS listener (https_listener.h), with the same TLS files; empty: not served.
  std::string adapters_listen;
  std::string tls_ca_file;           // CA that issues agency system certificates
  std::string tls_certificate_file;  // the broker's certificate
  std::string tls_private_key_file;
  // The `storage:` section holds exactly one backend: `sqlite_path` (one broker process, the
  // default) or `postgres: { dsn, pool_size }` (several replicas sharing one database).
  std::string sqlite_path;
  std::string postgres_dsn;     // a libpq connection string or URI; empty: SQLite
  int postgres_pool_size = 4;   // connections for writes (and as many for reads), 1 to 64
  std::string master_key_file;         // 32 random bytes, hex-encoded (64 characters)
  std::string audit_signing_key_file;  // PEM Ed25519 private key that signs audit checkpoints
  // The audit log's name in its checkpoints (and its signing key's name), e.g.
  // "throughcare.example.gov.uk/audit": unique to this deployment, never reused.
  std::string audit_origin;
  // How often a checkpoint is signed while the log grows.
  absl::Duration audit_checkpoint_interval = absl::Seconds(1);
  std::string policy_file;
  messaging::MessagingLimits messaging;  // the optional `messaging:` section
  std::string directory_file;            // optional; empty: no referral types
  referrals::Directory directory;        // from directory_file (deploy/directory.yaml)
  std::vector<AgencyConfig> agencies;
};

// Every error is InvalidArgument "<path>:<line>: <what>" (or NotFound if the file is missing).
absl::StatusOr<BrokerConfig> LoadConfig(const std::string& path);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_CONFIG_H_
