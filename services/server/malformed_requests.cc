#include "services/server/malformed_requests.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/interceptor.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/crypto/ids.h"
#include "services/server/log.h"
#include "services/server/status.h"
#include "throughcare/principal.h"

namespace throughcare::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

// "PutRecord" of "/throughcare.v1.RecordService/PutRecord", as the handlers name their calls in
// the logs and metrics.
absl::string_view ShortName(absl::string_view method) {
  const size_t slash = method.rfind('/');
  return slash == absl::string_view::npos ? method : method.substr(slash + 1);
}

// One call's watch: set off when the request it receives is missing (it failed to parse).
class MalformedRequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  MalformedRequestInterceptor(const Edge& edge, ServerRpcInfo* info)
      : edge_(edge), info_(info), start_(edge.clock().Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      malformed_ = true;
      request_id_ = crypto::NewOpaqueId("req");
    }
    if (malformed_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("x-request-id", request_id_);
    }
    if (malformed_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      const absl::Status status =
          absl::InvalidArgumentError(MalformedRequestMessage(info_->method()));
      methods->ModifySendStatus(ToGrpcStatus(status, request_id_));
      Report(status);
    }
    methods->Proceed();
  }

 private:
  void Report(const absl::Status& status) const {
    grpc::ServerContextBase* base = info_->server_context();
    Log(LogLevel::kWarning, "malformed_request",
        {{"method", info_->method()},
         {"peer", base != nullptr ? base->peer() : ""},
         {"request_id", request_id_},
         {"message", std::string(status.message())}});
    // The broker's services all use the callback API; the line and the count are the edge's.
    auto* ctx = dynamic_cast<grpc::CallbackServerContext*>(base);
    if (ctx == nullptr) return;
    CallContext call;
    call.request_id = request_id_;
    edge_.LogCall(ctx, ShortName(info_->method()), &call, start_, status);
  }

  const Edge& edge_;
  ServerRpcInfo* const info_;
  const absl::Time start_;
  bool malformed_ = false;
  std::string request_id_;
};

class MalformedRequestFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MalformedRequestFactory(const Edge& edge) : edge_(edge) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    // Only calls with one request message: on a client stream, a missing message is also how
    // the end of the stream looks.
    if (info->type() != ServerRpcInfo::Type::UNARY &&
        info->type() != ServerRpcInfo::Type::SERVER_STREAMING) {
      return nullptr;
    }
    return new MalformedRequestInterceptor(edge_, info);
  }

 private:
  const Edge& edge_;
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MalformedRequestInterceptors(const Edge& edge) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> out;
  out.push_back(std::make_unique<MalformedRequestFactory>(edge));
  return out;
}

std::string MalformedRequestMessage(absl::string_view method) {
  std::string type = "message of this method's request type";
  absl::string_view path = method;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const size_t slash = path.find('/');
  if (slash != absl::string_view::npos) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            std::string(path.substr(0, slash)));
    const google::protobuf::MethodDescriptor* m =
        service == nullptr ? nullptr
                           : service->FindMethodByName(std::string(path.substr(slash + 1)));
    if (m != nullptr) type = m->input_type()->full_name();
  }
  return absl::StrCat("request: not a valid ", type,
                      ": the bytes are not protobuf wire format for it, or a string field is not "
                      "valid UTF-8");
}

}  // namespace throughcare::server
