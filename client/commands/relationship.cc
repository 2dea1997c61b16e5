// `throughcare relationship`: start, end and list legitimate relationships with a person.
#include <string>

#include "client/commands/commands.h"
#include "throughcare/v1/subjects.grpc.pb.h"

namespace throughcare::client {
namespace {

// `kind` is "allocation" or "custody".
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

// The flags of the relationship subcommands.
struct RelationshipFlags {
  std::string subject_id;
  std::string kind;
  bool for_me = false;
  std::string note;
  std::string relationship_id;
};

}  // namespace

void RegisterRelationshipCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* relationship = app.add_subcommand(
      "relationship", "Start, end and list legitimate relationships (allocations, custody)");
  relationship->require_subcommand(1);
  relationship->footer(Footer("throughcare relationship list sub_3f9a0c1d2e"));
  RelationshipFlags& f = ctx.Keep<RelationshipFlags>();

  CLI::App* start = relationship->add_subcommand(
      "start", "Start working with a person: your agency's (or, with --for-me, your) relationship");
  start->add_option("SUBJECT_ID", f.subject_id, "the broker's subject id")->required();
  start->add_option("--kind", f.kind, "allocation (a case allocated) or custody (held in prison)")
      ->type_name("KIND")
      ->required()
      ->check(CLI::IsMember({"allocation", "custody"}));
  start->add_flag("--for-me", f.for_me, "only you, not your whole agency");
  start->add_option("--note", f.note, "a note, e.g. the team")->type_name("TEXT");
  start->footer(Footer("throughcare relationship start sub_3f9a0c1d2e --kind allocation --for-me",
                       "Without a relationship the broker answers NOT_FOUND about the person."));
  ctx.OnRun(start, [&f](Session& s) {
    return RelationshipStart(s, f.subject_id, f.kind, f.for_me, f.note);
  });

  CLI::App* end = relationship->add_subcommand("end", "End one of your agency's relationships");
  end->add_option("RELATIONSHIP_ID", f.relationship_id, "the relationship's id")->required();
  end->footer(Footer("throughcare relationship end rel_0c4d"));
  ctx.OnRun(end, [&f](Session& s) { return RelationshipEnd(s, f.relationship_id); });

  CLI::App* list = relationship->add_subcommand(
      "list", "List who works with a person (needs a relationship yourself)");
  list->add_option("SUBJECT_ID", f.subject_id, "the broker's subject id")->required();
  list->footer(Footer("throughcare relationship list sub_3f9a0c1d2e --json"));
  ctx.OnRun(list, [&f](Session& s) { return RelationshipList(s, f.subject_id); });
}

}  // namespace throughcare::client
