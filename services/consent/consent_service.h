// ConsentService (domain): recording and withdrawing consents, and explaining access decisions.
// Thread-safe; every method replies after the call's audit entry is durable.
#ifndef THROUGHCARE_SERVICES_CONSENT_CONSENT_SERVICE_H_
#define THROUGHCARE_SERVICES_CONSENT_CONSENT_SERVICE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "services/audit/audit_log.h"
#include "services/policy/policy.h"
#include "services/policy/policy_store.h"
#include "throughcare/clock.h"
#include "throughcare/ids.h"
#include "throughcare/consent.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::consent {

// A validated consent to record; the service fills ids, recorder and times.
struct RecordConsentParams {
  std::string subject_id;
  std::vector<std::string> data_classes;
  std::vector<std::string> recipient_agencies;
  std::vector<std::string> recipient_kinds;
  std::vector<std::string> purposes;
  std::optional<absl::Time> valid_from;  // unset: now
  absl::Time valid_until;
  ConsentEvidence evidence;
  std::string evidence_reference;
  std::string evidence_detail;
};

struct CheckAccessParams {
  std::string subject_id;
  std::string record_id;   // either a record ...
  std::string data_class;  // ... or a data class
  std::string action;
  std::string break_glass_reason;
  std::string access_purpose;   // the purpose of the explained access; empty: the call's
  std::optional<Principal> as;  // auditors: explain for this practitioner
};

// An explained decision, with the policy version it was made under.
struct AccessExplanation {
  policy::Decision decision;
  std::string policy_version;
};

class ConsentService {
 public:
  ConsentService(Storage& storage, const audit::AuditLog& audit_log,
                 const policy::PolicyStore& policies, const Clock& clock, IdGenerator& ids)
      : storage_(storage), audit_log_(audit_log), policies_(policies), clock_(clock), ids_(ids) {}

  // Needs "consent.write" on every data class of the consent (and a relationship).
  void Record(const CallContext& ctx, RecordConsentParams params, audit::Reply<Consent> reply);
  // Adds a withdrawn version; from the next access on, the consent covers nothing.
  // FAILED_PRECONDITION if already withdrawn.
  void Withdraw(const CallContext& ctx, std::string consent_id, std::string reason,
                audit::Reply<Consent> reply);
  // Runs inside each withdrawal's transaction, after the withdrawn version is written; an error
  // fails the withdrawal. The broker wires messaging's withdrawal notices here. Set before
  // serving.
  void set_on_withdrawn(std::function<absl::Status(WriteTx&, const Consent&)> fn) {
    on_withdrawn_ = std::move(fn);
  }
  // The person's consents the caller may read ("consent.read" on all their classes); latest
  // versions, or every version with `include_history`.
  void List(const CallContext& ctx, std::string subject_id, bool include_history,
            audit::Reply<std::vector<Consent>> reply);
  // Explains, without performing it, the decision on an access. Audited as "access.check".
  void CheckAccess(const CallContext& ctx, CheckAccessParams params,
                   audit::Reply<AccessExplanation> reply);

 private:
  Storage& storage_;
  const audit::AuditLog& audit_log_;
  const policy::PolicyStore& policies_;
  const Clock& clock_;
  IdGenerator& ids_;
  std::function<absl::Status(WriteTx&, const Consent&)> on_withdrawn_;
};

}  // namespace throughcare::consent

#endif  // THROUGHCARE_SERVICES_CONSENT_CONSENT_SERVICE_H_
