// Consent -> RecordConsentRequest: one permit provision (actor, purpose, class, period) and the
// evidence of consent (see consent_resource.h for the mapping both ways).
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/adapters/fhir/decode_context.h"
#include "services/adapters/fhir/json_input.h"
#include "services/adapters/fhir/systems.h"

namespace throughcare::adapters::fhir {
namespace {

constexpr Names kIgnored = {"id", "meta", "text", "language", "identifier", "dateTime"};
constexpr size_t kMaxRecipients = 60;
constexpr size_t kMaxCodes = 20;

// provision.actor[]: recipients, each an agency or an agency kind by identifier.
void ReadActor(const Json& actor, const std::string& at, Reader& reader,
               v1::RecordConsentRequest& request) {
  reader.Object(actor, at, "Consent.Actor", {"role", "reference"});
  if (!actor.is_object()) return;
  reader.ConceptCode(actor, at, "role", true, kParticipationTypeSystem, {"IRCP"});
  const Json* reference = reader.Member(actor, at, "reference", true);
  if (reference == nullptr) return;
  std::string ref_at = Pointer(at, "reference");
  reader.Object(*reference, ref_at, "Reference", {"identifier"}, {"display", "type"});
  if (!reference->is_object()) return;
  const Json* identifier = reader.Member(*reference, ref_at, "identifier", true);
  if (identifier == nullptr) return;
  std::string id_at = Pointer(ref_at, "identifier");
  reader.Object(*identifier, id_at, "Identifier", {"system", "value"});
  if (!identifier->is_object()) return;
  auto system = reader.String(*identifier, id_at, "system", true, 256);
  auto value = reader.String(*identifier, id_at, "value", true, 64);
  if (!system.has_value() || !value.has_value()) return;
  if (*system == kAgencySystem) {
    request.add_recipient_agencies(*value);
  } else if (*system == kAgencyKindSystem) {
    request.add_recipient_kinds(*value);
  } else {
    reader.Fail(Pointer(id_at, "system"), absl::StrCat("a recipient is an agency (", kAgencySystem,
                                                       ") or an agency kind (", kAgencyKindSystem,
                                                       ")"));
  }
}

void ReadCodings(const Json& provision, const std::string& at, absl::string_view key,
                 Reader& reader, const std::function<void(const std::string&,
                                                          const std::string&,
                                                          const std::string&)>& add) {
  const Json* codings = reader.Array(provision, at, key, true, kMaxCodes);
  if (codings == nullptr) return;
  for (size_t i = 0; i < codings->size(); ++i) {
    std::string coding_at = Pointer(Pointer(at, key), i);
    if (auto coding = reader.Coding((*codings)[i], coding_at)) {
      add(coding_at, coding->first, coding->second);
    }
  }
}

void ReadProvision(const Json& consent, const std::string& where, Reader& reader,
                   v1::RecordConsentRequest& request) {
  const Json* provision = reader.Member(consent, where, "provision", true);
  if (provision == nullptr) return;
  std::string at = Pointer(where, "provision");
  reader.Object(*provision, at, "Consent.Provision",
                {"type", "period", "actor", "purpose", "class"});
  if (!provision->is_object()) return;
  reader.Code(*provision, at, "type", true, {"permit"}, {"deny"});
  if (const Json* period = reader.Member(*provision, at, "period", true)) {
    std::string period_at = Pointer(at, "period");
    reader.Object(*period, period_at, "Period", {"start", "end"});
    if (period->is_object()) {
      auto start = reader.Instant(*period, period_at, "start", false);
      auto end = reader.Instant(*period, period_at, "end", true);
      if (start.has_value()) *request.mutable_valid_from() = *start;
      if (end.has_value()) *request.mutable_valid_until() = *end;
    }
  }
  if (const Json* actors = reader.Array(*provision, at, "actor", true, kMaxRecipients)) {
    for (size_t i = 0; i < actors->size(); ++i) {
      ReadActor((*actors)[i], Pointer(Pointer(at, "actor"), i), reader, request);
    }
  }
  ReadCodings(*provision, at, "purpose", reader,
              [&](const std::string& where, const std::string& system, const std::string& code) {
                auto purpose = PurposeFromCoding(system, code);
                if (purpose.has_value()) {
                  request.add_purposes(*purpose);
                } else {
                  reader.Fail(where, absl::StrCat("a purpose is ", kActReasonSystem,
                                                  " TREAT or a ", kPurposeSystem, " code"));
                }
              });
  ReadCodings(*provision, at, "class", reader,
              [&](const std::string& where, const std::string& system, const std::string& code) {
                if (system == kDataClassSystem) {
                  request.add_data_classes(code);
                } else {
                  reader.Fail(where, absl::StrCat("a data class is a ", kDataClassSystem,
                                                  " code"));
                }
              });
}

// Exactly one kind of evidence: sourceAttachment (a signed form, its title saying where it is
// kept), verification (given verbally, verifiedWith naming the witness) or performer (a
// representative, named with their standing).
void ReadEvidence(const Json& consent, const std::string& at, Reader& reader,
                  v1::RecordConsentRequest& request) {
  int kinds = 0;
  if (const Json* form = reader.Member(consent, at, "sourceAttachment", false)) {
    ++kinds;
    std::string form_at = Pointer(at, "sourceAttachment");
    reader.Object(*form, form_at, "Attachment", {"title"}, {"contentType", "creation"});
    if (form->is_object()) {
      request.set_evidence(v1::CONSENT_EVIDENCE_SIGNED_FORM);
      if (auto title = reader.String(*form, form_at, "title", true, 500)) {
        request.set_evidence_reference(*title);
      }
    }
  }
  if (const Json* checks = reader.Array(consent, at, "verification", false, 1)) {
    ++kinds;
    std::string check_at = Pointer(Pointer(at, "verification"), size_t{0});
    const Json& check = (*checks)[0];
    reader.Object(check, check_at, "Consent.Verification", {"verified", "verifiedWith"},
                  {"verificationDate"});
    if (check.is_object()) {
      request.set_evidence(v1::CONSENT_EVIDENCE_VERBAL_WITNESSED);
      auto verified = reader.Boolean(check, check_at, "verified", true);
      if (verified.has_value() && !*verified) {
        reader.Fail(Pointer(check_at, "verified"), "must be true: an unverified consent is none");
      }
      if (const Json* witness = reader.Member(check, check_at, "verifiedWith", true)) {
        auto name = reader.ReferenceDisplay(*witness, Pointer(check_at, "verifiedWith"), 1000);
        if (name.has_value()) request.set_evidence_detail(*name);
      }
    }
  }
  if (const Json* performers = reader.Array(consent, at, "performer", false, 1)) {
    ++kinds;
    request.set_evidence(v1::CONSENT_EVIDENCE_REPRESENTATIVE);
    auto name = reader.ReferenceDisplay((*performers)[0],
                                        Pointer(Pointer(at, "performer"), size_t{0}), 1000);
    if (name.has_value()) request.set_evidence_detail(*name);
  }
  if (kinds != 1) {
    reader.Fail(at, "the evidence of consent is exactly one of sourceAttachment (a signed form), "
                    "verification (verbal, witnessed) or performer (a representative)");
  }
}

}  // namespace

void DecodeConsent(const Entry& entry, BundleContext& context, std::vector<Operation>& out) {
  Reader& reader = context.reader;
  const Json& resource = *entry.resource;
  const std::string& at = entry.where;
  reader.Object(resource, at, "Consent",
                {"resourceType", "status", "scope", "category", "patient", "policyRule",
                 "provision", "sourceAttachment", "verification", "performer"},
                kIgnored);
  reader.Code(resource, at, "status", true, {"active"},
              {"draft", "proposed", "rejected", "inactive", "entered-in-error"});
  reader.ConceptCode(resource, at, "scope", true, kConsentScopeSystem, {"patient-privacy"});
  if (const Json* categories = reader.Array(resource, at, "category", true, 1)) {
    reader.ConceptCodeIn((*categories)[0], Pointer(Pointer(at, "category"), size_t{0}),
                         kLoincSystem, {kLoincPatientConsent});
  }
  reader.ConceptCode(resource, at, "policyRule", false, kActCodeSystem, {"OPTIN"});
  context.CheckPatientReference(reader.ReferenceTarget(resource, at, "patient", true),
                                Pointer(Pointer(at, "patient"), "reference"));
  v1::RecordConsentRequest request;
  request.set_purpose(context.purpose);
  ReadProvision(resource, at, reader, request);
  ReadEvidence(resource, at, reader, request);
  Operation operation;
  operation.source = at;
  operation.person = context.person;
  operation.idempotency_key = entry.full_url;
  operation.request = std::move(request);
  out.push_back(std::move(operation));
}

}  // namespace throughcare::adapters::fhir
