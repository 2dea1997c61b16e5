#include "services/audit/sequencer.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/audit/entry_encoding.h"
#include "services/audit/merkle.h"
#include "throughcare/status_macros.h"

namespace throughcare::audit {

Sequencer::Sequencer(const Clock& clock, std::unique_ptr<crypto::Ed25519PrivateKey> key,
                     std::string origin, absl::Duration interval)
    : clock_(clock),
      key_(std::move(key)),
      origin_(std::move(origin)),
      interval_(interval),
      log_key_(MakeVerifierKey(origin_, kNoteEd25519, key_->public_key())) {}

absl::StatusOr<std::string> StoredRoot(ReadTx& tx, int64_t size) {
  auto nodes = [&tx](int level, uint64_t index) {
    return tx.GetAuditTreeNode(level, static_cast<int64_t>(index));
  };
  return merkle::RootAt(static_cast<uint64_t>(size), nodes);
}

absl::StatusOr<AuditTreeHead> Sequencer::SequencePending(WriteTx& tx, int limit) const {
  ASSIGN_OR_RETURN(AuditTreeHead head, tx.GetAuditTreeHead());
  ASSIGN_OR_RETURN(std::vector<PendingAuditEntry> pending, tx.ListPendingAudit(limit));
  if (pending.empty()) {
    if (head.size == 0) head.root = merkle::EmptyRoot();
    return head;
  }
  std::vector<std::string> frontier;
  for (const merkle::Node& n : merkle::FrontierOf(static_cast<uint64_t>(head.size))) {
    ASSIGN_OR_RETURN(std::string hash, tx.GetAuditTreeNode(n.level, static_cast<int64_t>(n.index)));
    frontier.push_back(std::move(hash));
  }
  ASSIGN_OR_RETURN(merkle::TreeBuilder tree,
                   merkle::TreeBuilder::Resume(static_cast<uint64_t>(head.size), frontier));
  AuditSequencing step;
  step.old_size = head.size;
  std::vector<merkle::Node> completed;
  for (PendingAuditEntry& p : pending) {
    p.entry.seq = static_cast<int64_t>(tree.size()) + 1;
    std::string leaf = LeafHashOf(p.entry);
    step.placed.push_back(AuditSequencing::Placed{p.id, p.entry.seq, leaf});
    tree.Append(std::move(leaf), &completed);
  }
  for (merkle::Node& n : completed) {
    if (n.level > 0) {
      step.nodes.push_back(
          AuditTreeNode{n.level, static_cast<int64_t>(n.index), std::move(n.hash)});
    }
  }
  step.head = AuditTreeHead{static_cast<int64_t>(tree.size()), tree.Root()};
  RETURN_IF_ERROR(tx.ApplyAuditSequencing(step));
  return step.head;
}

absl::StatusOr<AuditCheckpoint> Sequencer::Checkpoint(WriteTx& tx, bool now) const {
  ASSIGN_OR_RETURN(AuditTreeHead head, tx.GetAuditTreeHead());
  absl::StatusOr<AuditCheckpoint> last = tx.GetAuditCheckpoint(0);
  if (!last.ok() && !absl::IsNotFound(last.status())) return last.status();
  const absl::Time at = clock_.Now();
  const bool grown = !last.ok() || last->size < head.size;
  const bool due = !last.ok() || now || at - last->issued_at >= interval_;
  if (!grown || !due) {
    if (!last.ok()) return absl::NotFoundError("no checkpoint has been issued yet");
    return last;
  }
  if (head.size == 0) head.root = merkle::EmptyRoot();
  AuditCheckpoint c;
  c.size = head.size;
  c.root = head.root;
  c.issued_at = at;
  ASSIGN_OR_RETURN(c.note, SignCheckpoint(audit::Checkpoint{origin_, static_cast<uint64_t>(c.size),
                                                            c.root},
                                          *key_));
  RETURN_IF_ERROR(tx.InsertAuditCheckpoint(c));
  return c;
}

absl::StatusOr<AuditTreeHead> Sequencer::RunOnce(Storage& storage) const {
  AuditTreeHead head;
  RETURN_IF_ERROR(storage.WriteAndWait([&](WriteTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(head, SequencePending(tx));
    return Checkpoint(tx, /*now=*/false).status();
  }));
  return head;
}

}  // namespace throughcare::audit
