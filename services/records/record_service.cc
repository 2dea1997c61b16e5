#include "services/records/record_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/crypto/aead.h"
#include "services/policy/authorize.h"
#include "services/records/erasure.h"
#include "throughcare/status_macros.h"
#include "throughcare/audit_actions.h"

namespace throughcare::records {
namespace {

std::string NoSuchRecord(absl::string_view record_id) {
  return absl::StrCat("record_id: no record ", record_id);
}

std::string NoSuchSubject(absl::string_view subject_id) {
  return absl::StrCat("subject_id: no subject ", subject_id);
}

policy::Target RecordTarget(absl::string_view action, const RecordHeader& header,
                            std::string break_glass_reason) {
  policy::Target target;
  target.action = std::string(action);
  target.data_class = header.data_class;
  target.record = &header;
  target.break_glass_reason = std::move(break_glass_reason);
  return target;
}

}  // namespace

void RecordService::Put(const CallContext& ctx, PutRecordParams p,
                        audit::Reply<RecordHeader> reply) {
  audit::RunAudited<RecordHeader>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kRecordWrite),
      [this, policy = policies_.Current(), ctx, p = std::move(p)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<RecordHeader> {
        return PutInTx(tx, *policy, ctx, p, clock_.Now(), entry);
      },
      std::move(reply));
}

absl::StatusOr<RecordHeader> RecordService::PutInTx(WriteTx& tx, const policy::Policy& policy,
                                                    const CallContext& ctx,
                                                    const PutRecordParams& p, absl::Time now,
                                                    AuditEntry& entry) const {
  entry.subject_id = p.subject_id;
  entry.record_id = p.record_id;
  RecordHeader h;
  h.record_id = p.record_id.empty() ? ids_.NewId("rec") : p.record_id;
  h.version = 1;
  h.subject_id = p.subject_id;
  h.record_type = p.record_type;
  h.data_class = p.data_class;
  h.collected_for = ctx.purpose;
  h.labels = p.labels;
  h.owner_agency = ctx.principal.agency_id;
  h.author_user = ctx.principal.user_id;
  h.created_at = now;

  // Labels say who may see a record; they do not stop its owner writing it.
  RecordHeader decided = h;
  decided.labels.clear();
  absl::StatusOr<StoredRecord> latest = absl::NotFoundError("new record");
  if (!p.record_id.empty()) {
    latest = tx.GetRecord(p.record_id, 0);
    if (!latest.ok() && !absl::IsNotFound(latest.status())) return latest.status();
    // A record about someone else, or unknown: NOT_FOUND as for any unknown record.
    if (!latest.ok() || latest->header.subject_id != p.subject_id) {
      RETURN_IF_ERROR(policy::AuthorizeAbout(policy, ctx, tx, p.subject_id, false,
                                             RecordTarget(policy::kRecordWrite, decided, ""), now,
                                             entry, NoSuchRecord(p.record_id))
                          .status());
    }
  }
  const bool exists = tx.GetSubject(p.subject_id).ok();
  RETURN_IF_ERROR(policy::AuthorizeAbout(policy, ctx, tx, p.subject_id, exists,
                                         RecordTarget(policy::kRecordWrite, decided, ""), now,
                                         entry, NoSuchSubject(p.subject_id))
                      .status());
  if (latest.ok()) {
    if (latest->header.owner_agency != ctx.principal.agency_id) {
      entry.decision = AuditDecision::kDeny;
      entry.basis.clear();
      entry.reason = absl::StrCat("record is owned by agency '", latest->header.owner_agency,
                                  "'; only the owner may put new versions");
      return absl::PermissionDeniedError(entry.reason);
    }
    if (latest->header.record_type != p.record_type) {
      return absl::FailedPreconditionError(
          absl::StrCat("body: record ", p.record_id, " is a ", latest->header.record_type,
                       "; a new version cannot change it to ", p.record_type));
    }
    if (latest->header.version != p.expected_version) {
      return absl::AbortedError(absl::StrCat("expected_version: ", p.expected_version,
                                             " is stale; record ", p.record_id, " is at version ",
                                             latest->header.version, " (re-read it and retry)"));
    }
    h.version = latest->header.version + 1;
  }
  entry.record_id = h.record_id;
  entry.record_version = h.version;

  RETURN_IF_ERROR(NotErased(tx, h, ErasedUse::kWrite));
  StoredRecord stored;
  stored.header = h;
  ASSIGN_OR_RETURN(stored.sealed_body, SealBody(tx, h, p.body));
  RETURN_IF_ERROR(tx.InsertRecordVersion(stored));
  if (p.release_date.has_value() && on_release_) {
    RETURN_IF_ERROR(on_release_(tx, policy, p.subject_id, *p.release_date));
  }
  return h;
}

void RecordService::Get(const CallContext& ctx, std::string record_id, int64_t version,
                        std::string break_glass_reason, audit::Reply<Record> reply) {
  audit::RunAudited<Record>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kRecordRead),
      [this, policy = policies_.Current(), ctx, record_id = std::move(record_id), version,
       break_glass_reason = std::move(break_glass_reason)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Record> {
        entry.record_id = record_id;
        absl::StatusOr<StoredRecord> stored = tx.GetRecord(record_id, version);
        if (absl::IsNotFound(stored.status())) {
          entry.reason = "no such record";
          return absl::NotFoundError(NoSuchRecord(record_id));
        }
        RETURN_IF_ERROR(stored.status());
        entry.subject_id = stored->header.subject_id;
        entry.record_version = stored->header.version;
        ASSIGN_OR_RETURN(
            policy::Decision decision,
            policy::AuthorizeAbout(*policy, ctx, tx, stored->header.subject_id, true,
                                   RecordTarget(policy::kRecordRead, stored->header,
                                                break_glass_reason),
                                   clock_.Now(), entry, NoSuchRecord(record_id)));
        RETURN_IF_ERROR(NotErased(tx, stored->header, ErasedUse::kRead, &entry));
        Record record;
        ASSIGN_OR_RETURN(record.body, OpenBody(tx, *stored));
        record.header = std::move(stored->header);
        record.redact_victim_fields = decision.redact_victim_fields;
        return record;
      },
      std::move(reply));
}

void RecordService::List(const CallContext& ctx, std::string subject_id,
                         std::string break_glass_reason,
                         audit::Reply<std::vector<RecordHeader>> reply) {
  audit::RunAudited<std::vector<RecordHeader>>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kRecordList),
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id),
       break_glass_reason = std::move(break_glass_reason)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<std::vector<RecordHeader>> {
        entry.subject_id = subject_id;
        const absl::Time now = clock_.Now();
        ASSIGN_OR_RETURN(policy::PersonContext person,
                         policy::AuthorizeListing(*policy, ctx, tx, subject_id, now, entry,
                                                  NoSuchSubject(subject_id)));
        ASSIGN_OR_RETURN(std::vector<StoredRecord> all, tx.ListLatestRecords(subject_id));
        std::vector<RecordHeader> visible;
        std::string first_refusal;
        bool broke_glass = false;
        for (StoredRecord& r : all) {
          policy::Target target = RecordTarget(policy::kRecordRead, r.header, break_glass_reason);
          target.person = &person;
          policy::Decision d = policy->Decide(policy::MakeRequest(ctx, target, now));
          if (d.allowed) {
            broke_glass = broke_glass || d.break_glass;
            visible.push_back(std::move(r.header));
          } else if (first_refusal.empty()) {
            first_refusal = d.reason;
          }
        }
        // The listing is answered; it is "allow" if it discloses anything or nothing was
        // withheld, "deny" if every record was withheld.
        entry.decision = visible.empty() && !all.empty() ? AuditDecision::kDeny
                                                         : AuditDecision::kAllow;
        entry.basis.clear();
        entry.break_glass_reason = broke_glass ? break_glass_reason : "";
        entry.reason = absl::StrCat("listed ", visible.size(), " of ", all.size(),
                                    " records readable by role '", ctx.principal.role,
                                    "' for purpose '", ctx.purpose, "'");
        if (!first_refusal.empty()) absl::StrAppend(&entry.reason, "; withheld: ", first_refusal);
        return visible;
      },
      std::move(reply));
}

}  // namespace throughcare::records
