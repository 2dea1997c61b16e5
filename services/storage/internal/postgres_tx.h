// Internal to services/storage: the PostgreSQL backend's transaction, one class whose members are
// defined across one file per domain (postgres_subjects.cc, postgres_records.cc, ...).
#ifndef THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_TX_H_
#define THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_TX_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/storage/internal/postgres_connection.h"
#include "throughcare/storage.h"

namespace throughcare::storage::pg_internal {

// Reads and writes on one connection, inside a transaction its owner began: a read transaction
// (Storage::Read) or a batch of closures (a writer). Not thread-safe.
//
// A statement that fails leaves a PostgreSQL transaction unusable until its savepoint is rolled
// back, so the methods refuse what they can before writing (existence checks) and take the
// contract's AlreadyExists from ON CONFLICT DO NOTHING touching no row, rather than from an
// error. Unexpected errors still end the closure's savepoint (Atomically).
class PgTx final : public WriteTx {
 public:
  // `conn` is borrowed and must outlive the transaction.
  explicit PgTx(Connection* conn) : conn_(conn) {}

  // Subjects (postgres_subjects.cc).
  absl::StatusOr<Subject> GetSubject(absl::string_view subject_id) override;
  absl::StatusOr<std::string> FindSubjectByIdentifier(IdentifierKind kind,
                                                      absl::string_view value) override;
  absl::StatusOr<std::string> GetWrappedSubjectKey(absl::string_view subject_id) override;
  absl::Status InsertSubject(const Subject& subject) override;
  absl::Status SetHomeArea(absl::string_view subject_id, absl::string_view home_area) override;
  absl::Status LinkIdentifier(absl::string_view subject_id, const Identifier& identifier) override;
  absl::Status UnlinkIdentifier(absl::string_view subject_id, IdentifierKind kind,
                                absl::string_view value) override;
  absl::Status PutWrappedSubjectKey(absl::string_view subject_id,
                                    absl::string_view wrapped_key) override;

  // Records (postgres_records.cc).
  absl::StatusOr<StoredRecord> GetRecord(absl::string_view record_id, int64_t version) override;
  absl::StatusOr<std::vector<StoredRecord>> ListLatestRecords(
      absl::string_view subject_id) override;
  absl::Status InsertRecordVersion(const StoredRecord& record) override;

  // Erasure (postgres_erasure.cc).
  absl::StatusOr<std::string> GetWrappedRecordKey(absl::string_view record_id) override;
  absl::StatusOr<Erasure> GetErasure(absl::string_view subject_id,
                                     absl::string_view record_id) override;
  absl::StatusOr<std::vector<Erasure>> ListErasures(absl::Time from, absl::Time until,
                                                    int64_t after_id, int limit) override;
  absl::StatusOr<std::vector<RecordHeader>> ListRecordsUnchangedSince(absl::string_view data_class,
                                                                      absl::Time cutoff,
                                                                      int limit) override;
  absl::Status PutWrappedRecordKey(absl::string_view record_id, absl::string_view subject_id,
                                   absl::string_view wrapped_key) override;
  absl::StatusOr<int64_t> Erase(const Erasure& erasure) override;

  // Receipts of adapters' inputs (postgres_receipts.cc).
  absl::StatusOr<Receipt> GetReceipt(absl::string_view agency_id, absl::string_view key) override;
  absl::Status InsertReceipt(const Receipt& receipt) override;

  // Consents (postgres_consents.cc).
  absl::StatusOr<Consent> GetConsent(absl::string_view consent_id) override;
  absl::StatusOr<std::vector<Consent>> ListConsents(absl::string_view subject_id) override;
  absl::StatusOr<std::vector<Consent>> ConsentHistory(absl::string_view consent_id) override;
  absl::Status InsertConsentVersion(const Consent& c) override;

  // Relationships and review items (postgres_relationships.cc).
  absl::StatusOr<Relationship> GetRelationship(absl::string_view relationship_id) override;
  absl::StatusOr<std::vector<Relationship>> ListRelationships(
      absl::string_view subject_id) override;
  absl::StatusOr<ReviewItem> GetReviewItem(absl::string_view review_id) override;
  absl::StatusOr<std::vector<ReviewItem>> ListReviewItems(bool open_only,
                                                          int64_t after_audit_entry,
                                                          int limit) override;
  absl::Status InsertRelationship(const Relationship& r) override;
  absl::Status EndRelationship(absl::string_view relationship_id, absl::Time ended_at,
                               absl::string_view ended_by_user) override;
  absl::Status InsertReviewItem(const ReviewItem& item) override;
  absl::Status CloseReviewItem(const ReviewItem& closed) override;

  // Messages and deliveries (postgres_messaging.cc).
  absl::StatusOr<Message> GetMessage(absl::string_view message_id) override;
  absl::StatusOr<Message> FindMessageByIdempotencyKey(absl::string_view sender_agency,
                                                      absl::string_view key) override;
  absl::StatusOr<std::vector<Delivery>> ListDeliveries(absl::string_view message_id) override;
  absl::StatusOr<Delivery> GetDeliveryByLease(absl::string_view lease_id) override;
  absl::StatusOr<std::vector<Delivery>> ListLeasable(absl::string_view recipient_agency,
                                                     absl::Time now, int64_t after_seq,
                                                     int limit) override;
  absl::StatusOr<int64_t> CountOpenDeliveries(absl::string_view recipient_agency,
                                              int64_t cap) override;
  absl::StatusOr<int64_t> CountOpenDeliveriesFrom(absl::string_view recipient_agency,
                                                  absl::string_view sender_agency,
                                                  int64_t cap) override;
  absl::StatusOr<std::vector<Delivery>> ListDueDeliveries(absl::Time now, int limit) override;
  absl::StatusOr<std::vector<Delivery>> ListDeliveredUnderConsent(
      absl::string_view consent_id) override;
  absl::Status InsertMessage(const Message& m) override;
  absl::StatusOr<int64_t> InsertDelivery(const Delivery& d) override;
  absl::Status UpdateDelivery(const Delivery& d) override;

  // Referrals (postgres_referrals.cc).
  absl::StatusOr<Referral> GetReferral(absl::string_view referral_id) override;
  absl::StatusOr<Referral> FindReferralByIdempotencyKey(absl::string_view referring_agency,
                                                        absl::string_view key) override;
  absl::StatusOr<std::vector<Referral>> ListReferralsForAgency(const ReferralQuery& q) override;
  absl::StatusOr<std::vector<Referral>> ListOpenReferralsOfSubject(
      absl::string_view subject_id) override;
  absl::StatusOr<std::vector<Referral>> ListReferralsWithDueDeadlines(absl::Time now,
                                                                      int limit) override;
  absl::StatusOr<std::vector<OpenReferralCount>> CountOpenReferrals(absl::Time now) override;
  absl::StatusOr<std::vector<Referral>> ListReferralsCreatedBetween(
      absl::Time from, absl::Time until, absl::string_view referral_type) override;
  absl::Status InsertReferral(const Referral& r) override;
  absl::Status UpdateReferral(const Referral& r) override;

  // The audit log (postgres_audit.cc).
  absl::StatusOr<AuditPage> QueryAudit(const AuditQuery& q) override;
  absl::StatusOr<AuditTreeHead> GetAuditTreeHead() override;
  absl::StatusOr<std::string> GetAuditTreeNode(int level, int64_t index) override;
  absl::StatusOr<AuditCheckpoint> GetAuditCheckpoint(int64_t size) override;
  absl::StatusOr<std::vector<AuditCosignature>> ListAuditCosignatures(int64_t size) override;
  absl::StatusOr<std::vector<LegacyChainEntry>> ListLegacyAuditChain(int64_t after_seq,
                                                                     int limit) override;
  absl::StatusOr<int64_t> AppendAudit(const AuditEntry& e) override;
  absl::StatusOr<std::vector<PendingAuditEntry>> ListPendingAudit(int limit) override;
  absl::Status ApplyAuditSequencing(const AuditSequencing& step) override;
  absl::Status InsertAuditCheckpoint(const AuditCheckpoint& c) override;
  absl::Status PutAuditCosignature(const AuditCosignature& c) override;
  absl::Status DropLegacyAuditChain() override;

  // Operations (postgres_operations.cc): mailbox depths for metrics, and a write that changes
  // nothing a transaction reads (Storage::CheckWritable).
  absl::StatusOr<MailboxDepth> GetMailboxDepth(absl::string_view recipient_agency) override;
  absl::Status Heartbeat();

  // A savepoint per call (postgres_tx.cc).
  absl::Status Atomically(absl::FunctionRef<absl::Status(WriteTx&)> fn) override;
  // Queued for the writer to run once the commit is durable; undone with their savepoint, and
  // dropped with the whole transaction when it is re-run or fails.
  void AfterCommit(absl::AnyInvocable<void()> fn) override {
    after_commit_.push_back(std::move(fn));
  }

  // Queued for after the commit; undone with their savepoint.
  void Notify(absl::string_view channel) override { notifications_.emplace_back(channel); }

  // Leasing (postgres_messaging.cc): SELECT ... FOR UPDATE SKIP LOCKED.
  absl::StatusOr<std::vector<Delivery>> ClaimLeasable(absl::string_view recipient_agency,
                                                      absl::Time now, int64_t after_seq,
                                                      int limit) override;

  // What the writer takes after a transaction: the channels it notified, what it asked to run
  // after the commit and the records messages it inserted. Each starts again from nothing.
  std::vector<std::string> TakeNotifications() { return std::move(notifications_); }
  std::vector<absl::AnyInvocable<void()>> TakeAfterCommit() { return std::move(after_commit_); }
  int64_t TakeRecordsMessages() { return std::exchange(records_messages_, 0); }
  // Whether an erasure destroyed keys, so that the tables that held them must be rewritten once
  // it commits (PostgresStorage's scrub).
  bool TakeErased() { return std::exchange(erased_, false); }

 private:
  // Keeps delivery_consents in step with a delivery's consent_ids, which change from `before`
  // to `after`.
  absl::Status IndexDeliveryConsents(int64_t mailbox_seq, const std::vector<std::string>& before,
                                     const std::vector<std::string>& after);

  // Decodes each row of `rows` (selecting TC_REFERRAL_COLUMNS) with its history and deadlines.
  absl::StatusOr<std::vector<Referral>> ReferralsFromRows(const Result& rows);

  // Fills in a referral's history (by seq) and deadlines (by position).
  absl::Status LoadHistoryAndDeadlines(Referral& r);

  // Inserts the entries of `r.history` from index `from` on; an entry's seq is its index + 1.
  absl::Status AppendTransitions(const Referral& r, size_t from);

  Connection* conn_;
  int depth_ = 0;
  std::vector<std::string> notifications_;
  int64_t records_messages_ = 0;
  bool erased_ = false;
  std::vector<absl::AnyInvocable<void()>> after_commit_;
};

}  // namespace throughcare::storage::pg_internal

#endif  // THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_TX_H_
