// The audit hash chain: how an entry's hash is computed and how a sequence of entries is checked.
// Shared by the broker (which appends) and the CLI (which verifies an export on its own), so an
// auditor does not have to trust the broker's word that the log is intact.
//
// hash = SHA-256( "throughcare.audit.v1" || field_1 || ... || field_n ), where each field is an
// 8-byte big-endian length followed by its UTF-8 bytes, in this order: prev_hash, seq, time
// (unix microseconds), agency_id, system_id, user_id, role, action, subject_id, record_id,
// record_version, purpose, decision ("allow" or "deny"), reason, policy_version, request_id,
// outcome, and then, only when either is non-empty, basis and break_glass_reason. Integers are
// written in decimal. Hashes are lowercase hex.
#ifndef THROUGHCARE_SERVICES_AUDIT_CHAIN_H_
#define THROUGHCARE_SERVICES_AUDIT_CHAIN_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "throughcare/audit.h"

namespace throughcare::audit {

// The prev_hash of the first entry.
extern const char kGenesisHash[];

// The hash `entry` must carry, computed from its fields and prev_hash (entry.hash is ignored).
std::string ComputeEntryHash(const AuditEntry& entry);

// Checks entries one at a time, in seq order, starting from the first entry of the log.
class ChainVerifier {
 public:
  // OK if `entry` follows the previous one: seq is the next number, prev_hash is the previous
  // entry's hash, and hash matches the fields. Otherwise DataLoss naming the entry's seq and what
  // does not match. After the first failure every later call fails too.
  absl::Status Add(const AuditEntry& entry);

  int64_t verified() const { return verified_; }
  const std::string& head_hash() const { return head_hash_; }

 private:
  int64_t verified_ = 0;
  std::string head_hash_ = kGenesisHash;
  absl::Status failure_;
};

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_CHAIN_H_
