// `throughcare subject`: register people and link their agency identifiers.
#include <utility>
#include <vector>

#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "throughcare/v1/subjects.grpc.pb.h"

namespace throughcare::client {
namespace {

// Makes one SubjectService call and prints the person it returns.
template <typename Request>
absl::Status CallSubjectService(Session& session, Request& request,
                                grpc::Status (v1::SubjectService::Stub::*method)(
                                    grpc::ClientContext*, const Request&, v1::Subject*)) {
  return CallAndPrint<v1::SubjectService>(session, request, method, RenderSubject);
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

// The flags of the subject subcommands (each uses some).
struct SubjectFlags {
  IdentifierFlags ids;
  std::string subject_id;
  std::string home_area;
};

}  // namespace

absl::StatusOr<std::string> SubjectIdFrom(Session& session, const IdentifierFlags& ids,
                                          const std::string& subject_id,
                                          absl::string_view purpose) {
  if (!subject_id.empty()) {
    if (!ids.ToIdentifiers().empty()) {
      return absl::InvalidArgumentError("give --subject or one identifier, not both");
    }
    return subject_id;
  }
  ASSIGN_OR_RETURN(v1::Identifier id, ExactlyOneIdentifier(ids));
  v1::ResolveIdentifierRequest req;
  *req.mutable_identifier() = id;
  ASSIGN_OR_RETURN(v1::Subject subject,
                   CallService<v1::SubjectService>(
                       session, req, &v1::SubjectService::Stub::ResolveIdentifier, purpose));
  return subject.subject_id();
}

void RegisterSubjectCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* subject = app.add_subcommand("subject", "Register people and link their identifiers");
  subject->require_subcommand(1);
  subject->footer(Footer("throughcare subject resolve --noms A1234BC"));
  SubjectFlags& f = ctx.Keep<SubjectFlags>();

  CLI::App* reg =
      subject->add_subcommand("register", "Register a person with one or more identifiers");
  AddIdentifierFlags(*reg, f.ids);
  reg->add_option("--home-area", f.home_area, "GSS code of the person's home area, e.g. E06000018")
      ->type_name("CODE");
  reg->footer(Footer(
      "throughcare subject register --noms A1234BC --pnc 12/1234567A --home-area E06000018"));
  ctx.OnRun(reg, [&f](Session& s) { return SubjectRegister(s, f.ids, f.home_area); });

  CLI::App* get = subject->add_subcommand("get", "Show a person's identifiers and home area");
  get->add_option("SUBJECT_ID", f.subject_id, "the broker's subject id")->required();
  get->footer(Footer("throughcare subject get sub_3f9a0c1d2e"));
  ctx.OnRun(get, [&f](Session& s) { return SubjectGet(s, f.subject_id); });

  CLI::App* resolve = subject->add_subcommand(
      "resolve", "Find the person an identifier is linked to (give exactly one identifier)");
  AddIdentifierFlags(*resolve, f.ids);
  resolve->footer(Footer("throughcare subject resolve --crn X123456"));
  ctx.OnRun(resolve, [&f](Session& s) { return SubjectResolve(s, f.ids); });

  CLI::App* link = subject->add_subcommand(
      "link", "Link one more identifier to a person (give exactly one identifier)");
  link->add_option("SUBJECT_ID", f.subject_id, "the broker's subject id")->required();
  AddIdentifierFlags(*link, f.ids);
  link->footer(Footer("throughcare subject link sub_3f9a0c1d2e --nhs '943 476 5919'"));
  ctx.OnRun(link, [&f](Session& s) { return SubjectLink(s, f.subject_id, f.ids); });

  CLI::App* unlink = subject->add_subcommand(
      "unlink", "Remove an identifier from a person (give exactly one identifier)");
  unlink->add_option("SUBJECT_ID", f.subject_id, "the broker's subject id")->required();
  AddIdentifierFlags(*unlink, f.ids);
  unlink->footer(Footer("throughcare subject unlink sub_3f9a0c1d2e --pnc 12/1234567A"));
  ctx.OnRun(unlink, [&f](Session& s) { return SubjectUnlink(s, f.subject_id, f.ids); });

  CLI::App* area = subject->add_subcommand("set-home-area", "Set a person's home area");
  area->add_option("SUBJECT_ID", f.subject_id, "the broker's subject id")->required();
  area->add_option("CODE", f.home_area, "GSS code of the local authority, e.g. E06000018")
      ->required();
  area->footer(Footer("throughcare subject set-home-area sub_3f9a0c1d2e E06000018"));
  ctx.OnRun(area, [&f](Session& s) { return SubjectSetHomeArea(s, f.subject_id, f.home_area); });
}

}  // namespace throughcare::client
