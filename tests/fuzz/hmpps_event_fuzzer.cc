// libFuzzer target over the "hmpps-events" decoder (services/adapters/hmpps). Besides crashes,
// sanitizer reports and slow inputs it stops on a broken contract (adapter.h): operations
// together with errors, more than one operation for one event, an error not named by a JSON
// pointer, or an idempotency key the broker would refuse.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "services/adapters/hmpps/hmpps_events.h"

namespace {

[[noreturn]] void Broken(const char* what, const std::string& detail) {
  std::fprintf(stderr, "hmpps_event_fuzzer: %s: %s\n", what, detail.c_str());
  std::abort();
}

bool IsKey(const std::string& key) {
  if (key.empty() || key.size() > 128 || key.rfind("hmpps:", 0) != 0) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const auto decoded = throughcare::adapters::HmppsEvents().Decode(input);
  if (!decoded.errors.empty() && !decoded.operations.empty()) {
    Broken("operations together with errors", decoded.errors[0].where);
  }
  if (decoded.operations.size() > 1) Broken("more than one operation", "");
  for (const auto& error : decoded.errors) {
    if (!error.where.empty() && error.where[0] != '/') Broken("not a JSON pointer", error.where);
    if (error.reason.empty()) Broken("an error without a reason", error.where);
  }
  for (const auto& operation : decoded.operations) {
    if (!IsKey(operation.idempotency_key)) Broken("bad key", operation.idempotency_key);
    if (operation.person.value().empty()) Broken("an operation names nobody", "");
  }
  return 0;
}
