// SubjectService (domain): registering people, linking identifiers, resolving them.
//
// Inputs are validated and normalised at the edge (services/identifiers/identifiers.h); this layer
// decides (policy), changes storage and audits, in one transaction per call. Every method answers
// through `reply` after the call's audit entry is durable. Thread-safe.
#ifndef THROUGHCARE_SERVICES_SUBJECTS_SUBJECT_SERVICE_H_
#define THROUGHCARE_SERVICES_SUBJECTS_SUBJECT_SERVICE_H_

#include <string>
#include <vector>

#include "services/audit/audit_log.h"
#include "services/policy/policy_store.h"
#include "throughcare/clock.h"
#include "throughcare/ids.h"
#include "throughcare/consent.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"
#include "throughcare/subject.h"

namespace throughcare::subjects {

class SubjectService {
 public:
  // All references must outlive the service.
  SubjectService(Storage& storage, const audit::AuditLog& audit_log,
                 const policy::PolicyStore& policies, const Clock& clock, IdGenerator& ids)
      : storage_(storage), audit_log_(audit_log), policies_(policies), clock_(clock), ids_(ids) {}

  struct IdentifierValue {
    IdentifierKind kind;
    std::string value;  // normalised
  };

  // Registering and linking (and unlinking) an identifier is for the agency kinds the policy
  // says issue or first meet its kind, and registering and linking for roles that may look
  // people up without a relationship; otherwise PERMISSION_DENIED before the identifier is
  // looked up, so the answer does not depend on whether it is known.
  // ALREADY_EXISTS if any identifier is linked to anyone; nothing is registered then.
  void Register(const CallContext& ctx, std::vector<IdentifierValue> identifiers,
                std::string home_area, audit::Reply<Subject> reply);
  void Get(const CallContext& ctx, std::string subject_id, audit::Reply<Subject> reply);
  void Resolve(const CallContext& ctx, IdentifierValue identifier, audit::Reply<Subject> reply);
  void Link(const CallContext& ctx, std::string subject_id, IdentifierValue identifier,
            audit::Reply<Subject> reply);
  void Unlink(const CallContext& ctx, std::string subject_id, IdentifierValue identifier,
              audit::Reply<Subject> reply);
  void SetHomeArea(const CallContext& ctx, std::string subject_id, std::string home_area,
                   audit::Reply<Subject> reply);

  // Legitimate relationships. A caller starts and ends relationships for its own agency only
  // (with `for_me`, for itself alone); custody only for a prison. Who may start which kind is
  // the policy's relationship_starts (Policy::DecideRelationshipStart): a workflow start (custody
  // by the receiving prison, allocation by probation) or a self-claim, whose `note` is the
  // reason it needs, flagged in the audit entry and queued for review; PERMISSION_DENIED for
  // anyone else, before the person is looked up. Referral relationships come only from accepting
  // a referral.
  void StartRelationship(const CallContext& ctx, std::string subject_id, RelationshipKind kind,
                         bool for_me, std::string note, audit::Reply<Relationship> reply);
  // NOT_FOUND for another agency's relationship; FAILED_PRECONDITION if already ended.
  void EndRelationship(const CallContext& ctx, std::string relationship_id,
                       audit::Reply<Relationship> reply);
  // Every agency's relationships with the person, ended ones included.
  void ListRelationships(const CallContext& ctx, std::string subject_id,
                         audit::Reply<std::vector<Relationship>> reply);

 private:
  // Runs `op` audited as `action`; `op` asks the policy itself.
  void Run(const CallContext& ctx, absl::string_view action,
           absl::AnyInvocable<absl::StatusOr<Subject>(WriteTx&, AuditEntry&)> op,
           audit::Reply<Subject> reply);
  // `action` on the person's identity data: NOT_FOUND ("subject_id: no subject ...") for an
  // unknown person or one the caller has no relationship with.
  absl::Status AuthorizeAbout(const policy::Policy& policy, const CallContext& ctx, WriteTx& tx,
                              absl::string_view subject_id, absl::string_view action,
                              AuditEntry& entry) const;

  Storage& storage_;
  const audit::AuditLog& audit_log_;
  const policy::PolicyStore& policies_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace throughcare::subjects

#endif  // THROUGHCARE_SERVICES_SUBJECTS_SUBJECT_SERVICE_H_
