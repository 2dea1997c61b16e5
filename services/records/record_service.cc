#include "services/records/record_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/crypto/aead.h"
#include "services/crypto/ids.h"
#include "throughcare/status_macros.h"

namespace throughcare::records {
namespace {

// What a sealed body is bound to: it opens only as this version of this record of this person.
std::string BodyAad(const RecordHeader& h) {
  return absl::StrCat("throughcare.record.v1|", h.subject_id, "|", h.record_id, "|", h.version,
                      "|", h.record_type, "|", h.data_class);
}

std::string KeyAad(absl::string_view subject_id) {
  return absl::StrCat("throughcare.subject-key.v1|", subject_id);
}

absl::StatusOr<StoredRecord> LoadRecord(ReadTx& tx, absl::string_view record_id,
                                        int64_t version) {
  absl::StatusOr<StoredRecord> record = tx.GetRecord(record_id, version);
  if (absl::IsNotFound(record.status())) {
    return absl::NotFoundError(absl::StrCat("record_id: ", record.status().message()));
  }
  return record;
}

}  // namespace

absl::StatusOr<std::string> RecordService::SubjectKey(WriteTx& tx,
                                                      absl::string_view subject_id) const {
  absl::StatusOr<std::string> wrapped = tx.GetWrappedSubjectKey(subject_id);
  if (wrapped.ok()) return crypto::Open(master_key_, *wrapped, KeyAad(subject_id));
  if (!absl::IsNotFound(wrapped.status())) return wrapped.status();
  ASSIGN_OR_RETURN(std::string key, crypto::RandomBytes(crypto::kAesKeySize));
  ASSIGN_OR_RETURN(std::string sealed, crypto::Seal(master_key_, key, KeyAad(subject_id)));
  RETURN_IF_ERROR(tx.PutWrappedSubjectKey(subject_id, sealed));
  return key;
}

void RecordService::Put(const CallContext& ctx, PutRecordParams p,
                        audit::Reply<RecordHeader> reply) {
  audit::RunAudited<RecordHeader>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kRecordWrite),
      [this, policy = policies_.Current(), ctx, p = std::move(p)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<RecordHeader> {
        entry.subject_id = p.subject_id;
        entry.record_id = p.record_id;
        RETURN_IF_ERROR(
            audit::Authorize(*policy, ctx, policy::kRecordWrite, p.data_class, entry));
        absl::StatusOr<Subject> subject = tx.GetSubject(p.subject_id);
        if (absl::IsNotFound(subject.status())) {
          return absl::NotFoundError(absl::StrCat("subject_id: no subject ", p.subject_id));
        }
        RETURN_IF_ERROR(subject.status());

        RecordHeader h;
        h.record_id = p.record_id.empty() ? crypto::NewOpaqueId("rec") : p.record_id;
        h.version = 1;
        if (!p.record_id.empty()) {
          ASSIGN_OR_RETURN(StoredRecord latest, LoadRecord(tx, p.record_id, 0));
          if (latest.header.subject_id != p.subject_id) {
            return absl::InvalidArgumentError(absl::StrCat(
                "record_id: record ", p.record_id, " is not about subject ", p.subject_id));
          }
          if (latest.header.owner_agency != ctx.principal.agency_id) {
            entry.decision = AuditDecision::kDeny;
            entry.reason = absl::StrCat("record is owned by agency '", latest.header.owner_agency,
                                        "'; only the owner may put new versions");
            return absl::PermissionDeniedError(entry.reason);
          }
          if (latest.header.record_type != p.record_type) {
            return absl::FailedPreconditionError(
                absl::StrCat("body: record ", p.record_id, " is a ", latest.header.record_type,
                             "; a new version cannot change it to ", p.record_type));
          }
          if (latest.header.version != p.expected_version) {
            return absl::AbortedError(absl::StrCat(
                "expected_version: ", p.expected_version, " is stale; record ", p.record_id,
                " is at version ", latest.header.version, " (re-read it and retry)"));
          }
          h.version = latest.header.version + 1;
        }
        h.subject_id = p.subject_id;
        h.record_type = p.record_type;
        h.data_class = p.data_class;
        h.collected_for = ctx.purpose;
        h.labels = p.labels;
        h.owner_agency = ctx.principal.agency_id;
        h.author_user = ctx.principal.user_id;
        h.created_at = clock_.Now();
        entry.record_id = h.record_id;
        entry.record_version = h.version;

        ASSIGN_OR_RETURN(std::string key, SubjectKey(tx, p.subject_id));
        StoredRecord stored;
        stored.header = h;
        ASSIGN_OR_RETURN(stored.sealed_body, crypto::Seal(key, p.body, BodyAad(h)));
        RETURN_IF_ERROR(tx.InsertRecordVersion(stored));
        return h;
      },
      std::move(reply));
}

void RecordService::Get(const CallContext& ctx, std::string record_id, int64_t version,
                        audit::Reply<Record> reply) {
  audit::RunAudited<Record>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kRecordRead),
      [this, policy = policies_.Current(), ctx, record_id = std::move(record_id), version](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Record> {
        entry.record_id = record_id;
        ASSIGN_OR_RETURN(StoredRecord stored, LoadRecord(tx, record_id, version));
        entry.subject_id = stored.header.subject_id;
        entry.record_version = stored.header.version;
        RETURN_IF_ERROR(audit::Authorize(*policy, ctx, policy::kRecordRead,
                                         stored.header.data_class, entry));
        ASSIGN_OR_RETURN(std::string key, SubjectKey(tx, stored.header.subject_id));
        Record record;
        ASSIGN_OR_RETURN(record.body, crypto::Open(key, stored.sealed_body,
                                                   BodyAad(stored.header)));
        record.header = std::move(stored.header);
        return record;
      },
      std::move(reply));
}

void RecordService::List(const CallContext& ctx, std::string subject_id,
                         audit::Reply<std::vector<RecordHeader>> reply) {
  audit::RunAudited<std::vector<RecordHeader>>(
      storage_, audit_log_, audit_log_.Begin(ctx, "record.list"),
      [policy = policies_.Current(), ctx, subject_id = std::move(subject_id)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<std::vector<RecordHeader>> {
        entry.subject_id = subject_id;
        entry.policy_version = policy->version();
        absl::StatusOr<Subject> subject = tx.GetSubject(subject_id);
        if (absl::IsNotFound(subject.status())) {
          return absl::NotFoundError(absl::StrCat("subject_id: no subject ", subject_id));
        }
        RETURN_IF_ERROR(subject.status());
        ASSIGN_OR_RETURN(std::vector<StoredRecord> all, tx.ListLatestRecords(subject_id));
        std::vector<RecordHeader> visible;
        std::string first_refusal;
        for (StoredRecord& r : all) {
          policy::Decision d = policy->Decide(policy::AccessRequest{
              ctx.principal.role, std::string(policy::kRecordRead), r.header.data_class,
              ctx.purpose});
          if (d.allowed) {
            visible.push_back(std::move(r.header));
          } else if (first_refusal.empty()) {
            first_refusal = d.reason;
          }
        }
        // The listing itself is answered; it is "allow" if it discloses anything or there was
        // nothing to withhold, "deny" if every record was withheld.
        entry.decision = visible.empty() && !all.empty() ? AuditDecision::kDeny
                                                         : AuditDecision::kAllow;
        entry.reason = absl::StrCat("listed ", visible.size(), " of ", all.size(),
                                    " records readable by role '", ctx.principal.role,
                                    "' for purpose '", ctx.purpose, "'");
        if (!first_refusal.empty()) absl::StrAppend(&entry.reason, "; withheld: ", first_refusal);
        return visible;
      },
      std::move(reply));
}

}  // namespace throughcare::records
