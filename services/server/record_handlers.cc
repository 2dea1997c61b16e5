#include "services/server/handlers.h"
#include "services/server/validate_records.h"

namespace throughcare::server {

grpc::ServerUnaryReactor* RecordHandlers::PutRecord(grpc::CallbackServerContext* ctx,
                                                    const v1::PutRecordRequest* req,
                                                    v1::Record* resp) {
  return edge_.Unary(ctx, "PutRecord", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    PutRecord(call, *req, resp, std::move(finish));
  });
}

void RecordHandlers::PutRecord(const CallContext& call, const v1::PutRecordRequest& req,
                               v1::Record* resp, Finish finish) {
  auto p = ValidatePutRecord(req, *edge_.policies().Current());
  if (!p.ok()) return finish(p.status());
  service_.Put(call, *std::move(p), ReplyInto<RecordHeader>(resp, std::move(finish)));
}

grpc::ServerUnaryReactor* RecordHandlers::GetRecord(grpc::CallbackServerContext* ctx,
                                                    const v1::GetRecordRequest* req,
                                                    v1::Record* resp) {
  return edge_.Unary(ctx, "GetRecord", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateGetRecord(*req); !s.ok()) return finish(s);
    service_.Get(call, req->record_id(), req->version(), req->break_glass_reason(),
                 ReplyInto<Record>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* RecordHandlers::ListRecords(grpc::CallbackServerContext* ctx,
                                                      const v1::ListRecordsRequest* req,
                                                      v1::ListRecordsResponse* resp) {
  return edge_.Unary(ctx, "ListRecords", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateListRecords(*req); !s.ok()) return finish(s);
    service_.List(call, req->subject_id(), req->break_glass_reason(),
                  ReplyInto<std::vector<RecordHeader>>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* RecordHandlers::EraseRecord(grpc::CallbackServerContext* ctx,
                                                      const v1::EraseRecordRequest* req,
                                                      v1::Erasure* resp) {
  return edge_.Unary(ctx, "EraseRecord", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateEraseRecord(*req); !s.ok()) return finish(s);
    service_.Erase(call, req->record_id(), req->reason(),
                   ReplyInto<Erasure>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* RecordHandlers::EraseSubject(grpc::CallbackServerContext* ctx,
                                                       const v1::EraseSubjectRequest* req,
                                                       v1::EraseSubjectResponse* resp) {
  return edge_.Unary(ctx, "EraseSubject", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateEraseSubject(*req); !s.ok()) return finish(s);
    service_.EraseSubject(call, req->subject_id(), req->reason(),
                          ReplyInto<std::vector<Erasure>>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* RecordHandlers::ListErasures(grpc::CallbackServerContext* ctx,
                                                       const v1::ListErasuresRequest* req,
                                                       v1::ListErasuresResponse* resp) {
  return edge_.Unary(ctx, "ListErasures", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto q = ValidateListErasures(*req);
    if (!q.ok()) return finish(q.status());
    service_.ListErasures(call, q->from, q->until, q->after_id, q->limit,
                          ReplyInto<records::ErasurePage>(resp, std::move(finish)));
  });
}

}  // namespace throughcare::server
