// RecordService: erasure by hand, the retention sweep, and the erasure report.
#include "services/records/erasure.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/policy/authorize.h"
#include "services/records/record_service.h"
#include "throughcare/status_macros.h"

namespace throughcare::records {
namespace {

// Records one sweep erases per data class; the next tick goes on.
constexpr int kSweepBatch = 100;

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

Erasure ErasureBy(const CallContext& ctx, const std::string& subject_id, absl::Time now,
                  std::string reason) {
  Erasure e;
  e.subject_id = subject_id;
  e.erased_at = now;
  e.agency_id = ctx.principal.agency_id;
  e.user_id = ctx.principal.user_id;
  e.role = ctx.principal.role;
  e.basis = kErasureOnRequest;
  e.reason = std::move(reason);
  return e;
}

Erasure ForRecord(Erasure e, const RecordHeader& h) {
  e.record_id = h.record_id;
  e.record_type = h.record_type;
  e.data_class = h.data_class;
  return e;
}

}  // namespace

std::string DescribeErasure(const Erasure& e) {
  const std::string what =
      e.record_id.empty() ? absl::StrCat("person ", e.subject_id)
                          : absl::StrCat("record ", e.record_id);
  if (e.agency_id == kBrokerId) {
    return absl::StrCat(what, " was erased on ", TimeText(e.erased_at),
                        " by the broker's retention sweep under ", e.basis);
  }
  return absl::StrCat(what, " was erased on ", TimeText(e.erased_at), " by ", e.agency_id, " (",
                      e.user_id, ", ", absl::StrReplaceAll(e.role, {{"_", " "}}), ") ",
                      e.basis == kErasureOnRequest ? "on request" : absl::StrCat("under ", e.basis),
                      ": ", e.reason);
}

absl::Status NotErased(ReadTx& tx, const RecordHeader& h, ErasedUse use, AuditEntry* entry,
                       absl::string_view field) {
  absl::StatusOr<Erasure> erased = tx.GetErasure(h.subject_id, h.record_id);
  if (absl::IsNotFound(erased.status())) erased = tx.GetErasure(h.subject_id, "");
  if (absl::IsNotFound(erased.status())) return absl::OkStatus();
  RETURN_IF_ERROR(erased.status());
  const std::string text = DescribeErasure(*erased);
  if (entry != nullptr) entry->reason = absl::StrCat(entry->reason, "; but ", text);
  const std::string message = absl::StrCat(field, ": ", text);
  return use == ErasedUse::kRead ? absl::NotFoundError(message)
                                 : absl::FailedPreconditionError(message);
}

absl::StatusOr<Erasure> RecordService::EraseInTx(WriteTx& tx, Erasure erasure) const {
  absl::StatusOr<int64_t> id = tx.Erase(erasure);
  if (absl::IsAlreadyExists(id.status())) {
    ASSIGN_OR_RETURN(Erasure earlier, tx.GetErasure(erasure.subject_id, erasure.record_id));
    return absl::FailedPreconditionError(absl::StrCat(
        erasure.record_id.empty() ? "subject_id: " : "record_id: ", DescribeErasure(earlier)));
  }
  RETURN_IF_ERROR(id.status());
  erasure.id = *id;
  return erasure;
}

void RecordService::Erase(const CallContext& ctx, std::string record_id, std::string reason,
                          audit::Reply<Erasure> reply) {
  audit::RunAudited<Erasure>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kRecordErase),
      [this, policy = policies_.Current(), ctx, record_id = std::move(record_id),
       reason = std::move(reason)](WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Erasure> {
        entry.record_id = record_id;
        const std::string not_found = absl::StrCat("record_id: no record ", record_id);
        absl::StatusOr<StoredRecord> stored = tx.GetRecord(record_id, 0);
        if (absl::IsNotFound(stored.status())) return absl::NotFoundError(not_found);
        RETURN_IF_ERROR(stored.status());
        const RecordHeader& h = stored->header;
        entry.subject_id = h.subject_id;
        entry.record_version = h.version;
        policy::Target target;  // no record: erasing shares nothing, so checks 3-5 do not apply
        target.action = std::string(policy::kRecordErase);
        target.data_class = h.data_class;
        const absl::Time now = clock_.Now();
        RETURN_IF_ERROR(policy::AuthorizeAbout(*policy, ctx, tx, h.subject_id, true, target, now,
                                               entry, not_found)
                            .status());
        ASSIGN_OR_RETURN(Erasure erased,
                         EraseInTx(tx, ForRecord(ErasureBy(ctx, h.subject_id, now, reason), h)));
        absl::StrAppend(&entry.reason, "; erased on request: ", reason);
        return erased;
      },
      std::move(reply));
}

void RecordService::EraseSubject(const CallContext& ctx, std::string subject_id,
                                 std::string reason, audit::Reply<std::vector<Erasure>> reply) {
  audit::RunAudited<std::vector<Erasure>>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kSubjectErase),
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id),
       reason = std::move(reason)](WriteTx& tx,
                                   AuditEntry& entry) -> absl::StatusOr<std::vector<Erasure>> {
        entry.subject_id = subject_id;
        const std::string not_found = absl::StrCat("subject_id: no person ", subject_id);
        policy::Target target;
        target.action = std::string(policy::kSubjectErase);
        target.data_class = std::string(policy::kIdentityDataClass);
        const absl::Time now = clock_.Now();
        RETURN_IF_ERROR(policy::AuthorizeAbout(*policy, ctx, tx, subject_id,
                                               tx.GetSubject(subject_id).ok(), target, now, entry,
                                               not_found)
                            .status());
        const Erasure by = ErasureBy(ctx, subject_id, now, reason);
        std::vector<Erasure> out;
        ASSIGN_OR_RETURN(std::vector<StoredRecord> records, tx.ListLatestRecords(subject_id));
        for (const StoredRecord& r : records) {
          if (tx.GetErasure(subject_id, r.header.record_id).ok()) continue;  // erased before
          ASSIGN_OR_RETURN(Erasure erased, EraseInTx(tx, ForRecord(by, r.header)));
          out.push_back(std::move(erased));
        }
        ASSIGN_OR_RETURN(Erasure person, EraseInTx(tx, by));
        out.push_back(std::move(person));
        absl::StrAppend(&entry.reason, "; erased the person's identifiers, keys and ",
                        out.size() - 1, " records on request: ", reason);
        return out;
      },
      std::move(reply));
}

void RecordService::ListErasures(const CallContext& ctx, absl::Time from, absl::Time until,
                                 int64_t after_id, int limit, audit::Reply<ErasurePage> reply) {
  audit::RunAudited<ErasurePage>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kErasureList),
      [this, policy = policies_.Current(), ctx, from, until, after_id, limit](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<ErasurePage> {
        policy::Target target;
        target.action = std::string(policy::kAuditRead);
        target.data_class = std::string(policy::kAuditDataClass);
        RETURN_IF_ERROR(policy::Authorize(*policy, ctx, target, clock_.Now(), entry).status());
        ErasurePage page;
        ASSIGN_OR_RETURN(page.erasures, tx.ListErasures(from, until, after_id, limit + 1));
        page.more = static_cast<int>(page.erasures.size()) > limit;
        if (page.more) page.erasures.pop_back();
        entry.reason = absl::StrCat(entry.reason, "; listed ", page.erasures.size(), " erasures");
        return page;
      },
      std::move(reply));
}

absl::StatusOr<int> RecordService::SweepRetention() {
  std::shared_ptr<const policy::Policy> policy = policies_.Current();
  if (policy->retention().empty()) return 0;
  // A read first: the periodic work calls this every tick, and nearly always nothing is due.
  bool any = false;
  RETURN_IF_ERROR(storage_.Read([&](ReadTx& tx) -> absl::Status {
    const absl::Time now = clock_.Now();
    for (const policy::RetentionPeriod& period : policy->retention()) {
      ASSIGN_OR_RETURN(std::vector<RecordHeader> due,
                       tx.ListRecordsUnchangedSince(period.data_class, period.CutoffAt(now), 1));
      any = any || !due.empty();
    }
    return absl::OkStatus();
  }));
  if (!any) return 0;
  int erased = 0;
  RETURN_IF_ERROR(storage_.WriteAndWait([&](WriteTx& tx) -> absl::Status {
    erased = 0;  // the closure may run again
    const absl::Time now = clock_.Now();
    const CallContext broker = BrokerContext(kBrokerId);
    for (const policy::RetentionPeriod& period : policy->retention()) {
      const absl::Time cutoff = period.CutoffAt(now);
      ASSIGN_OR_RETURN(std::vector<RecordHeader> due,
                       tx.ListRecordsUnchangedSince(period.data_class, cutoff, kSweepBatch));
      for (const RecordHeader& h : due) {
        Erasure e = ForRecord(ErasureBy(broker, h.subject_id, now, ""), h);
        e.basis = absl::StrCat("retention: ", period.data_class, " ", period.text);
        e.reason = absl::StrCat("latest version stored ", TimeText(h.created_at));
        RETURN_IF_ERROR(EraseInTx(tx, e).status());
        AuditEntry entry = audit_log_.Begin(broker, policy::kRecordErase);
        entry.subject_id = h.subject_id;
        entry.record_id = h.record_id;
        entry.record_version = h.version;
        entry.decision = AuditDecision::kAllow;
        entry.basis = e.basis;
        entry.reason = absl::StrCat(DescribeErasure(e), " (", e.reason, ")");
        entry.policy_version = policy->version();
        entry.outcome = "OK";
        RETURN_IF_ERROR(audit_log_.Append(tx, std::move(entry)));
        ++erased;
      }
    }
    return absl::OkStatus();
  }));
  return erased;
}

}  // namespace throughcare::records
