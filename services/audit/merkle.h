// The Merkle tree over the audit log, exactly as RFC 6962 section 2.1 (and RFC 9162 section 2.1)
// define it: leaf hash = SHA-256(0x00 || leaf input), interior node = SHA-256(0x01 || left ||
// right), the root of the empty tree = SHA-256(""); inclusion and consistency proofs, and their
// verification. Hashes are 32 raw bytes held in std::string.
//
// A complete subtree is named by (level, index): the 2^level leaves from index * 2^level on.
// Storage keeps every complete subtree's hash; proofs for any tree size are built from them.
//
// Shared by the broker (which builds the tree and serves proofs) and the CLI (which verifies
// exports, proofs and checkpoints without trusting the broker).
#ifndef THROUGHCARE_SERVICES_AUDIT_MERKLE_H_
#define THROUGHCARE_SERVICES_AUDIT_MERKLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace throughcare::audit::merkle {

inline constexpr size_t kHashSize = 32;

std::string LeafHash(absl::string_view leaf_input);
std::string NodeHash(absl::string_view left, absl::string_view right);
// The root hash of the tree with no leaves.
std::string EmptyRoot();

// A complete subtree's position and hash.
struct Node {
  int level = 0;
  uint64_t index = 0;
  std::string hash;
};

// The complete subtrees that make up a tree of `size` leaves, left to right, largest first: one
// per bit set in `size` (7 leaves: level 2 index 0, level 1 index 2, level 0 index 6).
std::vector<Node> FrontierOf(uint64_t size);

// Builds a tree one leaf at a time, keeping only the frontier (at most 64 hashes). Not
// thread-safe.
class TreeBuilder {
 public:
  TreeBuilder() = default;
  // Continues a tree of `size` leaves from its frontier's hashes (FrontierOf(size) order).
  // InvalidArgument if the count or a hash's length is wrong.
  static absl::StatusOr<TreeBuilder> Resume(uint64_t size, std::vector<std::string> frontier);

  // Appends a leaf hash. Every subtree this completes (the leaf itself at level 0 first, then
  // each parent up) is appended to `completed` when it is not null.
  void Append(std::string leaf_hash, std::vector<Node>* completed = nullptr);

  uint64_t size() const { return size_; }
  std::string Root() const;
  // The frontier's hashes, in FrontierOf(size()) order.
  const std::vector<std::string>& frontier() const { return frontier_; }

 private:
  uint64_t size_ = 0;
  std::vector<std::string> frontier_;
};

// The hash of the complete subtree (level, index); errors pass through.
using NodeSource = absl::FunctionRef<absl::StatusOr<std::string>(int level, uint64_t index)>;

// The root of the tree of the first `size` leaves. O(log size) node reads.
absl::StatusOr<std::string> RootAt(uint64_t size, NodeSource nodes);
// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 6962 PATH), from the
// leaf's sibling up. InvalidArgument unless index < size.
absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size,
                                                        NodeSource nodes);
// The consistency proof between the trees of `size1` and `size2` leaves (RFC 6962 PROOF); empty
// when size1 is 0 or equals size2. InvalidArgument unless size1 <= size2.
absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                                          NodeSource nodes);

// RFC 9162 section 2.1.3.2: OK if `proof` shows leaf `index` with `leaf_hash` is in the tree of
// `size` leaves with `root`. Otherwise DataLoss saying what did not match.
absl::Status VerifyInclusion(uint64_t index, uint64_t size, absl::string_view leaf_hash,
                             const std::vector<std::string>& proof, absl::string_view root);
// RFC 9162 section 2.1.4.2: OK if `proof` shows the tree of `size1` leaves with `root1` is a prefix
// of the tree of `size2` leaves with `root2`. Otherwise DataLoss saying what did not match.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2,
                               const std::vector<std::string>& proof, absl::string_view root1,
                               absl::string_view root2);

}  // namespace throughcare::audit::merkle

#endif  // THROUGHCARE_SERVICES_AUDIT_MERKLE_H_
