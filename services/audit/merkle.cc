#include "services/audit/merkle.h"

#include <cstring>
#include <utility>

#include "absl/numeric/bits.h"

#include "absl/strings/str_cat.h"
#include "services/crypto/hash.h"
#include "throughcare/status_macros.h"

namespace throughcare::audit::merkle {
namespace {

// The largest power of two smaller than n (n > 1).
uint64_t SplitPoint(uint64_t n) { return absl::bit_floor(n - 1); }

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

// MTH(D[begin:end]) from stored complete subtrees; `begin` is aligned to the subtree's split.
absl::StatusOr<std::string> RangeHash(uint64_t begin, uint64_t end, NodeSource nodes) {
  const uint64_t n = end - begin;
  if (IsPowerOfTwo(n) && begin % n == 0) {
    const int level = absl::countr_zero(n);
    return nodes(level, begin >> level);
  }
  const uint64_t k = SplitPoint(n);
  ASSIGN_OR_RETURN(std::string left, RangeHash(begin, begin + k, nodes));
  ASSIGN_OR_RETURN(std::string right, RangeHash(begin + k, end, nodes));
  return NodeHash(left, right);
}

// RFC 6962 PATH(m, D[begin:end]), appended to `out` from the leaf up.
absl::Status Path(uint64_t m, uint64_t begin, uint64_t end, NodeSource nodes,
                  std::vector<std::string>& out) {
  const uint64_t n = end - begin;
  if (n == 1) return absl::OkStatus();
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    RETURN_IF_ERROR(Path(m, begin, begin + k, nodes, out));
    ASSIGN_OR_RETURN(std::string sibling, RangeHash(begin + k, end, nodes));
    out.push_back(std::move(sibling));
  } else {
    RETURN_IF_ERROR(Path(m - k, begin + k, end, nodes, out));
    ASSIGN_OR_RETURN(std::string sibling, RangeHash(begin, begin + k, nodes));
    out.push_back(std::move(sibling));
  }
  return absl::OkStatus();
}

// RFC 6962 SUBPROOF(m, D[begin:end], b), appended to `out`.
absl::Status Subproof(uint64_t m, uint64_t begin, uint64_t end, bool b, NodeSource nodes,
                      std::vector<std::string>& out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (b) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::string whole, RangeHash(begin, end, nodes));
    out.push_back(std::move(whole));
    return absl::OkStatus();
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    RETURN_IF_ERROR(Subproof(m, begin, begin + k, b, nodes, out));
    ASSIGN_OR_RETURN(std::string right, RangeHash(begin + k, end, nodes));
    out.push_back(std::move(right));
  } else {
    RETURN_IF_ERROR(Subproof(m - k, begin + k, end, false, nodes, out));
    ASSIGN_OR_RETURN(std::string left, RangeHash(begin, begin + k, nodes));
    out.push_back(std::move(left));
  }
  return absl::OkStatus();
}

absl::Status CheckHashes(const std::vector<std::string>& proof) {
  for (size_t i = 0; i < proof.size(); ++i) {
    if (proof[i].size() != kHashSize) {
      return absl::DataLossError(absl::StrCat("proof hash ", i, " has ", proof[i].size(),
                                              " bytes, not ", kHashSize));
    }
  }
  return absl::OkStatus();
}

// Right-shifts both until fn's lowest bit is set or fn is 0 (RFC 9162's loop).
void ShiftToSetBit(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

std::string LeafHash(absl::string_view leaf_input) {
  std::string buf;
  buf.reserve(1 + leaf_input.size());
  buf.push_back('\x00');
  buf.append(leaf_input.data(), leaf_input.size());
  return crypto::Sha256(buf);
}

std::string NodeHash(absl::string_view left, absl::string_view right) {
  if (left.size() + right.size() <= 64) {  // two SHA-256 hashes: no allocation
    char buf[65];
    buf[0] = '\x01';
    std::memcpy(buf + 1, left.data(), left.size());
    std::memcpy(buf + 1 + left.size(), right.data(), right.size());
    return crypto::Sha256(absl::string_view(buf, 1 + left.size() + right.size()));
  }
  std::string buf(1, '\x01');
  buf.append(left.data(), left.size());
  buf.append(right.data(), right.size());
  return crypto::Sha256(buf);
}

std::string EmptyRoot() { return crypto::Sha256(""); }

std::vector<Node> FrontierOf(uint64_t size) {
  std::vector<Node> out;
  uint64_t start = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    out.push_back(Node{level, start >> level, ""});
    start += width;
  }
  return out;
}

absl::StatusOr<TreeBuilder> TreeBuilder::Resume(uint64_t size, std::vector<std::string> frontier) {
  if (frontier.size() != static_cast<size_t>(absl::popcount(size))) {
    return absl::InvalidArgumentError(absl::StrCat("a tree of ", size, " leaves has a frontier of ",
                                                   absl::popcount(size), " hashes, not ",
                                                   frontier.size()));
  }
  RETURN_IF_ERROR(CheckHashes(frontier));
  TreeBuilder builder;
  builder.size_ = size;
  builder.frontier_ = std::move(frontier);
  return builder;
}

void TreeBuilder::Append(std::string leaf_hash, std::vector<Node>* completed) {
  Node node{0, size_, std::move(leaf_hash)};
  if (completed != nullptr) completed->push_back(node);
  // Each low set bit of size_ is a frontier subtree of the new node's level: merge them.
  for (uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    node = Node{node.level + 1, node.index / 2, NodeHash(frontier_.back(), node.hash)};
    frontier_.pop_back();
    if (completed != nullptr) completed->push_back(node);
  }
  frontier_.push_back(std::move(node.hash));
  ++size_;
}

std::string TreeBuilder::Root() const {
  if (frontier_.empty()) return EmptyRoot();
  std::string root = frontier_.back();
  for (size_t i = frontier_.size() - 1; i-- > 0;) root = NodeHash(frontier_[i], root);
  return root;
}

absl::StatusOr<std::string> RootAt(uint64_t size, NodeSource nodes) {
  if (size == 0) return EmptyRoot();
  return RangeHash(0, size, nodes);
}

absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size,
                                                        NodeSource nodes) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf index ", index, " is not in a tree of ", size, " leaves"));
  }
  std::vector<std::string> out;
  RETURN_IF_ERROR(Path(index, 0, size, nodes, out));
  return out;
}

absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                                          NodeSource nodes) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrCat("a tree of ", size1, " leaves cannot be a prefix of one of ", size2));
  }
  std::vector<std::string> out;
  if (size1 == 0 || size1 == size2) return out;
  RETURN_IF_ERROR(Subproof(size1, 0, size2, true, nodes, out));
  return out;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size, absl::string_view leaf_hash,
                             const std::vector<std::string>& proof, absl::string_view root) {
  if (index >= size) {
    return absl::DataLossError(
        absl::StrCat("leaf index ", index, " is not in a tree of ", size, " leaves"));
  }
  RETURN_IF_ERROR(CheckHashes(proof));
  uint64_t fn = index;
  uint64_t sn = size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) return absl::DataLossError("inclusion proof has more hashes than the tree needs");
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      ShiftToSetBit(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::DataLossError("inclusion proof has fewer hashes than the tree needs");
  if (r != root) {
    return absl::DataLossError(absl::StrCat("inclusion proof of leaf ", index,
                                            " does not lead to the root of the tree of ", size));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2,
                               const std::vector<std::string>& proof, absl::string_view root1,
                               absl::string_view root2) {
  if (size1 > size2) {
    return absl::DataLossError(
        absl::StrCat("tree size went back from ", size1, " to ", size2));
  }
  RETURN_IF_ERROR(CheckHashes(proof));
  if (size1 == size2 || size1 == 0) {
    if (!proof.empty()) return absl::DataLossError("consistency proof should be empty");
    if (size1 == size2 && root1 != root2) {
      return absl::DataLossError(
          absl::StrCat("two different roots for the same tree size ", size1));
    }
    return absl::OkStatus();
  }
  if (proof.empty()) return absl::DataLossError("consistency proof is empty");
  std::vector<std::string> path;
  if (IsPowerOfTwo(size1)) path.emplace_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr = path[0];
  std::string sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) return absl::DataLossError("consistency proof has more hashes than it needs");
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(path[i], fr);
      sr = NodeHash(path[i], sr);
      ShiftToSetBit(fn, sn);
    } else {
      sr = NodeHash(sr, path[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::DataLossError("consistency proof has fewer hashes than it needs");
  if (fr != root1 || sr != root2) {
    return absl::DataLossError(absl::StrCat("the tree of ", size1,
                                            " leaves is not a prefix of the tree of ", size2,
                                            " leaves: the consistency proof does not match"));
  }
  return absl::OkStatus();
}

}  // namespace throughcare::audit::merkle
