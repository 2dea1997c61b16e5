// AuditService (domain): auditors' queries over the log, export for independent verification,
// signed checkpoints, proofs and proof bundles, witnesses' cosignatures, and the break-glass
// review queue. Reads are authorised as "audit.read" on the "audit" data class (checkpoints and
// consistency proofs also as "audit.witness"), cosignatures as "audit.witness", and every call is
// audited itself. Each call first sequences the entries committed before it, so an auditor sees
// every access that was answered before their question.
#ifndef THROUGHCARE_SERVICES_AUDIT_AUDIT_SERVICE_H_
#define THROUGHCARE_SERVICES_AUDIT_AUDIT_SERVICE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/audit/audit_log.h"
#include "services/audit/note.h"
#include "services/audit/sequencer.h"
#include "services/policy/policy_store.h"
#include "throughcare/audit.h"
#include "throughcare/clock.h"
#include "throughcare/consent.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::audit {

// A checkpoint as served: the signed note followed by the cosignature lines received for it.
struct ServedCheckpoint {
  AuditCheckpoint checkpoint;
  std::vector<AuditCosignature> cosignatures;
  std::string note;
};

struct ProofAnswer {
  int64_t index = 0;  // leaf index (seq - 1), or the first tree size
  int64_t tree_size = 0;
  std::vector<std::string> hashes;
};

// Each agency's witness key (cosignature type), by agency id.
using WitnessKeys = std::map<std::string, VerifierKey>;

// What the service knows of the agencies: their witnesses' keys, and their names for reports.
struct AuditAgencies {
  WitnessKeys witnesses;
  std::map<std::string, std::string> names;  // agency id -> name
};

// Everything the log holds about one person (see GetSubjectAccessReport in audit.proto).
struct SubjectReport {
  Subject subject;
  std::vector<RecordHeader> records;  // the latest version of each
  std::vector<Consent> consents;      // the latest version of each
  struct Event {
    AuditEntry entry;
    std::string summary;
  };
  std::vector<Event> events;
  absl::Time generated_at;
  bool truncated = false;
};

class AuditService {
 public:
  AuditService(Storage& storage, const AuditLog& audit_log, const policy::PolicyStore& policies,
               const Clock& clock, const Sequencer& sequencer, AuditAgencies agencies)
      : storage_(storage),
        audit_log_(audit_log),
        policies_(policies),
        clock_(clock),
        sequencer_(sequencer),
        agencies_(std::move(agencies)) {}

  // Entries matching `query` (see AuditQuery), audited as "audit.query".
  void Query(const CallContext& ctx, AuditQuery query, Reply<AuditPage> reply);

  // Authorises an export, audited as "audit.export". Replies with the last seq the export goes
  // to: `tree_size` when set (InvalidArgument if the log is not that big yet), else the tree's
  // size once what was committed before the call is sequenced.
  void BeginExport(const CallContext& ctx, int64_t tree_size, Reply<int64_t> reply);
  // A page of at most `limit` entries with after_seq < seq <= until_seq, for an export that
  // BeginExport allowed. Reads on the calling thread.
  absl::StatusOr<AuditPage> ExportPage(int64_t after_seq, int64_t until_seq, int limit);

  // The checkpoint of `tree_size` (NotFound if none was issued), or with 0 the latest (issuing
  // one first if the log has grown and the checkpoint interval has passed, so that witnesses
  // asking about the same time cosign the same checkpoint). Audited as "audit.checkpoint".
  void GetCheckpoint(const CallContext& ctx, int64_t tree_size, Reply<ServedCheckpoint> reply);
  // The inclusion proof of entry `seq` in the tree of `tree_size` entries (0: the latest
  // checkpoint's; FailedPrecondition while the entry is in no checkpoint yet). Audited as
  // "audit.prove", about the entry's person.
  void GetInclusionProof(const CallContext& ctx, int64_t seq, int64_t tree_size,
                         Reply<ProofAnswer> reply);
  // The consistency proof from `from_size` to `to_size` (0: the latest checkpoint's size).
  // Audited as "audit.consistency".
  void GetConsistencyProof(const CallContext& ctx, int64_t from_size, int64_t to_size,
                           Reply<ProofAnswer> reply);
  // A C2SP tlog-proof bundle for entry `seq` against the latest checkpoint (with its
  // cosignatures). Audited as "audit.prove", about the entry's person.
  void GetProofBundle(const CallContext& ctx, int64_t seq, Reply<std::string> reply);
  // Stores the caller's agency's witness cosignature of the checkpoint of `tree_size`, after
  // verifying it with that agency's configured witness key. PermissionDenied for an agency with
  // no witness key; InvalidArgument for a line that is malformed, names another key or does not
  // verify; NotFound for a size no checkpoint has. Audited as "audit.cosign".
  void AddCosignature(const CallContext& ctx, int64_t tree_size, std::string signature_line,
                      Reply<ServedCheckpoint> reply);

  // Everything about the person `subject_id` (accesses in [from, until) when given): NotFound
  // for an unknown person. Audited as "audit.person", about the person.
  void SubjectAccessReport(const CallContext& ctx, std::string subject_id,
                           std::optional<absl::Time> from, std::optional<absl::Time> until,
                           Reply<SubjectReport> reply);

  // Break-glass review queue, in the order items were opened, after the item whose access has
  // the audit entry handle `after`. Audited as "review.list".
  void ListReviewItems(const CallContext& ctx, bool include_closed, int64_t after, int limit,
                       Reply<std::vector<ReviewItem>> reply);
  // Records an auditor's outcome (not kOpen) and note. NOT_FOUND if absent;
  // FAILED_PRECONDITION if already closed. Audited as "review.close", about the item's person.
  void CloseReviewItem(const CallContext& ctx, std::string review_id, ReviewOutcome outcome,
                       std::string note, Reply<ReviewItem> reply);

 private:
  absl::StatusOr<ServedCheckpoint> Serve(ReadTx& tx, AuditCheckpoint checkpoint) const;

  Storage& storage_;
  const AuditLog& audit_log_;
  const policy::PolicyStore& policies_;
  const Clock& clock_;
  const Sequencer& sequencer_;
  const AuditAgencies agencies_;
};

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_AUDIT_SERVICE_H_
