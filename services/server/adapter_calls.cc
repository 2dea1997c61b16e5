#include "services/server/adapter_calls.h"

#include <google/protobuf/util/json_util.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "services/server/validate_common.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

// Calls `handler(call, req, &resp, finish)` and waits for it to finish; the response.
template <typename Resp, typename Req, typename Handler>
absl::StatusOr<Resp> AwaitProto(const CallContext& call, const Req& req, Handler handler) {
  Resp resp;
  absl::Status status;
  absl::Notification done;
  handler(call, req, &resp, [&](absl::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  RETURN_IF_ERROR(status);
  return resp;
}

// AwaitProto, with the response in the proto3 JSON mapping.
template <typename Resp, typename Req, typename Handler>
absl::StatusOr<std::string> Await(const CallContext& call, const Req& req, Handler handler) {
  ASSIGN_OR_RETURN(Resp resp, AwaitProto<Resp>(call, req, std::move(handler)));
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(resp, &json).ok()) {
    return absl::InternalError("the response could not be written as JSON");
  }
  return json;
}

}  // namespace

// Runs one request of an operation through its handler (std::visit over adapters::Request).
struct AdapterCalls::Dispatch {
  AdapterCalls& calls;
  const CallContext& call;       // with the operation's purpose and receipt key
  const CallContext& resolving;  // the same without the receipt key
  const v1::Identifier& person;

  // A conditional create: a person the caller can find by the identifier is known already.
  absl::StatusOr<std::string> operator()(v1::RegisterSubjectRequest& req) {
    absl::StatusOr<v1::Subject> known = calls.Resolve(resolving, person);
    if (known.ok()) return std::string(R"({"known":true})");
    if (!absl::IsNotFound(known.status())) return known.status();
    absl::StatusOr<std::string> registered = Await<v1::Subject>(
        call, req, [&](auto&&... a) { calls.subjects_.RegisterSubject(a...); });
    // Known to the broker but not findable by the caller: the same words as NOT_FOUND.
    if (absl::IsAlreadyExists(registered.status())) return known.status();
    return registered;
  }
  absl::StatusOr<std::string> operator()(v1::PutRecordRequest& req) {
    ASSIGN_OR_RETURN(*req.mutable_subject_id(), calls.SubjectId(resolving, person));
    return Await<v1::Record>(call, req, [&](auto&&... a) { calls.records_.PutRecord(a...); });
  }
  absl::StatusOr<std::string> operator()(v1::RecordConsentRequest& req) {
    ASSIGN_OR_RETURN(*req.mutable_subject_id(), calls.SubjectId(resolving, person));
    return Await<v1::Consent>(call, req,
                              [&](auto&&... a) { calls.consents_.RecordConsent(a...); });
  }
  absl::StatusOr<std::string> operator()(v1::StartRelationshipRequest& req) {
    ASSIGN_OR_RETURN(*req.mutable_subject_id(), calls.SubjectId(resolving, person));
    return Await<v1::Relationship>(
        call, req, [&](auto&&... a) { calls.subjects_.StartRelationship(a...); });
  }
  absl::StatusOr<std::string> operator()(v1::RecordReleaseRequest& req) {
    ASSIGN_OR_RETURN(*req.mutable_subject_id(), calls.SubjectId(resolving, person));
    return Await<v1::RecordReleaseResponse>(
        call, req, [&](auto&&... a) { calls.referrals_.RecordRelease(a...); });
  }
  absl::StatusOr<std::string> operator()(v1::TransitionReferralRequest& req) {
    return Await<v1::Referral>(call, req,
                               [&](auto&&... a) { calls.referrals_.TransitionReferral(a...); });
  }
  absl::StatusOr<std::string> operator()(v1::LinkIdentifierRequest&) {
    return absl::UnimplementedError("linking an identifier is not carried out for adapters yet");
  }
};

absl::StatusOr<std::string> AdapterCalls::SubjectId(const CallContext& call,
                                                    const v1::Identifier& person) {
  ASSIGN_OR_RETURN(v1::Subject subject, Resolve(call, person));
  return subject.subject_id();
}

absl::StatusOr<v1::Subject> AdapterCalls::Resolve(const CallContext& call,
                                                  const v1::Identifier& person) {
  v1::ResolveIdentifierRequest req;
  req.set_purpose(call.purpose);
  *req.mutable_identifier() = person;
  return AwaitProto<v1::Subject>(call, req,
                                 [&](auto&&... a) { subjects_.ResolveIdentifier(a...); });
}

absl::StatusOr<v1::ListConsentsResponse> AdapterCalls::Consents(const CallContext& call,
                                                                const std::string& subject_id) {
  v1::ListConsentsRequest req;
  req.set_purpose(call.purpose);
  req.set_subject_id(subject_id);
  return AwaitProto<v1::ListConsentsResponse>(
      call, req, [&](auto&&... a) { consents_.ListConsents(a...); });
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
  // The input's own purpose of use where its format carries one, else the agency's.
  CallContext resolving = call;
  std::visit([&](auto& req) {
    if (req.purpose().empty()) req.set_purpose(call.purpose);
    resolving.purpose = req.purpose();
  }, op.request);
  RETURN_IF_ERROR(ValidatePurpose(resolving.purpose, *policies_.Current()));
  CallContext keyed = resolving;
  keyed.idempotency_key = op.idempotency_key;
  absl::StatusOr<std::string> result =
      std::visit(Dispatch{*this, keyed, resolving, op.person}, op.request);
  if (absl::IsAlreadyExists(result.status())) {  // carried out meanwhile, by another call
    ASSIGN_OR_RETURN(duplicate, Duplicate(call, op.idempotency_key));
    if (duplicate.has_value()) return *std::move(duplicate);
  }
  return result;
}

}  // namespace throughcare::server
