// The bytes of an audit entry that the Merkle tree commits to (the "leaf input"), documented
// byte for byte so that anyone can write a verifier:
//
//   leaf input = "throughcare.audit.v2" || F(seq) || F(time) || F(agency_id) || F(system_id)
//                || F(user_id) || F(role) || F(action) || F(subject_id) || F(record_id)
//                || F(record_version) || F(purpose) || F(decision) || F(reason)
//                || F(policy_version) || F(request_id) || F(outcome) || F(basis)
//                || F(break_glass_reason)
//
// where F(x) is x's length in bytes as an 8-byte big-endian unsigned integer followed by x's
// UTF-8 bytes; seq, record_version and time (microseconds since the Unix epoch, UTC) are ASCII
// decimal with no leading zeros; decision is "allow", "deny" or "none" (no policy decision was
// reached, e.g. a malformed request). Every field is always present, empty or not. The entry's
// leaf in the tree is leaf index seq - 1, and its leaf hash is SHA-256(0x00 || leaf input)
// (services/audit/merkle.h).
#ifndef THROUGHCARE_SERVICES_AUDIT_ENTRY_ENCODING_H_
#define THROUGHCARE_SERVICES_AUDIT_ENTRY_ENCODING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "throughcare/audit.h"

namespace throughcare::audit {

inline constexpr absl::string_view kLeafPrefix = "throughcare.audit.v2";

// The leaf input of a sequenced entry (seq > 0).
std::string EncodeLeafInput(const AuditEntry& entry);
// The entry's leaf hash, SHA-256(0x00 || EncodeLeafInput(entry)), built in one buffer.
std::string LeafHashOf(const AuditEntry& entry);

// The entry a leaf input holds (its leaf_hash is not set). Strict: InvalidArgument naming the
// field for a wrong prefix, a truncated or overlong field, trailing bytes, a number that is not
// canonical decimal, an unknown decision, or text that is not UTF-8.
absl::StatusOr<AuditEntry> DecodeLeafInput(absl::string_view leaf_input);

// "allow", "deny" or "none".
absl::string_view DecisionName(AuditDecision decision);

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_ENTRY_ENCODING_H_
