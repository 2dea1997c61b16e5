// The CLI's one JSON output path (--json): responses as proto JSON, and errors as one object.
#ifndef THROUGHCARE_CLIENT_JSON_H_
#define THROUGHCARE_CLIENT_JSON_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace throughcare::client {

// Proto3 JSON with the .proto field names (not lowerCamelCase), indented, ending in a newline.
// 64-bit integers are JSON numbers (protobuf's printer quotes them, for JavaScript's sake):
// counts, sequence numbers and versions compare as numbers in jq and scripts.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

// An error as one line of JSON, e.g.
//   {"code":"NOT_FOUND","message":"no person is known ...","request_id":"req_...","exit_code":1}
// request_id is null when no broker answered (a local error); exit_code is ExitCodeFor(status).
std::string ErrorJson(const absl::Status& status);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_JSON_H_
