// Erasure and retention: what an erased record or person answers, for every service that reads,
// writes or carries records.
//
// Erasing a record destroys its data key and empties its sealed versions; erasing a person
// destroys their key and every one of their record keys and unlinks their identifiers. Headers,
// consents, relationships and every audit entry stay, so the audit tree still verifies, and the
// erasure is itself audited ("record.erase", "subject.erase") and kept (Storage::Erase). The
// retention sweep erases records a data class's retention period (policy) after their latest
// version, as the broker, with basis "retention: <class> <period>".
#ifndef THROUGHCARE_SERVICES_RECORDS_ERASURE_H_
#define THROUGHCARE_SERVICES_RECORDS_ERASURE_H_

#include <string>

#include "absl/status/status.h"
#include "throughcare/audit.h"
#include "throughcare/record.h"
#include "throughcare/storage.h"

namespace throughcare::records {

// The basis of an erasure made by hand (a data protection officer, on a request).
inline constexpr char kErasureOnRequest[] = "request";

// "record rec_... was erased on 2027-01-05 14:00 UTC by ig-office (dpo-1, data protection
// officer) on request: <reason>", or "... by the broker's retention sweep under retention:
// drugs 6y".
std::string DescribeErasure(const Erasure& erasure);

enum class ErasedUse { kRead, kWrite };

// OK unless the record `header` names (or, for a record not stored yet, its person) was
// erased: then NotFound for a read and FailedPrecondition for a write or send, with
// DescribeErasure's text after "<field>: ". With `entry`, its reason says so too.
absl::Status NotErased(ReadTx& tx, const RecordHeader& header, ErasedUse use,
                       AuditEntry* entry = nullptr, absl::string_view field = "record_id");

}  // namespace throughcare::records

#endif  // THROUGHCARE_SERVICES_RECORDS_ERASURE_H_
