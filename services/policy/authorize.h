// Asking the policy decision point from inside a transaction: loads the person's relationships
// and consents, builds the request, records the decision in the call's audit entry, and turns a
// refusal into the status the caller must answer with.
#ifndef THROUGHCARE_SERVICES_POLICY_AUTHORIZE_H_
#define THROUGHCARE_SERVICES_POLICY_AUTHORIZE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/policy/policy.h"
#include "throughcare/audit.h"
#include "throughcare/consent.h"
#include "throughcare/principal.h"
#include "throughcare/record.h"
#include "throughcare/storage.h"

namespace throughcare::policy {

// What the decision needs to know about one person, read in the caller's transaction, so a
// withdrawal or an ended relationship counts from the next call on.
struct PersonContext {
  std::vector<Relationship> relationships;
  std::vector<Consent> consents;  // latest version of each
};
absl::StatusOr<PersonContext> LoadPersonContext(ReadTx& tx, absl::string_view subject_id);

// The thing asked about.
struct Target {
  std::string action;
  std::string data_class;
  const PersonContext* person = nullptr;  // null: not about a person (register, audit)
  const RecordHeader* record = nullptr;   // for record actions
  std::string break_glass_reason;
};

// Builds the full access request for `ctx` on `target` at `now`.
AccessRequest MakeRequest(const CallContext& ctx, const Target& target, absl::Time now);

// Decides, and records decision, reason, basis, break-glass reason and policy version in
// `entry`. Returns the decision when allowed; otherwise PermissionDenied with the reason, or
// NotFound with `not_found_message` (the same words as for a person who does not exist) when the
// caller has no relationship with the person.
absl::StatusOr<Decision> Authorize(const Policy& policy, const CallContext& ctx,
                                   const Target& target, absl::Time now, AuditEntry& entry,
                                   absl::string_view not_found_message = "");

// For calls about a person: `subject_id` names them; `exists` says whether they exist (or the
// thing asked about belongs to them). An unknown person, and one the caller has no relationship
// with, both give NotFound(not_found_message), in the same words; a role that may not perform
// the action at all gets PermissionDenied either way. Loads the person's context from `tx`.
absl::StatusOr<Decision> AuthorizeAbout(const Policy& policy, const CallContext& ctx, ReadTx& tx,
                                        absl::string_view subject_id, bool exists, Target target,
                                        absl::Time now, AuditEntry& entry,
                                        absl::string_view not_found_message);

// For listings about a person (records, consents): may the caller see the person at all? Asks
// "subject.read" on their identity, as GetSubject does (NotFound with `not_found_message` for an
// unknown person or one the caller has no relationship with), and returns the person's context
// for the per-item decisions that follow.
absl::StatusOr<PersonContext> AuthorizeListing(const Policy& policy, const CallContext& ctx,
                                               ReadTx& tx, absl::string_view subject_id,
                                               absl::Time now, AuditEntry& entry,
                                               absl::string_view not_found_message);

}  // namespace throughcare::policy

#endif  // THROUGHCARE_SERVICES_POLICY_AUTHORIZE_H_
