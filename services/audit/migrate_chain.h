// The one-time move of an audit log written as a hash chain (schema 5 and earlier) into the
// Merkle tree: one integrity mechanism, not two.
#ifndef THROUGHCARE_SERVICES_AUDIT_MIGRATE_CHAIN_H_
#define THROUGHCARE_SERVICES_AUDIT_MIGRATE_CHAIN_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/audit/sequencer.h"
#include "throughcare/storage.h"

namespace throughcare::audit {

// Verifies the old chain from its first entry to its last, then sequences its entries into the
// tree in their old order (their seqs stay what they were), checkpoints the result, and forgets
// the chain's hashes. Returns how many entries were migrated (0 when there was no chain). Safe to
// run again after a crash part-way. DataLoss naming the first bad entry when the chain does not
// verify: the broker then refuses to start rather than build a tree over an altered log.
absl::StatusOr<int64_t> MigrateLegacyChain(Storage& storage, const Sequencer& sequencer);

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_MIGRATE_CHAIN_H_
