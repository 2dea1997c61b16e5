#include "client/commands/session.h"

#include <utility>

namespace throughcare::client {

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

absl::Status PrintJson(Session& session, const google::protobuf::Message& message) {
  ASSIGN_OR_RETURN(std::string json, ToJson(message));
  session.out() << json;
  return absl::OkStatus();
}

}  // namespace throughcare::client
