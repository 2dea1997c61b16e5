// `throughcare record`: put, get and list a person's records.
#include <cstdint>

#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "throughcare/v1/records.grpc.pb.h"

namespace throughcare::client {
namespace {

constexpr char kBreakGlassHelp[] =
    "override a refusal, giving your reason (a sentence); audited as break-glass and reviewed";

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
  return CallAndPrint<v1::RecordService>(session, request, &v1::RecordService::Stub::PutRecord,
                                         RenderRecord);
}

// `break_glass_reason` non-empty: ask to override a refusal (see records.proto).
absl::Status RecordGet(Session& session, const std::string& record_id, int64_t version,
                       const std::string& break_glass_reason) {
  if (version < 0) return absl::InvalidArgumentError("--version: must be 1 or more");
  v1::GetRecordRequest request;
  request.set_record_id(record_id);
  request.set_version(version);
  request.set_break_glass_reason(break_glass_reason);
  return CallAndPrint<v1::RecordService>(session, request, &v1::RecordService::Stub::GetRecord,
                                         RenderRecord);
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

void RegisterRecordPut(CLI::App& record, CommandContext& ctx) {
  RecordPutArgs& args = ctx.Keep<RecordPutArgs>();
  CLI::App* put =
      record.add_subcommand("put", "Create a record, or add a version to one your agency owns");
  put->add_option("--subject", args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  put->add_option("--type", args.type, "record type, i.e. which message the body is")
      ->type_name("TYPE")
      ->required()
      ->check(CLI::IsMember(RecordTypes()));
  put->add_option("--data-class", args.data_class,
                  "data class allowed for the type, e.g. health or mental_health for "
                  "health_summary")
      ->type_name("CLASS")
      ->required();
  put->add_option("--label", args.labels,
                  "a label (repeatable): sealed, mappa, victim_related, not_convicted")
      ->type_name("LABEL");
  CLI::Option* body =
      put->add_option("--body", args.body_json, "the contents: the record type's message as JSON")
          ->type_name("JSON");
  CLI::Option* body_file = put->add_option("--body-file", args.body_file,
                                           "file holding the contents as JSON ('-': stdin)")
                               ->type_name("FILE");
  body->excludes(body_file);
  put->add_option("--record-id", args.record_id,
                  "add a version to this record (with --expected-version)")
      ->type_name("ID");
  put->add_option("--expected-version", args.expected_version,
                  "the latest version you read; ABORTED if it is no longer the latest")
      ->type_name("N")
      ->check(AtLeastOne());
  put->footer(Footer(
      "throughcare record put --subject sub_3f9a0c1d2e --type health_summary "
      "--data-class health \\\n      --body "
      "'{\"conditions\": [{\"name\": \"asthma\"}], \"gp\": {\"ods_code\": \"A81001\"}}'",
      "Data classes by type: drug_interventions_record and care_plan: drugs; health_summary:\n"
      "health, mental_health; release_notification: custody; accommodation_need: accommodation;\n"
      "risk_summary: risk. The JSON uses the proto field names of the type's message."));
  ctx.OnRun(put, [&args](Session& s) { return RecordPut(s, args); });
}

// The flags of `record get` and `record list`.
struct RecordReadFlags {
  std::string record_id;
  int64_t version = 0;
  std::string subject_id;
  std::string break_glass;
};

}  // namespace

void RegisterRecordCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* record = app.add_subcommand("record", "Put, get and list a person's records");
  record->require_subcommand(1);
  record->footer(Footer("throughcare record list sub_3f9a0c1d2e"));
  RegisterRecordPut(*record, ctx);
  RecordReadFlags& f = ctx.Keep<RecordReadFlags>();

  CLI::App* get = record->add_subcommand("get", "Show a record's header and contents");
  get->add_option("RECORD_ID", f.record_id, "the record id")->required();
  get->add_option("--version", f.version, "a version (default: the latest)")
      ->type_name("N")
      ->check(AtLeastOne());
  get->add_option("--break-glass", f.break_glass, kBreakGlassHelp)->type_name("REASON");
  get->footer(Footer(
      "throughcare record get rec_8d41b7 --version 2",
      "Prints \"(victim-related fields redacted)\" when the broker removed victim-related fields\n"
      "for your role. --break-glass works only for roles the policy names, and never makes up\n"
      "for a role that lacks the permission; e.g.\n"
      "  throughcare record get rec_8d41b7 --break-glass 'Risk to a child reported out of hours; "
      "OM unavailable'"));
  ctx.OnRun(get, [&f](Session& s) { return RecordGet(s, f.record_id, f.version, f.break_glass); });

  CLI::App* list = record->add_subcommand(
      "list", "List the latest version of each of a person's records you may read");
  list->add_option("SUBJECT_ID", f.subject_id, "the broker's subject id")->required();
  list->add_option("--break-glass", f.break_glass, kBreakGlassHelp)->type_name("REASON");
  list->footer(Footer("throughcare record list sub_3f9a0c1d2e"));
  ctx.OnRun(list, [&f](Session& s) { return RecordList(s, f.subject_id, f.break_glass); });
}

}  // namespace throughcare::client
