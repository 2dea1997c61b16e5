// FHIR R4 (4.0.1) element names of the resources and data types this adapter reads, and the
// names of every R4 resource type. Taken from the property names of the official FHIR 4.0.1 JSON
// schema (fhir.schema.json); regenerate from it rather than editing by hand. They tell an
// element R4 does not have ("unknown element") from one it has but this adapter does not map
// ("not supported by this adapter").
#include "services/adapters/fhir/r4_elements.h"

#include <algorithm>
#include <array>
#include <utility>

namespace throughcare::adapters::fhir {
namespace {

struct TypeElements {
  const char* type;
  std::vector<absl::string_view> elements;
};

const std::vector<TypeElements>& Table() {
  static const auto* const table = new std::vector<TypeElements>{
      {"Bundle",
       {"resourceType", "id", "meta", "implicitRules", "language", "identifier", "type",
        "timestamp", "total", "link", "entry", "signature"}},
      {"Bundle.Entry",
       {"id", "extension", "modifierExtension", "link", "fullUrl", "resource", "search",
        "request", "response"}},
      {"Bundle.Request",
       {"id", "extension", "modifierExtension", "method", "url", "ifNoneMatch",
        "ifModifiedSince", "ifMatch", "ifNoneExist"}},
      {"Patient",
       {"resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "active", "name", "telecom", "gender",
        "birthDate", "deceasedBoolean", "deceasedDateTime", "address", "maritalStatus",
        "multipleBirthBoolean", "multipleBirthInteger", "photo", "contact", "communication",
        "generalPractitioner", "managingOrganization", "link"}},
      {"Organization",
       {"resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "active", "type", "name", "alias",
        "telecom", "address", "partOf", "contact", "endpoint"}},
      {"Condition",
       {"resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "clinicalStatus", "verificationStatus",
        "category", "severity", "code", "bodySite", "subject", "encounter", "onsetDateTime",
        "onsetAge", "onsetPeriod", "onsetRange", "onsetString", "abatementDateTime",
        "abatementAge", "abatementPeriod", "abatementRange", "abatementString", "recordedDate",
        "recorder", "asserter", "stage", "evidence", "note"}},
      {"MedicationStatement",
       {"resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "basedOn", "partOf", "status",
        "statusReason", "category", "medicationCodeableConcept", "medicationReference",
        "subject", "context", "effectiveDateTime", "effectivePeriod", "dateAsserted",
        "informationSource", "derivedFrom", "reasonCode", "reasonReference", "note", "dosage"}},
      {"MedicationRequest",
       {"resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "status", "statusReason", "intent",
        "category", "priority", "doNotPerform", "reportedBoolean", "reportedReference",
        "medicationCodeableConcept", "medicationReference", "subject", "encounter",
        "supportingInformation", "authoredOn", "requester", "performer", "performerType",
        "recorder", "reasonCode", "reasonReference", "instantiatesCanonical", "instantiatesUri",
        "basedOn", "groupIdentifier", "courseOfTherapyType", "insurance", "note",
        "dosageInstruction", "dispenseRequest", "substitution", "priorPrescription",
        "detectedIssue", "eventHistory"}},
      {"CarePlan",
       {"resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "instantiatesCanonical",
        "instantiatesUri", "basedOn", "replaces", "partOf", "status", "intent", "category",
        "title", "description", "subject", "encounter", "period", "created", "author",
        "contributor", "careTeam", "addresses", "supportingInfo", "goal", "activity", "note"}},
      {"CarePlan.Activity",
       {"id", "extension", "modifierExtension", "outcomeCodeableConcept", "outcomeReference",
        "progress", "reference", "detail"}},
      {"CarePlan.Detail",
       {"id", "extension", "modifierExtension", "kind", "instantiatesCanonical",
        "instantiatesUri", "code", "reasonCode", "reasonReference", "goal", "status",
        "statusReason", "doNotPerform", "scheduledTiming", "scheduledPeriod", "scheduledString",
        "location", "performer", "productCodeableConcept", "productReference", "dailyAmount",
        "quantity", "description"}},
      {"Consent",
       {"resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "status", "scope", "category", "patient",
        "dateTime", "performer", "organization", "sourceAttachment", "sourceReference", "policy",
        "policyRule", "verification", "provision"}},
      {"Consent.Provision",
       {"id", "extension", "modifierExtension", "type", "period", "actor", "action",
        "securityLabel", "purpose", "class", "code", "dataPeriod", "data", "provision"}},
      {"Consent.Actor",
       {"id", "extension", "modifierExtension", "role", "reference"}},
      {"Consent.Verification",
       {"id", "extension", "modifierExtension", "verified", "verifiedWith", "verificationDate"}},
      {"Identifier",
       {"id", "extension", "use", "type", "system", "value", "period", "assigner"}},
      {"Reference",
       {"id", "extension", "reference", "type", "identifier", "display"}},
      {"CodeableConcept",
       {"id", "extension", "coding", "text"}},
      {"Coding",
       {"id", "extension", "system", "version", "code", "display", "userSelected"}},
      {"Dosage",
       {"id", "extension", "modifierExtension", "sequence", "text", "additionalInstruction",
        "patientInstruction", "timing", "asNeededBoolean", "asNeededCodeableConcept", "site",
        "route", "method", "doseAndRate", "maxDosePerPeriod", "maxDosePerAdministration",
        "maxDosePerLifetime"}},
      {"Timing",
       {"id", "extension", "modifierExtension", "event", "repeat", "code"}},
      {"Period",
       {"id", "extension", "start", "end"}},
      {"Meta",
       {"id", "extension", "versionId", "lastUpdated", "source", "profile", "security", "tag"}},
      {"Attachment",
       {"id", "extension", "contentType", "language", "data", "url", "size", "hash", "title",
        "creation"}},
  };
  return *table;
}

// In name order.
constexpr std::array<absl::string_view, 146> kResourceTypes = {
    "Account", "ActivityDefinition", "AdverseEvent", "AllergyIntolerance", "Appointment",
    "AppointmentResponse", "AuditEvent", "Basic", "Binary", "BiologicallyDerivedProduct",
    "BodyStructure", "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "CatalogEntry",
    "ChargeItem", "ChargeItemDefinition", "Claim", "ClaimResponse", "ClinicalImpression",
    "CodeSystem", "Communication", "CommunicationRequest", "CompartmentDefinition",
    "Composition", "ConceptMap", "Condition", "Consent", "Contract", "Coverage",
    "CoverageEligibilityRequest", "CoverageEligibilityResponse", "DetectedIssue", "Device",
    "DeviceDefinition", "DeviceMetric", "DeviceRequest", "DeviceUseStatement",
    "DiagnosticReport", "DocumentManifest", "DocumentReference", "EffectEvidenceSynthesis",
    "Encounter", "Endpoint", "EnrollmentRequest", "EnrollmentResponse", "EpisodeOfCare",
    "EventDefinition", "Evidence", "EvidenceVariable", "ExampleScenario", "ExplanationOfBenefit",
    "FamilyMemberHistory", "Flag", "Goal", "GraphDefinition", "Group", "GuidanceResponse",
    "HealthcareService", "ImagingStudy", "Immunization", "ImmunizationEvaluation",
    "ImmunizationRecommendation", "ImplementationGuide", "InsurancePlan", "Invoice", "Library",
    "Linkage", "List", "Location", "Measure", "MeasureReport", "Media", "Medication",
    "MedicationAdministration", "MedicationDispense", "MedicationKnowledge", "MedicationRequest",
    "MedicationStatement", "MedicinalProduct", "MedicinalProductAuthorization",
    "MedicinalProductContraindication", "MedicinalProductIndication",
    "MedicinalProductIngredient", "MedicinalProductInteraction", "MedicinalProductManufactured",
    "MedicinalProductPackaged", "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect", "MessageDefinition", "MessageHeader",
    "MolecularSequence", "NamingSystem", "NutritionOrder", "Observation",
    "ObservationDefinition", "OperationDefinition", "OperationOutcome", "Organization",
    "OrganizationAffiliation", "Parameters", "Patient", "PaymentNotice", "PaymentReconciliation",
    "Person", "PlanDefinition", "Practitioner", "PractitionerRole", "Procedure", "Provenance",
    "Questionnaire", "QuestionnaireResponse", "RelatedPerson", "RequestGroup",
    "ResearchDefinition", "ResearchElementDefinition", "ResearchStudy", "ResearchSubject",
    "RiskAssessment", "RiskEvidenceSynthesis", "Schedule", "SearchParameter", "ServiceRequest",
    "Slot", "Specimen", "SpecimenDefinition", "StructureDefinition", "StructureMap",
    "Subscription", "Substance", "SubstanceNucleicAcid", "SubstancePolymer", "SubstanceProtein",
    "SubstanceReferenceInformation", "SubstanceSourceMaterial", "SubstanceSpecification",
    "SupplyDelivery", "SupplyRequest", "Task", "TerminologyCapabilities", "TestReport",
    "TestScript", "ValueSet", "VerificationResult", "VisionPrescription"};

}  // namespace

bool IsR4Element(absl::string_view type, absl::string_view element) {
  for (const TypeElements& entry : Table()) {
    if (entry.type != type) continue;
    return std::find(entry.elements.begin(), entry.elements.end(), element) !=
           entry.elements.end();
  }
  return false;
}

bool IsR4ResourceType(absl::string_view name) {
  return std::binary_search(kResourceTypes.begin(), kResourceTypes.end(), name);
}

}  // namespace throughcare::adapters::fhir
