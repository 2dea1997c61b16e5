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
  // 1, 2, 3, ... with no gaps: the entry's place in the log (leaf seq - 1 of the Merkle tree),
  // given by the sequencer after the entry is committed; 0 until then.
  int64_t seq = 0;
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
  AuditDecision decision = AuditDecision::kNone;
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
  // Not logged or stored: the call's CallContext::idempotency_key, for audit::RunAudited.
  std::string receipt_key;
};

// An entry committed but not yet given its place in the log.
struct PendingAuditEntry {
  int64_t id = 0;  // the storage's handle for it: unique, but in no particular order
  AuditEntry entry;
};

// The Merkle tree over the sequenced entries: its size and root (32 bytes).
struct AuditTreeHead {
  int64_t size = 0;
  std::string root;
};

// A complete subtree of the audit tree: the 2^level leaves from index * 2^level on.
struct AuditTreeNode {
  int level = 0;
  int64_t index = 0;
  std::string hash;  // 32 bytes
};

// One step of the sequencer, stored atomically: pending entries given their seq and leaf hash,
// the subtrees this completes, and the new head.
struct AuditSequencing {
  int64_t old_size = 0;  // the head it was computed from
  AuditTreeHead head;
  struct Placed {
    int64_t id = 0;  // PendingAuditEntry::id
    int64_t seq = 0;
    std::string leaf_hash;
  };
  std::vector<Placed> placed;  // in seq order
  std::vector<AuditTreeNode> nodes;  // levels 1 and up (level 0 is each entry's leaf hash)
};

// A signed checkpoint of the audit tree, as the broker issued it.
struct AuditCheckpoint {
  int64_t size = 0;
  std::string root;  // 32 bytes
  std::string note;  // the signed note text (C2SP tlog-checkpoint), without cosignatures
  absl::Time issued_at;
};

// An entry of the hash chain the log was before the Merkle tree (schema 5 and earlier), for the
// one-time migration (services/audit/migrate_chain.h).
struct LegacyChainEntry {
  AuditEntry entry;       // with its seq
  std::string prev_hash;  // hex
  std::string hash;       // hex
};

// A witness's cosignature of a checkpoint.
struct AuditCosignature {
  int64_t size = 0;          // the checkpoint's tree size
  std::string witness;       // the witness key's name
  std::string agency_id;     // the agency whose witness sent it
  std::string signature_line;  // the note signature line, without its newline
  absl::Time signed_at;      // the cosignature's own timestamp
  absl::Time received_at;
};

// Filters for audit queries; empty or unset fields do not filter.
struct AuditQuery {
  std::string subject_id;
  std::string agency_id;
  std::string user_id;
  std::string action;
  std::optional<AuditDecision> decision;
  std::string record_id;
  std::string purpose;       // the purpose of use the audited call declared
  std::string outcome;       // status code name
  std::string basis_prefix;  // the lawful basis starts with this
  bool break_glass_only = false;  // the basis is break-glass (not a reviewed self-claim)
  std::string system_id;
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
