// Recomputing the log's Merkle tree from an export, entry by entry, on the auditor's own machine:
// what `throughcare audit verify` and the tests use to check that the entries they were given are
// the ones the log signed. Memory stays small (the tree's frontier), so a log of millions of
// entries streams through.
#ifndef THROUGHCARE_SERVICES_AUDIT_LOG_VERIFIER_H_
#define THROUGHCARE_SERVICES_AUDIT_LOG_VERIFIER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "services/audit/merkle.h"
#include "throughcare/audit.h"

namespace throughcare::audit {

// Not thread-safe.
class LogVerifier {
 public:
  // Also keeps the root of the first `size` entries, to check an earlier checkpoint against.
  void RememberRootAt(uint64_t size) { remember_ = size; }

  // OK if `entry` is the next entry of the log (seq = the count so far + 1). Its leaf hash is
  // recomputed from its fields; an entry that carries a different one is DataLoss too. After the
  // first failure every later call fails with the same status.
  absl::Status Add(const AuditEntry& entry);

  uint64_t size() const { return tree_.size(); }
  std::string Root() const { return tree_.Root(); }
  // The root remembered at RememberRootAt's size, once the log has reached it.
  const std::optional<std::string>& remembered_root() const { return remembered_root_; }

 private:
  merkle::TreeBuilder tree_;
  uint64_t remember_ = 0;
  std::optional<std::string> remembered_root_;
  absl::Status failure_;
};

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_LOG_VERIFIER_H_
