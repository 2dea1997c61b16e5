// The audit Merkle tree against the published RFC 6962 test vectors (the eight leaves, roots,
// inclusion and consistency proofs used by the transparency-dev and Certificate Transparency
// test suites), and against RFC 6962's recursive definitions for larger trees (sizes 0 to 70 and
// 2^k - 1, 2^k, 2^k + 1 up to 1025), with every proof also checked to fail when corrupted.
#include "services/audit/merkle.h"

#include <functional>
#include <map>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::audit::merkle {
namespace {

using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

std::string H(absl::string_view hex) { return absl::HexStringToBytes(hex); }

// The RFC 6962 test leaves.
const std::vector<std::string> kLeaves = {
    H(""),         H("00"),       H("10"),           H("2021"),
    H("3031"),     H("40414243"), H("5051525354555657"), H("606162636465666768696a6b6c6d6e6f")};

// Roots of the trees of the first 1..8 leaves.
const std::vector<std::string> kRoots = {
    H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    H("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    H("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    H("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    H("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    H("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    H("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")};

struct ProofVector {
  uint64_t a;  // leaf index, or the first tree size
  uint64_t size;
  std::vector<std::string> proof;
};

const std::vector<ProofVector> kInclusion = {
    {0, 8,
     {H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
      H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")}},
    {5, 8,
     {H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
      H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
      H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")}},
    {2, 3, {H("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")}},
    {1, 5,
     {H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
      H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")}},
};

const std::vector<ProofVector> kConsistency = {
    {1, 8,
     {H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
      H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")}},
    {6, 8,
     {H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
      H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
      H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")}},
    {2, 5,
     {H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
      H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")}},
    {6, 7,
     {H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
      H("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
      H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")}},
};

// RFC 6962 section 2.1, written as the RFC defines it: MTH(D[n]).
std::string ReferenceRoot(const std::vector<std::string>& leaf_hashes, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 0) return EmptyRoot();
  if (n == 1) return leaf_hashes[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return NodeHash(ReferenceRoot(leaf_hashes, begin, begin + k),
                  ReferenceRoot(leaf_hashes, begin + k, end));
}

// A tree of `size` leaves built with TreeBuilder, keeping every completed subtree as storage
// does.
class StoredTree {
 public:
  explicit StoredTree(uint64_t size) {
    for (uint64_t i = 0; i < size; ++i) {
      leaf_hashes_.push_back(LeafHash(absl::StrCat("entry ", i)));
      std::vector<Node> completed;
      builder_.Append(leaf_hashes_.back(), &completed);
      for (Node& n : completed) nodes_[{n.level, n.index}] = std::move(n.hash);
    }
  }
  absl::StatusOr<std::string> Get(int level, uint64_t index) const {
    auto it = nodes_.find({level, index});
    if (it == nodes_.end()) {
      return absl::NotFoundError(absl::StrCat("no node ", level, "/", index));
    }
    return it->second;
  }
  std::function<absl::StatusOr<std::string>(int, uint64_t)> source() const {
    return [this](int level, uint64_t index) { return Get(level, index); };
  }
  std::string Root(uint64_t size) const { return ReferenceRoot(leaf_hashes_, 0, size); }

  std::vector<std::string> leaf_hashes_;
  TreeBuilder builder_;
  std::map<std::pair<int, uint64_t>, std::string> nodes_;
};

TEST(MerkleTest, PublishedRootsOfOneToEightLeaves) {
  EXPECT_EQ(absl::BytesToHexString(EmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  TreeBuilder builder;
  for (size_t i = 0; i < kLeaves.size(); ++i) {
    builder.Append(LeafHash(kLeaves[i]));
    EXPECT_EQ(builder.Root(), kRoots[i]) << "size " << i + 1;
  }
}

TEST(MerkleTest, PublishedInclusionProofs) {
  TreeBuilder builder;
  std::map<std::pair<int, uint64_t>, std::string> nodes;
  for (const std::string& leaf : kLeaves) {
    std::vector<Node> completed;
    builder.Append(LeafHash(leaf), &completed);
    for (Node& n : completed) nodes[{n.level, n.index}] = n.hash;
  }
  auto source = [&](int level, uint64_t index) -> absl::StatusOr<std::string> {
    return nodes.at({level, index});
  };
  for (const ProofVector& v : kInclusion) {
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> proof, InclusionProof(v.a, v.size, source));
    EXPECT_EQ(proof, v.proof) << v.a << " in " << v.size;
    EXPECT_THAT(VerifyInclusion(v.a, v.size, LeafHash(kLeaves[v.a]), v.proof, kRoots[v.size - 1]),
                IsOk());
  }
  for (const ProofVector& v : kConsistency) {
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> proof, ConsistencyProof(v.a, v.size, source));
    EXPECT_EQ(proof, v.proof) << v.a << " to " << v.size;
    EXPECT_THAT(VerifyConsistency(v.a, v.size, v.proof, kRoots[v.a - 1], kRoots[v.size - 1]),
                IsOk());
  }
}

std::vector<uint64_t> InterestingSizes() {
  std::vector<uint64_t> sizes;
  for (uint64_t n = 0; n <= 70; ++n) sizes.push_back(n);
  for (uint64_t p = 128; p <= 1024; p *= 2) {
    sizes.insert(sizes.end(), {p - 1, p, p + 1});
  }
  return sizes;
}

TEST(MerkleTest, RootsMatchTheRecursiveDefinition) {
  StoredTree tree(1025);
  TreeBuilder builder;
  for (uint64_t size : InterestingSizes()) {
    while (builder.size() < size) builder.Append(tree.leaf_hashes_[builder.size()]);
    EXPECT_EQ(builder.Root(), tree.Root(size)) << size;
    ASSERT_OK_AND_ASSIGN(std::string stored, RootAt(size, tree.source()));
    EXPECT_EQ(stored, tree.Root(size)) << size;
  }
}

TEST(MerkleTest, ABuilderResumedFromItsFrontierContinuesTheSameTree) {
  StoredTree tree(300);
  for (uint64_t size : {0, 1, 2, 7, 8, 9, 255, 256, 257}) {
    std::vector<std::string> frontier;
    for (const Node& n : FrontierOf(size)) frontier.push_back(*tree.Get(n.level, n.index));
    ASSERT_OK_AND_ASSIGN(TreeBuilder resumed, TreeBuilder::Resume(size, frontier));
    EXPECT_EQ(resumed.Root(), tree.Root(size));
    for (uint64_t i = size; i < 300; ++i) resumed.Append(tree.leaf_hashes_[i]);
    EXPECT_EQ(resumed.Root(), tree.Root(300)) << "resumed at " << size;
  }
  EXPECT_THAT(TreeBuilder::Resume(7, {EmptyRoot()}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MerkleTest, EveryInclusionProofVerifiesAndACorruptedOneDoesNot) {
  StoredTree tree(1025);
  for (uint64_t size : InterestingSizes()) {
    if (size == 0) continue;
    const std::string root = tree.Root(size);
    const uint64_t step = size > 70 ? size / 7 : 1;
    for (uint64_t i = 0; i < size; i += step) {
      ASSERT_OK_AND_ASSIGN(std::vector<std::string> proof,
                           InclusionProof(i, size, tree.source()));
      const std::string& leaf = tree.leaf_hashes_[i];
      ASSERT_THAT(VerifyInclusion(i, size, leaf, proof, root), IsOk()) << i << " in " << size;
      EXPECT_FALSE(VerifyInclusion(i, size, tree.leaf_hashes_[(i + 1) % 1025], proof, root).ok());
      if (size > 1) {
        EXPECT_FALSE(VerifyInclusion((i + 1) % size, size, leaf, proof, root).ok());
        std::vector<std::string> flipped = proof;
        flipped[0][0] ^= 1;
        EXPECT_FALSE(VerifyInclusion(i, size, leaf, flipped, root).ok());
        flipped = proof;
        flipped.pop_back();
        EXPECT_FALSE(VerifyInclusion(i, size, leaf, flipped, root).ok());
      }
      std::vector<std::string> longer = proof;
      longer.push_back(root);
      EXPECT_FALSE(VerifyInclusion(i, size, leaf, longer, root).ok());
    }
  }
  EXPECT_THAT(InclusionProof(3, 3, tree.source()), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyInclusion(0, 0, EmptyRoot(), {}, EmptyRoot()),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(MerkleTest, EveryConsistencyProofVerifiesAndAForkDoesNot) {
  StoredTree tree(1025);
  std::vector<uint64_t> sizes = InterestingSizes();
  for (uint64_t size2 : sizes) {
    for (uint64_t size1 : sizes) {
      if (size1 > size2 || (size2 > 70 && size1 % 13 != 0 && size1 + 1 != size2)) continue;
      ASSERT_OK_AND_ASSIGN(std::vector<std::string> proof,
                           ConsistencyProof(size1, size2, tree.source()));
      const std::string root1 = tree.Root(size1);
      const std::string root2 = tree.Root(size2);
      ASSERT_THAT(VerifyConsistency(size1, size2, proof, root1, root2), IsOk())
          << size1 << " to " << size2;
      if (size1 == 0 || size1 == size2) continue;
      // A fork: a different first tree of the same size is not a prefix of the second.
      StoredTree other(0);
      for (uint64_t i = 0; i < size1; ++i) {
        other.builder_.Append(i == size1 - 1 ? LeafHash("forged") : tree.leaf_hashes_[i]);
      }
      EXPECT_FALSE(VerifyConsistency(size1, size2, proof, other.builder_.Root(), root2).ok());
      std::vector<std::string> flipped = proof;
      flipped.back()[5] ^= 0x10;
      EXPECT_FALSE(VerifyConsistency(size1, size2, flipped, root1, root2).ok());
      EXPECT_FALSE(VerifyConsistency(size1, size2, {}, root1, root2).ok());
    }
  }
  EXPECT_THAT(VerifyConsistency(5, 4, {}, tree.Root(5), tree.Root(4)),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("went back")));
  EXPECT_THAT(VerifyConsistency(4, 4, {}, tree.Root(4), tree.Root(5)),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace throughcare::audit::merkle
