// `throughcare check`: explain an access decision without performing the access.
#include <string>

#include "client/commands/commands.h"
#include "throughcare/v1/consent.grpc.pb.h"

namespace throughcare::client {
namespace {

// The `check` flags: explain a decision about a record, or about a data class of a person.
struct CheckArgs {
  std::string subject_id;
  std::string record_id;
  std::string data_class;
  std::string action;  // empty: the broker's default, record.read
  std::string break_glass_reason;
  std::string as_agency;
  std::string as_user;
  std::string as_role;
  std::string access_purpose;  // the purpose of the explained access; empty: --purpose
};

// Prints the explanation. OK whether the access would be allowed or not: only a failed call is
// an error.
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
  return CallAndPrint<v1::ConsentService>(session, request, &v1::ConsentService::Stub::CheckAccess,
                                          RenderCheckAccess);
}

}  // namespace

void RegisterCheckCommand(CLI::App& app, CommandContext& ctx) {
  CheckArgs& args = ctx.Keep<CheckArgs>();
  CLI::App* check =
      app.add_subcommand("check", "Explain an access decision without performing the access");
  check->add_option("--subject", args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  CLI::Option* record =
      check->add_option("--record", args.record_id, "the record to ask about")->type_name("ID");
  CLI::Option* data_class = check
                                ->add_option("--data-class", args.data_class,
                                             "or a data class of the person's data, e.g. drugs")
                                ->type_name("CLASS");
  record->excludes(data_class);
  check->add_option("--action", args.action, "the action (default record.read)")
      ->type_name("ACTION");
  check
      ->add_option("--break-glass", args.break_glass_reason,
                   "as if breaking glass with this reason")
      ->type_name("REASON");
  CLI::Option* as_agency = check
                               ->add_option("--as-agency", args.as_agency,
                                            "auditors: explain for this practitioner's agency ...")
                               ->type_name("ID");
  CLI::Option* as_user =
      check->add_option("--as-user", args.as_user, "... user ...")->type_name("ID");
  CLI::Option* as_role =
      check->add_option("--as-role", args.as_role, "... and role")->type_name("ROLE");
  check
      ->add_option("--access-purpose", args.access_purpose,
                   "the purpose of use of the access asked about (default: --purpose); lets an "
                   "auditor calling with purpose audit explain an offender_management access")
      ->type_name("PURPOSE");
  as_agency->needs(as_user)->needs(as_role);
  as_user->needs(as_agency)->needs(as_role);
  as_role->needs(as_agency)->needs(as_user);
  check->footer(Footer(
      "throughcare --purpose resettlement check --subject sub_3f9a0c1d2e --record rec_8d41b7",
      "Prints allowed or denied, the deciding rule, the reason, the lawful basis, the\n"
      "obligations and each check (role_permission, relationship, lawful_basis, purpose,\n"
      "labels, break_glass) with the policy version. Exits 0 whether the access would be\n"
      "allowed or denied; 1 only if the broker refuses to explain. --purpose is the purpose\n"
      "of use asked about. An auditor explains a practitioner's decision with\n"
      "  --as-agency housing-east --as-user housing-officer-1 --as-role housing_officer\n"
      "  --access-purpose resettlement"));
  ctx.OnRun(check, [&args](Session& s) { return Check(s, args); });
}

}  // namespace throughcare::client
