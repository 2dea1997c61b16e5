#include "services/audit/migrate_chain.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "services/audit/legacy_chain.h"
#include "throughcare/status_macros.h"

namespace throughcare::audit {
namespace {

constexpr int kBatch = 20000;

// Verifies the whole chain; returns the seq of its last entry (0 for none).
absl::StatusOr<int64_t> VerifyChain(Storage& storage) {
  ChainVerifier verifier;
  int64_t last = 0;
  while (true) {
    std::vector<LegacyChainEntry> page;
    RETURN_IF_ERROR(storage.Read([&](ReadTx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(page, tx.ListLegacyAuditChain(last, kBatch));
      return absl::OkStatus();
    }));
    if (page.empty()) return last;
    for (const LegacyChainEntry& link : page) {
      absl::Status ok = verifier.Add(link);
      if (!ok.ok()) {
        return absl::DataLossError(absl::StrCat(
            "the audit log's hash chain does not verify, so no Merkle tree is built over it: ",
            ok.message()));
      }
      last = link.entry.seq;
    }
  }
}

}  // namespace

absl::StatusOr<int64_t> MigrateLegacyChain(Storage& storage, const Sequencer& sequencer) {
  ASSIGN_OR_RETURN(int64_t last, VerifyChain(storage));
  if (last == 0) return 0;
  AuditTreeHead head;
  do {
    RETURN_IF_ERROR(storage.WriteAndWait([&](WriteTx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(head, sequencer.SequencePending(tx, kBatch));
      return absl::OkStatus();
    }));
  } while (head.size < last);
  if (head.size != last) {
    return absl::DataLossError(absl::StrCat("migrating the audit chain of ", last,
                                            " entries gave a tree of ", head.size));
  }
  RETURN_IF_ERROR(storage.WriteAndWait([&](WriteTx& tx) -> absl::Status {
    RETURN_IF_ERROR(sequencer.Checkpoint(tx, /*now=*/true).status());
    return tx.DropLegacyAuditChain();
  }));
  return last;
}

}  // namespace throughcare::audit
