#include "client/commands.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/audit_entry.h"
#include "client/output.h"
#include "services/crypto/ids.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/audit/chain.h"
#include "throughcare/audit.h"
#include "throughcare/status_macros.h"
#include "throughcare/v1/admin.grpc.pb.h"
#include "throughcare/v1/audit.grpc.pb.h"
#include "throughcare/v1/consent.grpc.pb.h"
#include "throughcare/v1/messaging.grpc.pb.h"
#include "throughcare/v1/records.grpc.pb.h"
#include "throughcare/v1/referrals.grpc.pb.h"
#include "throughcare/v1/subjects.grpc.pb.h"

namespace throughcare::client {
namespace {

constexpr char kAuditPurpose[] = "audit";
constexpr int64_t kVerifyProgressEvery = 10000;

absl::Status PrintJson(Session& session, const google::protobuf::Message& message) {
  ASSIGN_OR_RETURN(std::string json, ToJson(message));
  session.out() << json;
  return absl::OkStatus();
}

// Prints `message` as JSON or with `render`.
template <typename Message, typename Render>
absl::Status Print(Session& session, const Message& message, Render render) {
  if (session.json()) {
    RETURN_IF_ERROR(PrintJson(session, message));
  } else {
    session.out() << render(message);
  }
  return absl::OkStatus();
}

// Makes one unary call of `Service` and returns its response. The service is named explicitly:
// CallUnary<v1::MessagingService>(session, request, &v1::MessagingService::Stub::Receive).
template <typename Service, typename Request, typename Response>
absl::StatusOr<Response> CallUnary(Session& session, const Request& request,
                                   grpc::Status (Service::Stub::*method)(grpc::ClientContext*,
                                                                         const Request&,
                                                                         Response*)) {
  ASSIGN_OR_RETURN(const Connection* connection, session.connection());
  auto stub = Service::NewStub(connection->channel());
  return MakeUnaryCall<Response>(*connection, [&](auto* context, auto* response) {
    return ((*stub).*method)(context, request, response);
  });
}

// CallUnary for requests that declare a purpose of use: sets it (or `purpose_fallback` if none
// was given) first.
template <typename Service, typename Request, typename Response>
absl::StatusOr<Response> CallService(Session& session, Request& request,
                                     grpc::Status (Service::Stub::*method)(grpc::ClientContext*,
                                                                           const Request&,
                                                                           Response*),
                                     absl::string_view purpose_fallback = "") {
  ASSIGN_OR_RETURN(*request.mutable_purpose(), session.purpose(purpose_fallback));
  return CallUnary<Service>(session, request, method);
}

// Makes one call of `Service` that declares a purpose (as CallService) and prints the response
// with `render` (or as JSON).
template <typename Service, typename Request, typename Response, typename Render>
absl::Status CallAndPrint(Session& session, Request& request,
                          grpc::Status (Service::Stub::*method)(grpc::ClientContext*,
                                                                const Request&, Response*),
                          Render render, absl::string_view purpose_fallback = "") {
  ASSIGN_OR_RETURN(Response response,
                   CallService<Service>(session, request, method, purpose_fallback));
  return Print(session, response, render);
}

// Pages through a list call: `call(request)` makes one call, `items(response)` is the mutable
// repeated field of its results. With `all`, follows next_page_token to the end; otherwise one
// page. The pages' items are gathered into one response, whose next_page_token is the last
// page's (empty at the end).
template <typename Response, typename Request, typename Call, typename Items>
absl::StatusOr<Response> CollectPages(Request& request, bool all, Call call, Items items) {
  Response out;
  while (true) {
    ASSIGN_OR_RETURN(Response page, call(request));
    for (auto& item : *items(page)) *items(out)->Add() = std::move(item);
    out.set_next_page_token(page.next_page_token());
    if (!all || page.next_page_token().empty()) return out;
    if (page.next_page_token() == request.page().page_token()) {
      return MarkOrigin(absl::InternalError("the broker returned the same page token twice"),
                        ErrorOrigin::kServer);
    }
    request.mutable_page()->set_page_token(page.next_page_token());
  }
}

// Makes one SubjectService call and prints the person it returns.
template <typename Request>
absl::Status CallSubjectService(Session& session, Request& request,
                                grpc::Status (v1::SubjectService::Stub::*method)(
                                    grpc::ClientContext*, const Request&, v1::Subject*)) {
  ASSIGN_OR_RETURN(v1::Subject subject, CallService<v1::SubjectService>(session, request, method));
  return Print(session, subject, RenderSubject);
}

absl::StatusOr<v1::Identifier> ExactlyOneIdentifier(const IdentifierFlags& ids) {
  std::vector<v1::Identifier> list = ids.ToIdentifiers();
  if (list.size() != 1) {
    return absl::InvalidArgumentError(
        "give exactly one identifier: --pnc, --noms, --crn, --nhs or --la-ref");
  }
  return list.front();
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t seconds = absl::ToUnixSeconds(t);
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return ts;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// An RFC 3339 time, or a date YYYY-MM-DD for midnight UTC at its start.
absl::StatusOr<google::protobuf::Timestamp> ParseTimestampFlag(absl::string_view flag,
                                                               const std::string& text) {
  absl::CivilDay day;
  if (text.size() == 10 && absl::ParseCivilTime(text, &day)) {
    return ToTimestamp(absl::FromCivil(day, absl::UTCTimeZone()));
  }
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text,
                     "' is neither a date such as 2024-05-01 nor an RFC 3339 time such as "
                     "2024-05-01T09:00:00Z (", error, ")"));
  }
  return ToTimestamp(t);
}

// A positive duration such as "90d", "36h", "1d12h" or "90m": whole days, then anything
// absl::ParseDuration accepts.
bool ParsePositiveDuration(absl::string_view text, absl::Duration* out) {
  absl::Duration total = absl::ZeroDuration();
  const size_t d = text.find('d');
  if (d != absl::string_view::npos) {
    int64_t days = 0;
    if (d == 0 || !absl::SimpleAtoi(text.substr(0, d), &days) || days < 0) return false;
    total += absl::Hours(24 * days);
    text.remove_prefix(d + 1);
  }
  if (!text.empty()) {
    absl::Duration rest;
    if (!absl::ParseDuration(text, &rest)) return false;
    total += rest;
  }
  if (total <= absl::ZeroDuration() || total == absl::InfiniteDuration()) return false;
  *out = total;
  return true;
}

// --until: an RFC 3339 time, or a duration counted from `from`.
absl::StatusOr<google::protobuf::Timestamp> ParseUntilFlag(const std::string& text,
                                                           absl::Time from) {
  absl::Duration duration;
  if (ParsePositiveDuration(text, &duration)) return ToTimestamp(from + duration);
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--until: '", text,
                     "' is neither an RFC 3339 time such as 2025-01-31T00:00:00Z nor a duration "
                     "such as 90d or 36h"));
  }
  return ToTimestamp(t);
}

absl::StatusOr<std::string> ReadBody(const RecordPutArgs& args) {
  if (!args.body_json.empty() && !args.body_file.empty()) {
    return absl::InvalidArgumentError("give --body or --body-file, not both");
  }
  if (!args.body_file.empty()) {
    if (args.body_file == "-") {
      std::string text(std::istreambuf_iterator<char>(std::cin), {});
      if (std::cin.bad()) return absl::DataLossError("--body-file: cannot read standard input");
      return text;
    }
    absl::StatusOr<std::string> text = ReadFileToString(args.body_file);
    if (!text.ok()) {
      return absl::Status(text.status().code(),
                          absl::StrCat("--body-file: ", text.status().message()));
    }
    return text;
  }
  if (args.body_json.empty()) return absl::InvalidArgumentError("give --body or --body-file");
  return args.body_json;
}

// Puts the typed JSON `json` into the oneof field `type` of a RecordBody.
absl::StatusOr<v1::RecordBody> ParseBody(const std::string& type, const std::string& json) {
  v1::RecordBody body;
  const google::protobuf::FieldDescriptor* field =
      v1::RecordBody::descriptor()->FindFieldByName(type);
  if (field == nullptr || field->containing_oneof() == nullptr ||
      field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(absl::StrCat("--type: unknown record type '", type, "'"));
  }
  google::protobuf::Message* typed = body.GetReflection()->MutableMessage(&body, field);
  google::protobuf::util::JsonParseOptions options;
  const auto status = google::protobuf::util::JsonStringToMessage(json, typed, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "record body: not a valid ", field->message_type()->name(),
        " in JSON: ", absl::string_view(status.message().data(), status.message().size())));
  }
  return body;
}

const char* ServingStatusName(int status) {
  switch (status) {
    case 1:
      return "SERVING";
    case 2:
      return "NOT_SERVING";
    case 3:
      return "SERVICE_UNKNOWN";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

Session::Session(GlobalOptions options, std::ostream& out, std::ostream& err)
    : options_(std::move(options)), out_(out), err_(err) {}

absl::StatusOr<const ConnectionSettings*> Session::settings() {
  if (!settings_.has_value()) {
    ASSIGN_OR_RETURN(settings_, ResolveSettings(options_.settings));
  }
  return &*settings_;
}

absl::StatusOr<const Connection*> Session::connection(bool require_practitioner) {
  if (connection_ == nullptr) {
    ASSIGN_OR_RETURN(const ConnectionSettings* s, settings());
    Connection::Options options;
    options.require_practitioner = require_practitioner;
    ASSIGN_OR_RETURN(connection_, Connection::Open(*s, std::move(options)));
  }
  return connection_.get();
}

absl::StatusOr<std::string> Session::purpose(absl::string_view fallback) const {
  if (!options_.purpose.empty()) return options_.purpose;
  if (!fallback.empty()) return std::string(fallback);
  return absl::FailedPreconditionError(
      "missing setting: purpose of use (give --purpose or set THROUGHCARE_PURPOSE, e.g. "
      "--purpose direct_care)");
}

std::vector<v1::Identifier> IdentifierFlags::ToIdentifiers() const {
  std::vector<v1::Identifier> out;
  const std::pair<v1::IdentifierKind, const std::string*> given[] = {
      {v1::IDENTIFIER_KIND_PNC, &pnc},
      {v1::IDENTIFIER_KIND_NOMS, &noms},
      {v1::IDENTIFIER_KIND_CRN, &crn},
      {v1::IDENTIFIER_KIND_NHS_NUMBER, &nhs},
      {v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF, &la_ref},
  };
  for (const auto& [kind, value] : given) {
    if (value->empty()) continue;
    v1::Identifier id;
    id.set_kind(kind);
    id.set_value(*value);
    out.push_back(std::move(id));
  }
  return out;
}

absl::Status TokenMint(Session& session, absl::Duration ttl) {
  if (ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--ttl: must be positive, e.g. 15m");
  }
  ASSIGN_OR_RETURN(const ConnectionSettings* settings, session.settings());
  ASSIGN_OR_RETURN(std::string token, MintPractitionerToken(*settings, absl::Now(), ttl));
  session.out() << token << "\n";
  return absl::OkStatus();
}

absl::Status SubjectRegister(Session& session, const IdentifierFlags& ids,
                             const std::string& home_area) {
  v1::RegisterSubjectRequest request;
  for (v1::Identifier& id : ids.ToIdentifiers()) *request.add_identifiers() = std::move(id);
  if (request.identifiers().empty()) {
    return absl::InvalidArgumentError(
        "give at least one identifier: --pnc, --noms, --crn, --nhs or --la-ref");
  }
  request.set_home_area(home_area);
  return CallSubjectService(session, request, &v1::SubjectService::Stub::RegisterSubject);
}

absl::Status SubjectGet(Session& session, const std::string& subject_id) {
  v1::GetSubjectRequest request;
  request.set_subject_id(subject_id);
  return CallSubjectService(session, request, &v1::SubjectService::Stub::GetSubject);
}

absl::Status SubjectResolve(Session& session, const IdentifierFlags& ids) {
  v1::ResolveIdentifierRequest request;
  ASSIGN_OR_RETURN(*request.mutable_identifier(), ExactlyOneIdentifier(ids));
  return CallSubjectService(session, request, &v1::SubjectService::Stub::ResolveIdentifier);
}

absl::Status SubjectLink(Session& session, const std::string& subject_id,
                         const IdentifierFlags& ids) {
  v1::LinkIdentifierRequest request;
  request.set_subject_id(subject_id);
  ASSIGN_OR_RETURN(*request.mutable_identifier(), ExactlyOneIdentifier(ids));
  return CallSubjectService(session, request, &v1::SubjectService::Stub::LinkIdentifier);
}

absl::Status SubjectUnlink(Session& session, const std::string& subject_id,
                           const IdentifierFlags& ids) {
  v1::UnlinkIdentifierRequest request;
  request.set_subject_id(subject_id);
  ASSIGN_OR_RETURN(*request.mutable_identifier(), ExactlyOneIdentifier(ids));
  return CallSubjectService(session, request, &v1::SubjectService::Stub::UnlinkIdentifier);
}

absl::Status SubjectSetHomeArea(Session& session, const std::string& subject_id,
                                const std::string& home_area) {
  v1::SetHomeAreaRequest request;
  request.set_subject_id(subject_id);
  request.set_home_area(home_area);
  return CallSubjectService(session, request, &v1::SubjectService::Stub::SetHomeArea);
}

std::vector<std::string> RecordTypes() {
  std::vector<std::string> types;
  const google::protobuf::OneofDescriptor* oneof =
      v1::RecordBody::descriptor()->FindOneofByName("body");
  for (int i = 0; oneof != nullptr && i < oneof->field_count(); ++i) {
    types.push_back(oneof->field(i)->name());
  }
  return types;
}

absl::Status RecordPut(Session& session, const RecordPutArgs& args) {
  if (args.record_id.empty() != (args.expected_version == 0)) {
    return absl::InvalidArgumentError(
        "--record-id and --expected-version go together: give both to add a version to a "
        "record, neither to create one");
  }
  ASSIGN_OR_RETURN(std::string json, ReadBody(args));
  v1::PutRecordRequest request;
  ASSIGN_OR_RETURN(*request.mutable_body(), ParseBody(args.type, json));
  request.set_subject_id(args.subject_id);
  request.set_record_id(args.record_id);
  request.set_expected_version(args.expected_version);
  request.set_data_class(args.data_class);
  for (const std::string& label : args.labels) request.add_labels(label);
  ASSIGN_OR_RETURN(v1::Record record, CallService<v1::RecordService>(
                                          session, request, &v1::RecordService::Stub::PutRecord));
  return Print(session, record, RenderRecord);
}

absl::Status RecordGet(Session& session, const std::string& record_id, int64_t version,
                       const std::string& break_glass_reason) {
  if (version < 0) return absl::InvalidArgumentError("--version: must be 1 or more");
  v1::GetRecordRequest request;
  request.set_record_id(record_id);
  request.set_version(version);
  request.set_break_glass_reason(break_glass_reason);
  ASSIGN_OR_RETURN(v1::Record record, CallService<v1::RecordService>(
                                          session, request, &v1::RecordService::Stub::GetRecord));
  return Print(session, record, RenderRecord);
}

absl::Status RecordList(Session& session, const std::string& subject_id,
                        const std::string& break_glass_reason) {
  v1::ListRecordsRequest request;
  request.set_subject_id(subject_id);
  request.set_break_glass_reason(break_glass_reason);
  ASSIGN_OR_RETURN(
      v1::ListRecordsResponse response,
      CallService<v1::RecordService>(session, request, &v1::RecordService::Stub::ListRecords));
  if (!session.json() && response.records().empty()) {
    session.err() << "no records that you may read\n";
    return absl::OkStatus();
  }
  return Print(session, response,
               [](const v1::ListRecordsResponse& r) { return RenderRecordList(r.records()); });
}

absl::Status AuditQuery(Session& session, const AuditQueryArgs& args) {
  v1::QueryAuditLogRequest request;
  request.set_subject_id(args.subject_id);
  request.set_agency_id(args.agency_id);
  request.set_user_id(args.user_id);
  request.set_action(args.action);
  if (args.decision == "allow") {
    request.set_decision(v1::DECISION_ALLOW);
  } else if (args.decision == "deny") {
    request.set_decision(v1::DECISION_DENY);
  } else if (!args.decision.empty()) {
    return absl::InvalidArgumentError("--decision: must be allow or deny");
  }
  if (!args.from.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_from_time(), ParseTimestampFlag("--from", args.from));
  }
  if (!args.until.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_until_time(), ParseTimestampFlag("--until", args.until));
  }
  request.mutable_page()->set_page_size(args.limit);
  request.mutable_page()->set_page_token(args.page_token);
  ASSIGN_OR_RETURN(*request.mutable_purpose(), session.purpose(kAuditPurpose));
  ASSIGN_OR_RETURN(const Connection* connection, session.connection());
  auto stub = v1::AuditService::NewStub(connection->channel());

  ASSIGN_OR_RETURN(
      v1::QueryAuditLogResponse all,
      CollectPages<v1::QueryAuditLogResponse>(
          request, args.all,
          [&](const v1::QueryAuditLogRequest& r) {
            return MakeUnaryCall<v1::QueryAuditLogResponse>(
                *connection,
                [&](auto* context, auto* out) { return stub->QueryAuditLog(context, r, out); });
          },
          [](v1::QueryAuditLogResponse& r) { return r.mutable_entries(); }));
  if (session.json()) return PrintJson(session, all);
  if (all.entries().empty()) {
    session.err() << "no matching audit entries\n";
  } else {
    session.out() << RenderAuditEntries(all.entries());
  }
  if (!all.next_page_token().empty()) {
    session.err() << "more entries match: pass --all, or --page-token " << all.next_page_token()
                  << "\n";
  }
  return absl::OkStatus();
}

absl::StatusOr<AuditHead> ParseAuditHead(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, absl::MaxSplits(':', 1));
  AuditHead head;
  bool ok = parts.size() == 2 && absl::SimpleAtoi(parts[0], &head.seq) && head.seq >= 0 &&
            parts[1].size() == 64;
  if (ok) {
    head.hash = absl::AsciiStrToLower(parts[1]);
    for (char c : head.hash) ok = ok && absl::ascii_isxdigit(static_cast<unsigned char>(c));
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--expect-head: '", text,
        "' is not SEQ:HASH (an entry number and its 64 hex digit hash, as printed by an earlier "
        "`audit verify` in its \"head SEQ:HASH\" line)"));
  }
  return head;
}

absl::Status AuditVerify(Session& session, absl::Duration timeout,
                         const std::optional<AuditHead>& expect_head) {
  v1::ExportAuditLogRequest request;
  request.set_after_seq(0);
  ASSIGN_OR_RETURN(*request.mutable_purpose(), session.purpose(kAuditPurpose));
  ASSIGN_OR_RETURN(const Connection* connection, session.connection());
  auto stub = v1::AuditService::NewStub(connection->channel());
  ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context, connection->NewContext(timeout));

  audit::ChainVerifier verifier;
  // The hash the log holds for the kept head's entry, once streamed past it.
  std::optional<std::string> kept_entry_hash;
  if (expect_head.has_value() && expect_head->seq == 0) kept_entry_hash = audit::kGenesisHash;
  std::unique_ptr<grpc::ClientReader<v1::AuditEntry>> reader =
      stub->ExportAuditLog(context.get(), request);
  v1::AuditEntry proto;
  absl::Status chain;
  while (chain.ok() && reader->Read(&proto)) {
    absl::StatusOr<AuditEntry> entry = AuditEntryFromProto(proto);
    chain = entry.ok() ? verifier.Add(*entry) : entry.status();
    if (chain.ok() && expect_head.has_value() && proto.seq() == expect_head->seq) {
      kept_entry_hash = proto.hash();
    }
    if (chain.ok() && verifier.verified() % kVerifyProgressEvery == 0) {
      session.err() << "verified " << verifier.verified() << " entries\n";
    }
  }
  if (!chain.ok()) {
    context->TryCancel();
    reader->Finish().IgnoreError();
    return MarkOrigin(chain, ErrorOrigin::kVerification);
  }
  RETURN_IF_ERROR(connection->Finish(*context, reader->Finish()));

  // The chain holds together; now it must still reach the kept head, unchanged. Seqs have no
  // gaps (the verifier checks), so the last seq is the number of entries.
  const int64_t head_seq = verifier.verified();
  if (expect_head.has_value()) {
    const std::string kept = absl::StrCat(expect_head->seq, ":", expect_head->hash);
    if (!kept_entry_hash.has_value()) {
      return MarkOrigin(
          absl::DataLossError(absl::StrCat(
              "audit entry ", expect_head->seq, ": missing; the log ends at entry ", head_seq,
              " but the kept head is ", kept, " (the newest entries were deleted)")),
          ErrorOrigin::kVerification);
    }
    if (*kept_entry_hash != expect_head->hash) {
      return MarkOrigin(
          absl::DataLossError(absl::StrCat("audit entry ", expect_head->seq, ": hash is ",
                                           *kept_entry_hash, " but the kept head is ", kept,
                                           " (the log was rewritten at or before this entry)")),
          ErrorOrigin::kVerification);
    }
  }

  const std::string head = absl::StrCat(head_seq, ":", verifier.head_hash());
  if (session.json()) {
    session.out() << "{\n  \"verified_entries\": " << verifier.verified()
                  << ",\n  \"head_hash\": \"" << verifier.head_hash() << "\",\n  \"head\": \""
                  << head << "\"";
    if (expect_head.has_value()) {
      session.out() << ",\n  \"expected_head\": \"" << expect_head->seq << ":" << expect_head->hash
                    << "\"";
    }
    session.out() << "\n}\n";
  } else {
    session.out() << "audit log verified: " << verifier.verified() << " entries, head "
                  << verifier.head_hash() << "\n";
    if (expect_head.has_value()) {
      session.out() << "kept head " << expect_head->seq << ":" << expect_head->hash
                    << " is still in the log\n";
    }
    session.out() << "head " << head << "\n";
  }
  return absl::OkStatus();
}

absl::Status ReviewList(Session& session, bool include_closed) {
  v1::ListReviewItemsRequest request;
  request.set_include_closed(include_closed);
  ASSIGN_OR_RETURN(v1::ListReviewItemsResponse all,
                   CollectPages<v1::ListReviewItemsResponse>(
                       request, /*all=*/true,
                       [&](v1::ListReviewItemsRequest& r) {
                         return CallService<v1::AuditService>(
                             session, r, &v1::AuditService::Stub::ListReviewItems, kAuditPurpose);
                       },
                       [](v1::ListReviewItemsResponse& r) { return r.mutable_items(); }));
  if (session.json()) return PrintJson(session, all);
  if (all.items().empty()) {
    session.err() << (include_closed ? "no break-glass review items\n"
                                     : "no open break-glass review items\n");
    return absl::OkStatus();
  }
  session.out() << RenderReviewItems(all.items());
  return absl::OkStatus();
}

absl::Status ReviewClose(Session& session, const std::string& review_id, const std::string& outcome,
                         const std::string& note) {
  v1::CloseReviewItemRequest request;
  request.set_review_id(review_id);
  if (outcome == "justified") {
    request.set_outcome(v1::REVIEW_OUTCOME_JUSTIFIED);
  } else if (outcome == "not-justified") {
    request.set_outcome(v1::REVIEW_OUTCOME_NOT_JUSTIFIED);
  } else if (outcome == "referred") {
    request.set_outcome(v1::REVIEW_OUTCOME_REFERRED);
  } else {
    return absl::InvalidArgumentError("--outcome: must be justified, not-justified or referred");
  }
  if (absl::StripAsciiWhitespace(note).empty()) {
    return absl::InvalidArgumentError("--note: required; say why you reached the outcome");
  }
  request.set_note(note);
  ASSIGN_OR_RETURN(v1::ReviewItem item,
                   CallService<v1::AuditService>(
                       session, request, &v1::AuditService::Stub::CloseReviewItem, kAuditPurpose));
  return Print(session, item, RenderReviewItem);
}

std::vector<std::string> ConsentEvidenceNames() {
  return {"signed-form", "verbal-witnessed", "representative"};
}

absl::Status ConsentRecord(Session& session, const ConsentRecordArgs& args) {
  v1::RecordConsentRequest request;
  request.set_subject_id(args.subject_id);
  for (const std::string& c : args.data_classes) request.add_data_classes(c);
  for (const std::string& a : args.recipient_agencies) request.add_recipient_agencies(a);
  for (const std::string& k : args.recipient_kinds) request.add_recipient_kinds(k);
  for (const std::string& p : args.purposes) request.add_purposes(p);
  if (args.recipient_agencies.empty() && args.recipient_kinds.empty()) {
    return absl::InvalidArgumentError(
        "give at least one recipient: --recipient-agency or --recipient-kind");
  }
  absl::Time from = absl::Now();
  if (!args.from.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_valid_from(), ParseTimestampFlag("--from", args.from));
    from = FromTimestamp(request.valid_from());
  }
  ASSIGN_OR_RETURN(*request.mutable_valid_until(), ParseUntilFlag(args.until, from));
  const std::vector<std::string> evidence = ConsentEvidenceNames();
  const v1::ConsentEvidence kinds[] = {v1::CONSENT_EVIDENCE_SIGNED_FORM,
                                       v1::CONSENT_EVIDENCE_VERBAL_WITNESSED,
                                       v1::CONSENT_EVIDENCE_REPRESENTATIVE};
  for (size_t i = 0; i < evidence.size(); ++i) {
    if (args.evidence == evidence[i]) request.set_evidence(kinds[i]);
  }
  if (request.evidence() == v1::CONSENT_EVIDENCE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "--evidence: must be signed-form, verbal-witnessed or representative");
  }
  if (request.evidence() == v1::CONSENT_EVIDENCE_SIGNED_FORM && args.evidence_reference.empty()) {
    return absl::InvalidArgumentError(
        "--evidence-reference: required with --evidence signed-form (where the form is kept)");
  }
  if (request.evidence() != v1::CONSENT_EVIDENCE_SIGNED_FORM && args.evidence_detail.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--evidence-detail: required with --evidence ", args.evidence,
                     request.evidence() == v1::CONSENT_EVIDENCE_VERBAL_WITNESSED
                         ? " (who witnessed it)"
                         : " (who the representative is, and their standing)"));
  }
  request.set_evidence_reference(args.evidence_reference);
  request.set_evidence_detail(args.evidence_detail);
  ASSIGN_OR_RETURN(
      v1::Consent consent,
      CallService<v1::ConsentService>(session, request, &v1::ConsentService::Stub::RecordConsent));
  return Print(session, consent, RenderConsent);
}

absl::Status ConsentWithdraw(Session& session, const std::string& consent_id,
                             const std::string& reason) {
  if (absl::StripAsciiWhitespace(reason).empty()) {
    return absl::InvalidArgumentError("--reason: required; say why the consent is withdrawn");
  }
  v1::WithdrawConsentRequest request;
  request.set_consent_id(consent_id);
  request.set_reason(reason);
  ASSIGN_OR_RETURN(v1::Consent consent,
                   CallService<v1::ConsentService>(session, request,
                                                   &v1::ConsentService::Stub::WithdrawConsent));
  return Print(session, consent, RenderConsent);
}

absl::Status ConsentList(Session& session, const std::string& subject_id, bool history) {
  v1::ListConsentsRequest request;
  request.set_subject_id(subject_id);
  request.set_include_history(history);
  ASSIGN_OR_RETURN(
      v1::ListConsentsResponse response,
      CallService<v1::ConsentService>(session, request, &v1::ConsentService::Stub::ListConsents));
  if (!session.json() && response.consents().empty()) {
    session.err() << "no consents recorded for this person that you may read\n";
    return absl::OkStatus();
  }
  return Print(session, response,
               [](const v1::ListConsentsResponse& r) { return RenderConsentList(r.consents()); });
}

absl::Status RelationshipStart(Session& session, const std::string& subject_id,
                               const std::string& kind, bool for_me, const std::string& note) {
  v1::StartRelationshipRequest request;
  request.set_subject_id(subject_id);
  if (kind == "allocation") {
    request.set_kind(v1::RELATIONSHIP_KIND_ALLOCATION);
  } else if (kind == "custody") {
    request.set_kind(v1::RELATIONSHIP_KIND_CUSTODY);
  } else {
    return absl::InvalidArgumentError("--kind: must be allocation or custody");
  }
  request.set_for_me(for_me);
  request.set_note(note);
  return CallAndPrint<v1::SubjectService>(
      session, request, &v1::SubjectService::Stub::StartRelationship, RenderRelationship);
}

absl::Status RelationshipEnd(Session& session, const std::string& relationship_id) {
  v1::EndRelationshipRequest request;
  request.set_relationship_id(relationship_id);
  return CallAndPrint<v1::SubjectService>(
      session, request, &v1::SubjectService::Stub::EndRelationship, RenderRelationship);
}

absl::Status RelationshipList(Session& session, const std::string& subject_id) {
  v1::ListRelationshipsRequest request;
  request.set_subject_id(subject_id);
  ASSIGN_OR_RETURN(v1::ListRelationshipsResponse response,
                   CallService<v1::SubjectService>(session, request,
                                                   &v1::SubjectService::Stub::ListRelationships));
  if (!session.json() && response.relationships().empty()) {
    session.err() << "no relationships with this person\n";
    return absl::OkStatus();
  }
  return Print(session, response, [](const v1::ListRelationshipsResponse& r) {
    return RenderRelationshipList(r.relationships());
  });
}

absl::Status Check(Session& session, const CheckArgs& args) {
  if (args.record_id.empty() == args.data_class.empty()) {
    return absl::InvalidArgumentError(
        "give either --record RECORD_ID (a decision about that record) or --data-class CLASS "
        "(about the person's data of that class)");
  }
  const int as_given = !args.as_agency.empty() + !args.as_user.empty() + !args.as_role.empty();
  if (as_given != 0 && as_given != 3) {
    return absl::InvalidArgumentError("--as-agency, --as-user and --as-role go together");
  }
  v1::CheckAccessRequest request;
  request.set_subject_id(args.subject_id);
  request.set_record_id(args.record_id);
  request.set_data_class(args.data_class);
  request.set_action(args.action);
  request.set_break_glass_reason(args.break_glass_reason);
  request.set_as_agency(args.as_agency);
  request.set_as_user(args.as_user);
  request.set_as_role(args.as_role);
  request.set_access_purpose(args.access_purpose);
  ASSIGN_OR_RETURN(
      v1::CheckAccessResponse response,
      CallService<v1::ConsentService>(session, request, &v1::ConsentService::Stub::CheckAccess));
  return Print(session, response, RenderCheckAccess);
}

absl::Status PolicyReload(Session& session) {
  v1::ReloadPolicyRequest request;
  ASSIGN_OR_RETURN(v1::ReloadPolicyResponse response,
                   CallService<v1::AdminService>(
                       session, request, &v1::AdminService::Stub::ReloadPolicy, kAuditPurpose));
  return Print(session, response, [](const v1::ReloadPolicyResponse& r) {
    Table table;
    table.AddRow({"previous_version", OrDash(r.previous_version())});
    table.AddRow({"version", OrDash(r.version())});
    std::string out = table.Render();
    if (r.previous_version() == r.version()) {
      absl::StrAppend(&out, "(the policy file is unchanged)\n");
    }
    return out;
  });
}

absl::Status Health(Session& session) {
  ASSIGN_OR_RETURN(const Connection* connection,
                   session.connection(/*require_practitioner=*/false));
  ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context, connection->NewContext());
  auto stub = grpc::health::v1::Health::NewStub(connection->channel());
  grpc::health::v1::HealthCheckRequest request;  // empty service: the whole broker
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(context.get(), request, &response);
  RETURN_IF_ERROR(connection->Finish(*context, status));
  const int serving = response.status();
  const char* name = ServingStatusName(serving);
  if (session.json()) {
    session.out() << "{\n  \"status\": \"" << name << "\"\n}\n";
  } else {
    session.out() << name << "\n";
  }
  if (serving != 1) {
    return MarkOrigin(absl::UnavailableError(absl::StrCat("the broker reports ", name)),
                      ErrorOrigin::kServer);
  }
  return absl::OkStatus();
}

// ---- Messages ----

namespace {

google::protobuf::Duration ToDurationProto(absl::Duration d) {
  google::protobuf::Duration out;
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
  return out;
}

// "rec_...", or "rec_...@VERSION".
absl::StatusOr<v1::RecordReference> ParseRecordReference(const std::string& text) {
  v1::RecordReference ref;
  const size_t at = text.find('@');
  ref.set_record_id(text.substr(0, at));
  if (at != std::string::npos) {
    int64_t version = 0;
    if (!absl::SimpleAtoi(text.substr(at + 1), &version) || version < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--record: '", text, "' is not RECORD_ID or RECORD_ID@VERSION (version 1 or more)"));
    }
    ref.set_version(version);
  }
  return ref;
}

}  // namespace

absl::Status MessageSend(Session& session, const MessageSendArgs& args) {
  v1::SendRequest request;
  for (const std::string& to : args.to) request.add_recipient_agencies(to);
  request.set_subject_id(args.subject_id);
  for (const std::string& r : args.records) {
    ASSIGN_OR_RETURN(*request.add_records(), ParseRecordReference(r));
  }
  if (!args.inline_record.type.empty()) {
    ASSIGN_OR_RETURN(std::string json, ReadBody(args.inline_record));
    v1::InlineRecord* record = request.mutable_inline_record();
    ASSIGN_OR_RETURN(*record->mutable_body(), ParseBody(args.inline_record.type, json));
    record->set_data_class(args.inline_record.data_class);
    for (const std::string& label : args.inline_record.labels) record->add_labels(label);
  } else if (args.records.empty()) {
    return absl::InvalidArgumentError(
        "give --record (a record your agency owns) or an inline record (--type, --data-class "
        "and --body or --body-file)");
  }
  std::string key = args.idempotency_key;
  if (key.empty()) {
    key = crypto::NewOpaqueId("cli");
    session.err() << "idempotency key: " << key << " (give --idempotency-key " << key
                  << " to retry this send safely)\n";
  }
  request.set_idempotency_key(key);
  request.set_correlation_id(args.correlation_id);
  if (!args.ttl.empty()) {
    absl::Duration ttl;
    if (!ParsePositiveDuration(args.ttl, &ttl)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--ttl: '", args.ttl, "' is not a duration such as 5d, 36h or 90m"));
    }
    *request.mutable_time_to_live() = ToDurationProto(ttl);
  }
  ASSIGN_OR_RETURN(v1::SendResponse response,
                   CallService<v1::MessagingService>(session, request,
                                                     &v1::MessagingService::Stub::Send));
  return Print(session, response, RenderSendResponse);
}

absl::Status MessageReceive(Session& session, int max, absl::Duration lease, bool ack) {
  v1::ReceiveRequest request;
  request.set_max_messages(max);
  *request.mutable_lease() = ToDurationProto(lease);
  ASSIGN_OR_RETURN(v1::ReceiveResponse response,
                   CallUnary<v1::MessagingService>(session, request,
                                                   &v1::MessagingService::Stub::Receive));
  if (!session.json() && response.deliveries().empty()) {
    session.err() << "no messages waiting\n";
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(Print(session, response, [](const v1::ReceiveResponse& r) {
    std::string out;
    for (const v1::Delivery& d : r.deliveries()) absl::StrAppend(&out, RenderDelivery(d), "\n");
    return out;
  }));
  if (!ack || response.deliveries().empty()) return absl::OkStatus();
  v1::AckRequest settle;
  for (const v1::Delivery& d : response.deliveries()) {
    v1::Settlement* s = settle.add_settlements();
    s->set_lease_id(d.lease_id());
    s->mutable_ack();
  }
  RETURN_IF_ERROR(CallUnary<v1::MessagingService>(session, settle,
                                                  &v1::MessagingService::Stub::Ack)
                      .status());
  session.err() << "acknowledged " << response.deliveries_size() << " message(s)\n";
  return absl::OkStatus();
}

absl::Status MessageSettle(Session& session, const MessageSettleArgs& args) {
  v1::AckRequest request;
  for (const std::string& lease : args.leases) {
    v1::Settlement* s = request.add_settlements();
    s->set_lease_id(lease);
    if (args.outcome == "ack") {
      s->mutable_ack();
    } else if (args.outcome == "nack") {
      *s->mutable_nack()->mutable_retry_after() = ToDurationProto(args.retry_after);
      s->mutable_nack()->set_reason(args.reason);
    } else if (args.outcome == "reject") {
      if (args.reason.empty()) {
        return absl::InvalidArgumentError("--reject needs --reason: why it can never be processed");
      }
      s->mutable_reject()->set_reason(args.reason);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown outcome '", args.outcome, "' (ack, nack or reject)"));
    }
  }
  ASSIGN_OR_RETURN(v1::AckResponse response,
                   CallUnary<v1::MessagingService>(session, request,
                                                   &v1::MessagingService::Stub::Ack));
  return Print(session, response, RenderAckResponse);
}

absl::Status MessageWatch(Session& session, int credit, absl::Duration lease, bool ack,
                          int count) {
  ASSIGN_OR_RETURN(const Connection* connection, session.connection());
  auto stub = v1::MessagingService::NewStub(connection->channel());
  ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context,
                   connection->NewContext(absl::InfiniteDuration()));
  auto stream = stub->Subscribe(context.get());
  v1::SubscribeRequest first;
  first.set_credit(static_cast<uint32_t>(credit));
  *first.mutable_lease() = ToDurationProto(lease);
  stream->Write(first);
  session.err() << "watching the mailbox (credit " << credit << "); Ctrl-C to stop\n";
  int delivered = 0;
  v1::SubscribeResponse response;
  while (stream->Read(&response)) {
    if (response.has_settled()) {
      const v1::SettlementResult& r = response.settled();
      if (!r.error_code().empty()) {
        session.err() << "settling " << r.lease_id() << " failed: " << r.error_code() << ": "
                      << r.error_message() << "\n";
      }
      if (count > 0 && delivered >= count) break;
      continue;
    }
    if (!response.has_delivery()) continue;
    const v1::Delivery& d = response.delivery();
    RETURN_IF_ERROR(Print(session, d, [](const v1::Delivery& x) {
      return absl::StrCat(RenderDelivery(x), "\n");
    }));
    session.out().flush();
    ++delivered;
    if (ack) {
      v1::SubscribeRequest settle;
      settle.mutable_settle()->set_lease_id(d.lease_id());
      settle.mutable_settle()->mutable_ack();
      stream->Write(settle);
    }
    if (count > 0 && delivered >= count && !ack) break;
  }
  stream->WritesDone();
  context->TryCancel();
  grpc::Status status = stream->Finish();
  if (count > 0 && delivered >= count) return absl::OkStatus();
  return connection->Finish(*context, status);
}

absl::Status MessageStatus(Session& session, const std::string& message_id) {
  v1::GetStatusRequest request;
  request.set_message_id(message_id);
  ASSIGN_OR_RETURN(v1::MessageStatus response,
                   CallUnary<v1::MessagingService>(session, request,
                                                   &v1::MessagingService::Stub::GetStatus));
  return Print(session, response, RenderMessageStatus);
}

// ---- Referrals ----

std::vector<std::string> ReferralStateNames() {
  std::vector<std::string> names;
  const google::protobuf::EnumDescriptor* states = v1::ReferralState_descriptor();
  for (int i = 0; i < states->value_count(); ++i) {
    const auto state = static_cast<v1::ReferralState>(states->value(i)->number());
    if (state != v1::REFERRAL_STATE_UNSPECIFIED) names.push_back(ReferralStateName(state));
  }
  return names;
}

absl::Status ReferralResolve(Session& session, const std::string& referral_type,
                             const std::string& home_area) {
  v1::ResolveRecipientRequest request;
  request.set_referral_type(referral_type);
  request.set_home_area(home_area);
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::ResolveRecipient, RenderRecipient);
}

absl::Status ReferralCreate(Session& session, const ReferralCreateArgs& args) {
  v1::CreateReferralRequest request;
  request.set_referral_type(args.referral_type);
  request.set_subject_id(args.subject_id);
  for (const std::string& r : args.records) {
    ASSIGN_OR_RETURN(*request.add_records(), ParseRecordReference(r));
  }
  request.set_event_date(args.event_date);
  request.set_note(args.note);
  request.set_recipient_agency(args.recipient_agency);
  std::string key = args.idempotency_key;
  if (key.empty()) {
    key = crypto::NewOpaqueId("cli");
    session.err() << "idempotency key: " << key << " (give --idempotency-key " << key
                  << " to retry this referral safely)\n";
  }
  request.set_idempotency_key(key);
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::CreateReferral, RenderReferral);
}

absl::Status ReferralMove(Session& session, const std::string& referral_id,
                          const std::string& state, const std::string& reason) {
  v1::TransitionReferralRequest request;
  request.set_referral_id(referral_id);
  v1::ReferralState to;
  if (!v1::ReferralState_Parse(absl::StrCat("REFERRAL_STATE_", absl::AsciiStrToUpper(state)),
                               &to) ||
      to == v1::REFERRAL_STATE_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat("STATE: '", state, "' is not one of ",
                                                   absl::StrJoin(ReferralStateNames(), ", ")));
  }
  request.set_to(to);
  request.set_reason(reason);
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::TransitionReferral, RenderReferral);
}

absl::Status ReferralGet(Session& session, const std::string& referral_id) {
  v1::GetReferralRequest request;
  request.set_referral_id(referral_id);
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::GetReferral, RenderReferral);
}

absl::Status ReferralList(Session& session, const ReferralListArgs& args) {
  v1::ListReferralsRequest request;
  request.set_subject_id(args.subject_id);
  request.set_open_only(args.open_only);
  request.set_overdue_only(args.overdue_only);
  request.mutable_page()->set_page_size(args.limit);
  ASSIGN_OR_RETURN(v1::ListReferralsResponse all,
                   CollectPages<v1::ListReferralsResponse>(
                       request, args.all,
                       [&](v1::ListReferralsRequest& r) {
                         return CallService<v1::ReferralService>(
                             session, r, &v1::ReferralService::Stub::ListReferrals);
                       },
                       [](v1::ListReferralsResponse& r) { return r.mutable_referrals(); }));
  if (session.json()) return PrintJson(session, all);
  if (all.referrals().empty()) {
    session.err() << "no referrals\n";
  } else {
    session.out() << RenderReferralList(all.referrals());
  }
  if (!all.next_page_token().empty()) session.err() << "more referrals: pass --all\n";
  return absl::OkStatus();
}

absl::Status ReferralRelease(Session& session, const std::string& subject_id,
                             const std::string& release_date) {
  v1::RecordReleaseRequest request;
  request.set_subject_id(subject_id);
  request.set_release_date(release_date);
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::RecordRelease,
      [](const v1::RecordReleaseResponse& r) {
        if (r.escalated().empty()) {
          return std::string("release recorded; no referral escalated\n");
        }
        return absl::StrCat(
            "release recorded; escalated at once (not accepted before release):\n",
            RenderReferralList(r.escalated()));
      });
}

absl::Status ReportReferrals(Session& session, const ReportReferralsArgs& args) {
  v1::GetReferralReportRequest request;
  ASSIGN_OR_RETURN(*request.mutable_from(), ParseTimestampFlag("--from", args.from));
  if (args.until.empty()) {
    *request.mutable_until() = ToTimestamp(absl::Now());
  } else {
    ASSIGN_OR_RETURN(*request.mutable_until(), ParseTimestampFlag("--until", args.until));
  }
  request.set_referral_type(args.referral_type);
  request.set_by_receiving_agency(args.by_receiving_agency);
  ASSIGN_OR_RETURN(v1::ReferralReport report,
                   CallService<v1::ReferralService>(session, request,
                                                    &v1::ReferralService::Stub::GetReferralReport,
                                                    "performance_reporting"));
  if (args.csv_file == "-") {
    session.out() << ReferralReportCsv(report);
    return absl::OkStatus();
  }
  if (!args.csv_file.empty()) {
    std::ofstream csv(args.csv_file, std::ios::binary | std::ios::trunc);
    csv << ReferralReportCsv(report);
    csv.close();
    if (!csv) {
      return absl::InvalidArgumentError(
          absl::StrCat("--csv: cannot write '", args.csv_file, "'"));
    }
    session.err() << "wrote " << report.rows_size() << " rows to " << args.csv_file << "\n";
  }
  return Print(session, report, RenderReferralReport);
}

}  // namespace throughcare::client
