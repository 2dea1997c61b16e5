// libFuzzer target over every RPC's request handling before the domain: the bytes after the
// method name (request_input.h) are parsed as that RPC's request type, as gRPC parses what
// arrives, and a request that parses is validated as its handler would (the edge's purpose
// check, then the RPC's validator, which also makes the domain call's parameters): see
// services/server/validate_rpcs.h. Besides crashes and sanitizer reports it stops on a validator
// that breaks its contract: an error other than INVALID_ARGUMENT, or one whose message does not
// start with the field it names, or is too long for gRPC's trailers (it repeats a long value).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/policy/policy.h"
#include "services/server/validate_rpcs.h"
#include "tests/fuzz/request_input.h"
#include "tests/testing/demo_agencies.h"

namespace {

using throughcare::server::RequestContext;

// The demo policy (deploy/policy.yaml) and agencies, called by the prison.
const RequestContext& Context() {
  static const RequestContext* context = [] {
    auto policy = throughcare::policy::Policy::LoadFile(TC_DEMO_POLICY_FILE);
    if (!policy.ok()) {
      std::fprintf(stderr, "request_fuzzer: %s\n", policy.status().ToString().c_str());
      std::abort();
    }
    static const std::shared_ptr<const throughcare::policy::Policy> kept = *policy;
    return new RequestContext{*kept, throughcare::testing::DemoAgencyKind, "hmp-northgate"};
  }();
  return *context;
}

[[noreturn]] void Broken(absl::string_view method, const absl::Status& status,
                         const char* what) {
  std::fprintf(stderr, "request_fuzzer: %.*s: %s: %s\n", static_cast<int>(method.size()),
               method.data(), what, status.ToString().c_str());
  std::abort();
}

// Whether `message` starts with a field path ("purpose", "records[3]", "body.goals[0].owner"),
// then ": " and something said about it.
bool StartsWithField(absl::string_view message) {
  size_t i = 0;
  while (true) {
    const size_t name = i;
    while (i < message.size() && ((message[i] >= 'a' && message[i] <= 'z') || message[i] == '_')) {
      ++i;
    }
    if (i == name) return false;
    if (i < message.size() && message[i] == '[') {
      const size_t digits = ++i;
      while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
      if (i == digits || i == message.size() || message[i] != ']') return false;
      ++i;
    }
    if (i < message.size() && message[i] == '.') {
      ++i;
      continue;
    }
    return message.substr(i, 2) == ": " && message.size() > i + 2;
  }
}

void CheckRefusal(absl::string_view method, const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    Broken(method, status, "a refusal that is not INVALID_ARGUMENT");
  }
  if (!StartsWithField(status.message())) {
    Broken(method, status, "a refusal that does not start with the field it names");
  }
  if (status.message().size() > 1024) Broken(method, status, "a refusal longer than 1 KiB");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [method, bytes] = throughcare::fuzz::DecodeRequestInput(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  const throughcare::server::RpcValidator* rpc = throughcare::server::FindRpcValidator(method);
  if (rpc == nullptr) return 0;
  std::unique_ptr<google::protobuf::Message> request(rpc->request_type->New());
  if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return 0;
  const absl::Status status = rpc->validate(*request, Context());
  if (!status.ok()) CheckRefusal(method, status);
  return 0;
}
