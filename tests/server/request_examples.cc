#include "tests/server/request_examples.h"

#include <utility>

#include "services/server/validate_referrals.h"
#include "tests/server/validate_testing.h"
#include "throughcare/v1/admin.pb.h"
#include "throughcare/v1/audit.pb.h"
#include "throughcare/v1/diagnostics.pb.h"
#include "throughcare/v1/subjects.pb.h"

namespace throughcare::server::testing {
namespace {

// Collects examples, named "<Service>.<Method>[.<variant>]".
class Examples {
 public:
  template <typename Request>
  void Add(const std::string& service, const std::string& method, Request request,
           const std::string& variant = "") {
    out_.push_back({variant.empty() ? absl::StrCat(service, ".", method)
                                    : absl::StrCat(service, ".", method, ".", variant),
                    absl::StrCat("/throughcare.v1.", service, "/", method),
                    std::make_shared<Request>(std::move(request))});
  }
  std::vector<RequestExample> Take() { return std::move(out_); }

 private:
  std::vector<RequestExample> out_;
};

v1::Identifier Identifier(v1::IdentifierKind kind, const std::string& value) {
  v1::Identifier id;
  id.set_kind(kind);
  id.set_value(value);
  return id;
}

google::protobuf::Timestamp Seconds(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

v1::PutRecordRequest Record(const std::string& data_class) {
  v1::PutRecordRequest req;
  req.set_purpose("direct_care");
  req.set_subject_id(Id("sub"));
  req.set_data_class(data_class);
  return req;
}

void AddRecordExamples(Examples& out) {
  out.Add("RecordService", "PutRecord", HealthSummary(), "health_summary");
  out.Add("RecordService", "PutRecord", Dir(), "drug_interventions_record");
  v1::PutRecordRequest plan = Record("drugs");
  plan.set_record_id(Id("rec"));
  plan.set_expected_version(2);
  v1::CarePlan* p = plan.mutable_body()->mutable_care_plan();
  p->set_summary("Stabilise on methadone; housing first");
  v1::CarePlan::Goal* goal = p->add_goals();
  goal->set_description("attend the CJIT within a day of release");
  goal->set_owner("CARAT worker");
  goal->set_due_date("2026-12-04");
  p->set_review_date("2027-01-15");
  out.Add("RecordService", "PutRecord", plan, "care_plan");
  v1::PutRecordRequest release = Record("custody");
  v1::ReleaseNotification* r = release.mutable_body()->mutable_release_notification();
  r->set_release_date("2026-12-03");
  r->set_release_type("licence");
  r->set_releasing_establishment("HMP Northgate");
  r->set_release_area("E99999001");
  r->set_notes("Collected at the gate");
  r->set_victim_licence_conditions("No contact with the victim");
  out.Add("RecordService", "PutRecord", release, "release_notification");
  v1::PutRecordRequest housing = Record("accommodation");
  v1::AccommodationNeed* a = housing.mutable_body()->mutable_accommodation_need();
  a->set_current_status("no fixed abode");
  a->set_need_by_date("2026-12-03");
  a->set_local_authority("E99999001");
  a->set_notes("Priority need assessed");
  a->set_exclusion_zones("North Ward");
  out.Add("RecordService", "PutRecord", housing, "accommodation_need");
  v1::PutRecordRequest risk = Record("risk");
  risk.add_labels("mappa");
  v1::RiskSummary* k = risk.mutable_body()->mutable_risk_summary();
  k->set_risk_of_serious_harm(v1::RiskSummary::LEVEL_HIGH);
  k->set_mappa_category(2);
  k->set_mappa_level(1);
  k->set_visor_reference("VR-1234");
  k->set_summary("Risk to known adults");
  k->set_victim_details("A former partner");
  out.Add("RecordService", "PutRecord", risk, "risk_summary");

  v1::GetRecordRequest get;
  get.set_purpose("direct_care");
  get.set_record_id(Id("rec"));
  get.set_version(2);
  get.set_break_glass_reason("Risk to a child reported out of hours; needed now.");
  out.Add("RecordService", "GetRecord", get);
  v1::ListRecordsRequest list;
  list.set_purpose("direct_care");
  list.set_subject_id(Id("sub"));
  list.set_break_glass_reason("Risk to a child reported out of hours; needed now.");
  out.Add("RecordService", "ListRecords", list);
}

void AddErasureExamples(Examples& out) {
  v1::EraseRecordRequest record;
  record.set_purpose("data_protection");
  record.set_record_id(Id("rec"));
  record.set_reason("Erasure request ER-2291, upheld");
  out.Add("RecordService", "EraseRecord", record);
  v1::EraseSubjectRequest subject;
  subject.set_purpose("data_protection");
  subject.set_subject_id(Id("sub"));
  subject.set_reason("Erasure request ER-2292, upheld");
  out.Add("RecordService", "EraseSubject", subject);
  v1::ListErasuresRequest list;
  list.set_purpose("data_protection");
  *list.mutable_from_time() = Seconds(1000);
  *list.mutable_until_time() = Seconds(2000);
  list.mutable_page()->set_page_size(10);
  list.mutable_page()->set_page_token("5");
  out.Add("RecordService", "ListErasures", list);
}

void AddSubjectExamples(Examples& out) {
  v1::RegisterSubjectRequest reg;
  reg.set_purpose("offender_management");
  *reg.add_identifiers() = Identifier(v1::IDENTIFIER_KIND_NOMS, "A1234BC");
  *reg.add_identifiers() = Identifier(v1::IDENTIFIER_KIND_CRN, "X123456");
  *reg.add_identifiers() = Identifier(v1::IDENTIFIER_KIND_PNC, "20/1234567Z");
  *reg.add_identifiers() = Identifier(v1::IDENTIFIER_KIND_NHS_NUMBER, "943 476 5919");
  *reg.add_identifiers() =
      Identifier(v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF, "E06000018/HX-1234");
  reg.set_home_area("E99999001");
  out.Add("SubjectService", "RegisterSubject", reg);
  v1::GetSubjectRequest get;
  get.set_purpose("offender_management");
  get.set_subject_id(Id("sub"));
  out.Add("SubjectService", "GetSubject", get);
  v1::ResolveIdentifierRequest resolve;
  resolve.set_purpose("offender_management");
  *resolve.mutable_identifier() = Identifier(v1::IDENTIFIER_KIND_NOMS, "A1234BC");
  out.Add("SubjectService", "ResolveIdentifier", resolve);
  v1::LinkIdentifierRequest link;
  link.set_purpose("offender_management");
  link.set_subject_id(Id("sub"));
  *link.mutable_identifier() = Identifier(v1::IDENTIFIER_KIND_CRN, "X123456");
  out.Add("SubjectService", "LinkIdentifier", link);
  v1::UnlinkIdentifierRequest unlink;
  unlink.set_purpose("offender_management");
  unlink.set_subject_id(Id("sub"));
  *unlink.mutable_identifier() = Identifier(v1::IDENTIFIER_KIND_CRN, "X123456");
  out.Add("SubjectService", "UnlinkIdentifier", unlink);
  v1::SetHomeAreaRequest area;
  area.set_purpose("offender_management");
  area.set_subject_id(Id("sub"));
  area.set_home_area("E99999001");
  out.Add("SubjectService", "SetHomeArea", area);
  v1::StartRelationshipRequest start;
  start.set_purpose("offender_management");
  start.set_subject_id(Id("sub"));
  start.set_kind(v1::RELATIONSHIP_KIND_CUSTODY);
  start.set_for_me(true);
  start.set_note("Received into custody from court");
  out.Add("SubjectService", "StartRelationship", start);
  v1::EndRelationshipRequest end;
  end.set_purpose("offender_management");
  end.set_relationship_id(Id("rel"));
  out.Add("SubjectService", "EndRelationship", end);
  v1::ListRelationshipsRequest list;
  list.set_purpose("offender_management");
  list.set_subject_id(Id("sub"));
  out.Add("SubjectService", "ListRelationships", list);
}

void AddConsentExamples(Examples& out) {
  v1::RecordConsentRequest consent = SignedConsent();
  consent.add_recipient_kinds("cjit");
  consent.set_evidence_detail("Signed in the healthcare unit");
  out.Add("ConsentService", "RecordConsent", consent);
  v1::WithdrawConsentRequest withdraw;
  withdraw.set_purpose("direct_care");
  withdraw.set_consent_id(Id("con"));
  withdraw.set_reason("Withdrawn at review");
  out.Add("ConsentService", "WithdrawConsent", withdraw);
  v1::ListConsentsRequest list;
  list.set_purpose("direct_care");
  list.set_subject_id(Id("sub"));
  list.set_include_history(true);
  out.Add("ConsentService", "ListConsents", list);
  v1::CheckAccessRequest by_record;
  by_record.set_purpose("audit");
  by_record.set_subject_id(Id("sub"));
  by_record.set_record_id(Id("rec"));
  by_record.set_action("record.read");
  by_record.set_break_glass_reason("Risk to a child reported out of hours; needed now.");
  by_record.set_as_agency("housing-east");
  by_record.set_as_user("housing-officer-1");
  by_record.set_as_role("housing_officer");
  by_record.set_access_purpose("resettlement");
  out.Add("ConsentService", "CheckAccess", by_record, "record");
  v1::CheckAccessRequest by_class;
  by_class.set_purpose("direct_care");
  by_class.set_subject_id(Id("sub"));
  by_class.set_data_class("health");
  out.Add("ConsentService", "CheckAccess", by_class, "data_class");
}

void AddMessagingExamples(Examples& out) {
  v1::SendRequest send = InlineSend();
  send.add_records()->set_record_id(Id("rec"));
  send.mutable_records(0)->set_version(3);
  send.set_correlation_id("ref_1");
  send.mutable_time_to_live()->set_seconds(3600);
  out.Add("MessagingService", "Send", send);
  v1::SubscribeRequest subscribe;
  subscribe.set_credit(10);
  subscribe.mutable_lease()->set_seconds(30);
  out.Add("MessagingService", "Subscribe", subscribe);
  v1::ReceiveRequest receive;
  receive.set_max_messages(10);
  receive.mutable_lease()->set_seconds(30);
  out.Add("MessagingService", "Receive", receive);
  v1::AckRequest ack;
  v1::Settlement* done = ack.add_settlements();
  done->set_lease_id(Id("lse", 'a'));
  done->mutable_ack();
  v1::Settlement* later = ack.add_settlements();
  later->set_lease_id(Id("lse", 'b'));
  later->mutable_nack()->mutable_retry_after()->set_seconds(600);
  later->mutable_nack()->set_reason("case system down");
  v1::Settlement* never = ack.add_settlements();
  never->set_lease_id(Id("lse", 'c'));
  never->mutable_reject()->set_reason("not a person we work with");
  out.Add("MessagingService", "Ack", ack);
  v1::GetStatusRequest status;
  status.set_message_id(Id("msg"));
  out.Add("MessagingService", "GetStatus", status);
}

void AddReferralExamples(Examples& out) {
  v1::ResolveRecipientRequest resolve;
  resolve.set_purpose("direct_care");
  resolve.set_referral_type("drug_treatment_on_release");
  resolve.set_home_area("E99999001");
  out.Add("ReferralService", "ResolveRecipient", resolve);
  out.Add("ReferralService", "CreateReferral", OnRelease());
  v1::TransitionReferralRequest move;
  move.set_purpose("direct_care");
  move.set_referral_id(Id("ref"));
  move.set_to(v1::REFERRAL_STATE_DECLINED);
  move.set_reason("Outside our area");
  out.Add("ReferralService", "TransitionReferral", move);
  v1::GetReferralRequest get;
  get.set_purpose("direct_care");
  get.set_referral_id(Id("ref"));
  out.Add("ReferralService", "GetReferral", get);
  v1::ListReferralsRequest list;
  list.set_purpose("direct_care");
  list.set_subject_id(Id("sub"));
  list.set_open_only(true);
  list.set_overdue_only(true);
  list.mutable_page()->set_page_size(10);
  list.mutable_page()->set_page_token(
      ReferralPageToken(ReferralCursor{absl::FromUnixMicros(1767225600123456), Id("ref")}));
  out.Add("ReferralService", "ListReferrals", list);
  v1::RecordReleaseRequest release;
  release.set_purpose("offender_management");
  release.set_subject_id(Id("sub"));
  release.set_release_date("2026-12-03");
  out.Add("ReferralService", "RecordRelease", release);
  v1::GetReferralReportRequest report;
  report.set_purpose("performance_reporting");
  *report.mutable_from() = Seconds(1767225600);
  *report.mutable_until() = Seconds(1767225600 + 30 * 86400);
  report.set_referral_type("drug_treatment_on_release");
  report.set_by_receiving_agency(true);
  out.Add("ReferralService", "GetReferralReport", report);
}

void AddAuditExamples(Examples& out) {
  v1::QueryAuditLogRequest query;
  query.set_purpose("audit");
  query.set_subject_id(Id("sub"));
  query.set_agency_id("housing-east");
  query.set_user_id("housing-officer-1");
  query.set_action("record.read");
  query.set_decision(v1::DECISION_DENY);
  *query.mutable_from_time() = Seconds(1000);
  *query.mutable_until_time() = Seconds(2000);
  query.mutable_page()->set_page_size(10);
  query.mutable_page()->set_page_token("41");
  query.set_record_id(Id("rec"));
  query.set_access_purpose("resettlement");
  query.set_outcome("PERMISSION_DENIED");
  query.set_basis_prefix("consent");
  query.set_break_glass_only(true);
  query.set_system_id("housing-east-case-system");
  out.Add("AuditService", "QueryAuditLog", query);
  v1::ExportAuditLogRequest export_log;
  export_log.set_purpose("audit");
  export_log.set_after_seq(2);
  export_log.set_tree_size(10);
  out.Add("AuditService", "ExportAuditLog", export_log);
  v1::GetCheckpointRequest checkpoint;
  checkpoint.set_purpose("audit");
  checkpoint.set_tree_size(5);
  out.Add("AuditService", "GetCheckpoint", checkpoint);
  v1::GetInclusionProofRequest inclusion;
  inclusion.set_purpose("audit");
  inclusion.set_seq(3);
  inclusion.set_tree_size(5);
  out.Add("AuditService", "GetInclusionProof", inclusion);
  v1::GetConsistencyProofRequest consistency;
  consistency.set_purpose("audit");
  consistency.set_from_size(3);
  consistency.set_to_size(5);
  out.Add("AuditService", "GetConsistencyProof", consistency);
  v1::GetProofBundleRequest bundle;
  bundle.set_purpose("audit");
  bundle.set_seq(3);
  out.Add("AuditService", "GetProofBundle", bundle);
  v1::AddCosignatureRequest cosign;
  cosign.set_purpose("audit");
  cosign.set_tree_size(5);
  cosign.set_signature_line("\xE2\x80\x94 witness/probation-east AAAAAA==");
  out.Add("AuditService", "AddCosignature", cosign);
  v1::ListReviewItemsRequest reviews;
  reviews.set_purpose("audit");
  reviews.set_include_closed(true);
  reviews.mutable_page()->set_page_size(10);
  reviews.mutable_page()->set_page_token("17");
  out.Add("AuditService", "ListReviewItems", reviews);
  v1::CloseReviewItemRequest close;
  close.set_purpose("audit");
  close.set_review_id(Id("rev"));
  close.set_outcome(v1::REVIEW_OUTCOME_JUSTIFIED);
  close.set_note("Confirmed with the offender manager");
  out.Add("AuditService", "CloseReviewItem", close);
  v1::GetSubjectAccessReportRequest report;
  report.set_purpose("audit");
  report.set_subject_id(Id("sub"));
  *report.mutable_from_time() = Seconds(1000);
  *report.mutable_until_time() = Seconds(2000);
  out.Add("AuditService", "GetSubjectAccessReport", report);
}

}  // namespace

RequestContext ExampleContext() {
  return RequestContext{DemoPolicy(), DemoAgencies(), "hmp-northgate"};
}

v1::RecordConsentRequest SignedConsent() {
  v1::RecordConsentRequest req;
  req.set_purpose("direct_care");
  req.set_subject_id(Id("sub"));
  req.add_data_classes("health");
  req.add_recipient_agencies("probation-east");
  req.add_purposes("offender_management");
  req.mutable_valid_from()->set_seconds(1000);
  req.mutable_valid_until()->set_seconds(2000);
  req.set_evidence(v1::CONSENT_EVIDENCE_SIGNED_FORM);
  req.set_evidence_reference("HC file 2024/117");
  return req;
}

v1::SendRequest InlineSend() {
  v1::SendRequest req;
  req.set_purpose("direct_care");
  req.add_recipient_agencies("cjit-east");
  req.set_subject_id(Id("sub"));
  req.set_idempotency_key("send-1");
  v1::InlineRecord* record = req.mutable_inline_record();
  record->set_data_class("drugs");
  record->add_labels("not_convicted");
  v1::DrugInterventionsRecord* dir = record->mutable_body()->mutable_drug_interventions_record();
  dir->set_assessment_date("2026-11-02");
  dir->add_substances("heroin");
  return req;
}

v1::PutRecordRequest HealthSummary() {
  v1::PutRecordRequest req = Record("health");
  req.add_labels("sealed");
  v1::HealthSummary* b = req.mutable_body()->mutable_health_summary();
  b->add_conditions()->set_name("asthma");
  b->mutable_conditions(0)->set_since("2019-04-01");
  v1::HealthSummary::Prescription* p = b->add_prescriptions();
  p->set_medicine("salbutamol");
  p->set_dose("100 micrograms");
  p->set_frequency("as needed");
  p->set_prescriber("HMP Northgate healthcare");
  b->mutable_gp()->set_practice_name("Northgate Surgery");
  b->mutable_gp()->set_ods_code("A81001");
  b->set_notes("Inhaler in property");
  return req;
}

v1::PutRecordRequest Dir() {
  v1::PutRecordRequest req = Record("drugs");
  v1::DrugInterventionsRecord* dir = req.mutable_body()->mutable_drug_interventions_record();
  dir->set_assessment_date("2026-11-02");
  dir->add_substances("heroin");
  dir->add_substances("crack cocaine");
  dir->set_injecting(true);
  dir->set_treatment_status("in treatment");
  dir->set_treatment_provider("Northgate CARAT");
  dir->set_prescribing("methadone 60 ml daily");
  dir->set_notes(std::string(4000, 'n'));
  return req;
}

v1::CreateReferralRequest OnRelease() {
  v1::CreateReferralRequest req;
  req.set_purpose("direct_care");
  req.set_referral_type("drug_treatment_on_release");
  req.set_subject_id(Id("sub"));
  req.add_records()->set_record_id(Id("rec"));
  req.set_event_date("2026-12-03");
  req.set_note("Release planned; methadone script to continue");
  req.set_idempotency_key("referral-1");
  req.set_recipient_agency("cjit-east");
  return req;
}

std::vector<RequestExample> RequestExamples() {
  Examples out;
  v1::ReloadPolicyRequest reload;
  reload.set_purpose("audit");
  out.Add("AdminService", "ReloadPolicy", reload);
  out.Add("AdminService", "Discover", v1::DiscoverRequest());
  AddAuditExamples(out);
  AddConsentExamples(out);
  v1::EchoRequest echo;
  echo.set_payload("ping");
  out.Add("DiagnosticsService", "Echo", echo);
  out.Add("DiagnosticsService", "GetStats", v1::GetStatsRequest());
  AddMessagingExamples(out);
  AddRecordExamples(out);
  AddErasureExamples(out);
  AddReferralExamples(out);
  AddSubjectExamples(out);
  return out.Take();
}

}  // namespace throughcare::server::testing
