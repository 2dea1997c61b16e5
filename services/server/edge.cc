#include "services/server/edge.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/crypto/certificate.h"
#include "services/crypto/ids.h"
#include "services/server/log.h"
#include "services/server/loggable.h"
#include "services/server/status.h"
#include "services/server/validate_common.h"
#include "throughcare/status_macros.h"
#include "throughcare/audit_actions.h"

namespace throughcare::server {
namespace {

bool ValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Routine answers are info: a call that worked, or a lookup of something that is not there
// (which is also the answer that hides who is known). The broker's own failures are errors;
// the rest (refusals, bad requests, limits) warnings.
LogLevel LevelFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kNotFound:
      return LogLevel::kInfo;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return LogLevel::kError;
    default:
      return LogLevel::kWarning;
  }
}

std::string Metadata(grpc::CallbackServerContext* ctx, const char* key) {
  auto it = ctx->client_metadata().find(key);
  if (it == ctx->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// Every subject CN of the client certificate, for the log ("" without one).
std::string CertificateNames(grpc::CallbackServerContext* ctx) {
  std::shared_ptr<const grpc::AuthContext> auth = ctx->auth_context();
  if (auth == nullptr) return "";
  std::vector<std::string> names;
  for (const auto& pem : auth->FindPropertyValues("x509_pem_cert")) {
    absl::StatusOr<std::vector<std::string>> cns =
        crypto::SubjectCommonNames(absl::string_view(pem.data(), pem.size()));
    if (cns.ok()) names.insert(names.end(), cns->begin(), cns->end());
  }
  return absl::StrJoin(names, ",");
}

}  // namespace

absl::StatusOr<Edge::Started> Edge::Begin(grpc::CallbackServerContext* ctx,
                                          const std::optional<std::string>& purpose) {
  std::vector<std::string> cns;
  if (plaintext_dev_mode_) {
    if (std::string cn = Metadata(ctx, "x-throughcare-dev-system"); !cn.empty()) cns.push_back(cn);
  } else if (auto auth = ctx->auth_context(); auth != nullptr && auth->IsPeerAuthenticated()) {
    // Every subject CN, from the certificate itself: gRPC's x509_common_name is only the first.
    for (const auto& pem : auth->FindPropertyValues("x509_pem_cert")) {
      absl::StatusOr<std::vector<std::string>> names =
          crypto::SubjectCommonNames(absl::string_view(pem.data(), pem.size()));
      if (!names.ok()) return absl::UnauthenticatedError("client certificate is unreadable");
      cns.insert(cns.end(), names->begin(), names->end());
    }
  }
  Started started = Identify(cns, Metadata(ctx, "authorization"), Metadata(ctx, "x-request-id"),
                             purpose);
  ctx->AddInitialMetadata("x-request-id", started.call.request_id);
  return started;
}

Edge::Started Edge::Identify(const std::vector<std::string>& cns,
                             const std::string& authorization, const std::string& request_id,
                             const std::optional<std::string>& purpose) const {
  Started started;
  CallContext& call = started.call;
  call.request_id = ValidRequestId(request_id) ? request_id : crypto::NewOpaqueId("req");
  call.purpose = purpose.value_or("");
  absl::StatusOr<Principal> principal = authenticator_.Identify(cns, authorization, clock_.Now());
  if (!principal.ok()) {
    // A known system with a bad assertion is accountable: its refusal is audited, with the user
    // and role the assertion claims. An unknown certificate names nobody, and is only logged.
    std::optional<Principal> claimed = authenticator_.ClaimedBy(cns, authorization);
    if (!claimed.has_value()) {
      started.identified = false;
      started.refused = principal.status();
      return started;
    }
    call.principal = *std::move(claimed);
    started.refused = absl::Status(
        principal.status().code(),
        absl::StrCat("refused identity (user and role as claimed, not verified): ",
                     principal.status().message()));
    return started;
  }
  call.principal = *std::move(principal);
  started.refused = authenticator_.CheckRole(call.principal);
  if (started.refused.ok() && purpose.has_value()) {
    started.refused = ValidatePurpose(*purpose, *policies_.Current());
  }
  return started;
}

void Edge::Refuse(absl::string_view method, const Started& started,
                  absl::AnyInvocable<void(absl::Status)> done) {
  if (!started.identified) return done(started.refused);
  AuditEntry entry = audit_log_.Begin(started.call, absl::StrCat(audit::kRpcPrefix, method));
  entry.reason = std::string(started.refused.message());
  audit::RunAudited<bool>(
      storage_, audit_log_, std::move(entry),
      [refused = started.refused](WriteTx&, AuditEntry&) -> absl::StatusOr<bool> {
        return refused;
      },
      [done = std::move(done)](absl::StatusOr<bool> result) mutable { done(result.status()); });
}

grpc::ServerUnaryReactor* Edge::Unary(
    grpc::CallbackServerContext* ctx, absl::string_view method,
    const std::optional<std::string>& purpose,
    absl::AnyInvocable<void(const CallContext&, Finish)> handle) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::Time start = clock_.Now();
  absl::StatusOr<Started> started = Begin(ctx, purpose);
  if (!started.ok()) {
    LogCall(ctx, method, nullptr, start, started.status());
    reactor->Finish(ToGrpcStatus(started.status()));
    return reactor;
  }
  auto shared = std::make_shared<CallContext>(started->call);
  Finish finish = [this, ctx, method, reactor, shared, start](absl::Status status) {
    LogCall(ctx, method, shared.get(), start, status);
    reactor->Finish(ToGrpcStatus(status, shared->request_id));
  };
  if (!started->refused.ok()) {
    Refuse(method, *started, std::move(finish));
  } else {
    handle(*shared, std::move(finish));
  }
  return reactor;
}

void Edge::LogCall(grpc::CallbackServerContext* ctx, absl::string_view method,
                   const CallContext* call, absl::Time start, const absl::Status& status) const {
  const absl::Duration duration = clock_.Now() - start;
  metrics_.RecordCall(method, status.code(), duration);
  // An unidentified caller is known only by its certificate, and the refused identities of
  // known systems by the agency the certificate belongs to (call->principal).
  std::string certificate;
  if (call == nullptr || call->principal.agency_id.empty()) certificate = CertificateNames(ctx);
  Log(LevelFor(status.code()), "rpc",
      {{"method", std::string(method)},
       {"peer", ctx->peer()},
       {"code", absl::StatusCodeToString(status.code())},
       {"agency", call ? call->principal.agency_id : ""},
       {"system", call ? call->principal.system_id : ""},
       {"user", call ? call->principal.user_id : ""},
       {"role", call ? call->principal.role : ""},
       {"purpose", call ? call->purpose : ""},
       {"request_id", call ? call->request_id : ""},
       {"duration_ms", absl::StrCat(absl::ToDoubleMilliseconds(duration))},
       {"certificate", certificate},
       {"message", LoggableReason(status)}});
}

}  // namespace throughcare::server
