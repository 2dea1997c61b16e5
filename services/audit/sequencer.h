// The audit sequencer: gives committed audit entries their place in the log's Merkle tree, and
// signs checkpoints of the tree.
//
// Writers never serialise on the log's tail: an access's transaction only inserts its entry,
// unsequenced (AuditLog::Append). The sequencer, run periodically by the broker (on one elected
// replica when there are several) and before every audit read, takes the pending entries in the
// storage's order, numbers them after the current tree size, hashes them into the tree, and
// stores the new head, all in one transaction. Two sequencers racing are safe: the head moves
// only from the size it was read at (ApplyAuditSequencing is compare-and-set), so the loser's
// transaction aborts and is retried. Entries are therefore in the log in sequencing order, which
// follows commit order on SQLite and need not exactly follow time order elsewhere.
#ifndef THROUGHCARE_SERVICES_AUDIT_SEQUENCER_H_
#define THROUGHCARE_SERVICES_AUDIT_SEQUENCER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/audit/note.h"
#include "services/crypto/ed25519.h"
#include "throughcare/audit.h"
#include "throughcare/clock.h"
#include "throughcare/storage.h"

namespace throughcare::audit {

class Sequencer {
 public:
  // `origin` names the log in its checkpoints and is the signing key's name; checkpoints are
  // issued when the tree has grown and the last one is at least `interval` old.
  Sequencer(const Clock& clock, std::unique_ptr<crypto::Ed25519PrivateKey> key,
            std::string origin, absl::Duration interval);

  // Within `tx`: numbers up to `limit` pending entries after the tree's size and stores the new
  // head. Keeps no state between runs, so a re-run after a conflict is safe. Returns the head.
  absl::StatusOr<AuditTreeHead> SequencePending(WriteTx& tx, int limit = 20000) const;

  // Within `tx`: signs and stores a checkpoint of the current head if the tree has grown since
  // the last checkpoint and the last is at least the interval old (or at once with `now`).
  // Returns the latest checkpoint (new or not); NotFound while the log is empty and none exists.
  absl::StatusOr<AuditCheckpoint> Checkpoint(WriteTx& tx, bool now) const;

  // One periodic run: sequence, then checkpoint when due, in one write. Returns the head.
  absl::StatusOr<AuditTreeHead> RunOnce(Storage& storage) const;

  // The public key auditors and witnesses verify checkpoints with.
  const VerifierKey& log_key() const { return log_key_; }
  const std::string& origin() const { return origin_; }

 private:
  const Clock& clock_;
  std::unique_ptr<crypto::Ed25519PrivateKey> key_;
  std::string origin_;
  absl::Duration interval_;
  VerifierKey log_key_;
};

// The root of the tree of `size` entries from the stored subtrees (the empty tree's root for 0).
absl::StatusOr<std::string> StoredRoot(ReadTx& tx, int64_t size);

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_SEQUENCER_H_
