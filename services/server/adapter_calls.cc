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

absl::StatusOr<std::string> AdapterCalls::Run(const CallContext& call, adapters::Operation op) {
  if (auto* release = std::get_if<v1::RecordReleaseRequest>(&op.request)) {
    release->set_purpose(call.purpose);
    ASSIGN_OR_RETURN(*release->mutable_subject_id(), Resolve(call, op.person));
    return Await<v1::RecordReleaseResponse>(
        call, *release, [this](auto&&... a) { referrals_.RecordRelease(std::forward<decltype(a)>(a)...); });
  }
  if (auto* start = std::get_if<v1::StartRelationshipRequest>(&op.request)) {
    start->set_purpose(call.purpose);
    ASSIGN_OR_RETURN(*start->mutable_subject_id(), Resolve(call, op.person));
    return Await<v1::Relationship>(
        call, *start, [this](auto&&... a) { subjects_.StartRelationship(std::forward<decltype(a)>(a)...); });
  }
  if (auto* transition = std::get_if<v1::TransitionReferralRequest>(&op.request)) {
    transition->set_purpose(call.purpose);
    return Await<v1::Referral>(
        call, *transition, [this](auto&&... a) { referrals_.TransitionReferral(std::forward<decltype(a)>(a)...); });
  }
  return absl::UnimplementedError(
      absl::StrCat(op.source, ": this kind of operation is not carried out for adapters yet"));
}

}  // namespace throughcare::server
