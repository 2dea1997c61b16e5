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
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::server {

class AdapterCalls {
 public:
  AdapterCalls(Storage& storage, SubjectHandlers& subjects, ReferralHandlers& referrals)
      : storage_(storage), subjects_(subjects), referrals_(referrals) {}

  // Runs `op` as `call` (whose purpose every request takes) and waits for its answer: the
  // response in the proto3 JSON mapping, or the refusal. An operation these calls do not carry
  // yet is UNIMPLEMENTED, naming it.
  absl::StatusOr<std::string> Run(const CallContext& call, adapters::Operation op);

 private:
  // The operation itself, as `call` (which carries its receipt key).
  absl::StatusOr<std::string> Carry(const CallContext& call, adapters::Operation& op);
  // {"duplicate": true, ...} when the caller's agency carried `key` out before; else nullopt.
  absl::StatusOr<std::optional<std::string>> Duplicate(const CallContext& call,
                                                       const std::string& key);

  // The person's subject id, resolved as `call`.
  absl::StatusOr<std::string> Resolve(const CallContext& call, const v1::Identifier& person);

  Storage& storage_;
  SubjectHandlers& subjects_;
  ReferralHandlers& referrals_;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_ADAPTER_CALLS_H_
