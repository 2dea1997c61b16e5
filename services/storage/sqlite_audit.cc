// The audit log: unsequenced appends, the sequencer's steps, the Merkle tree's subtrees and
// head, checkpoints and cosignatures, the auditors' queries, and the old hash chain kept for its
// one-time migration.
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/internal/sqlite_rows.h"
#include "services/storage/internal/sqlite_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::StatusOr<AuditPage> SqliteTx::QueryAudit(const AuditQuery& q) {
  // Every filter is written so that an unset one matches everything; the query plan still
  // uses the (column, seq) indexes for the set ones.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT seq, leaf_hash, " TC_AUDIT_COLUMNS " FROM audit_entries WHERE seq > ?1 "
      "AND (?2 = '' OR subject_id = ?2) AND (?3 = '' OR agency_id = ?3) "
      "AND (?4 = '' OR user_id = ?4) AND (?5 = '' OR action = ?5) "
      "AND (?6 = -1 OR decision = ?6) AND time >= ?7 AND time < ?8 "
      "AND (?10 = '' OR record_id = ?10) AND (?11 = '' OR purpose = ?11) "
      "AND (?12 = '' OR outcome = ?12) AND (?13 = '' OR substr(basis, 1, length(?13)) = ?13) "
      "AND (?14 = 0 OR substr(basis, 1, 11) = 'break-glass') AND (?15 = '' OR system_id = ?15) "
      "ORDER BY seq LIMIT ?9"));
  s->Bind(1, q.after_seq)
      .Bind(2, q.subject_id)
      .Bind(3, q.agency_id)
      .Bind(4, q.user_id)
      .Bind(5, q.action)
      .Bind(6, q.decision.has_value() ? static_cast<int64_t>(*q.decision) : int64_t{-1})
      .Bind(7, q.from.has_value() ? ToMicros(*q.from) : INT64_MIN)
      .Bind(8, q.until.has_value() ? ToMicros(*q.until) : INT64_MAX)
      .Bind(9, static_cast<int64_t>(q.limit) + 1)
      .Bind(10, q.record_id)
      .Bind(11, q.purpose)
      .Bind(12, q.outcome)
      .Bind(13, q.basis_prefix)
      .Bind(14, static_cast<int64_t>(q.break_glass_only ? 1 : 0))
      .Bind(15, q.system_id);
  AuditPage page;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (static_cast<int>(page.entries.size()) == q.limit) {
      page.more = true;
      break;
    }
    AuditEntry e = AuditFromRow(*s, 2);
    e.seq = s->Int(0);
    e.leaf_hash = s->Text(1);
    page.entries.push_back(std::move(e));
  }
  return page;
}

absl::StatusOr<int64_t> SqliteTx::AppendAudit(const AuditEntry& e) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO audit_entries (" TC_AUDIT_COLUMNS ") VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s->Bind(1, ToMicros(e.time))
      .Bind(2, e.agency_id)
      .Bind(3, e.system_id)
      .Bind(4, e.user_id)
      .Bind(5, e.role)
      .Bind(6, e.action)
      .Bind(7, e.subject_id)
      .Bind(8, e.record_id)
      .Bind(9, e.record_version)
      .Bind(10, e.purpose)
      .Bind(11, static_cast<int64_t>(e.decision))
      .Bind(12, e.reason)
      .Bind(13, e.policy_version)
      .Bind(14, e.request_id)
      .Bind(15, e.outcome)
      .Bind(16, e.basis)
      .Bind(17, e.break_glass_reason);
  RETURN_IF_ERROR(s->ExecStatus());
  return static_cast<int64_t>(sqlite3_last_insert_rowid(conn_->db()));
}

absl::StatusOr<std::vector<PendingAuditEntry>> SqliteTx::ListPendingAudit(int limit) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT id, " TC_AUDIT_COLUMNS " FROM audit_entries WHERE seq IS NULL ORDER BY id "
      "LIMIT ?"));
  s->Bind(1, static_cast<int64_t>(limit > 0 ? limit : 0));
  std::vector<PendingAuditEntry> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(PendingAuditEntry{s->Int(0), AuditFromRow(*s, 1)});
  }
  return out;
}

absl::StatusOr<AuditTreeHead> SqliteTx::GetAuditTreeHead() {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT size, root FROM audit_tree_head WHERE id = 1"));
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::DataLossError("the audit tree's head row is missing");
  return AuditTreeHead{s->Int(0), s->Text(1)};
}

absl::Status SqliteTx::ApplyAuditSequencing(const AuditSequencing& step) {
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "UPDATE audit_tree_head SET size = ?1, root = ?2 WHERE id = 1 AND size = ?3"));
    s->Bind(1, step.head.size).BindBlob(2, step.head.root).Bind(3, step.old_size);
    RETURN_IF_ERROR(s->ExecStatus());
    if (sqlite3_changes(conn_->db()) != 1) {
      return absl::AbortedError(absl::StrCat(
          "the audit tree is no longer of size ", step.old_size, ": another sequencer moved it"));
    }
  }
  int64_t expected = step.old_size + 1;
  for (const AuditSequencing::Placed& p : step.placed) {
    if (p.seq != expected++) {
      return absl::FailedPreconditionError(
          absl::StrCat("audit seq ", p.seq, " does not follow on from ", expected - 2));
    }
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "UPDATE audit_entries SET seq = ?1, leaf_hash = ?2 WHERE id = ?3 AND seq IS NULL"));
    s->Bind(1, p.seq).BindBlob(2, p.leaf_hash).Bind(3, p.id);
    RETURN_IF_ERROR(s->ExecStatus());
    if (sqlite3_changes(conn_->db()) != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("audit entry ", p.id, " is unknown or already sequenced"));
    }
  }
  if (expected - 1 != step.head.size) {
    return absl::FailedPreconditionError("the new head's size is not the last seq placed");
  }
  for (const AuditTreeNode& n : step.nodes) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO audit_tree_nodes (level, idx, hash) VALUES (?, ?, ?)"));
    s->Bind(1, static_cast<int64_t>(n.level)).Bind(2, n.index).BindBlob(3, n.hash);
    RETURN_IF_ERROR(s->ExecStatus());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SqliteTx::GetAuditTreeNode(int level, int64_t index) {
  // Level 0 is each sequenced entry's leaf hash; the interior subtrees have a table of their own.
  ASSIGN_OR_RETURN(auto s, level == 0
                               ? conn_->Prepare("SELECT leaf_hash FROM audit_entries WHERE seq = ?2 "
                                                "AND ?1 = 0")
                               : conn_->Prepare("SELECT hash FROM audit_tree_nodes "
                                                "WHERE level = ?1 AND idx = ?2"));
  s->Bind(1, static_cast<int64_t>(level)).Bind(2, level == 0 ? index + 1 : index);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) {
    return absl::NotFoundError(absl::StrCat("no complete audit subtree at level ", level,
                                            " index ", index));
  }
  return s->Text(0);
}

absl::StatusOr<AuditCheckpoint> SqliteTx::GetAuditCheckpoint(int64_t size) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT size, root, note, issued_at FROM audit_checkpoints "
      "WHERE (?1 = 0 OR size = ?1) ORDER BY size DESC LIMIT 1"));
  s->Bind(1, size);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) {
    return absl::NotFoundError(size == 0 ? std::string("no audit checkpoint yet")
                                         : absl::StrCat("no audit checkpoint of size ", size));
  }
  return AuditCheckpoint{s->Int(0), s->Text(1), s->Text(2), s->Time(3)};
}

absl::Status SqliteTx::InsertAuditCheckpoint(const AuditCheckpoint& c) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO audit_checkpoints (size, root, note, issued_at) VALUES (?, ?, ?, ?)"));
  s->Bind(1, c.size).BindBlob(2, c.root).Bind(3, c.note).Bind(4, ToMicros(c.issued_at));
  const int rc = s->Exec();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(absl::StrCat("an audit checkpoint of size ", c.size,
                                                 " exists"));
  }
  return rc == SQLITE_OK ? absl::OkStatus()
                         : SqliteError(conn_->db(), rc, "insert audit checkpoint");
}

absl::StatusOr<std::vector<AuditCosignature>> SqliteTx::ListAuditCosignatures(int64_t size) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT size, witness, agency_id, signature_line, signed_at, received_at "
      "FROM audit_cosignatures WHERE size = ? ORDER BY witness"));
  s->Bind(1, size);
  std::vector<AuditCosignature> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(AuditCosignature{s->Int(0), s->Text(1), s->Text(2), s->Text(3), s->Time(4),
                                   s->Time(5)});
  }
  return out;
}

absl::Status SqliteTx::PutAuditCosignature(const AuditCosignature& c) {
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM audit_checkpoints WHERE size = ?"));
    s->Bind(1, c.size);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no audit checkpoint of size ", c.size));
  }
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT OR REPLACE INTO audit_cosignatures (size, witness, agency_id, signature_line, "
      "signed_at, received_at) VALUES (?, ?, ?, ?, ?, ?)"));
  s->Bind(1, c.size)
      .Bind(2, c.witness)
      .Bind(3, c.agency_id)
      .Bind(4, c.signature_line)
      .Bind(5, ToMicros(c.signed_at))
      .Bind(6, ToMicros(c.received_at));
  return s->ExecStatus();
}

absl::StatusOr<std::vector<LegacyChainEntry>> SqliteTx::ListLegacyAuditChain(int64_t after_seq,
                                                                             int limit) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT c.seq, c.prev_hash, c.hash, " TC_AUDIT_COLUMNS " FROM audit_chain_v1 c "
      "JOIN audit_entries e ON e.id = c.seq WHERE c.seq > ? ORDER BY c.seq LIMIT ?"));
  s->Bind(1, after_seq).Bind(2, static_cast<int64_t>(limit > 0 ? limit : 0));
  std::vector<LegacyChainEntry> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    LegacyChainEntry link{AuditFromRow(*s, 3), s->Text(1), s->Text(2)};
    link.entry.seq = s->Int(0);
    out.push_back(std::move(link));
  }
  return out;
}

absl::Status SqliteTx::DropLegacyAuditChain() {
  return conn_->Exec("DELETE FROM audit_chain_v1");
}

}  // namespace throughcare::storage::sqlite_internal
