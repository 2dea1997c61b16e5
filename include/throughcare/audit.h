// Value types for the tamper-evident audit log.
#ifndef THROUGHCARE_AUDIT_H_
#define THROUGHCARE_AUDIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace throughcare {

// kNone: the call ended before the policy decided anything (e.g. a malformed request).
enum class AuditDecision { kNone = 0, kAllow = 1, kDeny = 2 };

// One access to (or attempt on) a person's data, or an auditor's query. Holds identifiers,
// decisions and reasons, never record contents.
struct AuditEntry {
  int64_t seq = 0;  // 1, 2, 3, ... with no gaps
  absl::Time time;
  std::string agency_id;
  std::string system_id;
  std::string user_id;
  std::string role;
  std::string action;  // e.g. "record.read"
  std::string subject_id;
  std::string record_id;
  int64_t record_version = 0;
  std::string purpose;
  AuditDecision decision = AuditDecision::kDeny;
  std::string reason;          // the deciding rule or the missing permission
  std::string policy_version;
  std::string request_id;
  std::string outcome;         // status code name of the reply, e.g. "OK", "NOT_FOUND"
  // The lawful basis an allowed access relied on: "own agency's record", "consent con_... v1",
  // "statutory basis '...'", "role rule '<rule id>'" (data that needs no consent),
  // "break-glass by role '...'". Empty when denied.
  std::string basis;
  // Non-empty when the access was allowed only by break-glass: the practitioner's reason.
  std::string break_glass_reason;
  // 32 bytes: SHA-256(0x00 || leaf input) (services/audit/entry_encoding.h); set once sequenced.
  std::string leaf_hash;
  std::string prev_hash;       // hex; the previous entry's hash, 64 zeros for the first entry
  std::string hash;            // hex; SHA-256 over prev_hash and this entry's fields
};

// Filters for audit queries; empty or unset fields do not filter.
struct AuditQuery {
  std::string subject_id;
  std::string agency_id;
  std::string user_id;
  std::string action;
  std::optional<AuditDecision> decision;
  std::optional<absl::Time> from;   // inclusive
  std::optional<absl::Time> until;  // exclusive
  int64_t after_seq = 0;            // pagination: entries with seq > after_seq
  int limit = 100;
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // ascending seq
  bool more = false;                // whether entries beyond the last one match
};

}  // namespace throughcare

#endif  // THROUGHCARE_AUDIT_H_
