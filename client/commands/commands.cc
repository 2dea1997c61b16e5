#include "client/commands/commands.h"

#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace throughcare::client {

void CommandContext::OnRun(CLI::App* command, Action action) {
  command->callback([this, action = std::move(action)] { action_ = action; });
}

std::string Footer(const std::string& example, const std::string& notes) {
  return absl::StrCat(
      "Example:\n  ", example, notes.empty() ? "" : "\n\n", notes,
      "\n\nConnection, practitioner, --purpose and --json: see throughcare --help.");
}

const CLI::Validator& AtLeastOne() {
  static const CLI::Validator* const validator = new CLI::Validator(
      [](std::string& value) {
        int64_t n = 0;
        return absl::SimpleAtoi(value, &n) && n >= 1
                   ? std::string()
                   : std::string("must be a whole number, 1 or more");
      },
      "N>=1");
  return *validator;
}

absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& flag, const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text, "' is not a positive duration such as 15m or 1h"));
  }
  return d;
}

}  // namespace throughcare::client
