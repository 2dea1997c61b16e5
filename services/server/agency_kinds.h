// The kinds of agency the broker knows (config's `kind:`, the policy's agency kinds, consents'
// recipient kinds). Apart from the config loader so that the request validators, which check
// recipient kinds, need nothing of the configuration.
#ifndef THROUGHCARE_SERVICES_SERVER_AGENCY_KINDS_H_
#define THROUGHCARE_SERVICES_SERVER_AGENCY_KINDS_H_

#include <string>
#include <vector>

namespace throughcare::server {

// The known agency kinds, for validation and for --help.
const std::vector<std::string>& AgencyKinds();

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_AGENCY_KINDS_H_
