#include "services/adapters/fhir/capability_statement.h"

#include <string>
#include <utility>

namespace throughcare::adapters::fhir {
namespace {

using nlohmann::ordered_json;

ordered_json SearchParam(const char* name, const char* type, const char* documentation) {
  return ordered_json{{"name", name}, {"type", type}, {"documentation", documentation}};
}

ordered_json SearchOnly(const char* type, ordered_json params) {
  return ordered_json{{"type", type},
                      {"interaction", ordered_json::array({{{"code", "search-type"}}})},
                      {"searchParam", std::move(params)}};
}

ordered_json Resources() {
  return ordered_json::array(
      {SearchOnly("Patient",
                  ordered_json::array({SearchParam(
                      "identifier", "token",
                      "https://fhir.nhs.uk/Id/nhs-number|NNNNNNNNNN: the person by NHS number; "
                      "a person the caller may not know is not found")})),
       SearchOnly("Consent",
                  ordered_json::array({SearchParam("patient", "reference",
                                                   "the person's consents")})),
       SearchOnly("AuditEvent",
                  ordered_json::array(
                      {SearchParam("patient", "reference", "accesses to the person's data"),
                       SearchParam("date", "date", "when, e.g. date=ge2026-01-01")}))});
}

}  // namespace

ordered_json CapabilityStatementResource(absl::string_view base_url,
                                         absl::string_view software_version) {
  ordered_json out{{"resourceType", "CapabilityStatement"},
                   {"status", "active"},
                   {"date", kCapabilityStatementDate},
                   {"publisher", "Throughcare"},
                   {"kind", "instance"}};
  out["software"] = {{"name", "Throughcare"}};
  if (!software_version.empty()) out["software"]["version"] = std::string(software_version);
  out["implementation"] = {
      {"description", "Throughcare continuity-of-care broker, FHIR R4 endpoint"}};
  if (!base_url.empty()) out["implementation"]["url"] = std::string(base_url);
  out["fhirVersion"] = "4.0.1";
  out["format"] = ordered_json::array({"application/fhir+json"});
  ordered_json rest{
      {"mode", "server"},
      {"documentation",
       "Mutual TLS with a client certificate of the broker's CA, and the practitioner's "
       "assertion in Authorization: Bearer. POST a transaction or batch Bundle to the base."},
      {"security", {{"cors", false}, {"description", "Mutual TLS and a signed practitioner "
                                                     "assertion (JWS) per request"}}},
      {"resource", Resources()},
      {"interaction", ordered_json::array({{{"code", "transaction"}}, {{"code", "batch"}}})}};
  out["rest"] = ordered_json::array({std::move(rest)});
  return out;
}

}  // namespace throughcare::adapters::fhir
