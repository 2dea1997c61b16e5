#include "services/server/handlers.h"
#include "services/server/status.h"
#include "services/server/validate_audit.h"

namespace throughcare::server {
namespace {

// Streams the log page by page, one write in flight; deletes itself when the call is done.
class ExportReactor final : public grpc::ServerWriteReactor<v1::AuditEntry> {
 public:
  ExportReactor(Edge& edge, audit::AuditService& service, grpc::CallbackServerContext* ctx,
                int64_t after_seq)
      : edge_(edge),
        service_(service),
        ctx_(ctx),
        last_seq_(after_seq),
        start_(edge.clock().Now()) {}

  void Start(const std::string& purpose) {
    absl::StatusOr<Edge::Started> started = edge_.Begin(ctx_, purpose);
    if (!started.ok()) return End(started.status());
    call_ = started->call;
    if (!started->refused.ok()) {
      return edge_.Refuse("ExportAuditLog", *started, [this](absl::Status s) { End(s); });
    }
    service_.BeginExport(call_, last_seq_, [this](absl::StatusOr<bool> allowed) {
      if (!allowed.ok()) return End(allowed.status());
      WriteNext();
    });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return End(absl::CancelledError("the client stopped reading"));
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  static constexpr int kPageSize = 500;

  void WriteNext() {
    if (next_ == page_.entries.size()) {
      if (!more_) return End(absl::OkStatus());
      absl::StatusOr<AuditPage> page = service_.ExportPage(last_seq_, kPageSize);
      if (!page.ok()) return End(page.status());
      page_ = *std::move(page);
      next_ = 0;
      more_ = page_.more;
      if (page_.entries.empty()) return End(absl::OkStatus());
    }
    const AuditEntry& entry = page_.entries[next_++];
    last_seq_ = entry.seq;
    message_.Clear();
    ToProto(entry, &message_);
    StartWrite(&message_);
  }

  void End(const absl::Status& status) {
    edge_.LogCall(ctx_, "ExportAuditLog", call_.request_id.empty() ? nullptr : &call_, start_,
                  status);
    Finish(ToGrpcStatus(status, call_.request_id));
  }

  Edge& edge_;
  audit::AuditService& service_;
  grpc::CallbackServerContext* ctx_;
  CallContext call_;
  int64_t last_seq_;
  absl::Time start_;
  AuditPage page_;
  size_t next_ = 0;
  bool more_ = true;
  v1::AuditEntry message_;
};

}  // namespace

grpc::ServerUnaryReactor* AuditHandlers::QueryAuditLog(grpc::CallbackServerContext* ctx,
                                                       const v1::QueryAuditLogRequest* req,
                                                       v1::QueryAuditLogResponse* resp) {
  return edge_.Unary(ctx, "QueryAuditLog", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto query = ValidateQueryAuditLog(*req);
    if (!query.ok()) return finish(query.status());
    service_.Query(call, *std::move(query), ReplyInto<AuditPage>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* AuditHandlers::ListReviewItems(grpc::CallbackServerContext* ctx,
                                                         const v1::ListReviewItemsRequest* req,
                                                         v1::ListReviewItemsResponse* resp) {
  return edge_.Unary(ctx, "ListReviewItems", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto page = ValidateListReviewItems(*req);
    if (!page.ok()) return finish(page.status());
    service_.ListReviewItems(
        call, req->include_closed(), page->after_seq, page->limit,
        [resp, limit = page->limit, finish = std::move(finish)](
            absl::StatusOr<std::vector<ReviewItem>> items) mutable {
          if (items.ok()) {
            for (const ReviewItem& item : *items) ToProto(item, resp->add_items());
            if (static_cast<int>(items->size()) == limit) {
              resp->set_next_page_token(absl::StrCat(items->back().audit_seq));
            }
          }
          finish(items.status());
        });
  });
}

grpc::ServerUnaryReactor* AuditHandlers::CloseReviewItem(grpc::CallbackServerContext* ctx,
                                                         const v1::CloseReviewItemRequest* req,
                                                         v1::ReviewItem* resp) {
  return edge_.Unary(ctx, "CloseReviewItem", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto outcome = ValidateCloseReviewItem(*req);
    if (!outcome.ok()) return finish(outcome.status());
    service_.CloseReviewItem(call, req->review_id(), *outcome, req->note(),
                             ReplyInto<ReviewItem>(resp, std::move(finish)));
  });
}

grpc::ServerWriteReactor<v1::AuditEntry>* AuditHandlers::ExportAuditLog(
    grpc::CallbackServerContext* ctx, const v1::ExportAuditLogRequest* req) {
  auto* reactor = new ExportReactor(edge_, service_, ctx, std::max<int64_t>(0, req->after_seq()));
  reactor->Start(req->purpose());
  return reactor;
}

}  // namespace throughcare::server
