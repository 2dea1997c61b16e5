#include "tests/crash/harness_clients.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "throughcare/status_macros.h"
#include "throughcare/v1/consent.grpc.pb.h"
#include "throughcare/v1/subjects.grpc.pb.h"

namespace throughcare::crash {

// Reception registers the person and records custody, so the prison's CARAT works with them.
absl::StatusOr<std::string> RegisterPersonInCustody(const Client& reception) {
  auto stub = v1::SubjectService::NewStub(reception.channel());
  v1::RegisterSubjectRequest person;
  person.set_purpose(reception.actor().purpose);
  person.add_identifiers()->set_kind(v1::IDENTIFIER_KIND_NOMS);
  person.mutable_identifiers(0)->set_value("A1234BC");
  ASSIGN_OR_RETURN(v1::Subject subject, Unary<v1::Subject>(reception, [&](auto* ctx, auto* out) {
                     return stub->RegisterSubject(ctx, person, out);
                   }));
  v1::StartRelationshipRequest custody;
  custody.set_purpose(reception.actor().purpose);
  custody.set_subject_id(subject.subject_id());
  custody.set_kind(v1::RELATIONSHIP_KIND_CUSTODY);
  RETURN_IF_ERROR(Unary<v1::Relationship>(reception, [&](auto* ctx, auto* out) {
                    return stub->StartRelationship(ctx, custody, out);
                  }).status());
  return subject.subject_id();
}

// The person's consent to CARAT sharing drug data with the CJIT for direct care.
absl::Status RecordConsentToCjit(const Client& carat, const std::string& subject_id) {
  auto stub = v1::ConsentService::NewStub(carat.channel());
  v1::RecordConsentRequest req;
  req.set_purpose(carat.actor().purpose);
  req.set_subject_id(subject_id);
  req.add_data_classes("drugs");
  req.add_recipient_agencies(kCjit.agency);
  req.add_purposes(kCarat.purpose);
  req.mutable_valid_until()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
  req.set_evidence(v1::CONSENT_EVIDENCE_SIGNED_FORM);
  req.set_evidence_reference("crash harness consent (synthetic)");
  return Unary<v1::Consent>(
             carat, [&](auto* ctx, auto* out) { return stub->RecordConsent(ctx, req, out); })
      .status();
}

// The message sent under `key`: small, and the same every time, so a retry is a replay.
v1::SendRequest MessageFor(const std::string& subject_id, const std::string& key) {
  v1::SendRequest req;
  req.set_purpose(kCarat.purpose);
  req.add_recipient_agencies(kCjit.agency);
  req.set_subject_id(subject_id);
  req.set_idempotency_key(key);
  req.set_correlation_id("crash-harness");
  // Assessed 30 days before the harness started: one date for the whole run, so that a retry
  // after midnight is still a replay.
  static const std::string assessed =
      absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 30);
  v1::InlineRecord* record = req.mutable_inline_record();
  record->set_data_class("drugs");
  v1::DrugInterventionsRecord* dir = record->mutable_body()->mutable_drug_interventions_record();
  dir->set_assessment_date(assessed);
  dir->add_substances("heroin");
  return req;
}

// What GetStatus, asked as the sender, says about a message's one recipient.
BrokerView AskBroker(const Client& carat, v1::MessagingService::Stub& stub,
                     const std::string& message_id) {
  v1::GetStatusRequest req;
  req.set_message_id(message_id);
  absl::StatusOr<v1::MessageStatus> status = Unary<v1::MessageStatus>(
      carat, [&](auto* ctx, auto* out) { return stub.GetStatus(ctx, req, out); });
  if (absl::IsNotFound(status.status())) return {"UNKNOWN", "no such message"};
  if (!status.ok()) {
    return {"ERROR", absl::StrCat(absl::StatusCodeToString(status.status().code()), ": ",
                                  status.status().message())};
  }
  if (status->recipients_size() != 1) {
    return {"ERROR", absl::StrCat(status->recipients_size(), " recipients")};
  }
  const v1::RecipientStatus& r = status->recipients(0);
  const std::string& name = v1::DeliveryState_Name(r.state());
  return {std::string(absl::StripPrefix(name, "DELIVERY_STATE_")),
          absl::StrCat(r.attempts(), " attempts")};
}

}  // namespace throughcare::crash
