// Appending to the audit log, and running an access so that its audit entry is committed in the
// same transaction, before the caller is answered (fail-closed audit). The entry is written
// without a place in the log; the sequencer (services/audit/sequencer.h) gives it one.
#ifndef THROUGHCARE_SERVICES_AUDIT_AUDIT_LOG_H_
#define THROUGHCARE_SERVICES_AUDIT_AUDIT_LOG_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "throughcare/audit.h"
#include "throughcare/clock.h"
#include "throughcare/ids.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::audit {

// How a domain service answers: called exactly once, on the storage's completion thread, after
// the audit entry for the access is durable. Should be quick: later replies wait behind it.
template <typename T>
using Reply = absl::AnyInvocable<void(absl::StatusOr<T>)>;

class AuditLog {
 public:
  // The version of the policy in force, for entries that ended before any decision.
  using PolicyVersion = absl::AnyInvocable<std::string() const>;
  AuditLog(const Clock& clock, IdGenerator& ids, PolicyVersion policy_version)
      : clock_(clock), ids_(ids), policy_version_(std::move(policy_version)) {}

  // A new entry for an access by `ctx` to `action`, with who, why and the request id filled in.
  AuditEntry Begin(const CallContext& ctx, absl::string_view action) const;

  // Sets the time (and the policy version and a reason where the call ended before a decision)
  // and writes `entry` within `tx`, unsequenced; a break-glass access (break_glass_reason set)
  // also opens its review item. A failure fails the whole access: DataLoss stays DataLoss,
  // anything else becomes Unavailable ("audit log unavailable ...").
  absl::Status Append(WriteTx& tx, AuditEntry entry) const;

  // Keeps the receipt of `entry`'s receipt_key within `tx` (nothing when it has none):
  // AlreadyExists if the caller's agency carried that input out before.
  absl::Status KeepReceipt(WriteTx& tx, const AuditEntry& entry) const;

 private:
  const Clock& clock_;
  IdGenerator& ids_;
  PolicyVersion policy_version_;
};

// Runs `op` in one write transaction together with the append of its audit entry, then replies.
//  - `op` fills in the entry (subject, record, decision, reason) as it learns them and returns the
//    answer. If `op` fails, its writes are undone but the audit entry, with the failure as its
//    outcome, is still committed.
//  - If the append or the commit fails, the reply is that error and nothing `op` wrote remains.
//  - With a receipt key (CallContext::idempotency_key), the receipt is kept with what `op`
//    wrote; if the input was carried out before, `op` does not run and the reply is
//    AlreadyExists (audited like any other outcome).
//  - The storage may run the transaction again after a conflict: each run starts from a fresh
//    copy of `entry`, and `op` must keep no state between runs either.
template <typename T>
void RunAudited(Storage& storage, const AuditLog& log, AuditEntry entry,
                absl::AnyInvocable<absl::StatusOr<T>(WriteTx&, AuditEntry&)> op, Reply<T> reply) {
  auto result = std::make_shared<absl::StatusOr<T>>(absl::InternalError("operation did not run"));
  storage.Write(
      [&log, begun = std::move(entry), op = std::move(op),
       result](WriteTx& tx) mutable -> absl::Status {
        AuditEntry entry = begun;
        absl::Status op_status = tx.Atomically([&](WriteTx& t) {
          if (absl::Status kept = log.KeepReceipt(t, entry); !kept.ok()) {
            *result = kept;
            return kept;
          }
          *result = op(t, entry);
          return result->status();
        });
        entry.outcome = absl::StatusCodeToString(op_status.code());
        return log.Append(tx, std::move(entry));
      },
      [result, reply = std::move(reply)](absl::Status commit) mutable {
        if (commit.ok()) {
          reply(std::move(*result));
        } else {
          reply(std::move(commit));
        }
      });
}

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_AUDIT_LOG_H_
