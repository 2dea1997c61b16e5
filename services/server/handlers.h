// The gRPC handlers: thin translators. Each method validates the request (validate_*.h, one per
// service), calls one domain service and converts the reply (convert.h); Edge does
// authentication and finishing.
#ifndef THROUGHCARE_SERVICES_SERVER_HANDLERS_H_
#define THROUGHCARE_SERVICES_SERVER_HANDLERS_H_

#include <functional>
#include <map>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/audit/audit_service.h"
#include "services/consent/consent_service.h"
#include "services/messaging/messaging_service.h"
#include "services/admin/policy_admin.h"
#include "services/referrals/referral_service.h"
#include "services/records/record_service.h"
#include "services/server/config.h"
#include "services/server/edge.h"
#include "services/server/validate_common.h"
#include "services/subjects/subject_service.h"
#include "throughcare/executor.h"
#include "throughcare/v1/admin.grpc.pb.h"
#include "throughcare/v1/audit.grpc.pb.h"
#include "throughcare/v1/consent.grpc.pb.h"
#include "throughcare/v1/diagnostics.grpc.pb.h"
#include "throughcare/v1/messaging.grpc.pb.h"
#include "throughcare/v1/records.grpc.pb.h"
#include "throughcare/v1/referrals.grpc.pb.h"
#include "throughcare/v1/subjects.grpc.pb.h"

namespace throughcare::server {

// The agencies the broker is configured with, as the validators ask about them.
inline AgencyKindLookup ConfiguredAgencies(const Edge& edge) {
  return [&authenticator = edge.authenticator()](const std::string& agency_id) {
    return authenticator.AgencyKind(agency_id);
  };
}

class SubjectHandlers final : public v1::SubjectService::CallbackService {
 public:
  SubjectHandlers(Edge& edge, subjects::SubjectService& service) : edge_(edge), service_(service) {}

  grpc::ServerUnaryReactor* RegisterSubject(grpc::CallbackServerContext* ctx,
                                            const v1::RegisterSubjectRequest* req,
                                            v1::Subject* resp) override;
  grpc::ServerUnaryReactor* GetSubject(grpc::CallbackServerContext* ctx,
                                       const v1::GetSubjectRequest* req,
                                       v1::Subject* resp) override;
  grpc::ServerUnaryReactor* ResolveIdentifier(grpc::CallbackServerContext* ctx,
                                              const v1::ResolveIdentifierRequest* req,
                                              v1::Subject* resp) override;
  grpc::ServerUnaryReactor* LinkIdentifier(grpc::CallbackServerContext* ctx,
                                           const v1::LinkIdentifierRequest* req,
                                           v1::Subject* resp) override;
  grpc::ServerUnaryReactor* UnlinkIdentifier(grpc::CallbackServerContext* ctx,
                                             const v1::UnlinkIdentifierRequest* req,
                                             v1::Subject* resp) override;
  grpc::ServerUnaryReactor* SetHomeArea(grpc::CallbackServerContext* ctx,
                                        const v1::SetHomeAreaRequest* req,
                                        v1::Subject* resp) override;
  grpc::ServerUnaryReactor* StartRelationship(grpc::CallbackServerContext* ctx,
                                              const v1::StartRelationshipRequest* req,
                                              v1::Relationship* resp) override;
  grpc::ServerUnaryReactor* EndRelationship(grpc::CallbackServerContext* ctx,
                                            const v1::EndRelationshipRequest* req,
                                            v1::Relationship* resp) override;
  grpc::ServerUnaryReactor* ListRelationships(grpc::CallbackServerContext* ctx,
                                              const v1::ListRelationshipsRequest* req,
                                              v1::ListRelationshipsResponse* resp) override;

  // The calls the adapters' listener makes too, once its caller is identified (see Edge).
  void RegisterSubject(const CallContext& call, const v1::RegisterSubjectRequest& req,
                       v1::Subject* resp, Finish finish);
  void ResolveIdentifier(const CallContext& call, const v1::ResolveIdentifierRequest& req,
                         v1::Subject* resp, Finish finish);
  void StartRelationship(const CallContext& call, const v1::StartRelationshipRequest& req,
                         v1::Relationship* resp, Finish finish);

 private:
  Edge& edge_;
  subjects::SubjectService& service_;
};

class RecordHandlers final : public v1::RecordService::CallbackService {
 public:
  RecordHandlers(Edge& edge, records::RecordService& service) : edge_(edge), service_(service) {}

  grpc::ServerUnaryReactor* PutRecord(grpc::CallbackServerContext* ctx,
                                      const v1::PutRecordRequest* req, v1::Record* resp) override;
  grpc::ServerUnaryReactor* GetRecord(grpc::CallbackServerContext* ctx,
                                      const v1::GetRecordRequest* req, v1::Record* resp) override;
  grpc::ServerUnaryReactor* ListRecords(grpc::CallbackServerContext* ctx,
                                        const v1::ListRecordsRequest* req,
                                        v1::ListRecordsResponse* resp) override;
  grpc::ServerUnaryReactor* EraseRecord(grpc::CallbackServerContext* ctx,
                                        const v1::EraseRecordRequest* req,
                                        v1::Erasure* resp) override;
  grpc::ServerUnaryReactor* EraseSubject(grpc::CallbackServerContext* ctx,
                                         const v1::EraseSubjectRequest* req,
                                         v1::EraseSubjectResponse* resp) override;
  grpc::ServerUnaryReactor* ListErasures(grpc::CallbackServerContext* ctx,
                                         const v1::ListErasuresRequest* req,
                                         v1::ListErasuresResponse* resp) override;

  // The call the adapters' listener makes too, once its caller is identified (see Edge).
  void PutRecord(const CallContext& call, const v1::PutRecordRequest& req, v1::Record* resp,
                 Finish finish);

 private:
  Edge& edge_;
  records::RecordService& service_;
};

class AuditHandlers final : public v1::AuditService::CallbackService {
 public:
  // ExportAuditLog reads its pages on `executor`, never in a reaction.
  AuditHandlers(Edge& edge, audit::AuditService& service, Executor& executor)
      : edge_(edge), service_(service), executor_(executor) {}

  grpc::ServerUnaryReactor* QueryAuditLog(grpc::CallbackServerContext* ctx,
                                          const v1::QueryAuditLogRequest* req,
                                          v1::QueryAuditLogResponse* resp) override;
  grpc::ServerWriteReactor<v1::AuditEntry>* ExportAuditLog(
      grpc::CallbackServerContext* ctx, const v1::ExportAuditLogRequest* req) override;
  grpc::ServerUnaryReactor* GetCheckpoint(grpc::CallbackServerContext* ctx,
                                          const v1::GetCheckpointRequest* req,
                                          v1::SignedCheckpoint* resp) override;
  grpc::ServerUnaryReactor* GetInclusionProof(grpc::CallbackServerContext* ctx,
                                              const v1::GetInclusionProofRequest* req,
                                              v1::Proof* resp) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(grpc::CallbackServerContext* ctx,
                                                const v1::GetConsistencyProofRequest* req,
                                                v1::Proof* resp) override;
  grpc::ServerUnaryReactor* GetProofBundle(grpc::CallbackServerContext* ctx,
                                           const v1::GetProofBundleRequest* req,
                                           v1::ProofBundle* resp) override;
  grpc::ServerUnaryReactor* AddCosignature(grpc::CallbackServerContext* ctx,
                                           const v1::AddCosignatureRequest* req,
                                           v1::SignedCheckpoint* resp) override;
  grpc::ServerUnaryReactor* GetSubjectAccessReport(grpc::CallbackServerContext* ctx,
                                                   const v1::GetSubjectAccessReportRequest* req,
                                                   v1::SubjectAccessReport* resp) override;
  grpc::ServerUnaryReactor* ListReviewItems(grpc::CallbackServerContext* ctx,
                                            const v1::ListReviewItemsRequest* req,
                                            v1::ListReviewItemsResponse* resp) override;
  grpc::ServerUnaryReactor* CloseReviewItem(grpc::CallbackServerContext* ctx,
                                            const v1::CloseReviewItemRequest* req,
                                            v1::ReviewItem* resp) override;

 private:
  Edge& edge_;
  audit::AuditService& service_;
  Executor& executor_;
};

class ConsentHandlers final : public v1::ConsentService::CallbackService {
 public:
  ConsentHandlers(Edge& edge, consent::ConsentService& service) : edge_(edge), service_(service) {}

  grpc::ServerUnaryReactor* RecordConsent(grpc::CallbackServerContext* ctx,
                                          const v1::RecordConsentRequest* req,
                                          v1::Consent* resp) override;
  grpc::ServerUnaryReactor* WithdrawConsent(grpc::CallbackServerContext* ctx,
                                            const v1::WithdrawConsentRequest* req,
                                            v1::Consent* resp) override;
  grpc::ServerUnaryReactor* ListConsents(grpc::CallbackServerContext* ctx,
                                         const v1::ListConsentsRequest* req,
                                         v1::ListConsentsResponse* resp) override;
  grpc::ServerUnaryReactor* CheckAccess(grpc::CallbackServerContext* ctx,
                                        const v1::CheckAccessRequest* req,
                                        v1::CheckAccessResponse* resp) override;

  // The call the adapters' listener makes too, once its caller is identified (see Edge).
  void RecordConsent(const CallContext& call, const v1::RecordConsentRequest& req,
                     v1::Consent* resp, Finish finish);
  void ListConsents(const CallContext& call, const v1::ListConsentsRequest& req,
                    v1::ListConsentsResponse* resp, Finish finish);

 private:
  Edge& edge_;
  consent::ConsentService& service_;
};

class MessagingHandlers final : public v1::MessagingService::CallbackService {
 public:
  // A Subscribe stream is woken on the notifier's thread when its mailbox may have work; it
  // asks the service to Receive, which looks into the mailbox on the service's executor.
  MessagingHandlers(Edge& edge, messaging::MessagingService& service)
      : edge_(edge), service_(service) {}

  // Ends every open Subscribe stream with UNAVAILABLE ("the broker is shutting down"): they never
  // end by themselves, so a graceful shutdown would otherwise wait out its whole grace period.
  // Their leases go back to the mailbox at once (queued before storage closes), rather than when
  // each lease would have expired.
  void EndSubscriptions();

  // Open Subscribe streams by agency (agencies with none are left out), for the metrics.
  std::map<std::string, int> OpenStreams();

  grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* ctx, const v1::SendRequest* req,
                                 v1::SendResponse* resp) override;
  grpc::ServerBidiReactor<v1::SubscribeRequest, v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* Receive(grpc::CallbackServerContext* ctx,
                                    const v1::ReceiveRequest* req,
                                    v1::ReceiveResponse* resp) override;
  grpc::ServerUnaryReactor* Ack(grpc::CallbackServerContext* ctx, const v1::AckRequest* req,
                                v1::AckResponse* resp) override;
  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* ctx,
                                      const v1::GetStatusRequest* req,
                                      v1::MessageStatus* resp) override;

 private:
  Edge& edge_;
  messaging::MessagingService& service_;
  // The open Subscribe streams' ways to end them, by handle; a stream removes itself when done.
  absl::Mutex streams_mu_;
  int64_t next_stream_ ABSL_GUARDED_BY(streams_mu_) = 1;
  absl::flat_hash_map<int64_t, std::function<void()>> streams_ ABSL_GUARDED_BY(streams_mu_);
  // Open streams by agency, against messaging.max_streams_per_agency. A lock of its own: a
  // stream ended under streams_mu_ (EndSubscriptions) gives its place back at once.
  absl::Mutex counts_mu_ ABSL_ACQUIRED_AFTER(streams_mu_);
  absl::flat_hash_map<std::string, int> streams_per_agency_ ABSL_GUARDED_BY(counts_mu_);
  friend class SubscribeReactor;
};

// ReferralService: routing answers from the directory; the rest through the domain service.
class ReferralHandlers final : public v1::ReferralService::CallbackService {
 public:
  ReferralHandlers(Edge& edge, referrals::ReferralService& service,
                   const referrals::Directory& directory)
      : edge_(edge), service_(service), directory_(directory) {}

  grpc::ServerUnaryReactor* ResolveRecipient(grpc::CallbackServerContext* ctx,
                                             const v1::ResolveRecipientRequest* req,
                                             v1::ResolveRecipientResponse* resp) override;
  grpc::ServerUnaryReactor* CreateReferral(grpc::CallbackServerContext* ctx,
                                           const v1::CreateReferralRequest* req,
                                           v1::Referral* resp) override;
  grpc::ServerUnaryReactor* TransitionReferral(grpc::CallbackServerContext* ctx,
                                               const v1::TransitionReferralRequest* req,
                                               v1::Referral* resp) override;
  grpc::ServerUnaryReactor* GetReferral(grpc::CallbackServerContext* ctx,
                                        const v1::GetReferralRequest* req,
                                        v1::Referral* resp) override;
  grpc::ServerUnaryReactor* ListReferrals(grpc::CallbackServerContext* ctx,
                                          const v1::ListReferralsRequest* req,
                                          v1::ListReferralsResponse* resp) override;
  grpc::ServerUnaryReactor* RecordRelease(grpc::CallbackServerContext* ctx,
                                          const v1::RecordReleaseRequest* req,
                                          v1::RecordReleaseResponse* resp) override;
  grpc::ServerUnaryReactor* GetReferralReport(grpc::CallbackServerContext* ctx,
                                              const v1::GetReferralReportRequest* req,
                                              v1::ReferralReport* resp) override;

  // The calls the adapters' listener makes too, once its caller is identified (see Edge).
  void TransitionReferral(const CallContext& call, const v1::TransitionReferralRequest& req,
                          v1::Referral* resp, Finish finish);
  void RecordRelease(const CallContext& call, const v1::RecordReleaseRequest& req,
                     v1::RecordReleaseResponse* resp, Finish finish);

 private:
  Edge& edge_;
  referrals::ReferralService& service_;
  const referrals::Directory& directory_;
};

class DiagnosticsHandlers final : public v1::DiagnosticsService::CallbackService {
 public:
  DiagnosticsHandlers(Edge& edge, const Storage& storage) : edge_(edge), storage_(storage) {}

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx, const v1::EchoRequest* req,
                                 v1::EchoResponse* resp) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* ctx,
                                     const v1::GetStatsRequest* req, v1::Stats* resp) override;

 private:
  Edge& edge_;
  const Storage& storage_;
};

class AdminHandlers final : public v1::AdminService::CallbackService {
 public:
  AdminHandlers(Edge& edge, policy::PolicyAdmin& admin, const BrokerConfig& config)
      : edge_(edge), admin_(admin), config_(config) {}

  grpc::ServerUnaryReactor* ReloadPolicy(grpc::CallbackServerContext* ctx,
                                         const v1::ReloadPolicyRequest* req,
                                         v1::ReloadPolicyResponse* resp) override;
  grpc::ServerUnaryReactor* Discover(grpc::CallbackServerContext* ctx,
                                     const v1::DiscoverRequest* req,
                                     v1::Discovery* resp) override;

 private:
  Edge& edge_;
  policy::PolicyAdmin& admin_;
  const BrokerConfig& config_;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_HANDLERS_H_
