// `throughcared --dev`: a self-contained development environment in one directory.
#ifndef THROUGHCARE_SERVICES_SERVER_DEV_SETUP_H_
#define THROUGHCARE_SERVICES_SERVER_DEV_SETUP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace throughcare::server {

// Creates, once, in `dir`: a development CA, the broker's server certificate (localhost,
// 127.0.0.1), a client certificate and an identity key pair for each demo agency, a master key,
// an audit signing key, the demo policy, throughcared.yaml (listening on `listen`) and a CLI
// profile per agency (profiles/<agency>.yaml). The demo policy and referral directory are
// written at every call, so an environment made by an older broker follows this one's version
// (the directory keeps only contacts of agencies that environment has, and a config without a
// directory_file gets one); keys, certificates, the rest of the config and data are kept.
// Returns the config path. Keys are written with mode 0600.
absl::StatusOr<std::string> PrepareDevEnvironment(const std::string& dir,
                                                  const std::string& listen, absl::Time now);

// The demo policy and referral directory (deploy/policy.yaml and deploy/directory.yaml, embedded
// at build time).
extern const char kDemoPolicy[];
extern const char kDemoDirectory[];

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_DEV_SETUP_H_
