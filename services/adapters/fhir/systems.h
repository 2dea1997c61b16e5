// The code systems and identifier systems the FHIR adapter reads and writes, in one place.
//
// Where FHIR or the NHS defines a system for a concept it is used (NHS number, ODS code, HL7's
// terminology). Throughcare's own names (agencies, agency kinds, data classes, purposes other
// than direct care, roles, actions, its opaque ids) have no published system; they use
// "urn:throughcare:" URNs, which a receiver can match exactly but which resolve nowhere.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_SYSTEMS_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_SYSTEMS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "throughcare/v1/common.pb.h"

namespace throughcare::adapters::fhir {

// Identifier systems (UK Core).
inline constexpr char kNhsNumberSystem[] = "https://fhir.nhs.uk/Id/nhs-number";
inline constexpr char kOdsCodeSystem[] = "https://fhir.nhs.uk/Id/ods-organization-code";

// HL7 terminology.
inline constexpr char kActReasonSystem[] = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
inline constexpr char kConditionClinicalSystem[] =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
inline constexpr char kConsentScopeSystem[] =
    "http://terminology.hl7.org/CodeSystem/consentscope";
inline constexpr char kLoincSystem[] = "http://loinc.org";
inline constexpr char kLoincPatientConsent[] = "59284-0";  // "Patient Consent"
inline constexpr char kActCodeSystem[] = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr char kParticipationTypeSystem[] =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
inline constexpr char kAuditEventTypeSystem[] =
    "http://terminology.hl7.org/CodeSystem/audit-event-type";
inline constexpr char kAuditSourceTypeSystem[] =
    "http://terminology.hl7.org/CodeSystem/security-source-type";
inline constexpr char kAuditEntityTypeSystem[] =
    "http://terminology.hl7.org/CodeSystem/audit-entity-type";
inline constexpr char kObjectRoleSystem[] = "http://terminology.hl7.org/CodeSystem/object-role";
inline constexpr char kIssueTypeSystem[] = "http://hl7.org/fhir/issue-type";

// Throughcare's own.
inline constexpr char kAgencySystem[] = "urn:throughcare:agency";
inline constexpr char kAgencyKindSystem[] = "urn:throughcare:agency-kind";
inline constexpr char kDataClassSystem[] = "urn:throughcare:data-class";
inline constexpr char kPurposeSystem[] = "urn:throughcare:purpose";
inline constexpr char kRoleSystem[] = "urn:throughcare:role";
inline constexpr char kUserSystem[] = "urn:throughcare:user";
inline constexpr char kSystemIdSystem[] = "urn:throughcare:agency-system";
inline constexpr char kActionSystem[] = "urn:throughcare:action";
inline constexpr char kSubjectIdSystem[] = "urn:throughcare:subject";
inline constexpr char kRecordIdSystem[] = "urn:throughcare:record";
inline constexpr char kAuditDetailSystem[] = "urn:throughcare:audit-detail";

// A purpose of use as a Coding: "direct_care" is v3-ActReason TREAT (treatment); every other
// purpose is Throughcare's own code.
nlohmann::ordered_json PurposeCoding(absl::string_view purpose);
// The reverse: nullopt for a system that is neither, or an ActReason code other than TREAT.
std::optional<std::string> PurposeFromCoding(absl::string_view system, absl::string_view code);

// A Coding with system and code.
nlohmann::ordered_json MakeCoding(absl::string_view system, absl::string_view code);

// An agency identifier's FHIR system: the NHS number's, or Throughcare's for the kinds with no
// published system ("urn:throughcare:identifier:noms", ...).
std::string IdentifierSystem(v1::IdentifierKind kind);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_SYSTEMS_H_
