#include "services/server/handlers.h"
#include "services/server/validate_consent.h"

namespace throughcare::server {
namespace {

// Consents are shown with their state at the time of the answer.
audit::Reply<Consent> ReplyConsent(const Clock& clock, v1::Consent* out, Finish finish) {
  return [&clock, out, finish = std::move(finish)](absl::StatusOr<Consent> c) mutable {
    if (c.ok()) ToProto(*c, clock.Now(), out);
    finish(c.status());
  };
}

}  // namespace

grpc::ServerUnaryReactor* ConsentHandlers::RecordConsent(grpc::CallbackServerContext* ctx,
                                                         const v1::RecordConsentRequest* req,
                                                         v1::Consent* resp) {
  return edge_.Unary(ctx, "RecordConsent", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    RecordConsent(call, *req, resp, std::move(finish));
  });
}

void ConsentHandlers::RecordConsent(const CallContext& call, const v1::RecordConsentRequest& req,
                                    v1::Consent* resp, Finish finish) {
  auto p = ValidateRecordConsent(req, *edge_.policies().Current(), ConfiguredAgencies(edge_));
  if (!p.ok()) return finish(p.status());
  service_.Record(call, *std::move(p), ReplyConsent(edge_.clock(), resp, std::move(finish)));
}

grpc::ServerUnaryReactor* ConsentHandlers::WithdrawConsent(grpc::CallbackServerContext* ctx,
                                                           const v1::WithdrawConsentRequest* req,
                                                           v1::Consent* resp) {
  return edge_.Unary(ctx, "WithdrawConsent", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateWithdrawConsent(*req); !s.ok()) return finish(s);
    service_.Withdraw(call, req->consent_id(), req->reason(),
                      ReplyConsent(edge_.clock(), resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* ConsentHandlers::ListConsents(grpc::CallbackServerContext* ctx,
                                                        const v1::ListConsentsRequest* req,
                                                        v1::ListConsentsResponse* resp) {
  return edge_.Unary(ctx, "ListConsents", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    ListConsents(call, *req, resp, std::move(finish));
  });
}

void ConsentHandlers::ListConsents(const CallContext& call, const v1::ListConsentsRequest& req,
                                   v1::ListConsentsResponse* resp, Finish finish) {
  if (auto s = ValidateSubjectId(req.subject_id(), "subject_id"); !s.ok()) return finish(s);
  service_.List(call, req.subject_id(), req.include_history(),
                [this, resp, finish = std::move(finish)](
                    absl::StatusOr<std::vector<Consent>> consents) mutable {
                  if (consents.ok()) {
                    const absl::Time now = edge_.clock().Now();
                    for (const Consent& c : *consents) ToProto(c, now, resp->add_consents());
                  }
                  finish(consents.status());
                });
}

grpc::ServerUnaryReactor* ConsentHandlers::CheckAccess(grpc::CallbackServerContext* ctx,
                                                       const v1::CheckAccessRequest* req,
                                                       v1::CheckAccessResponse* resp) {
  return edge_.Unary(ctx, "CheckAccess", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto p = ValidateCheckAccess(*req, *edge_.policies().Current(), ConfiguredAgencies(edge_));
    if (!p.ok()) return finish(p.status());
    service_.CheckAccess(call, *std::move(p),
                         ReplyInto<consent::AccessExplanation>(resp, std::move(finish)));
  });
}

}  // namespace throughcare::server
