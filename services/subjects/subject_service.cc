#include "services/subjects/subject_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/crypto/ids.h"
#include "services/subjects/identifiers.h"
#include "throughcare/status_macros.h"

namespace throughcare::subjects {
namespace {

absl::Status NoSuchSubject(absl::string_view subject_id) {
  return absl::NotFoundError(absl::StrCat("subject_id: no subject ", subject_id));
}

// The subject, or NOT_FOUND naming the request field.
absl::StatusOr<Subject> LoadSubject(ReadTx& tx, absl::string_view subject_id) {
  absl::StatusOr<Subject> subject = tx.GetSubject(subject_id);
  if (absl::IsNotFound(subject.status())) return NoSuchSubject(subject_id);
  return subject;
}

absl::Status AlreadyLinked(const SubjectService::IdentifierValue& id) {
  return absl::AlreadyExistsError(absl::StrCat("identifier: ", IdentifierKindName(id.kind), " ",
                                               id.value, " is already linked to a person"));
}

}  // namespace

void SubjectService::Run(const CallContext& ctx, absl::string_view action,
                         absl::AnyInvocable<absl::StatusOr<Subject>(WriteTx&, AuditEntry&)> op,
                         audit::Reply<Subject> reply) {
  audit::RunAudited<Subject>(
      storage_, audit_log_, audit_log_.Begin(ctx, action),
      [policy = policies_.Current(), ctx, action = std::string(action), op = std::move(op)](
          WriteTx& tx, AuditEntry& entry) mutable -> absl::StatusOr<Subject> {
        RETURN_IF_ERROR(audit::Authorize(*policy, ctx, action, policy::kIdentityDataClass, entry));
        return op(tx, entry);
      },
      std::move(reply));
}

void SubjectService::Register(const CallContext& ctx, std::vector<IdentifierValue> identifiers,
                              std::string home_area, audit::Reply<Subject> reply) {
  Run(ctx, policy::kSubjectRegister,
      [this, ctx, identifiers = std::move(identifiers), home_area = std::move(home_area)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Subject> {
        Subject subject;
        subject.id = crypto::NewOpaqueId("sub");
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
      [subject_id = std::move(subject_id)](WriteTx& tx,
                                           AuditEntry& entry) -> absl::StatusOr<Subject> {
        entry.subject_id = subject_id;
        return LoadSubject(tx, subject_id);
      },
      std::move(reply));
}

void SubjectService::Resolve(const CallContext& ctx, IdentifierValue identifier,
                             audit::Reply<Subject> reply) {
  Run(ctx, policy::kSubjectRead,
      [identifier = std::move(identifier)](WriteTx& tx,
                                           AuditEntry& entry) -> absl::StatusOr<Subject> {
        absl::StatusOr<std::string> id = tx.FindSubjectByIdentifier(identifier.kind,
                                                                    identifier.value);
        if (absl::IsNotFound(id.status())) {
          return absl::NotFoundError(
              absl::StrCat("identifier: no person is known by ",
                           IdentifierKindName(identifier.kind), " ", identifier.value));
        }
        RETURN_IF_ERROR(id.status());
        entry.subject_id = *id;
        return tx.GetSubject(*id);
      },
      std::move(reply));
}

void SubjectService::Link(const CallContext& ctx, std::string subject_id,
                          IdentifierValue identifier, audit::Reply<Subject> reply) {
  Run(ctx, policy::kSubjectUpdate,
      [this, ctx, subject_id = std::move(subject_id), identifier = std::move(identifier)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Subject> {
        entry.subject_id = subject_id;
        RETURN_IF_ERROR(LoadSubject(tx, subject_id).status());
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
      [subject_id = std::move(subject_id), identifier = std::move(identifier)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Subject> {
        entry.subject_id = subject_id;
        RETURN_IF_ERROR(LoadSubject(tx, subject_id).status());
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
      [subject_id = std::move(subject_id), home_area = std::move(home_area)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Subject> {
        entry.subject_id = subject_id;
        absl::Status set = tx.SetHomeArea(subject_id, home_area);
        if (absl::IsNotFound(set)) return NoSuchSubject(subject_id);
        RETURN_IF_ERROR(set);
        return tx.GetSubject(subject_id);
      },
      std::move(reply));
}

}  // namespace throughcare::subjects
