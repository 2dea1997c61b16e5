// The hash chain the audit log was before the Merkle tree (schema 5 and earlier): kept only so
// that the one-time migration (migrate_chain.h) can verify an old log before building the tree
// over it.
//
// hash = SHA-256( "throughcare.audit.v1" || field_1 || ... || field_n ), where each field is an
// 8-byte big-endian length followed by its UTF-8 bytes, in this order: prev_hash, seq, time
// (unix microseconds), agency_id, system_id, user_id, role, action, subject_id, record_id,
// record_version, purpose, decision ("allow" or "deny"), reason, policy_version, request_id,
// outcome, and then, only when either is non-empty, basis and break_glass_reason. Integers are
// written in decimal. Hashes are lowercase hex.
#ifndef THROUGHCARE_SERVICES_AUDIT_LEGACY_CHAIN_H_
#define THROUGHCARE_SERVICES_AUDIT_LEGACY_CHAIN_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "throughcare/audit.h"

namespace throughcare::audit {

// The prev_hash of the first entry.
extern const char kGenesisHash[];

// The hash `entry` must carry, computed from its fields and `prev_hash`.
std::string ComputeEntryHash(const AuditEntry& entry, absl::string_view prev_hash);

// Checks entries one at a time, in seq order, starting from the first entry of the log.
class ChainVerifier {
 public:
  // OK if `entry` follows the previous one: seq is the next number, prev_hash is the previous
  // entry's hash, and hash matches the fields. Otherwise DataLoss naming the entry's seq and what
  // does not match. After the first failure every later call fails too.
  absl::Status Add(const LegacyChainEntry& entry);

  int64_t verified() const { return verified_; }
  const std::string& head_hash() const { return head_hash_; }

 private:
  int64_t verified_ = 0;
  std::string head_hash_ = kGenesisHash;
  absl::Status failure_;
};

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_LEGACY_CHAIN_H_
