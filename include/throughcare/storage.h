// The storage interface. Domain services talk to storage only through this header; SQL lives
// below it (services/storage/). Every backend passes one conformance suite (tests/storage/,
// conformance_*.cc): SQLite (embedded default) today, PostgreSQL (several broker replicas sharing
// one database) next. The contract is written so that both can keep it.
//
// Transactions are closures. A write closure reads and writes through WriteTx; the storage
// commits it durably (on disk) before calling its `done`. Each closure is atomic: if it returns
// an error, none of its writes remain.
//
// What every backend promises, and what the domain may rely on:
//  - Re-runs. A backend may run a write closure more than once (after a serialization failure,
//    a deadlock, a lost connection before commit), each run in a fresh transaction; only the last
//    run's writes are committed and only its result reaches `done`. So a closure must keep no
//    state between runs: it may fill captured variables as outputs, but must overwrite (not
//    append to) them, start every run from its inputs, and leave side effects outside storage
//    (waking receivers, metrics) to WriteTx::Notify or to `done`.
//  - Isolation. A write transaction sees its own writes and everything committed before it
//    began, as if it ran alone (serializable). A read sees one committed state.
//  - Order. Nothing is promised about the order in which concurrent writes commit, nor about
//    the order of `done` calls. Positions a backend hands out on insert (a delivery's mailbox
//    seq, an audit entry's handle) are unique and increase in insertion order, and one handed out
//    after a commit is greater than every position in that commit; they are not commit-ordered
//    (a position can become visible after a greater one) and may have gaps. Where the domain
//    needs a total order it gets one from a single sequencer (the audit log's), not from commit
//    order.
//  - Claims. Leasing takes pending deliveries with WriteTx::ClaimLeasable, a keyset scan: rows
//    a concurrent transaction holds are skipped, never waited for or taken twice (on PostgreSQL,
//    SELECT ... FOR UPDATE SKIP LOCKED ordered by (recipient, mailbox_seq)).
//  - Wake-ups. WriteTx::Notify queues a notification that is published, through the Notifier
//    the backend was given (throughcare/notifier.h), only if and after the transaction commits
//    (PostgreSQL's NOTIFY has exactly these semantics).
//  - Batching. How writes share commits (SQLite's group commit) and which threads run closures
//    and `done` are the backend's business; StorageStats reports the figures.
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
#include "absl/time/time.h"
#include "throughcare/audit.h"
#include "throughcare/consent.h"
#include "throughcare/message.h"
#include "throughcare/notifier.h"
#include "throughcare/record.h"
#include "throughcare/referral.h"
#include "throughcare/subject.h"

namespace throughcare {

// That an adapter's input (an event, a Bundle entry, a CSV row) was carried out: its own id,
// under the agency that sent it, so that the same input again changes nothing.
struct Receipt {
  std::string agency_id;
  std::string key;         // the input's id, e.g. "hmpps:<event id>"
  std::string request_id;  // of the call that carried it out
  absl::Time received_at;
};

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
  // A record's own data key, wrapped by its subject's key. NotFound if it has none (records
  // stored before record keys existed use the subject's key; erased records have none).
  virtual absl::StatusOr<std::string> GetWrappedRecordKey(absl::string_view record_id) = 0;
  // The erasure of a record, or of the person `subject_id` when `record_id` is empty. NotFound
  // if it was not erased.
  virtual absl::StatusOr<Erasure> GetErasure(absl::string_view subject_id,
                                             absl::string_view record_id) = 0;
  // The receipt of an adapter's input. NotFound if it was not carried out.
  virtual absl::StatusOr<Receipt> GetReceipt(absl::string_view agency_id,
                                             absl::string_view key) = 0;
  // Erasures made in [from, until) with id > after_id, in id order, at most `limit`.
  virtual absl::StatusOr<std::vector<Erasure>> ListErasures(absl::Time from, absl::Time until,
                                                            int64_t after_id, int limit) = 0;
  // Headers of the latest versions, of class `data_class`, of records not erased whose latest
  // version was stored before `cutoff`; at most `limit`, oldest first.
  virtual absl::StatusOr<std::vector<RecordHeader>> ListRecordsUnchangedSince(
      absl::string_view data_class, absl::Time cutoff, int limit) = 0;

  // Latest version of one consent. NotFound if absent.
  virtual absl::StatusOr<Consent> GetConsent(absl::string_view consent_id) = 0;
  // The latest version of each of a subject's consents (active, expired and withdrawn), ordered
  // by recorded_at (every version keeps the time the consent was first recorded), then id.
  virtual absl::StatusOr<std::vector<Consent>> ListConsents(absl::string_view subject_id) = 0;
  // Every version of one consent, oldest first. NotFound if absent.
  virtual absl::StatusOr<std::vector<Consent>> ConsentHistory(absl::string_view consent_id) = 0;

  // NotFound if absent.
  virtual absl::StatusOr<Relationship> GetRelationship(absl::string_view relationship_id) = 0;
  // All of a subject's relationships, ended ones included, ordered by start.
  virtual absl::StatusOr<std::vector<Relationship>> ListRelationships(
      absl::string_view subject_id) = 0;

  // NotFound if absent.
  virtual absl::StatusOr<ReviewItem> GetReviewItem(absl::string_view review_id) = 0;
  // Review items in the order they were opened; only open ones if `open_only`. At most `limit`,
  // starting after the item whose access has the audit entry handle `after_audit_entry`
  // (pagination). Each carries its access's audit seq once that is sequenced.
  virtual absl::StatusOr<std::vector<ReviewItem>> ListReviewItems(bool open_only,
                                                                  int64_t after_audit_entry,
                                                                  int limit) = 0;

  // Messaging. NotFound if absent.
  virtual absl::StatusOr<Message> GetMessage(absl::string_view message_id) = 0;
  // The message a sender agency sent with an idempotency key. NotFound if none.
  virtual absl::StatusOr<Message> FindMessageByIdempotencyKey(absl::string_view sender_agency,
                                                              absl::string_view key) = 0;
  // A message's deliveries, in the order they were inserted.
  virtual absl::StatusOr<std::vector<Delivery>> ListDeliveries(absl::string_view message_id) = 0;
  // The delivery currently leased under `lease_id`. NotFound if no delivery holds that lease
  // (unknown, settled, or returned to the mailbox when it expired).
  virtual absl::StatusOr<Delivery> GetDeliveryByLease(absl::string_view lease_id) = 0;
  // Pending deliveries of a mailbox that may be leased at `now` (available_at <= now <
  // expires_at), in mailbox order (ascending mailbox_seq), after the keyset cursor `after_seq`
  // (0 to start at the beginning), at most `limit`. A look only: to lease, claim them with
  // WriteTx::ClaimLeasable.
  virtual absl::StatusOr<std::vector<Delivery>> ListLeasable(absl::string_view recipient_agency,
                                                             absl::Time now, int64_t after_seq,
                                                             int limit) = 0;
  // The number of open (pending or leased) deliveries in a mailbox, counting no further than
  // `cap` (the answer is min(count, cap)), so that checking a limit costs at most `cap` steps.
  virtual absl::StatusOr<int64_t> CountOpenDeliveries(absl::string_view recipient_agency,
                                                      int64_t cap) = 0;
  // The same, counting only the deliveries of messages `sender_agency` sent (a sender's share of
  // a mailbox), no further than `cap`.
  virtual absl::StatusOr<int64_t> CountOpenDeliveriesFrom(absl::string_view recipient_agency,
                                                          absl::string_view sender_agency,
                                                          int64_t cap) = 0;
  // A mailbox's open (pending or leased) deliveries, counted in full, and when the message of the
  // first of them in mailbox order was sent: for metrics, read at each scrape.
  virtual absl::StatusOr<MailboxDepth> GetMailboxDepth(absl::string_view recipient_agency) = 0;
  // Open deliveries with something due at `now`: the message expired (expires_at <= now), or a
  // lease expired (kLeased, lease_expires_at <= now). Ordered by mailbox seq; at most `limit`.
  virtual absl::StatusOr<std::vector<Delivery>> ListDueDeliveries(absl::Time now, int limit) = 0;
  // Deliveries that were delivered at least once (first_delivered_at set, whatever their state
  // now) whose consent_ids include `consent_id`, ordered by recipient, then mailbox seq.
  virtual absl::StatusOr<std::vector<Delivery>> ListDeliveredUnderConsent(
      absl::string_view consent_id) = 0;

  // Referrals, each with its history (oldest first) and deadlines (in insertion order).
  // NotFound if absent.
  virtual absl::StatusOr<Referral> GetReferral(absl::string_view referral_id) = 0;
  // The referral an agency made with an idempotency key. NotFound if none.
  virtual absl::StatusOr<Referral> FindReferralByIdempotencyKey(absl::string_view referring_agency,
                                                                absl::string_view key) = 0;
  // Referrals an agency made or received, newest first (created_at, then id, descending),
  // filtered and paged as `query` says; at most query.limit.
  virtual absl::StatusOr<std::vector<Referral>> ListReferralsForAgency(
      const ReferralQuery& query) = 0;
  // A person's open referrals, oldest first.
  virtual absl::StatusOr<std::vector<Referral>> ListOpenReferralsOfSubject(
      absl::string_view subject_id) = 0;
  // Open referrals with a deadline due at `now` (due_at <= now) that is neither met nor
  // escalated, oldest first; at most `limit`.
  virtual absl::StatusOr<std::vector<Referral>> ListReferralsWithDueDeadlines(absl::Time now,
                                                                             int limit) = 0;
  // Open referrals by type (types with none are left out), with how many of them are overdue at
  // `now`, ordered by type.
  virtual absl::StatusOr<std::vector<OpenReferralCount>> CountOpenReferrals(absl::Time now) = 0;
  // Referrals created in [from, until), of `referral_type` when it is not empty, in creation
  // order.
  virtual absl::StatusOr<std::vector<Referral>> ListReferralsCreatedBetween(
      absl::Time from, absl::Time until, absl::string_view referral_type) = 0;

  // The audit log. Only sequenced entries (seq > 0) are ever returned by these reads.
  // Entries matching `query`, ascending seq, at most query.limit of them.
  virtual absl::StatusOr<AuditPage> QueryAudit(const AuditQuery& query) = 0;
  // The Merkle tree's head: its size (the highest seq; 0 when nothing is sequenced) and root (as
  // stored by ApplyAuditSequencing; empty while the size is 0).
  virtual absl::StatusOr<AuditTreeHead> GetAuditTreeHead() = 0;
  // The hash of the complete subtree (level, index) of the tree: level 0 is the leaf hash of the
  // entry with seq index + 1. NotFound if that subtree is not complete yet.
  virtual absl::StatusOr<std::string> GetAuditTreeNode(int level, int64_t index) = 0;
  // The checkpoint of tree size `size`, or the latest one (the largest size) when `size` is 0.
  // NotFound if there is none.
  virtual absl::StatusOr<AuditCheckpoint> GetAuditCheckpoint(int64_t size) = 0;
  // The cosignatures of the checkpoint of `size`, ordered by witness name.
  virtual absl::StatusOr<std::vector<AuditCosignature>> ListAuditCosignatures(int64_t size) = 0;
  // For the one-time migration from the hash chain (before schema 6): the old chain's entries
  // after `after_seq` with their prev_hash and hash, at most `limit`, ascending seq. Empty once
  // migrated.
  virtual absl::StatusOr<std::vector<LegacyChainEntry>> ListLegacyAuditChain(int64_t after_seq,
                                                                             int limit) = 0;
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

  // AlreadyExists if the agency has a receipt under that key already.
  virtual absl::Status InsertReceipt(const Receipt& receipt) = 0;

  // AlreadyExists if the record already has a key.
  virtual absl::Status PutWrappedRecordKey(absl::string_view record_id,
                                           absl::string_view subject_id,
                                           absl::string_view wrapped_key) = 0;
  // Erases one record (erasure.record_id) or, with an empty record_id, the person: destroys
  // the record's key and empties the sealed body of every version; for the person, destroys
  // their key and every record key and unlinks their identifiers. Records the erasure and
  // returns its id. AlreadyExists if already erased; NotFound for an unknown record or person.
  virtual absl::StatusOr<int64_t> Erase(const Erasure& erasure) = 0;

  // Adds a version. Version 1 creates the record (AlreadyExists if the id is taken); version
  // n > 1 requires version n-1 to be the latest (Aborted otherwise). Labels are policy ids and
  // may not contain ',' (InvalidArgument).
  virtual absl::Status InsertRecordVersion(const StoredRecord& record) = 0;

  // Adds a consent version: version 1 creates it (AlreadyExists if the id is taken); version
  // n > 1 requires n-1 to be the latest (Aborted otherwise). NotFound for an unknown subject.
  virtual absl::Status InsertConsentVersion(const Consent& consent) = 0;

  // AlreadyExists if the id is taken; NotFound for an unknown subject.
  virtual absl::Status InsertRelationship(const Relationship& relationship) = 0;
  // Sets ended_at and ended_by_user. NotFound if absent; FailedPrecondition if already ended.
  virtual absl::Status EndRelationship(absl::string_view relationship_id, absl::Time ended_at,
                                       absl::string_view ended_by_user) = 0;

  // AlreadyExists if the id is taken.
  virtual absl::Status InsertReviewItem(const ReviewItem& item) = 0;
  // Records the outcome (not kOpen), closer, time and note. NotFound if absent;
  // FailedPrecondition if already closed.
  virtual absl::Status CloseReviewItem(const ReviewItem& closed) = 0;

  // AlreadyExists if the message id is taken, or the sender agency already used the
  // idempotency key (when non-empty). Record ids and notice message ids may not contain ','.
  virtual absl::Status InsertMessage(const Message& message) = 0;
  // Inserts a delivery of an existing message (NotFound otherwise) and returns the mailbox seq it
  // was given (ignoring delivery.mailbox_seq): its place in mailbox order, a position as the
  // header comment defines (unique, increasing in insertion order, not commit-ordered).
  // AlreadyExists if the message already has a delivery to that recipient.
  virtual absl::StatusOr<int64_t> InsertDelivery(const Delivery& delivery) = 0;
  // Replaces the mutable fields (state through updated_at) of the delivery (message_id,
  // recipient_agency). NotFound if absent. A non-empty lease_id must be unique (AlreadyExists).
  virtual absl::Status UpdateDelivery(const Delivery& delivery) = 0;
  // Claims, for this transaction, up to `limit` deliveries of a mailbox that ListLeasable would
  // list (same filter, order and keyset cursor `after_seq`). Until this transaction ends no
  // other transaction claims them; deliveries another transaction holds are skipped, not
  // waited for. The caller updates those it leases (UpdateDelivery) and passes over the rest;
  // to look further, it claims again after the last mailbox_seq it was given.
  virtual absl::StatusOr<std::vector<Delivery>> ClaimLeasable(absl::string_view recipient_agency,
                                                              absl::Time now, int64_t after_seq,
                                                              int limit) = 0;

  // Inserts a referral with its history and deadlines. AlreadyExists if the id is taken or the
  // referring agency already used the idempotency key (when non-empty); NotFound for an unknown
  // subject. Record ids may not contain ','.
  virtual absl::Status InsertReferral(const Referral& referral) = 0;
  // Stores a referral's new state: replaces every field but the id, type, subject, parties
  // (referring agency and user, receiving agency, contact), records, idempotency key and
  // created_at; appends the entries of `referral.history` beyond the number already stored
  // (FailedPrecondition if it holds fewer: history is append-only); replaces each deadline's
  // due, met and escalated times by name (the set of names may not change: FailedPrecondition).
  // NotFound if absent.
  virtual absl::Status UpdateReferral(const Referral& referral) = 0;

  // Writes an audit entry without a place in the log (entry.seq and leaf_hash are ignored) and
  // returns its handle (PendingAuditEntry::id). Cheap and contention-free: concurrent writers
  // never touch a shared row, so this never serialises transactions on the log's tail.
  virtual absl::StatusOr<int64_t> AppendAudit(const AuditEntry& entry) = 0;
  // Up to `limit` entries not yet sequenced, in the order the sequencer must give them seqs: on
  // SQLite the order they were committed; on a backend without a commit order, any stable order
  // (the handle's), later entries being taken by a later step.
  virtual absl::StatusOr<std::vector<PendingAuditEntry>> ListPendingAudit(int limit) = 0;
  // Stores one sequencer step atomically: each placed entry gets its seq and leaf hash, the new
  // subtrees are stored, and the head moves to `step.head`. Aborted (retry from a fresh read) if
  // the stored head's size is no longer step.old_size, i.e. another sequencer moved it first;
  // FailedPrecondition if an entry is unknown or already sequenced, or a seq does not follow on.
  virtual absl::Status ApplyAuditSequencing(const AuditSequencing& step) = 0;
  // AlreadyExists if a checkpoint of that size was stored.
  virtual absl::Status InsertAuditCheckpoint(const AuditCheckpoint& checkpoint) = 0;
  // Stores a witness's cosignature of the checkpoint of `cosignature.size` (NotFound if there is
  // none), replacing that witness's earlier cosignature of the same checkpoint.
  virtual absl::Status PutAuditCosignature(const AuditCosignature& cosignature) = 0;
  // Ends the migration from the hash chain: forgets the old chain's hashes.
  virtual absl::Status DropLegacyAuditChain() = 0;

  // Runs `fn` atomically within this transaction: if it returns an error, its writes (and
  // notifications) are undone and the error returned; earlier and later writes of the
  // enclosing closure are kept.
  virtual absl::Status Atomically(absl::FunctionRef<absl::Status(WriteTx&)> fn) = 0;

  // Wakes the listeners of `channel` (Notifier::Listen) once this transaction has committed.
  // Nothing is published if the transaction (or the Atomically block around the call) fails,
  // nor by an earlier run of a closure that is run again. Repeats within one transaction may
  // be published once.
  virtual void Notify(absl::string_view channel) = 0;

  // Runs `fn` once this transaction's writes are durable, before the `done` of the write. Dropped
  // like Notify: if the closure, or the Atomically call it was registered in, fails, if the
  // commit fails, or if this run of the closure is re-run. For counting events (metrics) only
  // once they have happened. `fn` must be quick and must not call Write or WriteAndWait.
  virtual void AfterCommit(absl::AnyInvocable<void()> fn) = 0;
};

// The words that begin the error a write gets when the disk holding the storage is full (code
// ResourceExhausted). Code that wraps a storage error keeps its message, so the words stay in it.
inline constexpr absl::string_view kStorageFull = "storage is full";

// Whether `status` is, or wraps, the storage's report of a full disk.
bool IsStorageFull(const absl::Status& status);

using WriteFn = absl::AnyInvocable<absl::Status(WriteTx&)>;
using ReadFn = absl::AnyInvocable<absl::Status(ReadTx&)>;
using DoneFn = absl::AnyInvocable<void(absl::Status)>;

// How writes shared commits, for metrics and the benchmark: the backend counts them, so no
// domain code needs to know which writes were committed together.
struct StorageStats {
  int64_t commits = 0;
  int64_t transactions = 0;  // closures committed (successful or rolled back)
  // Records messages (MessageKind::kRecords) committed, and the commits that held at least one:
  // their ratio is the number of messages per commit.
  int64_t records_messages = 0;
  int64_t records_message_commits = 0;
};

// Thread-safe.
class Storage {
 public:
  virtual ~Storage() = default;

  // Queues `fn` to run in a write transaction, possibly more than once (see the header comment:
  // it keeps no state between runs). `done` is called exactly once, after the commit that holds
  // `fn`'s last run is durable (OK), or with the error `fn` returned (its writes undone), or
  // with the error that made the commit fail. `done` runs on a thread of the storage's (never
  // the caller's), in no promised order relative to other writes' `done`; it must be quick and
  // must not block (no Read, no WriteAndWait): blocking work belongs on an Executor. `fn` must
  // not block or call Write or WriteAndWait. After Close, `done` gets Unavailable at once; when
  // too many writes are waiting, ResourceExhausted at once.
  virtual void Write(WriteFn fn, DoneFn done) = 0;

  // Runs `fn` on a consistent snapshot on the calling thread. May run concurrently with writes.
  virtual absl::Status Read(ReadFn fn) = 0;

  // Finishes queued writes, then refuses new ones. Idempotent.
  virtual void Close() = 0;

  virtual StorageStats Stats() const = 0;

  // Commits a write that changes nothing a transaction can read, and waits until it is durable:
  // whether writes can be committed now, e.g. whether a full disk has space again. The error a
  // write would get otherwise. Not for use inside `fn` or `done`.
  virtual absl::Status CheckWritable() = 0;

  // Write, blocking until `done` would have been called. Not for use inside `fn` or `done`.
  absl::Status WriteAndWait(WriteFn fn);
};

}  // namespace throughcare

#endif  // THROUGHCARE_STORAGE_H_
