#include "services/server/handlers.h"
#include "services/server/status.h"
#include "services/server/validate_audit.h"

namespace throughcare::server {
namespace {

// Streams the log page by page, one write in flight; deletes itself when the call is done.
class ExportReactor final : public grpc::ServerWriteReactor<v1::AuditEntry> {
 public:
  ExportReactor(Edge& edge, audit::AuditService& service, Executor& executor,
                grpc::CallbackServerContext* ctx, ExportRange range)
      : edge_(edge),
        service_(service),
        executor_(executor),
        ctx_(ctx),
        last_seq_(range.after_seq),
        tree_size_(range.tree_size),
        start_(edge.clock().Now()) {}

  // `valid` is the request's validation: checked once the caller is authenticated.
  void Start(const std::string& purpose, absl::Status valid) {
    absl::StatusOr<Edge::Started> started = edge_.Begin(ctx_, purpose);
    if (!started.ok()) return End(started.status());
    call_ = started->call;
    if (!started->refused.ok()) {
      return edge_.Refuse("ExportAuditLog", *started, [this](absl::Status s) { End(s); });
    }
    if (!valid.ok()) return End(valid);
    service_.BeginExport(call_, tree_size_, [this](absl::StatusOr<int64_t> until) {
      if (!until.ok()) return End(until.status());
      until_seq_ = *until;
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

  // Writes the next entry; when the page is used up, reads the next page on the executor (a
  // read blocks, so never here in a reaction) and writes from there. The reactor stays alive
  // meanwhile: OnDone comes only after Finish, which only End calls.
  void WriteNext() {
    if (next_ < page_.entries.size()) return WriteEntry();
    if (!more_) return End(absl::OkStatus());
    executor_.Schedule([this] {
      absl::StatusOr<AuditPage> page = service_.ExportPage(last_seq_, until_seq_, kPageSize);
      if (!page.ok()) return End(page.status());
      page_ = *std::move(page);
      next_ = 0;
      more_ = page_.more;
      if (page_.entries.empty()) return End(absl::OkStatus());
      WriteEntry();
    });
  }

  void WriteEntry() {
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
  Executor& executor_;
  grpc::CallbackServerContext* ctx_;
  CallContext call_;
  int64_t last_seq_;
  int64_t tree_size_;
  int64_t until_seq_ = 0;
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
              resp->set_next_page_token(absl::StrCat(items->back().audit_entry));
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
  absl::StatusOr<ExportRange> range = ValidateExportAuditLog(*req);
  auto* reactor =
      new ExportReactor(edge_, service_, executor_, ctx, range.ok() ? *range : ExportRange{});
  reactor->Start(req->purpose(), range.status());
  return reactor;
}

grpc::ServerUnaryReactor* AuditHandlers::GetCheckpoint(grpc::CallbackServerContext* ctx,
                                                       const v1::GetCheckpointRequest* req,
                                                       v1::SignedCheckpoint* resp) {
  return edge_.Unary(ctx, "GetCheckpoint", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (absl::Status bad = ValidateGetCheckpoint(*req); !bad.ok()) return finish(bad);
    service_.GetCheckpoint(call, req->tree_size(),
                           ReplyInto<audit::ServedCheckpoint>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* AuditHandlers::GetInclusionProof(
    grpc::CallbackServerContext* ctx, const v1::GetInclusionProofRequest* req, v1::Proof* resp) {
  return edge_.Unary(ctx, "GetInclusionProof", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (absl::Status bad = ValidateGetInclusionProof(*req); !bad.ok()) return finish(bad);
    service_.GetInclusionProof(call, req->seq(), req->tree_size(),
                               ReplyInto<audit::ProofAnswer>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* AuditHandlers::GetConsistencyProof(
    grpc::CallbackServerContext* ctx, const v1::GetConsistencyProofRequest* req, v1::Proof* resp) {
  return edge_.Unary(ctx, "GetConsistencyProof", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (absl::Status bad = ValidateGetConsistencyProof(*req); !bad.ok()) return finish(bad);
    service_.GetConsistencyProof(call, req->from_size(), req->to_size(),
                                 ReplyInto<audit::ProofAnswer>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* AuditHandlers::GetProofBundle(grpc::CallbackServerContext* ctx,
                                                        const v1::GetProofBundleRequest* req,
                                                        v1::ProofBundle* resp) {
  return edge_.Unary(ctx, "GetProofBundle", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (absl::Status bad = ValidateGetProofBundle(*req); !bad.ok()) return finish(bad);
    service_.GetProofBundle(call, req->seq(), ReplyInto<std::string>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* AuditHandlers::AddCosignature(grpc::CallbackServerContext* ctx,
                                                        const v1::AddCosignatureRequest* req,
                                                        v1::SignedCheckpoint* resp) {
  return edge_.Unary(ctx, "AddCosignature", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (absl::Status bad = ValidateAddCosignature(*req); !bad.ok()) return finish(bad);
    service_.AddCosignature(call, req->tree_size(), req->signature_line(),
                            ReplyInto<audit::ServedCheckpoint>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* AuditHandlers::GetSubjectAccessReport(
    grpc::CallbackServerContext* ctx, const v1::GetSubjectAccessReportRequest* req,
    v1::SubjectAccessReport* resp) {
  return edge_.Unary(ctx, "GetSubjectAccessReport", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    absl::StatusOr<SubjectReportRequest> r = ValidateGetSubjectAccessReport(*req);
    if (!r.ok()) return finish(r.status());
    service_.SubjectAccessReport(call, r->subject_id, r->from, r->until,
                                 ReplyInto<audit::SubjectReport>(resp, std::move(finish)));
  });
}

}  // namespace throughcare::server
