// RecordService (domain): versioned continuity-of-care records, encrypted at rest.
//
// Contents are sealed with AES-256-GCM under the record's own data key, which is wrapped by the
// person's data key, which is wrapped by the master key (records stored before record keys
// existed are sealed under the person's key). The record header is bound to the ciphertext as
// associated data, so a sealed body cannot be moved to another record or version. Erasure
// destroys keys: one record's, or the person's and all of theirs (services/records/erasure.h).
// Thread-safe; every method replies after the call's audit entry is durable.
#ifndef THROUGHCARE_SERVICES_RECORDS_RECORD_SERVICE_H_
#define THROUGHCARE_SERVICES_RECORDS_RECORD_SERVICE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/audit/audit_log.h"
#include "services/policy/policy_store.h"
#include "throughcare/clock.h"
#include "throughcare/ids.h"
#include "throughcare/principal.h"
#include "throughcare/record.h"
#include "throughcare/storage.h"

namespace throughcare::records {

struct PutRecordParams {
  std::string subject_id;
  std::string record_id;      // empty: create a new record
  int64_t expected_version;   // 0 to create; else the latest version the caller saw
  std::string record_type;
  std::string data_class;
  std::vector<std::string> labels;
  std::string body;  // serialized typed payload
  // For a release notification: the release date it gives. Storing it is a release event.
  std::optional<absl::CivilDay> release_date;
};

// One page of the erasure report; `more` when a next page exists.
struct ErasurePage {
  std::vector<Erasure> erasures;
  bool more = false;
};

// Runs inside the transaction that stores a release notification, with the person and the
// release date; an error undoes the write.
using ReleaseHook = std::function<absl::Status(WriteTx&, const policy::Policy&,
                                               absl::string_view subject_id, absl::CivilDay)>;

class RecordService {
 public:
  // `master_key` is 32 bytes. All references must outlive the service. `random` makes the
  // per-person and per-record data keys.
  RecordService(Storage& storage, const audit::AuditLog& audit_log,
                const policy::PolicyStore& policies, const Clock& clock, IdGenerator& ids,
                Random& random, std::string master_key)
      : storage_(storage),
        audit_log_(audit_log),
        policies_(policies),
        clock_(clock),
        ids_(ids),
        random_(random),
        master_key_(std::move(master_key)) {}

  // Returns the new version's header. NOT_FOUND for an unknown subject or record;
  // PERMISSION_DENIED if the policy refuses or another agency owns the record; ABORTED if
  // expected_version is not the latest; FAILED_PRECONDITION if the type would change.
  void Put(const CallContext& ctx, PutRecordParams params, audit::Reply<RecordHeader> reply);
  // Version 0 is the latest. NOT_FOUND for an unknown record and for one about a person the
  // caller has no relationship with. A non-empty `break_glass_reason` asks to override a
  // refusal (see services/policy/policy.h).
  void Get(const CallContext& ctx, std::string record_id, int64_t version,
           std::string break_glass_reason, audit::Reply<Record> reply);
  // Headers of the latest versions the caller may read; the others are left out. NOT_FOUND as
  // for Get when the caller may not see the person at all.
  void List(const CallContext& ctx, std::string subject_id, std::string break_glass_reason,
            audit::Reply<std::vector<RecordHeader>> reply);

  // The parts of Put and Get that run inside a caller's transaction, for services that carry
  // records (messaging). PutInTx decides "record.write", records the decision in `entry` and
  // stores the new version, as Put does. OpenBody decrypts a stored version's contents.
  absl::StatusOr<RecordHeader> PutInTx(WriteTx& tx, const policy::Policy& policy,
                                       const CallContext& ctx, const PutRecordParams& params,
                                       absl::Time now, AuditEntry& entry) const;
  absl::StatusOr<std::string> OpenBody(WriteTx& tx, const StoredRecord& stored) const;

  // Erasure (erasure.cc). Erase destroys one record's contents ("record.erase" on its data
  // class; `reason` is audited); EraseSubject erases every record of the person, their
  // identifiers and their key ("subject.erase"). NOT_FOUND for an unknown record or person;
  // FAILED_PRECONDITION if already erased. ListErasures pages the erasures made in [from,
  // until) after `after_id` ("audit.read"). SweepRetention erases the records past their data
  // class's retention period (at most a batch per call) and returns how many it erased.
  void Erase(const CallContext& ctx, std::string record_id, std::string reason,
             audit::Reply<Erasure> reply);
  void EraseSubject(const CallContext& ctx, std::string subject_id, std::string reason,
                    audit::Reply<std::vector<Erasure>> reply);
  void ListErasures(const CallContext& ctx, absl::Time from, absl::Time until, int64_t after_id,
                    int limit, audit::Reply<ErasurePage> reply);
  absl::StatusOr<int> SweepRetention();

  // What a stored release notification sets off (the broker's referrals). Set before serving.
  void set_on_release(ReleaseHook hook) { on_release_ = std::move(hook); }

 private:
  // Keys (record_keys.cc). With `create`, the person's key and a new record's key are made
  // when missing; without, a missing key is DataLoss.
  absl::StatusOr<std::string> SubjectKey(WriteTx& tx, absl::string_view subject_id,
                                         bool create) const;
  absl::StatusOr<std::string> RecordKey(WriteTx& tx, const RecordHeader& header,
                                        bool create) const;
  absl::StatusOr<std::string> SealBody(WriteTx& tx, const RecordHeader& header,
                                       absl::string_view body) const;
  // Erases `erasure` (one record, or the person) with its audit entry's decision recorded.
  absl::StatusOr<Erasure> EraseInTx(WriteTx& tx, Erasure erasure) const;

  Storage& storage_;
  const audit::AuditLog& audit_log_;
  const policy::PolicyStore& policies_;
  const Clock& clock_;
  IdGenerator& ids_;
  Random& random_;
  const std::string master_key_;
  ReleaseHook on_release_;
};

}  // namespace throughcare::records

#endif  // THROUGHCARE_SERVICES_RECORDS_RECORD_SERVICE_H_
