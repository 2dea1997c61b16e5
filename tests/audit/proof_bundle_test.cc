// Proof bundles (C2SP tlog-proof) verify offline, and a bundle with any one byte changed does not.
#include "services/audit/proof_bundle.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "services/audit/entry_encoding.h"
#include "services/audit/merkle.h"
#include "services/crypto/pki.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::throughcare::testing::StatusIs;

constexpr char kOrigin[] = "audit.throughcare.example/log";

class ProofBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *crypto::Ed25519PrivateKey::FromPem(crypto::GenerateEd25519KeyPair()->private_key_pem);
    for (int seq = 1; seq <= 9; ++seq) {
      AuditEntry e;
      e.seq = seq;
      e.time = absl::FromUnixSeconds(1764700000 + seq);
      e.agency_id = "cjit-east";
      e.action = "record.read";
      e.subject_id = "sub_aaaaaaaaaaaaaaaaaaaaaaaaaa";
      e.decision = AuditDecision::kAllow;
      leaf_inputs_.push_back(EncodeLeafInput(e));
      std::vector<merkle::Node> done;
      tree_.Append(merkle::LeafHash(leaf_inputs_.back()), &done);
      for (auto& n : done) nodes_[{n.level, n.index}] = n.hash;
    }
    checkpoint_ = *SignCheckpoint(Checkpoint{kOrigin, 9, tree_.Root()}, *key_);
  }

  std::string Bundle(uint64_t seq) {
    auto proof = merkle::InclusionProof(seq - 1, 9, [&](int level, uint64_t index) {
      return absl::StatusOr<std::string>(nodes_.at({level, index}));
    });
    return FormatProofBundle(leaf_inputs_[seq - 1], seq - 1, *proof, checkpoint_);
  }
  VerifierKey LogKey() const { return MakeVerifierKey(kOrigin, kNoteEd25519, key_->public_key()); }

  std::unique_ptr<crypto::Ed25519PrivateKey> key_;
  std::vector<std::string> leaf_inputs_;
  merkle::TreeBuilder tree_;
  std::map<std::pair<int, uint64_t>, std::string> nodes_;
  std::string checkpoint_;
};

TEST_F(ProofBundleTest, ABundleVerifiesOfflineAndNamesTheEntry) {
  const std::string bundle = Bundle(5);
  EXPECT_THAT(bundle, StartsWith("c2sp.org/tlog-proof@v1\nextra "));
  EXPECT_THAT(bundle, HasSubstr("\nindex 4\n"));
  ASSERT_OK_AND_ASSIGN(VerifiedProof proof, VerifyProofBundle(bundle, LogKey()));
  EXPECT_EQ(proof.entry.seq, 5);
  EXPECT_EQ(proof.entry.action, "record.read");
  EXPECT_EQ(proof.checkpoint.checkpoint.size, 9u);
}

TEST_F(ProofBundleTest, AnyChangedByteIsRefused) {
  const std::string bundle = Bundle(9);
  for (size_t i = 0; i < bundle.size(); ++i) {
    std::string changed = bundle;
    changed[i] ^= 0x01;
    EXPECT_FALSE(VerifyProofBundle(changed, LogKey()).ok()) << "byte " << i << " changed";
  }
}

TEST_F(ProofBundleTest, AnEntryMovedToAnotherIndexIsRefused) {
  std::string bundle = Bundle(3);
  bundle.replace(bundle.find("\nindex 2\n"), 9, "\nindex 3\n");
  EXPECT_THAT(VerifyProofBundle(bundle, LogKey()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("seq 3")));
  EXPECT_THAT(VerifyProofBundle("c2sp.org/tlog-proof@v1\nindex 2\n\n" + checkpoint_, LogKey()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("extra")));
}

}  // namespace
}  // namespace throughcare::audit
