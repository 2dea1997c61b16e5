#include "services/server/validate_rpcs.h"

#include <google/protobuf/descriptor.h>

#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/server/validate_audit.h"
#include "services/server/validate_consent.h"
#include "services/server/validate_messaging.h"
#include "services/server/validate_records.h"
#include "services/server/validate_referrals.h"
#include "services/server/validate_subjects.h"
#include "throughcare/v1/admin.pb.h"
#include "throughcare/status_macros.h"
#include "throughcare/v1/diagnostics.pb.h"

namespace throughcare::server {
namespace {

using Context = RequestContext;

// The edge's check of the declared purpose, for requests that have one.
absl::Status CheckPurpose(const google::protobuf::Message& request, const policy::Policy& policy) {
  const google::protobuf::FieldDescriptor* purpose =
      request.GetDescriptor()->FindFieldByName("purpose");
  if (purpose == nullptr) return absl::OkStatus();
  return ValidatePurpose(request.GetReflection()->GetString(request, purpose), policy);
}

template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}
absl::Status StatusOf(const absl::Status& status) { return status; }

// An entry for `Request`s of `service`.`method`: the purpose, then `check(request)` or
// `check(request, context)`, which returns a Status or a StatusOr of the domain call's parameters.
template <typename Request, typename Check>
RpcValidator Rpc(absl::string_view service, absl::string_view method, Check check) {
  return RpcValidator{
      absl::StrCat("/throughcare.v1.", service, "/", method), &Request::default_instance(),
      [check](const google::protobuf::Message& message, const Context& context) {
        RETURN_IF_ERROR(CheckPurpose(message, context.policy));
        const auto& request = static_cast<const Request&>(message);
        if constexpr (std::is_invocable_v<Check, const Request&>) {
          return StatusOf(check(request));
        } else {
          return StatusOf(check(request, context));
        }
      }};
}

// A request whose only check is the purpose (or the handler's own, for Echo's payload).
template <typename Request>
RpcValidator PurposeOnly(absl::string_view service, absl::string_view method) {
  return Rpc<Request>(service, method, [](const Request&) { return absl::OkStatus(); });
}

void AddSubjectService(std::vector<RpcValidator>& out) {
  constexpr absl::string_view s = "SubjectService";
  out.push_back(Rpc<v1::RegisterSubjectRequest>(
      s, "RegisterSubject", [](const auto& r) { return ValidateRegisterSubject(r); }));
  out.push_back(Rpc<v1::GetSubjectRequest>(s, "GetSubject", [](const auto& r) {
    return ValidateSubjectId(r.subject_id(), "subject_id");
  }));
  out.push_back(Rpc<v1::ResolveIdentifierRequest>(
      s, "ResolveIdentifier",
      [](const auto& r) { return ValidateIdentifier(r.identifier(), "identifier"); }));
  out.push_back(Rpc<v1::LinkIdentifierRequest>(
      s, "LinkIdentifier", [](const auto& r) { return ValidateLinkIdentifier(r); }));
  out.push_back(Rpc<v1::UnlinkIdentifierRequest>(
      s, "UnlinkIdentifier",
      [](const auto& r) { return ValidateUnlinkIdentifier(r); }));
  out.push_back(Rpc<v1::SetHomeAreaRequest>(
      s, "SetHomeArea", [](const auto& r) { return ValidateSetHomeArea(r); }));
  out.push_back(Rpc<v1::StartRelationshipRequest>(
      s, "StartRelationship",
      [](const auto& r) { return ValidateStartRelationship(r); }));
  out.push_back(Rpc<v1::EndRelationshipRequest>(s, "EndRelationship", [](const auto& r) {
    return ValidateOpaqueId(r.relationship_id(), "rel", "relationship_id");
  }));
  out.push_back(
      Rpc<v1::ListRelationshipsRequest>(s, "ListRelationships", [](const auto& r) {
        return ValidateSubjectId(r.subject_id(), "subject_id");
      }));
}

void AddRecordService(std::vector<RpcValidator>& out) {
  constexpr absl::string_view s = "RecordService";
  out.push_back(Rpc<v1::PutRecordRequest>(s, "PutRecord", [](const auto& r, const Context& c) {
    return ValidatePutRecord(r, c.policy);
  }));
  out.push_back(Rpc<v1::GetRecordRequest>(
      s, "GetRecord", [](const auto& r) { return ValidateGetRecord(r); }));
  out.push_back(Rpc<v1::ListRecordsRequest>(
      s, "ListRecords", [](const auto& r) { return ValidateListRecords(r); }));
  out.push_back(Rpc<v1::EraseRecordRequest>(
      s, "EraseRecord", [](const auto& r) { return ValidateEraseRecord(r); }));
  out.push_back(Rpc<v1::EraseSubjectRequest>(
      s, "EraseSubject", [](const auto& r) { return ValidateEraseSubject(r); }));
  out.push_back(Rpc<v1::ListErasuresRequest>(
      s, "ListErasures", [](const auto& r) { return ValidateListErasures(r); }));
}

void AddAuditService(std::vector<RpcValidator>& out) {
  constexpr absl::string_view s = "AuditService";
  out.push_back(Rpc<v1::QueryAuditLogRequest>(
      s, "QueryAuditLog", [](const auto& r) { return ValidateQueryAuditLog(r); }));
  out.push_back(Rpc<v1::ExportAuditLogRequest>(
      s, "ExportAuditLog", [](const auto& r) { return ValidateExportAuditLog(r); }));
  out.push_back(Rpc<v1::GetCheckpointRequest>(
      s, "GetCheckpoint", [](const auto& r) { return ValidateGetCheckpoint(r); }));
  out.push_back(Rpc<v1::GetInclusionProofRequest>(
      s, "GetInclusionProof",
      [](const auto& r) { return ValidateGetInclusionProof(r); }));
  out.push_back(Rpc<v1::GetConsistencyProofRequest>(
      s, "GetConsistencyProof",
      [](const auto& r) { return ValidateGetConsistencyProof(r); }));
  out.push_back(Rpc<v1::GetProofBundleRequest>(
      s, "GetProofBundle", [](const auto& r) { return ValidateGetProofBundle(r); }));
  out.push_back(Rpc<v1::AddCosignatureRequest>(
      s, "AddCosignature", [](const auto& r) { return ValidateAddCosignature(r); }));
  out.push_back(Rpc<v1::ListReviewItemsRequest>(
      s, "ListReviewItems", [](const auto& r) { return ValidateListReviewItems(r); }));
  out.push_back(Rpc<v1::CloseReviewItemRequest>(
      s, "CloseReviewItem", [](const auto& r) { return ValidateCloseReviewItem(r); }));
  out.push_back(Rpc<v1::GetSubjectAccessReportRequest>(
      s, "GetSubjectAccessReport",
      [](const auto& r) { return ValidateGetSubjectAccessReport(r); }));
}

void AddConsentService(std::vector<RpcValidator>& out) {
  constexpr absl::string_view s = "ConsentService";
  out.push_back(Rpc<v1::RecordConsentRequest>(s, "RecordConsent", [](const auto& r, const auto& c) {
    return ValidateRecordConsent(r, c.policy, c.agencies);
  }));
  out.push_back(Rpc<v1::WithdrawConsentRequest>(
      s, "WithdrawConsent", [](const auto& r) { return ValidateWithdrawConsent(r); }));
  out.push_back(Rpc<v1::ListConsentsRequest>(s, "ListConsents", [](const auto& r) {
    return ValidateSubjectId(r.subject_id(), "subject_id");
  }));
  out.push_back(Rpc<v1::CheckAccessRequest>(s, "CheckAccess", [](const auto& r, const Context& c) {
    return ValidateCheckAccess(r, c.policy, c.agencies);
  }));
}

void AddMessagingService(std::vector<RpcValidator>& out) {
  constexpr absl::string_view s = "MessagingService";
  out.push_back(Rpc<v1::SendRequest>(s, "Send", [](const auto& r, const Context& c) {
    return ValidateSend(r, c.policy, c.agencies, c.caller_agency);
  }));
  out.push_back(Rpc<v1::SubscribeRequest>(s, "Subscribe", [](const auto& r) {
    return ValidateSubscribeRequest(r, /*first=*/true);
  }));
  out.push_back(Rpc<v1::ReceiveRequest>(
      s, "Receive", [](const auto& r) { return ValidateReceive(r); }));
  out.push_back(
      Rpc<v1::AckRequest>(s, "Ack", [](const auto& r) { return ValidateAck(r); }));
  out.push_back(Rpc<v1::GetStatusRequest>(
      s, "GetStatus", [](const auto& r) { return ValidateGetStatus(r); }));
}

void AddReferralService(std::vector<RpcValidator>& out) {
  constexpr absl::string_view s = "ReferralService";
  out.push_back(Rpc<v1::ResolveRecipientRequest>(
      s, "ResolveRecipient",
      [](const auto& r) { return ValidateResolveRecipient(r); }));
  out.push_back(Rpc<v1::CreateReferralRequest>(
      s, "CreateReferral", [](const auto& r) { return ValidateCreateReferral(r); }));
  out.push_back(Rpc<v1::TransitionReferralRequest>(
      s, "TransitionReferral",
      [](const auto& r) { return ValidateTransitionReferral(r); }));
  out.push_back(Rpc<v1::GetReferralRequest>(
      s, "GetReferral", [](const auto& r) { return ValidateGetReferral(r); }));
  out.push_back(Rpc<v1::ListReferralsRequest>(
      s, "ListReferrals", [](const auto& r) { return ValidateListReferrals(r); }));
  out.push_back(Rpc<v1::RecordReleaseRequest>(
      s, "RecordRelease", [](const auto& r) { return ValidateRecordRelease(r); }));
  out.push_back(Rpc<v1::GetReferralReportRequest>(
      s, "GetReferralReport",
      [](const auto& r) { return ValidateGetReferralReport(r); }));
}

std::vector<RpcValidator> MakeRpcValidators() {
  std::vector<RpcValidator> out;
  out.push_back(PurposeOnly<v1::ReloadPolicyRequest>("AdminService", "ReloadPolicy"));
  out.push_back(PurposeOnly<v1::DiscoverRequest>("AdminService", "Discover"));
  AddAuditService(out);
  AddConsentService(out);
  out.push_back(PurposeOnly<v1::EchoRequest>("DiagnosticsService", "Echo"));
  out.push_back(PurposeOnly<v1::GetStatsRequest>("DiagnosticsService", "GetStats"));
  AddMessagingService(out);
  AddRecordService(out);
  AddReferralService(out);
  AddSubjectService(out);
  return out;
}

}  // namespace

const std::vector<RpcValidator>& RpcValidators() {
  static const auto* validators = new std::vector<RpcValidator>(MakeRpcValidators());
  return *validators;
}

const RpcValidator* FindRpcValidator(absl::string_view method) {
  for (const RpcValidator& v : RpcValidators()) {
    if (v.method == method) return &v;
  }
  return nullptr;
}

}  // namespace throughcare::server
