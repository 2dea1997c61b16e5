#include "services/server/handlers.h"
#include "services/server/validate_referrals.h"
#include "services/identifiers/identifiers.h"

namespace throughcare::server {
namespace {

// A referral reply that fills `out` with the referral as of `now`.
audit::Reply<Referral> ReferralInto(const Clock& clock, v1::Referral* out, Finish finish) {
  return [&clock, out, finish = std::move(finish)](absl::StatusOr<Referral> r) mutable {
    if (r.ok()) ToProto(*r, clock.Now(), out);
    finish(r.status());
  };
}

}  // namespace

grpc::ServerUnaryReactor* ReferralHandlers::ResolveRecipient(
    grpc::CallbackServerContext* ctx, const v1::ResolveRecipientRequest* req,
    v1::ResolveRecipientResponse* resp) {
  // The directory is public within the broker: no person is named, so nothing is audited.
  return edge_.Unary(ctx, "ResolveRecipient", req->purpose(),
                     [this, req, resp](const CallContext&, Finish finish) {
    absl::StatusOr<RecipientQuery> q = ValidateResolveRecipient(*req);
    if (!q.ok()) return finish(q.status());
    absl::StatusOr<referrals::Recipient> recipient =
        directory_.Resolve(q->referral_type, q->home_area);
    if (recipient.ok()) ToProto(*recipient, resp);
    finish(recipient.status());
  });
}

grpc::ServerUnaryReactor* ReferralHandlers::CreateReferral(grpc::CallbackServerContext* ctx,
                                                           const v1::CreateReferralRequest* req,
                                                           v1::Referral* resp) {
  return edge_.Unary(ctx, "CreateReferral", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto p = ValidateCreateReferral(*req);
    if (!p.ok()) return finish(p.status());
    service_.Create(call, *std::move(p), ReferralInto(edge_.clock(), resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* ReferralHandlers::TransitionReferral(
    grpc::CallbackServerContext* ctx, const v1::TransitionReferralRequest* req,
    v1::Referral* resp) {
  return edge_.Unary(ctx, "TransitionReferral", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    TransitionReferral(call, *req, resp, std::move(finish));
  });
}

void ReferralHandlers::TransitionReferral(const CallContext& call,
                                          const v1::TransitionReferralRequest& req,
                                          v1::Referral* resp, Finish finish) {
  auto to = ValidateTransitionReferral(req);
  if (!to.ok()) return finish(to.status());
  service_.Transition(call, req.referral_id(), *to, req.reason(),
                      ReferralInto(edge_.clock(), resp, std::move(finish)));
}

grpc::ServerUnaryReactor* ReferralHandlers::GetReferral(grpc::CallbackServerContext* ctx,
                                                        const v1::GetReferralRequest* req,
                                                        v1::Referral* resp) {
  return edge_.Unary(ctx, "GetReferral", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateGetReferral(*req); !s.ok()) return finish(s);
    service_.Get(call, req->referral_id(), ReferralInto(edge_.clock(), resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* ReferralHandlers::ListReferrals(grpc::CallbackServerContext* ctx,
                                                          const v1::ListReferralsRequest* req,
                                                          v1::ListReferralsResponse* resp) {
  return edge_.Unary(ctx, "ListReferrals", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto filter = ValidateListReferrals(*req);
    if (!filter.ok()) return finish(filter.status());
    service_.List(call, *std::move(filter),
                  [this, resp, finish = std::move(finish)](
                      absl::StatusOr<referrals::ReferralPage> page) mutable {
                    if (page.ok()) {
                      const absl::Time now = edge_.clock().Now();
                      for (const Referral& r : page->referrals) {
                        ToProto(r, now, resp->add_referrals());
                      }
                      if (page->next) resp->set_next_page_token(ReferralPageToken(*page->next));
                    }
                    finish(page.status());
                  });
  });
}

grpc::ServerUnaryReactor* ReferralHandlers::RecordRelease(grpc::CallbackServerContext* ctx,
                                                          const v1::RecordReleaseRequest* req,
                                                          v1::RecordReleaseResponse* resp) {
  return edge_.Unary(ctx, "RecordRelease", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    RecordRelease(call, *req, resp, std::move(finish));
  });
}

void ReferralHandlers::RecordRelease(const CallContext& call, const v1::RecordReleaseRequest& req,
                                     v1::RecordReleaseResponse* resp, Finish finish) {
  auto day = ValidateRecordRelease(req);
  if (!day.ok()) return finish(day.status());
  service_.RecordRelease(call, req.subject_id(), *day,
                         [this, resp, finish = std::move(finish)](
                             absl::StatusOr<std::vector<Referral>> escalated) mutable {
                           if (escalated.ok()) {
                             const absl::Time now = edge_.clock().Now();
                             for (const Referral& r : *escalated) {
                               ToProto(r, now, resp->add_escalated());
                             }
                           }
                           finish(escalated.status());
                         });
}

grpc::ServerUnaryReactor* ReferralHandlers::GetReferralReport(
    grpc::CallbackServerContext* ctx, const v1::GetReferralReportRequest* req,
    v1::ReferralReport* resp) {
  return edge_.Unary(ctx, "GetReferralReport", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto params = ValidateGetReferralReport(*req);
    if (!params.ok()) return finish(params.status());
    resp->set_min_count(edge_.policies().Current()->report_min_count());
    service_.Report(call, *std::move(params),
                    [resp, finish = std::move(finish)](
                        absl::StatusOr<std::vector<referrals::FunnelRow>> rows) mutable {
                      if (rows.ok()) {
                        for (const referrals::FunnelRow& row : *rows) {
                          ToProto(row, resp->add_rows());
                        }
                      }
                      finish(rows.status());
                    });
  });
}

}  // namespace throughcare::server
