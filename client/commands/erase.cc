// `throughcare erase`: a data protection officer erases a record or a person, and reads the
// erasure report (by hand and by the retention sweep).
#include <string>

#include "absl/strings/str_cat.h"
#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "client/output.h"
#include "throughcare/v1/records.grpc.pb.h"

namespace throughcare::client {
namespace {

// The purpose of use of the erase commands when --purpose is not given.
constexpr char kErasurePurpose[] = "data_protection";

struct EraseFlags {
  std::string record_id;
  IdentifierFlags ids;
  std::string subject_id;
  std::string reason;
  std::string from;
  std::string until;
};

std::string RenderErasures(const google::protobuf::RepeatedPtrField<v1::Erasure>& erasures) {
  if (erasures.empty()) return "no erasures in the period\n";
  std::string out;
  for (const v1::Erasure& e : erasures) {
    absl::StrAppend(&out, e.erasure_id(), "  ", e.record_id().empty() ? "person" : e.record_type(),
                    "  ", e.description(), "\n");
  }
  return out;
}

absl::Status EraseRecord(Session& session, const EraseFlags& f) {
  v1::EraseRecordRequest req;
  req.set_record_id(f.record_id);
  req.set_reason(f.reason);
  return CallAndPrint<v1::RecordService>(
      session, req, &v1::RecordService::Stub::EraseRecord,
      [](const v1::Erasure& e) { return absl::StrCat(e.description(), "\n"); }, kErasurePurpose);
}

absl::Status ErasePerson(Session& session, const EraseFlags& f) {
  v1::EraseSubjectRequest req;
  req.set_reason(f.reason);
  ASSIGN_OR_RETURN(*req.mutable_subject_id(),
                   SubjectIdFrom(session, f.ids, f.subject_id, kErasurePurpose));
  return CallAndPrint<v1::RecordService>(
      session, req, &v1::RecordService::Stub::EraseSubject,
      [](const v1::EraseSubjectResponse& r) { return RenderErasures(r.erasures()); },
      kErasurePurpose);
}

absl::Status ErasureReport(Session& session, const EraseFlags& f) {
  v1::ListErasuresRequest req;
  ASSIGN_OR_RETURN(*req.mutable_from_time(), ParseTimestampFlag("--from", f.from));
  ASSIGN_OR_RETURN(*req.mutable_until_time(), ParseTimestampFlag("--until", f.until));
  v1::ListErasuresResponse all;
  do {
    ASSIGN_OR_RETURN(v1::ListErasuresResponse page,
                     CallService<v1::RecordService>(session, req,
                                                    &v1::RecordService::Stub::ListErasures,
                                                    kErasurePurpose));
    for (v1::Erasure& e : *page.mutable_erasures()) *all.add_erasures() = std::move(e);
    req.mutable_page()->set_page_token(page.next_page_token());
  } while (!req.page().page_token().empty());
  return Print(session, all,
               [](const v1::ListErasuresResponse& r) { return RenderErasures(r.erasures()); });
}

}  // namespace

void RegisterEraseCommands(CLI::App& app, CommandContext& ctx) {
  EraseFlags& f = ctx.Keep<EraseFlags>();
  CLI::App* erase = app.add_subcommand(
      "erase", "Erase a record or a person, and list erasures (data protection officer)");
  erase->require_subcommand(1);

  CLI::App* record = erase->add_subcommand("record", "Erase one record's contents");
  record->add_option("RECORD_ID", f.record_id, "the record id")->required();
  record->add_option("--reason", f.reason, "why, with the request's reference (audited)")
      ->required();
  record->footer(Footer("throughcare erase record rec_8d41b7 --reason 'Erasure request ER-0001'",
                        "The record's key is destroyed and its versions emptied; its header and "
                        "the audit log stay,\nand the log still verifies. Reads then answer "
                        "NOT_FOUND saying when, by whom and why."));
  ctx.OnRun(record, [&f](Session& s) { return EraseRecord(s, f); });

  CLI::App* person = erase->add_subcommand(
      "person", "Erase a person: every record's contents, their identifiers and their key");
  AddIdentifierFlags(*person, f.ids);
  person->add_option("--subject", f.subject_id, "the person's subject id, instead of an "
                                                "identifier")
      ->type_name("ID");
  person->add_option("--reason", f.reason, "why, with the request's reference (audited)")
      ->required();
  person->footer(Footer("throughcare erase person --noms A1234BC --reason 'Erasure request "
                        "ER-0002'"));
  ctx.OnRun(person, [&f](Session& s) { return ErasePerson(s, f); });

  CLI::App* report = erase->add_subcommand(
      "report", "The erasures made in a period, by hand and by the retention sweep");
  report->add_option("--from", f.from, "from this RFC 3339 time or date")->required();
  report->add_option("--until", f.until, "until (before) this time or date")->required();
  report->footer(Footer("throughcare erase report --from 2027-01-01 --until 2027-02-01"));
  ctx.OnRun(report, [&f](Session& s) { return ErasureReport(s, f); });
}

}  // namespace throughcare::client
