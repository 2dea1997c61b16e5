// RecordService: the key hierarchy. master key -> person's key -> record's key -> contents.
#include <string>

#include "absl/strings/str_cat.h"
#include "services/crypto/aead.h"
#include "services/records/record_service.h"
#include "throughcare/status_macros.h"

namespace throughcare::records {
namespace {

// What a sealed body is bound to: the whole header, so that a body opens only as this version
// of this record of this person, and a header changed in the database (owner, labels, purpose of
// collection, ...) makes the body unreadable instead of silently changing access decisions.
std::string BodyAad(const RecordHeader& h) {
  std::string aad = "throughcare.record.v2";
  for (absl::string_view field :
       {absl::string_view(h.subject_id), absl::string_view(h.record_id),
        absl::string_view(h.record_type), absl::string_view(h.data_class),
        absl::string_view(h.collected_for), absl::string_view(h.owner_agency),
        absl::string_view(h.author_user)}) {
    absl::StrAppend(&aad, "|", field.size(), ":", field);
  }
  absl::StrAppend(&aad, "|", h.version, "|", absl::ToUnixMicros(h.created_at), "|",
                  h.labels.size());
  for (const std::string& label : h.labels) absl::StrAppend(&aad, "|", label.size(), ":", label);
  return aad;
}

std::string SubjectKeyAad(absl::string_view subject_id) {
  return absl::StrCat("throughcare.subject-key.v1|", subject_id);
}

std::string RecordKeyAad(const RecordHeader& h) {
  return absl::StrCat("throughcare.record-key.v1|", h.subject_id, "|", h.record_id);
}

}  // namespace

absl::StatusOr<std::string> RecordService::SubjectKey(WriteTx& tx, absl::string_view subject_id,
                                                      bool create) const {
  absl::StatusOr<std::string> wrapped = tx.GetWrappedSubjectKey(subject_id);
  if (wrapped.ok()) return crypto::Open(master_key_, *wrapped, SubjectKeyAad(subject_id));
  if (!absl::IsNotFound(wrapped.status())) return wrapped.status();
  if (!create) return absl::DataLossError(absl::StrCat("no data key for person ", subject_id));
  const std::string key = random_.Bytes(crypto::kAesKeySize);
  ASSIGN_OR_RETURN(std::string sealed,
                   crypto::Seal(master_key_, key, SubjectKeyAad(subject_id)));
  RETURN_IF_ERROR(tx.PutWrappedSubjectKey(subject_id, sealed));
  return key;
}

// A record first stored before record keys existed has none, and all its versions are sealed
// under the person's key.
absl::StatusOr<std::string> RecordService::RecordKey(WriteTx& tx, const RecordHeader& h,
                                                     bool create) const {
  ASSIGN_OR_RETURN(std::string subject_key, SubjectKey(tx, h.subject_id, create));
  absl::StatusOr<std::string> wrapped = tx.GetWrappedRecordKey(h.record_id);
  if (wrapped.ok()) return crypto::Open(subject_key, *wrapped, RecordKeyAad(h));
  if (!absl::IsNotFound(wrapped.status())) return wrapped.status();
  if (!create || h.version > 1) return subject_key;
  const std::string key = random_.Bytes(crypto::kAesKeySize);
  ASSIGN_OR_RETURN(std::string sealed, crypto::Seal(subject_key, key, RecordKeyAad(h)));
  RETURN_IF_ERROR(tx.PutWrappedRecordKey(h.record_id, h.subject_id, sealed));
  return key;
}

absl::StatusOr<std::string> RecordService::SealBody(WriteTx& tx, const RecordHeader& h,
                                                    absl::string_view body) const {
  ASSIGN_OR_RETURN(std::string key, RecordKey(tx, h, /*create=*/true));
  return crypto::Seal(key, body, BodyAad(h));
}

absl::StatusOr<std::string> RecordService::OpenBody(WriteTx& tx,
                                                    const StoredRecord& stored) const {
  ASSIGN_OR_RETURN(std::string key, RecordKey(tx, stored.header, /*create=*/false));
  return crypto::Open(key, stored.sealed_body, BodyAad(stored.header));
}

}  // namespace throughcare::records
