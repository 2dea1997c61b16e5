#include "services/server/agency_kinds.h"

namespace throughcare::server {

const std::vector<std::string>& AgencyKinds() {
  static const auto* kinds = new std::vector<std::string>{
      "prison",    "prison_healthcare", "probation", "cjit",      "housing",
      "police",    "health",            "court",     "oversight", "voluntary_sector",
      "youth_justice", "social_care",   "employment"};
  return *kinds;
}

}  // namespace throughcare::server
