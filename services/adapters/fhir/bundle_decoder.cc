#include "services/adapters/fhir/bundle_decoder.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "services/adapters/fhir/decode_context.h"
#include "services/adapters/fhir/json_input.h"
#include "services/adapters/fhir/r4_elements.h"
#include "services/adapters/fhir/systems.h"

namespace throughcare::adapters::fhir {
namespace {

constexpr Names kBundleTypes = {"document",      "message",   "transaction",
                                "transaction-response", "batch", "batch-response",
                                "history",       "searchset", "collection"};
constexpr Names kHttpVerbs = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
// The resource types a Bundle may carry to this adapter.
constexpr Names kAccepted = {"Patient",           "Organization",      "Condition",
                             "MedicationStatement", "MedicationRequest", "CarePlan",
                             "Consent"};

bool IsUuidUrn(absl::string_view url) {
  if (!absl::ConsumePrefix(&url, "urn:uuid:") || url.size() != 36) return false;
  for (size_t i = 0; i < url.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? url[i] != '-' : !absl::ascii_isxdigit(url[i])) return false;
  }
  return true;
}

// Bundle.meta: the purpose of use is its one security label; the rest is ignored.
void ReadPurpose(const Json& bundle, BundleContext& context) {
  Reader& reader = context.reader;
  const Json* meta = reader.Member(bundle, "", "meta", true);
  if (meta == nullptr) return;
  reader.Object(*meta, "/meta", "Meta", {"security"},
                {"versionId", "lastUpdated", "source", "profile", "tag"});
  if (!meta->is_object()) return;
  const Json* security = reader.Array(*meta, "/meta", "security", true, 1);
  if (security == nullptr) return;
  auto coding = reader.Coding((*security)[0], "/meta/security/0");
  if (!coding.has_value()) return;
  std::optional<std::string> purpose = PurposeFromCoding(coding->first, coding->second);
  if (!purpose.has_value()) {
    reader.Fail("/meta/security/0",
                absl::StrCat("the purpose of use must be ", kActReasonSystem, " TREAT or a ",
                             kPurposeSystem, " code"));
    return;
  }
  context.purpose = *purpose;
}

void ReadRequest(const Json& entry, const std::string& where, absl::string_view type,
                 Reader& reader) {
  const Json* request = reader.Member(entry, where, "request", true);
  if (request == nullptr) return;
  std::string at = Pointer(where, "request");
  reader.Object(*request, at, "Bundle.Request", {"method", "url"}, {"ifNoneExist"});
  if (!request->is_object()) return;
  reader.Code(*request, at, "method", true, {"POST"}, kHttpVerbs);
  std::optional<std::string> url = reader.String(*request, at, "url", true, 256);
  if (url.has_value() && *url != type) {
    reader.Fail(Pointer(at, "url"), absl::StrCat("must be \"", type, "\" (a create of the entry's "
                                                 "resource)"));
  }
}

// Checks one entry's envelope and returns it, or nullopt after recording errors.
std::optional<Entry> ReadEntry(const Json& value, const std::string& where,
                               absl::flat_hash_set<std::string>& urls, Reader& reader) {
  reader.Object(value, where, "Bundle.Entry", {"fullUrl", "resource", "request"});
  if (!value.is_object()) return std::nullopt;
  Entry entry;
  entry.where = Pointer(where, "resource");
  std::optional<std::string> url = reader.String(value, where, "fullUrl", true, 64);
  if (url.has_value() && !IsUuidUrn(*url)) {
    reader.Fail(Pointer(where, "fullUrl"), "must be a urn:uuid: URL (8-4-4-4-12 hex digits)");
  } else if (url.has_value() && !urls.insert(*url).second) {
    reader.Fail(Pointer(where, "fullUrl"), "is the fullUrl of an earlier entry");
  }
  entry.resource = reader.Member(value, where, "resource", true);
  if (entry.resource == nullptr) return std::nullopt;
  if (!entry.resource->is_object()) {
    reader.Fail(entry.where, "must be an object");
    return std::nullopt;
  }
  std::optional<std::string> type = reader.String(*entry.resource, entry.where, "resourceType",
                                                  true, 64);
  if (!type.has_value()) return std::nullopt;
  std::string type_at = Pointer(entry.where, "resourceType");
  if (!IsR4ResourceType(*type)) {
    reader.Fail(type_at, absl::StrCat("unknown resource type \"", *type, "\""));
    return std::nullopt;
  }
  if (std::find(kAccepted.begin(), kAccepted.end(), *type) == kAccepted.end()) {
    reader.Fail(type_at, absl::StrCat("a Bundle may not contain a ", *type,
                                      " here: this adapter accepts Patient, Organization, "
                                      "Condition, MedicationStatement, MedicationRequest, "
                                      "CarePlan and Consent"));
    return std::nullopt;
  }
  ReadRequest(value, where, *type, reader);
  if (!url.has_value()) return std::nullopt;
  entry.full_url = *url;
  entry.type = *type;
  return entry;
}

void ReadEntries(const Json& bundle, BundleContext& context) {
  Reader& reader = context.reader;
  const Json* entries = reader.Array(bundle, "", "entry", true, kMaxEntries);
  if (entries == nullptr) return;
  absl::flat_hash_set<std::string> urls;
  for (size_t i = 0; i < entries->size(); ++i) {
    std::optional<Entry> entry = ReadEntry((*entries)[i], Pointer("/entry", i), urls, reader);
    if (entry.has_value()) context.entries.push_back(std::move(*entry));
  }
}

// The person: exactly one Patient entry.
const Entry* FindPatient(BundleContext& context) {
  const Entry* patient = nullptr;
  for (const Entry& entry : context.entries) {
    if (entry.type != "Patient") continue;
    if (patient != nullptr) {
      context.reader.Fail(entry.where, "a Bundle is about one person: a second Patient");
      continue;
    }
    patient = &entry;
  }
  if (patient == nullptr && context.reader.ok()) {
    context.reader.Fail("/entry", "required: one Patient entry, the person the Bundle is about");
  }
  return patient;
}

// Everything that maps to the health summary, as one PutRecordRequest.
void DecodeHealthSummary(BundleContext& context, std::vector<Operation>& out) {
  v1::HealthSummary summary;
  const Entry* first = nullptr;
  for (const Entry& entry : context.entries) {
    if (entry.type == "Condition") {
      DecodeCondition(entry, context, summary);
    } else if (entry.type == "MedicationStatement") {
      DecodeMedicationStatement(entry, context, summary);
    } else if (entry.type == "MedicationRequest") {
      DecodeMedicationRequest(entry, context, summary);
    } else if (entry.type == "Organization") {
      DecodeGeneralPractitioner(entry, context, summary);
    } else {
      continue;
    }
    if (first == nullptr) first = &entry;
  }
  if (first == nullptr) return;
  Operation operation;
  operation.source = first->where;
  operation.person = context.person;
  operation.idempotency_key = absl::StrCat(first->full_url, "#health_summary");
  v1::PutRecordRequest request;
  request.set_purpose(context.purpose);
  request.set_data_class("health");
  *request.mutable_body()->mutable_health_summary() = std::move(summary);
  operation.request = std::move(request);
  out.push_back(std::move(operation));
}

}  // namespace

const Entry* BundleContext::Find(absl::string_view full_url) const {
  for (const Entry& entry : entries) {
    if (entry.full_url == full_url) return &entry;
  }
  return nullptr;
}

void BundleContext::CheckPatientReference(const std::optional<std::string>& reference,
                                          const std::string& where) {
  if (reference.has_value() && !patient_url.empty() && *reference != patient_url) {
    reader.Fail(where, "must reference the Bundle's Patient by its fullUrl");
  }
}

Decoded DecodeBundle(absl::string_view bytes) {
  Decoded decoded;
  DecodeError parse_error;
  std::optional<Json> bundle = ParseStrict(bytes, parse_error);
  if (!bundle.has_value()) {
    decoded.errors.push_back(std::move(parse_error));
    return decoded;
  }
  BundleContext context;
  Reader& reader = context.reader;
  reader.Object(*bundle, "", "Bundle", {"resourceType", "type", "meta", "entry"},
                {"id", "identifier", "timestamp"});
  if (!bundle->is_object()) return {{}, reader.TakeErrors()};
  std::optional<std::string> type = reader.String(*bundle, "", "resourceType", true, 64);
  if (type.has_value() && *type != "Bundle") {
    reader.Fail("/resourceType", absl::StrCat("must be \"Bundle\", not \"", *type, "\""));
  }
  reader.Code(*bundle, "", "type", true, {"transaction", "batch"}, kBundleTypes);
  ReadPurpose(*bundle, context);
  ReadEntries(*bundle, context);
  const Entry* patient = FindPatient(context);
  if (patient != nullptr) DecodePatient(*patient, context, decoded.operations);
  // Every resource is read even after an error, so that one answer lists every problem.
  DecodeHealthSummary(context, decoded.operations);
  for (const Entry& entry : context.entries) {
    if (entry.type == "CarePlan") DecodeCarePlan(entry, context, decoded.operations);
    if (entry.type == "Consent") DecodeConsent(entry, context, decoded.operations);
  }
  if (!reader.ok()) {
    decoded.operations.clear();
    decoded.errors = reader.TakeErrors();
  }
  return decoded;
}

}  // namespace throughcare::adapters::fhir
