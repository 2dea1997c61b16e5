#include "services/policy/authorize.h"

#include "throughcare/status_macros.h"

namespace throughcare::policy {

absl::StatusOr<PersonContext> LoadPersonContext(ReadTx& tx, absl::string_view subject_id) {
  PersonContext context;
  ASSIGN_OR_RETURN(context.relationships, tx.ListRelationships(subject_id));
  ASSIGN_OR_RETURN(context.consents, tx.ListConsents(subject_id));
  return context;
}

AccessRequest MakeRequest(const CallContext& ctx, const Target& target, absl::Time now) {
  AccessRequest request;
  request.role = ctx.principal.role;
  request.agency_id = ctx.principal.agency_id;
  request.agency_kind = ctx.principal.agency_kind;
  request.user_id = ctx.principal.user_id;
  request.action = target.action;
  request.data_class = target.data_class;
  request.purpose = ctx.purpose;
  request.now = now;
  request.break_glass_reason = target.break_glass_reason;
  if (target.person != nullptr) {
    request.person_scoped = true;
    request.relationships = target.person->relationships;
    request.consents = target.person->consents;
  }
  if (target.record != nullptr) {
    request.owner_agency = target.record->owner_agency;
    request.collected_for = target.record->collected_for;
    request.labels = target.record->labels;
  }
  return request;
}

absl::StatusOr<Decision> Authorize(const Policy& policy, const CallContext& ctx,
                                   const Target& target, absl::Time now, AuditEntry& entry,
                                   absl::string_view not_found_message) {
  Decision d = policy.Decide(MakeRequest(ctx, target, now));
  entry.decision = d.allowed ? AuditDecision::kAllow : AuditDecision::kDeny;
  entry.reason = d.reason;
  entry.basis = d.basis;
  entry.break_glass_reason = d.break_glass ? target.break_glass_reason : "";
  entry.policy_version = policy.version();
  if (d.allowed) return d;
  if (d.answer_not_found) return absl::NotFoundError(not_found_message);
  return absl::PermissionDeniedError(d.reason);
}

absl::StatusOr<Decision> AuthorizeAbout(const Policy& policy, const CallContext& ctx, ReadTx& tx,
                                        absl::string_view subject_id, bool exists, Target target,
                                        absl::Time now, AuditEntry& entry,
                                        absl::string_view not_found_message) {
  if (!exists) {
    // Only the role can be judged; if it may act, the answer is the same NOT_FOUND a caller
    // without a relationship gets.
    RETURN_IF_ERROR(Authorize(policy, ctx, target, now, entry).status());
    entry.decision = AuditDecision::kDeny;
    entry.reason = "no such person or record";
    entry.basis.clear();
    entry.break_glass_reason.clear();
    return absl::NotFoundError(not_found_message);
  }
  ASSIGN_OR_RETURN(PersonContext person, LoadPersonContext(tx, subject_id));
  target.person = &person;
  return Authorize(policy, ctx, target, now, entry, not_found_message);
}

absl::StatusOr<PersonContext> AuthorizeListing(const Policy& policy, const CallContext& ctx,
                                               ReadTx& tx, absl::string_view subject_id,
                                               absl::Time now, AuditEntry& entry,
                                               absl::string_view not_found_message) {
  Target identity;
  identity.action = std::string(kSubjectRead);
  identity.data_class = std::string(kIdentityDataClass);
  RETURN_IF_ERROR(AuthorizeAbout(policy, ctx, tx, subject_id, tx.GetSubject(subject_id).ok(),
                                 identity, now, entry, not_found_message)
                      .status());
  return LoadPersonContext(tx, subject_id);
}

}  // namespace throughcare::policy
