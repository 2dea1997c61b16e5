// The storage interface. Domain services talk to storage only through this header; SQL lives
// below it (services/storage/). Two implementations pass one conformance suite
// (tests/storage/conformance.h): SQLite (embedded default) and, later, PostgreSQL.
//
// Transactions are closures. A write closure runs on the storage's writer and may read and
// write through WriteTx; the storage commits it durably (on disk) before calling `done`.
// Concurrent writes share one commit ("group commit"), yet each closure stays atomic: if it
// returns an error, none of its writes remain and the others in the same commit are unaffected.
#ifndef THROUGHCARE_STORAGE_H_
#define THROUGHCARE_STORAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "throughcare/audit.h"
#include "throughcare/record.h"
#include "throughcare/subject.h"

namespace throughcare {

// Reads within one transaction (a consistent snapshot). Not thread-safe: use only inside the
// closure it was passed to.
class ReadTx {
 public:
  virtual ~ReadTx() = default;

  // The subject with its identifiers. NotFound if there is none with that id.
  virtual absl::StatusOr<Subject> GetSubject(absl::string_view subject_id) = 0;
  // The id of the subject an identifier is linked to. NotFound if it is linked to nobody.
  virtual absl::StatusOr<std::string> FindSubjectByIdentifier(IdentifierKind kind,
                                                              absl::string_view value) = 0;
  // The subject's data key, wrapped by the master key. NotFound if none was stored.
  virtual absl::StatusOr<std::string> GetWrappedSubjectKey(absl::string_view subject_id) = 0;

  // One version of a record; `version` 0 means the latest. NotFound if absent.
  virtual absl::StatusOr<StoredRecord> GetRecord(absl::string_view record_id,
                                                 int64_t version) = 0;
  // The latest version of each of a subject's records, ordered by record creation.
  virtual absl::StatusOr<std::vector<StoredRecord>> ListLatestRecords(
      absl::string_view subject_id) = 0;

  // The entry with the highest seq. NotFound when the log is empty.
  virtual absl::StatusOr<AuditEntry> LastAuditEntry() = 0;
  // Entries matching `query`, ascending seq, at most query.limit of them.
  virtual absl::StatusOr<AuditPage> QueryAudit(const AuditQuery& query) = 0;
  // Calls `visit` for every entry with seq > after_seq in ascending seq order, until it returns
  // false or the log ends.
  virtual absl::Status ScanAudit(int64_t after_seq,
                                 absl::FunctionRef<bool(const AuditEntry&)> visit) = 0;
};

class WriteTx : public ReadTx {
 public:
  // Inserts a subject without identifiers. AlreadyExists if the id is taken.
  virtual absl::Status InsertSubject(const Subject& subject) = 0;
  // NotFound if the subject does not exist.
  virtual absl::Status SetHomeArea(absl::string_view subject_id, absl::string_view home_area) = 0;
  // AlreadyExists if (kind, value) is linked to any subject, this one included.
  virtual absl::Status LinkIdentifier(absl::string_view subject_id,
                                      const Identifier& identifier) = 0;
  // NotFound if (kind, value) is not linked to this subject.
  virtual absl::Status UnlinkIdentifier(absl::string_view subject_id, IdentifierKind kind,
                                        absl::string_view value) = 0;
  // AlreadyExists if the subject already has a key (keys are never replaced in place).
  virtual absl::Status PutWrappedSubjectKey(absl::string_view subject_id,
                                            absl::string_view wrapped_key) = 0;

  // Adds a version. Version 1 creates the record (AlreadyExists if the id is taken); version
  // n > 1 requires version n-1 to be the latest (Aborted otherwise).
  virtual absl::Status InsertRecordVersion(const StoredRecord& record) = 0;

  // Appends an entry whose seq is exactly the last seq + 1 (FailedPrecondition otherwise).
  virtual absl::Status AppendAudit(const AuditEntry& entry) = 0;

  // Runs `fn` atomically within this transaction: if it returns an error, its writes are undone
  // and the error returned; earlier and later writes of the enclosing closure are kept.
  virtual absl::Status Atomically(absl::FunctionRef<absl::Status(WriteTx&)> fn) = 0;
};

using WriteFn = absl::AnyInvocable<absl::Status(WriteTx&)>;
using ReadFn = absl::AnyInvocable<absl::Status(ReadTx&)>;
using DoneFn = absl::AnyInvocable<void(absl::Status)>;

// Group-commit counters, for metrics.
struct StorageStats {
  int64_t commits = 0;
  int64_t transactions = 0;  // closures committed (successful or rolled back)
};

// Thread-safe.
class Storage {
 public:
  virtual ~Storage() = default;

  // Queues `fn` for the writer. `done` is called exactly once, on the writer thread, after the
  // commit that holds `fn`'s writes is durable (OK), or with the error `fn` returned (its writes
  // undone), or with the error that made the commit fail. `fn` and `done` must not block and
  // must not call Write or WriteAndWait. After Close, `done` gets Unavailable at once.
  virtual void Write(WriteFn fn, DoneFn done) = 0;

  // Runs `fn` on a consistent snapshot on the calling thread. May run concurrently with writes.
  virtual absl::Status Read(ReadFn fn) = 0;

  // Finishes queued writes, then refuses new ones. Idempotent.
  virtual void Close() = 0;

  virtual StorageStats Stats() const = 0;

  // Write, blocking until `done` would have been called. Not for use on the writer thread.
  absl::Status WriteAndWait(WriteFn fn);
};

}  // namespace throughcare

#endif  // THROUGHCARE_STORAGE_H_
