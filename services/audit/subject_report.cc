// AuditService: the subject access report, everything the log holds about one person.
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/audit/audit_service.h"
#include "services/audit/internal/authorize_audit.h"
#include "services/audit/timeline.h"
#include "throughcare/audit_actions.h"
#include "throughcare/status_macros.h"

namespace throughcare::audit {
namespace {

// The most accesses one report holds; narrower periods show the rest.
constexpr int kMaxEvents = 10000;
constexpr int kPage = 1000;

absl::Status ReadEvents(ReadTx& tx, const std::string& subject_id,
                        const std::optional<absl::Time>& from,
                        const std::optional<absl::Time>& until, SubjectReport& report) {
  AuditQuery q;
  q.subject_id = subject_id;
  q.from = from;
  q.until = until;
  q.limit = kPage;
  while (true) {
    ASSIGN_OR_RETURN(AuditPage page, tx.QueryAudit(q));
    for (AuditEntry& e : page.entries) {
      if (static_cast<int>(report.events.size()) == kMaxEvents) {
        report.truncated = true;
        return absl::OkStatus();
      }
      q.after_seq = e.seq;
      report.events.push_back(SubjectReport::Event{std::move(e), ""});
    }
    if (!page.more) return absl::OkStatus();
  }
}

}  // namespace

void AuditService::SubjectAccessReport(const CallContext& ctx, std::string subject_id,
                                       std::optional<absl::Time> from,
                                       std::optional<absl::Time> until,
                                       Reply<SubjectReport> reply) {
  AuditEntry entry = audit_log_.Begin(ctx, kAuditPerson);
  entry.subject_id = subject_id;
  RunAudited<SubjectReport>(
      storage_, audit_log_, std::move(entry),
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id), from,
       until](WriteTx& tx, AuditEntry& e) -> absl::StatusOr<SubjectReport> {
        RETURN_IF_ERROR(internal::AuthorizeRead(*policy, ctx, clock_.Now(), e));
        RETURN_IF_ERROR(sequencer_.SequencePending(tx).status());
        SubjectReport report;
        absl::StatusOr<Subject> subject = tx.GetSubject(subject_id);
        if (absl::IsNotFound(subject.status())) {
          return absl::NotFoundError(absl::StrCat("subject_id: no person ", subject_id));
        }
        RETURN_IF_ERROR(subject.status());
        report.subject = *std::move(subject);
        ASSIGN_OR_RETURN(std::vector<StoredRecord> records, tx.ListLatestRecords(subject_id));
        TimelineNames names{agencies_.names, {}};
        for (StoredRecord& r : records) {
          names.record_types[r.header.record_id] = r.header.record_type;
          report.records.push_back(std::move(r.header));
        }
        ASSIGN_OR_RETURN(report.consents, tx.ListConsents(subject_id));
        RETURN_IF_ERROR(ReadEvents(tx, subject_id, from, until, report));
        for (SubjectReport::Event& event : report.events) {
          event.summary = DescribeAccess(event.entry, names);
        }
        report.generated_at = clock_.Now();
        e.reason = absl::StrCat(e.reason, "; reported ", report.events.size(), " accesses");
        return report;
      },
      std::move(reply));
}

}  // namespace throughcare::audit
