// The CLI's subcommands, one function each: build the request from parsed arguments, call the
// broker through a Connection, print the response. main.cc only parses and dispatches.
//
// Every function returns OK or an error whose origin (see connection.h) decides the exit code.
#ifndef THROUGHCARE_CLIENT_COMMANDS_H_
#define THROUGHCARE_CLIENT_COMMANDS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/connection.h"
#include "throughcare/v1/common.pb.h"

namespace throughcare::client {

// Options that apply to every subcommand.
struct GlobalOptions {
  SettingInputs settings;
  std::string purpose;
  bool json = false;
};

// What the commands share: the options, resolved settings and a connection opened on first use.
// Not thread-safe.
class Session final {
 public:
  // `out` receives responses, `err` progress and notes; both must outlive the session.
  Session(GlobalOptions options, std::ostream& out, std::ostream& err);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  absl::StatusOr<const ConnectionSettings*> settings();
  // Opens the connection once; `require_practitioner` is as in Connection::Options and only
  // matters on the first call.
  absl::StatusOr<const Connection*> connection(bool require_practitioner = true);
  // The purpose of use, or `fallback` if none was given; FailedPrecondition if both are empty.
  absl::StatusOr<std::string> purpose(absl::string_view fallback = "") const;

  bool json() const { return options_.json; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

 private:
  GlobalOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  std::optional<ConnectionSettings> settings_;
  std::unique_ptr<Connection> connection_;
};

// --pnc, --noms, --crn, --nhs, --la-ref as given (empty: not given).
struct IdentifierFlags {
  std::string pnc;
  std::string noms;
  std::string crn;
  std::string nhs;
  std::string la_ref;

  // The given identifiers in the order above.
  std::vector<v1::Identifier> ToIdentifiers() const;
};

absl::Status TokenMint(Session& session, absl::Duration ttl);

absl::Status SubjectRegister(Session& session, const IdentifierFlags& ids,
                             const std::string& home_area);
absl::Status SubjectGet(Session& session, const std::string& subject_id);
absl::Status SubjectResolve(Session& session, const IdentifierFlags& ids);
absl::Status SubjectLink(Session& session, const std::string& subject_id,
                         const IdentifierFlags& ids);
absl::Status SubjectUnlink(Session& session, const std::string& subject_id,
                           const IdentifierFlags& ids);
absl::Status SubjectSetHomeArea(Session& session, const std::string& subject_id,
                                const std::string& home_area);

// The record types `record put --type` accepts: the field names of RecordBody's oneof.
std::vector<std::string> RecordTypes();

struct RecordPutArgs {
  std::string subject_id;
  std::string type;
  std::string data_class;
  std::vector<std::string> labels;
  std::string body_json;  // --body
  std::string body_file;  // --body-file ("-" for standard input)
  std::string record_id;
  int64_t expected_version = 0;
};
absl::Status RecordPut(Session& session, const RecordPutArgs& args);
// `break_glass_reason` non-empty: ask to override a refusal (see records.proto).
absl::Status RecordGet(Session& session, const std::string& record_id, int64_t version,
                       const std::string& break_glass_reason);
absl::Status RecordList(Session& session, const std::string& subject_id,
                        const std::string& break_glass_reason);

struct AuditQueryArgs {
  std::string subject_id;
  std::string agency_id;
  std::string user_id;
  std::string action;
  std::string decision;  // "", "allow" or "deny"
  std::string from;      // RFC 3339, inclusive
  std::string until;     // RFC 3339, exclusive
  int limit = 0;         // page size; 0: the broker's default
  std::string page_token;
  bool all = false;  // follow next_page_token to the end
};
absl::Status AuditQuery(Session& session, const AuditQueryArgs& args);

// An audit log head an auditor kept from an earlier verification: entry `seq` had hash `hash`.
struct AuditHead {
  int64_t seq = 0;
  std::string hash;  // 64 lowercase hex digits
};
// Parses "SEQ:HASH" as printed by `audit verify` ("head SEQ:HASH"). InvalidArgument naming
// --expect-head otherwise.
absl::StatusOr<AuditHead> ParseAuditHead(absl::string_view text);

// Streams the whole log and checks its hash chain; with `expect_head`, also that the log still
// holds that entry with that hash (a chain alone cannot show that its newest entries were cut
// off or rewritten). Errors from either check are kVerification.
absl::Status AuditVerify(Session& session, absl::Duration timeout,
                         const std::optional<AuditHead>& expect_head);

// Break-glass review: open items (or, with `include_closed`, all of them), and an auditor's
// outcome for one. `outcome` is "justified", "not-justified" or "referred".
absl::Status ReviewList(Session& session, bool include_closed);
absl::Status ReviewClose(Session& session, const std::string& review_id, const std::string& outcome,
                         const std::string& note);

// The `consent record` flags. `until` is an RFC 3339 time or a duration from `from` (or from
// now) such as 90d or 36h; `evidence` is "signed-form", "verbal-witnessed" or "representative".
struct ConsentRecordArgs {
  std::string subject_id;
  std::vector<std::string> data_classes;
  std::vector<std::string> recipient_agencies;
  std::vector<std::string> recipient_kinds;
  std::vector<std::string> purposes;
  std::string from;  // RFC 3339; empty: now (the broker's clock)
  std::string until;
  std::string evidence;
  std::string evidence_reference;
  std::string evidence_detail;
};
// The --evidence values, in ConsentEvidence order.
std::vector<std::string> ConsentEvidenceNames();
absl::Status ConsentRecord(Session& session, const ConsentRecordArgs& args);
absl::Status ConsentWithdraw(Session& session, const std::string& consent_id,
                             const std::string& reason);
absl::Status ConsentList(Session& session, const std::string& subject_id, bool history);

// `kind` is "allocation" or "custody".
absl::Status RelationshipStart(Session& session, const std::string& subject_id,
                               const std::string& kind, bool for_me, const std::string& note);
absl::Status RelationshipEnd(Session& session, const std::string& relationship_id);
absl::Status RelationshipList(Session& session, const std::string& subject_id);

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
absl::Status Check(Session& session, const CheckArgs& args);

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
absl::Status MessageSend(Session& session, const MessageSendArgs& args);
// Leases up to `max` deliveries and prints them; with `ack`, acknowledges them after printing.
absl::Status MessageReceive(Session& session, int max, absl::Duration lease, bool ack);
// `outcome` is "ack", "nack" (with `retry_after`) or "reject" (with `reason`).
struct MessageSettleArgs {
  std::vector<std::string> leases;
  std::string outcome = "ack";
  absl::Duration retry_after;
  std::string reason;
};
absl::Status MessageSettle(Session& session, const MessageSettleArgs& args);
// A live subscription: prints deliveries as they arrive, `credit` at most unsettled at once;
// with `ack`, acknowledges each once printed. Stops after `count` deliveries (0: never).
absl::Status MessageWatch(Session& session, int credit, absl::Duration lease, bool ack,
                          int count);
absl::Status MessageStatus(Session& session, const std::string& message_id);

// AdminService.ReloadPolicy; prints the previous and the new policy version.
absl::Status PolicyReload(Session& session);

// grpc.health.v1.Health/Check for the whole server. NOT_SERVING (or any answer other than
// SERVING) is printed and returned as a server error.
absl::Status Health(Session& session);

// Referrals. States are the API's names in lower case ("accepted", "first_contact", ...).
std::vector<std::string> ReferralStateNames();
absl::Status ReferralResolve(Session& session, const std::string& referral_type,
                             const std::string& home_area);
struct ReferralCreateArgs {
  std::string referral_type;
  std::string subject_id;
  std::vector<std::string> records;  // "rec_..." or "rec_...@VERSION"
  std::string event_date;            // YYYY-MM-DD
  std::string note;
  std::string recipient_agency;  // for types addressed to a named agency
  std::string idempotency_key;   // empty: a new one, printed on stderr
};
absl::Status ReferralCreate(Session& session, const ReferralCreateArgs& args);
absl::Status ReferralMove(Session& session, const std::string& referral_id,
                          const std::string& state, const std::string& reason);
absl::Status ReferralGet(Session& session, const std::string& referral_id);
struct ReferralListArgs {
  std::string subject_id;
  bool open_only = false;
  bool overdue_only = false;
  int limit = 0;     // page size; 0: the broker's default
  bool all = false;  // every page, not only the first
};
absl::Status ReferralList(Session& session, const ReferralListArgs& args);
absl::Status ReferralRelease(Session& session, const std::string& subject_id,
                             const std::string& release_date);
// `from` and `until` are dates (YYYY-MM-DD, midnight UTC) or RFC 3339 times; `until` empty:
// now. With `csv_file`, also writes the report there as CSV ("-": standard output instead of
// the table).
struct ReportReferralsArgs {
  std::string from;
  std::string until;
  std::string referral_type;
  bool by_receiving_agency = false;
  std::string csv_file;
};
absl::Status ReportReferrals(Session& session, const ReportReferralsArgs& args);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_COMMANDS_H_
