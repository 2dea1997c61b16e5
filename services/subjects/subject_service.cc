#include "services/subjects/subject_service.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/policy/authorize.h"
#include "services/identifiers/identifiers.h"
#include "throughcare/status_macros.h"

namespace throughcare::subjects {
namespace {

std::string NoSuchSubject(absl::string_view subject_id) {
  return absl::StrCat("subject_id: no subject ", subject_id);
}

absl::Status AlreadyLinked(const SubjectService::IdentifierValue& id) {
  return absl::AlreadyExistsError(absl::StrCat("identifier: ", IdentifierKindName(id.kind), " ",
                                               id.value, " is already linked to a person"));
}

bool Exists(ReadTx& tx, absl::string_view subject_id) { return tx.GetSubject(subject_id).ok(); }

policy::Target Identity(absl::string_view action) {
  policy::Target target;
  target.action = std::string(action);
  target.data_class = std::string(policy::kIdentityDataClass);
  return target;
}

// A refusal decided before anything about a person was read, recorded in `entry`.
absl::Status Refuse(const policy::Policy& policy, AuditEntry& entry, std::string reason) {
  entry.decision = AuditDecision::kDeny;
  entry.policy_version = policy.version();
  entry.reason = reason;
  return absl::PermissionDeniedError(std::move(reason));
}

// Registering, linking or unlinking identifiers, checked before any identifier is looked up so
// that the answer is the same whether it is known or not: the caller's agency kind must issue or
// first meet each identifier's kind and, to register or link (`links`), the caller must be able
// to look people up without a relationship, since ALREADY_EXISTS tells whether an identifier is
// known to the broker.
absl::Status MayRegister(const policy::Policy& policy, const CallContext& ctx,
                         const std::vector<SubjectService::IdentifierValue>& identifiers,
                         absl::string_view field, bool links, absl::Time now, AuditEntry& entry) {
  for (size_t i = 0; i < identifiers.size(); ++i) {
    std::string why;
    if (!policy.MayRegisterIdentifier(ctx.principal.agency_kind, identifiers[i].kind, &why)) {
      return Refuse(policy, entry,
                    absl::StrCat(field, identifiers.size() > 1 ? absl::StrCat("[", i, "]") : "",
                                 ": ", why));
    }
  }
  if (!links) return absl::OkStatus();
  const policy::PersonContext nobody;  // no relationships: may the role look people up anyway?
  policy::Target lookup = Identity(policy::kSubjectRead);
  lookup.person = &nobody;
  if (policy.Decide(policy::MakeRequest(ctx, lookup, now)).allowed) return absl::OkStatus();
  return Refuse(policy, entry,
                absl::StrCat(field, ": registering or linking an identifier shows whether it is "
                             "already known, so it needs a rule letting role '",
                             ctx.principal.role, "' look people up without a relationship "
                             "(subject.read on identity, relationship: not_required) for purpose '",
                             ctx.purpose, "'"));
}

}  // namespace

void SubjectService::Run(const CallContext& ctx, absl::string_view action,
                         absl::AnyInvocable<absl::StatusOr<Subject>(WriteTx&, AuditEntry&)> op,
                         audit::Reply<Subject> reply) {
  audit::RunAudited<Subject>(storage_, audit_log_, audit_log_.Begin(ctx, action), std::move(op),
                             std::move(reply));
}

absl::Status SubjectService::AuthorizeAbout(const policy::Policy& policy, const CallContext& ctx,
                                            WriteTx& tx, absl::string_view subject_id,
                                            absl::string_view action, AuditEntry& entry) const {
  entry.subject_id = std::string(subject_id);
  return policy::AuthorizeAbout(policy, ctx, tx, subject_id, Exists(tx, subject_id),
                                Identity(action), clock_.Now(), entry, NoSuchSubject(subject_id))
      .status();
}

void SubjectService::Register(const CallContext& ctx, std::vector<IdentifierValue> identifiers,
                              std::string home_area, audit::Reply<Subject> reply) {
  Run(ctx, policy::kSubjectRegister,
      [this, policy = policies_.Current(), ctx, identifiers = std::move(identifiers),
       home_area = std::move(home_area)](WriteTx& tx,
                                         AuditEntry& entry) -> absl::StatusOr<Subject> {
        RETURN_IF_ERROR(policy::Authorize(*policy, ctx, Identity(policy::kSubjectRegister),
                                          clock_.Now(), entry)
                            .status());
        RETURN_IF_ERROR(MayRegister(*policy, ctx, identifiers, "identifiers", /*links=*/true,
                                    clock_.Now(), entry));
        Subject subject;
        subject.id = ids_.NewId("sub");
        subject.home_area = home_area;
        subject.registered_by_agency = ctx.principal.agency_id;
        subject.registered_at = clock_.Now();
        RETURN_IF_ERROR(tx.InsertSubject(subject));
        for (const IdentifierValue& id : identifiers) {
          absl::Status linked = tx.LinkIdentifier(
              subject.id, Identifier{id.kind, id.value, ctx.principal.agency_id, clock_.Now()});
          if (absl::IsAlreadyExists(linked)) return AlreadyLinked(id);
          RETURN_IF_ERROR(linked);
        }
        entry.subject_id = subject.id;
        return tx.GetSubject(subject.id);
      },
      std::move(reply));
}

void SubjectService::Get(const CallContext& ctx, std::string subject_id,
                         audit::Reply<Subject> reply) {
  Run(ctx, policy::kSubjectRead,
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Subject> {
        RETURN_IF_ERROR(AuthorizeAbout(*policy, ctx, tx, subject_id, policy::kSubjectRead, entry));
        return tx.GetSubject(subject_id);
      },
      std::move(reply));
}

void SubjectService::Resolve(const CallContext& ctx, IdentifierValue identifier,
                             audit::Reply<Subject> reply) {
  Run(ctx, policy::kSubjectRead,
      [this, policy = policies_.Current(), ctx, identifier = std::move(identifier)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Subject> {
        absl::StatusOr<std::string> id = tx.FindSubjectByIdentifier(identifier.kind,
                                                                    identifier.value);
        if (!id.ok() && !absl::IsNotFound(id.status())) return id.status();
        const std::string not_found =
            absl::StrCat("identifier: no person is known by ",
                         IdentifierKindName(identifier.kind), " ", identifier.value);
        const std::string subject_id = id.ok() ? *id : "";
        entry.subject_id = subject_id;
        RETURN_IF_ERROR(policy::AuthorizeAbout(*policy, ctx, tx, subject_id, id.ok(),
                                               Identity(policy::kSubjectRead), clock_.Now(),
                                               entry, not_found)
                            .status());
        return tx.GetSubject(subject_id);
      },
      std::move(reply));
}

void SubjectService::Link(const CallContext& ctx, std::string subject_id,
                          IdentifierValue identifier, audit::Reply<Subject> reply) {
  Run(ctx, policy::kSubjectUpdate,
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id),
       identifier = std::move(identifier)](WriteTx& tx,
                                           AuditEntry& entry) -> absl::StatusOr<Subject> {
        entry.subject_id = subject_id;
        RETURN_IF_ERROR(MayRegister(*policy, ctx, {identifier}, "identifier", /*links=*/true,
                                    clock_.Now(), entry));
        RETURN_IF_ERROR(
            AuthorizeAbout(*policy, ctx, tx, subject_id, policy::kSubjectUpdate, entry));
        absl::Status linked = tx.LinkIdentifier(
            subject_id,
            Identifier{identifier.kind, identifier.value, ctx.principal.agency_id, clock_.Now()});
        if (absl::IsAlreadyExists(linked)) return AlreadyLinked(identifier);
        RETURN_IF_ERROR(linked);
        return tx.GetSubject(subject_id);
      },
      std::move(reply));
}

void SubjectService::Unlink(const CallContext& ctx, std::string subject_id,
                            IdentifierValue identifier, audit::Reply<Subject> reply) {
  Run(ctx, policy::kSubjectUpdate,
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id),
       identifier = std::move(identifier)](WriteTx& tx,
                                           AuditEntry& entry) -> absl::StatusOr<Subject> {
        entry.subject_id = subject_id;
        RETURN_IF_ERROR(MayRegister(*policy, ctx, {identifier}, "identifier", /*links=*/false,
                                    clock_.Now(), entry));
        RETURN_IF_ERROR(
            AuthorizeAbout(*policy, ctx, tx, subject_id, policy::kSubjectUpdate, entry));
        absl::Status unlinked = tx.UnlinkIdentifier(subject_id, identifier.kind, identifier.value);
        if (absl::IsNotFound(unlinked)) {
          return absl::NotFoundError(absl::StrCat("identifier: ",
                                                  IdentifierKindName(identifier.kind), " ",
                                                  identifier.value,
                                                  " is not linked to this person"));
        }
        RETURN_IF_ERROR(unlinked);
        return tx.GetSubject(subject_id);
      },
      std::move(reply));
}

void SubjectService::SetHomeArea(const CallContext& ctx, std::string subject_id,
                                 std::string home_area, audit::Reply<Subject> reply) {
  Run(ctx, policy::kSubjectUpdate,
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id),
       home_area = std::move(home_area)](WriteTx& tx,
                                         AuditEntry& entry) -> absl::StatusOr<Subject> {
        RETURN_IF_ERROR(
            AuthorizeAbout(*policy, ctx, tx, subject_id, policy::kSubjectUpdate, entry));
        RETURN_IF_ERROR(tx.SetHomeArea(subject_id, home_area));
        return tx.GetSubject(subject_id);
      },
      std::move(reply));
}

void SubjectService::StartRelationship(const CallContext& ctx, std::string subject_id,
                                       RelationshipKind kind, bool for_me, std::string note,
                                       audit::Reply<Relationship> reply) {
  audit::RunAudited<Relationship>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kRelationshipWrite),
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id), kind, for_me,
       note = std::move(note)](WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Relationship> {
        if (kind == RelationshipKind::kCustody && ctx.principal.agency_kind != "prison") {
          return absl::FailedPreconditionError(
              absl::StrCat("kind: only a prison holds people in custody; agency '",
                           ctx.principal.agency_id, "' is a ", ctx.principal.agency_kind));
        }
        // How it may start depends on who asks, not on the person: decided before they are
        // looked up.
        entry.subject_id = subject_id;
        const policy::StartDecision start = policy->DecideRelationshipStart(
            ctx.principal.role, ctx.principal.agency_kind, kind, note);
        if (start.kind == policy::StartKind::kRefused) {
          return Refuse(*policy, entry, absl::StrCat("kind: ", start.reason));
        }
        RETURN_IF_ERROR(
            AuthorizeAbout(*policy, ctx, tx, subject_id, policy::kRelationshipWrite, entry));
        entry.reason = absl::StrCat(entry.reason, "; ", start.reason);
        if (start.kind == policy::StartKind::kSelfClaim) {
          // Flagged and queued for review like break-glass (AuditLog::Append opens the item).
          entry.basis = absl::StrCat("self-claimed relationship (relationship start '",
                                     start.rule_id, "')");
          entry.break_glass_reason =
              absl::StrCat("self-claimed relationship: ", absl::StripAsciiWhitespace(note));
        }
        Relationship r;
        r.relationship_id = ids_.NewId("rel");
        r.subject_id = subject_id;
        r.kind = kind;
        r.agency_id = ctx.principal.agency_id;
        r.user_id = for_me ? ctx.principal.user_id : "";
        r.started_at = clock_.Now();
        r.started_by_agency = ctx.principal.agency_id;
        r.started_by_user = ctx.principal.user_id;
        r.note = note;
        RETURN_IF_ERROR(tx.InsertRelationship(r));
        return r;
      },
      std::move(reply));
}

void SubjectService::EndRelationship(const CallContext& ctx, std::string relationship_id,
                                     audit::Reply<Relationship> reply) {
  audit::RunAudited<Relationship>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kRelationshipWrite),
      [this, policy = policies_.Current(), ctx, relationship_id = std::move(relationship_id)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Relationship> {
        // Another agency's relationships are not the caller's to see: NOT_FOUND, as if absent.
        absl::StatusOr<Relationship> r = tx.GetRelationship(relationship_id);
        const std::string not_found =
            absl::StrCat("relationship_id: no relationship ", relationship_id);
        if (!r.ok() && !absl::IsNotFound(r.status())) return r.status();
        const bool visible = r.ok() && r->agency_id == ctx.principal.agency_id;
        entry.subject_id = visible ? r->subject_id : "";
        RETURN_IF_ERROR(policy::AuthorizeAbout(*policy, ctx, tx, entry.subject_id, visible,
                                               Identity(policy::kRelationshipWrite),
                                               clock_.Now(), entry, not_found)
                            .status());
        if (r->ended_at.has_value()) {
          return absl::FailedPreconditionError(
              absl::StrCat("relationship_id: ", relationship_id, " already ended at ",
                           absl::FormatTime(*r->ended_at)));
        }
        RETURN_IF_ERROR(
            tx.EndRelationship(relationship_id, clock_.Now(), ctx.principal.user_id));
        return tx.GetRelationship(relationship_id);
      },
      std::move(reply));
}

void SubjectService::ListRelationships(const CallContext& ctx, std::string subject_id,
                                       audit::Reply<std::vector<Relationship>> reply) {
  audit::RunAudited<std::vector<Relationship>>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kRelationshipRead),
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<std::vector<Relationship>> {
        RETURN_IF_ERROR(
            AuthorizeAbout(*policy, ctx, tx, subject_id, policy::kRelationshipRead, entry));
        return tx.ListRelationships(subject_id);
      },
      std::move(reply));
}

}  // namespace throughcare::subjects
