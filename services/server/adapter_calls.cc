#include "services/server/adapter_calls.h"

#include <google/protobuf/util/json_util.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

// Calls `handler(call, req, &resp, finish)` and waits for it to finish; the response as JSON.
template <typename Resp, typename Handler, typename Req>
absl::StatusOr<std::string> Await(const CallContext& call, const Req& req, Handler handler) {
  Resp resp;
  absl::Status status;
  absl::Notification done;
  handler(call, req, &resp, [&](absl::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  RETURN_IF_ERROR(status);
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(resp, &json, options).ok()) {
    return absl::InternalError("the response could not be written as JSON");
  }
  return json;
}

}  // namespace

absl::StatusOr<std::string> AdapterCalls::Resolve(const CallContext& call,
                                                  const v1::Identifier& person) {
  v1::ResolveIdentifierRequest req;
  req.set_purpose(call.purpose);
  *req.mutable_identifier() = person;
  v1::Subject subject;
  absl::Status status;
  absl::Notification done;
  subjects_.ResolveIdentifier(call, req, &subject, [&](absl::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  RETURN_IF_ERROR(status);
  return subject.subject_id();
}

absl::StatusOr<std::optional<std::string>> AdapterCalls::Duplicate(const CallContext& call,
                                                                   const std::string& key) {
  if (key.empty()) return std::nullopt;
  std::optional<std::string> answer;
  RETURN_IF_ERROR(storage_.Read([&](ReadTx& tx) -> absl::Status {
    absl::StatusOr<Receipt> receipt = tx.GetReceipt(call.principal.agency_id, key);
    if (absl::IsNotFound(receipt.status())) return absl::OkStatus();
    RETURN_IF_ERROR(receipt.status());
    answer = absl::StrCat(R"({"duplicate":true,"requestId":")", receipt->request_id, R"("})");
    return absl::OkStatus();
  }));
  return answer;
}

absl::StatusOr<std::string> AdapterCalls::Run(const CallContext& call, adapters::Operation op) {
  ASSIGN_OR_RETURN(std::optional<std::string> duplicate, Duplicate(call, op.idempotency_key));
  if (duplicate.has_value()) return *std::move(duplicate);
  CallContext keyed = call;
  keyed.idempotency_key = op.idempotency_key;
  absl::StatusOr<std::string> result = Carry(keyed, op);
  if (absl::IsAlreadyExists(result.status())) {  // carried out meanwhile, by another call
    ASSIGN_OR_RETURN(duplicate, Duplicate(call, op.idempotency_key));
    if (duplicate.has_value()) return *std::move(duplicate);
  }
  return result;
}

absl::StatusOr<std::string> AdapterCalls::Carry(const CallContext& call, adapters::Operation& op) {
  // The person is resolved without the receipt key: the receipt belongs to the operation.
  CallContext resolving = call;
  resolving.idempotency_key.clear();
  if (auto* release = std::get_if<v1::RecordReleaseRequest>(&op.request)) {
    release->set_purpose(call.purpose);
    ASSIGN_OR_RETURN(*release->mutable_subject_id(), Resolve(resolving, op.person));
    return Await<v1::RecordReleaseResponse>(call, *release, [this](auto&&... a) {
      referrals_.RecordRelease(std::forward<decltype(a)>(a)...);
    });
  }
  if (auto* start = std::get_if<v1::StartRelationshipRequest>(&op.request)) {
    start->set_purpose(call.purpose);
    ASSIGN_OR_RETURN(*start->mutable_subject_id(), Resolve(resolving, op.person));
    return Await<v1::Relationship>(call, *start, [this](auto&&... a) {
      subjects_.StartRelationship(std::forward<decltype(a)>(a)...);
    });
  }
  if (auto* transition = std::get_if<v1::TransitionReferralRequest>(&op.request)) {
    transition->set_purpose(call.purpose);
    return Await<v1::Referral>(call, *transition, [this](auto&&... a) {
      referrals_.TransitionReferral(std::forward<decltype(a)>(a)...);
    });
  }
  return absl::UnimplementedError(
      absl::StrCat(op.source, ": this kind of operation is not carried out for adapters yet"));
}

}  // namespace throughcare::server
