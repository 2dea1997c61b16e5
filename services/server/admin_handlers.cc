#include "services/server/handlers.h"

namespace throughcare::server {

grpc::ServerUnaryReactor* AdminHandlers::ReloadPolicy(grpc::CallbackServerContext* ctx,
                                                      const v1::ReloadPolicyRequest* req,
                                                      v1::ReloadPolicyResponse* resp) {
  return edge_.Unary(ctx, "ReloadPolicy", req->purpose(),
                     [this, resp](const CallContext& call, Finish finish) {
    admin_.ReloadFor(call, ReplyInto<policy::ReloadResult>(resp, std::move(finish)));
  });
}

}  // namespace throughcare::server
