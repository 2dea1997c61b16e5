// Internal to services/messaging: what its implementation files share. Not for use elsewhere.
#ifndef THROUGHCARE_SERVICES_MESSAGING_INTERNAL_MESSAGING_INTERNAL_H_
#define THROUGHCARE_SERVICES_MESSAGING_INTERNAL_MESSAGING_INTERNAL_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/policy/authorize.h"
#include "services/policy/policy.h"
#include "throughcare/audit.h"
#include "throughcare/message.h"
#include "throughcare/principal.h"
#include "throughcare/record.h"
#include "throughcare/storage.h"

namespace throughcare::messaging::messaging_internal {

// The audit entry of an event about a message names its person, its first record and its
// purpose.
void AboutMessage(const Message& m, AuditEntry& e);

// "message_id: no message <id>", the NOT_FOUND of a message the caller may not know.
std::string NoSuchMessage(absl::string_view message_id);

// The decision on every record of a message for one principal.
struct Verdict {
  bool allowed = true;
  bool role_permitted = true;  // false: the role may not perform the action at all
  bool not_found = false;      // refused for want of a relationship: answer NOT_FOUND
  std::string reason;          // the first refusal, or the first record's rule
  std::string basis;           // the first record's lawful basis
  std::vector<std::string> consent_ids;
  std::vector<bool> redact;  // per record
};

// `action` (message.send, message.receive, record.read) on every record of a message for `who`:
// allowed only if allowed on each; the first refusal is the reason.
Verdict DecideRecords(const policy::Policy& policy, const CallContext& who,
                      absl::string_view action, const std::vector<StoredRecord>& records,
                      const policy::PersonContext& person, absl::Time now);

// Writes `fn` and answers `reply` with its result once durable.
template <typename T>
void WriteThenReply(Storage& storage, absl::AnyInvocable<absl::StatusOr<T>(WriteTx&)> fn,
                    absl::AnyInvocable<void(absl::StatusOr<T>)> reply) {
  auto result = std::make_shared<absl::StatusOr<T>>(absl::InternalError("write did not run"));
  storage.Write(
      [fn = std::move(fn), result](WriteTx& tx) mutable -> absl::Status {
        *result = fn(tx);
        return result->status();
      },
      [result, reply = std::move(reply)](absl::Status commit) mutable {
        reply(commit.ok() ? std::move(*result) : absl::StatusOr<T>(std::move(commit)));
      });
}

}  // namespace throughcare::messaging::messaging_internal

#endif  // THROUGHCARE_SERVICES_MESSAGING_INTERNAL_MESSAGING_INTERNAL_H_
