// Carries out what an adapter decoded (services/adapters), one operation at a time, through the
// same handlers as the gRPC calls they stand for: validation, the policy decision and the audit
// are theirs. The person is first resolved by the identifier the input names, under the caller's
// identity and purpose, so someone the caller may not know is NOT_FOUND in the same words as over
// gRPC. An operation the input identifies (Operation::idempotency_key) is carried out once: its
// receipt is kept in the same transaction, and the same input again answers
// {"duplicate": true, "requestId": <the request that carried it out>} without doing anything.
#ifndef THROUGHCARE_SERVICES_SERVER_ADAPTER_CALLS_H_
#define THROUGHCARE_SERVICES_SERVER_ADAPTER_CALLS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "services/adapters/adapter.h"
#include "services/server/handlers.h"
#include "services/policy/policy_store.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::server {

class AdapterCalls {
 public:
  struct Handlers {
    SubjectHandlers& subjects;
    RecordHandlers& records;
    ConsentHandlers& consents;
    ReferralHandlers& referrals;
  };
  AdapterCalls(Storage& storage, const policy::PolicyStore& policies, Handlers handlers)
      : storage_(storage),
        policies_(policies),
        subjects_(handlers.subjects),
        records_(handlers.records),
        consents_(handlers.consents),
        referrals_(handlers.referrals) {}

  // Runs `op` as `call` and waits for its answer: the response in the proto3 JSON mapping, or
  // the refusal. The purpose of use is the request's own where the format carries one (FHIR's
  // security label), else `call`'s (the agency's interface purpose); either must be a policy
  // purpose. Registering a person the caller can find answers {"known": true} (a
  // conditional create). An operation these calls do not carry yet is UNIMPLEMENTED, naming it.
  absl::StatusOr<std::string> Run(const CallContext& call, adapters::Operation op);

  // The person known by `person`, as `call` may see them (ResolveIdentifier: NOT_FOUND for
  // someone the caller may not know, audited).
  absl::StatusOr<v1::Subject> Resolve(const CallContext& call, const v1::Identifier& person);
  // The person's consents as `call` may see them (ListConsents: NOT_FOUND for someone the
  // caller may not know, audited).
  absl::StatusOr<v1::ListConsentsResponse> Consents(const CallContext& call,
                                                    const std::string& subject_id);

 private:
  struct Dispatch;
  // {"duplicate": true, ...} when the caller's agency carried `key` out before; else nullopt.
  absl::StatusOr<std::optional<std::string>> Duplicate(const CallContext& call,
                                                       const std::string& key);

  // The person's subject id, resolved as `call`.
  absl::StatusOr<std::string> SubjectId(const CallContext& call, const v1::Identifier& person);

  Storage& storage_;
  const policy::PolicyStore& policies_;
  SubjectHandlers& subjects_;
  RecordHandlers& records_;
  ConsentHandlers& consents_;
  ReferralHandlers& referrals_;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_ADAPTER_CALLS_H_
