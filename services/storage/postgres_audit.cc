// The audit log: unsequenced appends, the sequencer's steps, the Merkle tree's subtrees and
// head, checkpoints and cosignatures, the auditors' queries. (There was never a hash chain on
// PostgreSQL: the legacy-chain calls find nothing.)
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/postgres_rows.h"
#include "services/storage/internal/postgres_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

absl::StatusOr<AuditPage> PgTx::QueryAudit(const AuditQuery& q) {
  // Every filter is written so that an unset one matches everything.
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT seq, leaf_hash, " TC_PG_AUDIT_COLUMNS " FROM audit_entries WHERE seq > $1 "
      "AND ($2::text = '' OR subject_id = $2) AND ($3::text = '' OR agency_id = $3) "
      "AND ($4::text = '' OR user_id = $4) AND ($5::text = '' OR action = $5) "
      "AND ($6::bigint = -1 OR decision = $6) AND time >= $7 AND time < $8 "
      "AND ($10::text = '' OR record_id = $10) AND ($11::text = '' OR purpose = $11) "
      "AND ($12::text = '' OR outcome = $12) "
      "AND ($13::text = '' OR substr(basis, 1, length($13)) = $13) "
      "AND ($14::bigint = 0 OR substr(basis, 1, 11) = 'break-glass') "
      "AND ($15::text = '' OR system_id = $15) ORDER BY seq LIMIT $9",
      Params()
          .Int(q.after_seq)
          .Text(q.subject_id)
          .Text(q.agency_id)
          .Text(q.user_id)
          .Text(q.action)
          .Int(q.decision.has_value() ? static_cast<int64_t>(*q.decision) : int64_t{-1})
          .Time(q.from.value_or(absl::InfinitePast()))
          .Time(q.until.value_or(absl::InfiniteFuture()))
          .Int(static_cast<int64_t>(q.limit) + 1)
          .Text(q.record_id)
          .Text(q.purpose)
          .Text(q.outcome)
          .Text(q.basis_prefix)
          .Int(q.break_glass_only ? 1 : 0)
          .Text(q.system_id)));
  AuditPage page;
  for (int i = 0; i < r.rows(); ++i) {
    if (static_cast<int>(page.entries.size()) == q.limit) {
      page.more = true;
      break;
    }
    AuditEntry e = AuditFromRow(Row(r, i), 2);
    e.seq = r.Int(i, 0);
    e.leaf_hash = r.Bytes(i, 1);
    page.entries.push_back(std::move(e));
  }
  return page;
}

absl::StatusOr<int64_t> PgTx::AppendAudit(const AuditEntry& e) {
  // A row of its own with a handle from a sequence: no shared row, so concurrent writers never
  // conflict here.
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO audit_entries (" TC_PG_AUDIT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
      "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
      Params()
          .Time(e.time)
          .Text(e.agency_id)
          .Text(e.system_id)
          .Text(e.user_id)
          .Text(e.role)
          .Text(e.action)
          .Text(e.subject_id)
          .Text(e.record_id)
          .Int(e.record_version)
          .Text(e.purpose)
          .Int(static_cast<int64_t>(e.decision))
          .Text(e.reason)
          .Text(e.policy_version)
          .Text(e.request_id)
          .Text(e.outcome)
          .Text(e.basis)
          .Text(e.break_glass_reason)));
  return r.Int(0, 0);
}

absl::StatusOr<std::vector<PendingAuditEntry>> PgTx::ListPendingAudit(int limit) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT id, " TC_PG_AUDIT_COLUMNS " FROM audit_entries WHERE seq IS NULL ORDER BY id "
      "LIMIT $1",
      Params().Int(limit > 0 ? limit : 0)));
  std::vector<PendingAuditEntry> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(PendingAuditEntry{r.Int(i, 0), AuditFromRow(Row(r, i), 1)});
  }
  return out;
}

absl::StatusOr<AuditTreeHead> PgTx::GetAuditTreeHead() {
  ASSIGN_OR_RETURN(Result r, conn_->Exec("SELECT size, root FROM audit_tree_head WHERE id = 1"));
  if (r.rows() == 0) return absl::DataLossError("the audit tree's head row is missing");
  return AuditTreeHead{r.Int(0, 0), r.Bytes(0, 1)};
}

absl::Status PgTx::ApplyAuditSequencing(const AuditSequencing& step) {
  {
    ASSIGN_OR_RETURN(Result r, conn_->Exec(
        "UPDATE audit_tree_head SET size = $1, root = $2 WHERE id = 1 AND size = $3",
        Params().Int(step.head.size).Bytes(step.head.root).Int(step.old_size)));
    if (r.affected() != 1) {
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
    ASSIGN_OR_RETURN(Result r, conn_->Exec(
        "UPDATE audit_entries SET seq = $1, leaf_hash = $2 WHERE id = $3 AND seq IS NULL",
        Params().Int(p.seq).Bytes(p.leaf_hash).Int(p.id)));
    if (r.affected() != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("audit entry ", p.id, " is unknown or already sequenced"));
    }
  }
  if (expected - 1 != step.head.size) {
    return absl::FailedPreconditionError("the new head's size is not the last seq placed");
  }
  for (const AuditTreeNode& n : step.nodes) {
    RETURN_IF_ERROR(conn_->Exec(
        "INSERT INTO audit_tree_nodes (level, idx, hash) VALUES ($1, $2, $3)",
        Params().Int(n.level).Int(n.index).Bytes(n.hash)).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PgTx::GetAuditTreeNode(int level, int64_t index) {
  // Level 0 is each sequenced entry's leaf hash; the interior subtrees have a table of their own.
  absl::StatusOr<Result> r =
      level == 0 ? conn_->Exec("SELECT leaf_hash FROM audit_entries WHERE seq = $1",
                               Params().Int(index + 1))
                 : conn_->Exec("SELECT hash FROM audit_tree_nodes WHERE level = $1 AND idx = $2",
                               Params().Int(level).Int(index));
  if (!r.ok()) return r.status();
  if (r->rows() == 0) {
    return absl::NotFoundError(absl::StrCat("no complete audit subtree at level ", level,
                                            " index ", index));
  }
  return r->Bytes(0, 0);
}

absl::StatusOr<AuditCheckpoint> PgTx::GetAuditCheckpoint(int64_t size) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT size, root, note, issued_at FROM audit_checkpoints "
      "WHERE ($1::bigint = 0 OR size = $1) ORDER BY size DESC LIMIT 1",
      Params().Int(size)));
  if (r.rows() == 0) {
    return absl::NotFoundError(size == 0 ? std::string("no audit checkpoint yet")
                                         : absl::StrCat("no audit checkpoint of size ", size));
  }
  return AuditCheckpoint{r.Int(0, 0), r.Bytes(0, 1), r.Text(0, 2), r.Time(0, 3)};
}

absl::Status PgTx::InsertAuditCheckpoint(const AuditCheckpoint& c) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO audit_checkpoints (size, root, note, issued_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT DO NOTHING",
      Params().Int(c.size).Bytes(c.root).Text(c.note).Time(c.issued_at)));
  if (r.affected() == 0) {
    return absl::AlreadyExistsError(absl::StrCat("an audit checkpoint of size ", c.size,
                                                 " exists"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AuditCosignature>> PgTx::ListAuditCosignatures(int64_t size) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT size, witness, agency_id, signature_line, signed_at, received_at "
      "FROM audit_cosignatures WHERE size = $1 ORDER BY witness",
      Params().Int(size)));
  std::vector<AuditCosignature> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(AuditCosignature{r.Int(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3),
                                   r.Time(i, 4), r.Time(i, 5)});
  }
  return out;
}

absl::Status PgTx::PutAuditCosignature(const AuditCosignature& c) {
  ASSIGN_OR_RETURN(bool found, Exists(*conn_, "SELECT 1 FROM audit_checkpoints WHERE size = $1",
                                      Params().Int(c.size)));
  if (!found) return absl::NotFoundError(absl::StrCat("no audit checkpoint of size ", c.size));
  return conn_->Exec(
      "INSERT INTO audit_cosignatures (size, witness, agency_id, signature_line, signed_at, "
      "received_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (size, witness) DO UPDATE SET "
      "agency_id = EXCLUDED.agency_id, signature_line = EXCLUDED.signature_line, "
      "signed_at = EXCLUDED.signed_at, received_at = EXCLUDED.received_at",
      Params().Int(c.size).Text(c.witness).Text(c.agency_id).Text(c.signature_line)
          .Time(c.signed_at).Time(c.received_at)).status();
}

absl::StatusOr<std::vector<LegacyChainEntry>> PgTx::ListLegacyAuditChain(int64_t after_seq,
                                                                         int limit) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT c.seq, c.prev_hash, c.hash, " TC_PG_AUDIT_COLUMNS " FROM audit_chain_v1 c "
      "JOIN audit_entries e ON e.id = c.seq WHERE c.seq > $1 ORDER BY c.seq LIMIT $2",
      Params().Int(after_seq).Int(limit > 0 ? limit : 0)));
  std::vector<LegacyChainEntry> out;
  for (int i = 0; i < r.rows(); ++i) {
    LegacyChainEntry link{AuditFromRow(Row(r, i), 3), r.Text(i, 1), r.Text(i, 2)};
    link.entry.seq = r.Int(i, 0);
    out.push_back(std::move(link));
  }
  return out;
}

absl::Status PgTx::DropLegacyAuditChain() {
  return conn_->Exec("DELETE FROM audit_chain_v1").status();
}

}  // namespace throughcare::storage::pg_internal
