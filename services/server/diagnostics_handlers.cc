#include <optional>

#include "services/server/handlers.h"

namespace throughcare::server {

grpc::ServerUnaryReactor* DiagnosticsHandlers::Echo(grpc::CallbackServerContext* ctx,
                                                    const v1::EchoRequest* req,
                                                    v1::EchoResponse* resp) {
  return edge_.Unary(ctx, "Echo", std::nullopt,
                     [req, resp](const CallContext&, Finish finish) {
    if (req->payload().size() > (1 << 20)) {
      return finish(absl::InvalidArgumentError("payload: at most 1 MiB"));
    }
    resp->set_payload(req->payload());
    finish(absl::OkStatus());
  });
}

grpc::ServerUnaryReactor* DiagnosticsHandlers::GetStats(grpc::CallbackServerContext* ctx,
                                                        const v1::GetStatsRequest*,
                                                        v1::Stats* resp) {
  return edge_.Unary(ctx, "GetStats", std::nullopt,
                     [this, resp](const CallContext&, Finish finish) {
    const StorageStats storage = storage_.Stats();
    resp->set_storage_commits(storage.commits);
    resp->set_storage_transactions(storage.transactions);
    resp->set_messages_accepted(storage.records_messages);
    resp->set_message_commits(storage.records_message_commits);
    finish(absl::OkStatus());
  });
}

}  // namespace throughcare::server
