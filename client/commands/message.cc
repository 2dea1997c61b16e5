// `throughcare message`: send records to other agencies' mailboxes; receive, settle and track.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "throughcare/v1/messaging.grpc.pb.h"

namespace throughcare::client {
namespace {

// `message send`: to one or more agencies, records by reference ("rec_...", or "rec_...@VERSION")
// and/or one inline record (`inline_record.type` set).
struct MessageSendArgs {
  std::vector<std::string> to;
  std::string subject_id;
  std::vector<std::string> records;
  RecordPutArgs inline_record;  // subject_id, record_id and expected_version unused
  std::string idempotency_key;  // empty: a new one, printed on stderr so a retry can reuse it
  std::string correlation_id;
  std::string ttl;  // e.g. 5d or 36h; empty: the broker's default (5 days)
};

// `outcome` is "ack", "nack" (with `retry_after`) or "reject" (with `reason`).
struct MessageSettleArgs {
  std::vector<std::string> leases;
  std::string outcome = "ack";
  absl::Duration retry_after;
  std::string reason;
};

google::protobuf::Duration ToDurationProto(absl::Duration d) {
  google::protobuf::Duration out;
  const int64_t seconds = absl::IDivDuration(d, absl::Seconds(1), &d);
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
  return out;
}

// A send that reached nobody is a refusal (exit 1), though the broker accepted the message:
// PERMISSION_DENIED with each recipient's reason.
absl::Status AllWithheld(const v1::SendResponse& response) {
  std::vector<std::string> reasons;
  for (const v1::RecipientStatus& r : response.recipients()) {
    if (r.state() != v1::DELIVERY_STATE_WITHHELD) return absl::OkStatus();
    reasons.push_back(absl::StrCat(r.agency_id(), ": ", r.reason()));
  }
  if (reasons.empty()) return absl::OkStatus();
  return MarkOrigin(absl::PermissionDeniedError(absl::StrCat(
                        "every recipient was withheld, so message ", response.message_id(),
                        " reaches nobody: ", absl::StrJoin(reasons, "; "))),
                    ErrorOrigin::kServer);
}

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
  request.set_idempotency_key(IdempotencyKeyOrNew(session, args.idempotency_key, "send"));
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
  RETURN_IF_ERROR(Print(session, response, RenderSendResponse));
  return AllWithheld(response);
}

// Leases up to `max` deliveries and prints them; with `ack`, acknowledges them after printing.
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

// A live subscription: prints deliveries as they arrive, `credit` at most unsettled at once;
// with `ack`, acknowledges each once printed. Stops after `count` deliveries (0: never).
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

void RegisterMessageSend(CLI::App& message, CommandContext& ctx) {
  MessageSendArgs& args = ctx.Keep<MessageSendArgs>();
  CLI::App* send = message.add_subcommand(
      "send", "Send records about a person to one or more agencies (answered once durable)");
  send->add_option("--to", args.to, "recipient agency id (repeatable)")
      ->type_name("AGENCY")
      ->required();
  send->add_option("--subject", args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  send->add_option("--record", args.records,
                   "a record your agency owns, RECORD_ID or RECORD_ID@VERSION (repeatable)")
      ->type_name("REF");
  send->add_option("--type", args.inline_record.type,
                   "an inline record's type (created by the send, as `record put` would)")
      ->type_name("TYPE")
      ->check(CLI::IsMember(RecordTypes()));
  send->add_option("--data-class", args.inline_record.data_class, "the inline record's data class")
      ->type_name("CLASS");
  send->add_option("--label", args.inline_record.labels, "an inline record's label")
      ->type_name("LABEL");
  CLI::Option* body = send->add_option("--body", args.inline_record.body_json,
                                       "the inline record's contents as JSON")
                          ->type_name("JSON");
  CLI::Option* body_file =
      send->add_option("--body-file", args.inline_record.body_file,
                       "file holding the inline record's contents ('-': stdin)")
          ->type_name("FILE");
  body->excludes(body_file);
  send->add_option("--idempotency-key", args.idempotency_key,
                   "idempotency key (default: a new one, printed); resending with the same key "
                   "and content returns the original message")
      ->type_name("KEY");
  send->add_option("--correlation-id", args.correlation_id,
                   "ties messages together, e.g. a referral id")
      ->type_name("ID");
  send->add_option("--ttl", args.ttl,
                   "how long it may wait for each recipient, 1m to 30d (default 5d)")
      ->type_name("DURATION");
  send->footer(Footer(
      "throughcare --purpose direct_care message send --to cjit-east --subject sub_3f9a0c1d2e \\\n"
      "      --type drug_interventions_record --data-class drugs \\\n"
      "      --body '{\"assessment_date\": \"2026-11-02\", \"substances\": [\"heroin\"]}'",
      "Each recipient is accepted or withheld (no data leaves; the reason is shown). Track it\n"
      "with `message status`; reports of withheld, expired and dead-lettered deliveries also\n"
      "arrive in your own mailbox. When every recipient is withheld, the response is printed\n"
      "and the command exits 1 (PERMISSION_DENIED, with each recipient's reason)."));
  ctx.OnRun(send, [&args](Session& s) { return MessageSend(s, args); });
}

// The flags of `message receive` and `message watch`.
struct LeaseFlags {
  int max = 10;
  int credit = 10;
  int count = 0;
  std::string lease = "60s";
  bool ack = false;
};

void RegisterMessageReceive(CLI::App& message, LeaseFlags& f, CommandContext& ctx) {
  CLI::App* receive = message.add_subcommand(
      "receive", "Lease and print waiting messages from your agency's mailbox");
  receive->add_option("--max", f.max, "at most this many, 1-100")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  receive
      ->add_option("--lease", f.lease,
                   "how long you hold them before they return to the mailbox (1s-1h)")
      ->type_name("DURATION")
      ->capture_default_str();
  receive->add_flag("--ack", f.ack, "acknowledge them once printed");
  receive->footer(Footer(
      "throughcare message receive --max 5 --lease 5m",
      "Settle each with `message ack LEASE_ID` before its lease expires, or it is delivered\n"
      "again (attempt 2, 3, ...) and, after the broker's maximum, dead-lettered."));
  ctx.OnRun(receive, [&f](Session& s) -> absl::Status {
    ASSIGN_OR_RETURN(absl::Duration lease, ParseDurationFlag("--lease", f.lease));
    return MessageReceive(s, f.max, lease, f.ack);
  });
}

// The flags of `message ack`.
struct SettleFlags {
  MessageSettleArgs args;
  std::string retry_after = "0s";
  bool nack = false;
  bool reject = false;
};

void RegisterMessageAck(CLI::App& message, CommandContext& ctx) {
  SettleFlags& f = ctx.Keep<SettleFlags>();
  CLI::App* ack = message.add_subcommand(
      "ack", "Settle leased messages: acknowledge (default), --nack or --reject");
  ack->add_option("LEASE_ID", f.args.leases, "lease ids from receive or watch")->required();
  CLI::Option* nack = ack->add_flag("--nack", f.nack, "not processed now: deliver again later");
  CLI::Option* reject =
      ack->add_flag("--reject", f.reject, "never processable: dead-letter it and tell the sender");
  nack->excludes(reject);
  ack->add_option("--retry-after", f.retry_after, "with --nack: when to deliver again (0s-1h)")
      ->type_name("DURATION")
      ->capture_default_str();
  ack->add_option("--reason", f.args.reason, "why (required with --reject)")->type_name("TEXT");
  ack->footer(Footer("throughcare message ack lse_7q2m... --nack --retry-after 10m --reason "
                     "'case system down'",
                     "All or nothing: if one lease is no longer current, none is settled."));
  ctx.OnRun(ack, [&f](Session& s) -> absl::Status {
    f.args.outcome = f.nack ? "nack" : (f.reject ? "reject" : "ack");
    absl::Duration d;
    if (!absl::ParseDuration(f.retry_after, &d) || d < absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--retry-after: '", f.retry_after, "' is not a duration such as 30s"));
    }
    f.args.retry_after = d;
    return MessageSettle(s, f.args);
  });
}

void RegisterMessageWatch(CLI::App& message, LeaseFlags& f, CommandContext& ctx) {
  CLI::App* watch = message.add_subcommand(
      "watch", "Subscribe to your agency's mailbox and print messages as they arrive");
  watch->add_option("--credit", f.credit, "at most this many unacknowledged at once, 1-1000")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  watch->add_option("--lease", f.lease, "lease of each delivery (1s-1h)")
      ->type_name("DURATION")
      ->capture_default_str();
  watch->add_flag("--ack", f.ack, "acknowledge each once printed");
  watch->add_option("--count", f.count, "stop after this many (default: run until stopped)")
      ->type_name("N")
      ->check(AtLeastOne());
  watch->footer(Footer("throughcare message watch --ack --json"));
  ctx.OnRun(watch, [&f](Session& s) -> absl::Status {
    ASSIGN_OR_RETURN(absl::Duration lease, ParseDurationFlag("--lease", f.lease));
    return MessageWatch(s, f.credit, lease, f.ack, f.count);
  });
}

}  // namespace

void RegisterMessageCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* message = app.add_subcommand(
      "message", "Send records to other agencies' mailboxes; receive and acknowledge your own");
  message->require_subcommand(1);
  message->footer(Footer("throughcare message receive --max 5"));
  RegisterMessageSend(*message, ctx);
  LeaseFlags& lease = ctx.Keep<LeaseFlags>();
  RegisterMessageReceive(*message, lease, ctx);
  RegisterMessageAck(*message, ctx);
  RegisterMessageWatch(*message, lease, ctx);

  std::string& message_id = ctx.Keep<std::string>();
  CLI::App* status = message->add_subcommand(
      "status", "Track a message your agency sent: each recipient's state, attempts and times");
  status->add_option("MESSAGE_ID", message_id, "the message id Send returned")->required();
  status->footer(Footer("throughcare message status msg_5k2q..."));
  ctx.OnRun(status, [&message_id](Session& s) { return MessageStatus(s, message_id); });
}

}  // namespace throughcare::client
