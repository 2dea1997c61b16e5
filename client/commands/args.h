// Command-line values that several command groups read the same way: times and durations,
// record references, record contents and idempotency keys. Errors are InvalidArgument naming the
// flag, e.g. "--from: '...' is neither a date ... nor an RFC 3339 time ...".
#ifndef THROUGHCARE_CLIENT_COMMANDS_ARGS_H_
#define THROUGHCARE_CLIENT_COMMANDS_ARGS_H_

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include <CLI/CLI.hpp>

#include "client/commands/session.h"
#include "throughcare/v1/records.pb.h"

namespace throughcare::client {

google::protobuf::Timestamp ToTimestamp(absl::Time t);
absl::Time FromTimestamp(const google::protobuf::Timestamp& ts);

// An RFC 3339 time, or a date YYYY-MM-DD for midnight UTC at its start.
absl::StatusOr<google::protobuf::Timestamp> ParseTimestampFlag(absl::string_view flag,
                                                               const std::string& text);

// A positive duration such as "90d", "36h", "1d12h" or "90m": whole days, then anything
// absl::ParseDuration accepts. False (and `out` untouched) otherwise.
bool ParsePositiveDuration(absl::string_view text, absl::Duration* out);

// "rec_...", or "rec_...@VERSION" (--record).
absl::StatusOr<v1::RecordReference> ParseRecordReference(const std::string& text);

// The record types `record put --type` accepts: the field names of RecordBody's oneof.
std::vector<std::string> RecordTypes();

// A record's contents and header as `record put` (and `message send`, for its inline record)
// take them.
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

// The JSON of --body, or of the file (or standard input) --body-file names.
absl::StatusOr<std::string> ReadBody(const RecordPutArgs& args);
// Puts the typed JSON `json` into the oneof field `type` of a RecordBody.
absl::StatusOr<v1::RecordBody> ParseBody(const std::string& type, const std::string& json);

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
void AddIdentifierFlags(CLI::App& cmd, IdentifierFlags& ids);
// InvalidArgument unless exactly one identifier was given.
absl::StatusOr<v1::Identifier> ExactlyOneIdentifier(const IdentifierFlags& ids);

// `given`, or a new key, printed on stderr so that a retry of the `what` ("send", "referral")
// can reuse it.
std::string IdempotencyKeyOrNew(Session& session, const std::string& given,
                                absl::string_view what);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_COMMANDS_ARGS_H_
