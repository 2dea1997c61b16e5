// The hash chain the log was before the Merkle tree, as the one-time migration verifies it.
#include "services/audit/legacy_chain.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::audit {
namespace {

using ::testing::HasSubstr;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

std::vector<LegacyChainEntry> MakeChain(int n) {
  std::vector<LegacyChainEntry> chain;
  std::string prev = kGenesisHash;
  for (int i = 1; i <= n; ++i) {
    AuditEntry e;
    e.seq = i;
    e.time = absl::FromUnixMicros(1'800'000'000'000'000 + i);
    e.agency_id = "probation";
    e.system_id = "probation-case-system";
    e.user_id = absl::StrCat("om-", i);
    e.role = "offender_manager";
    e.action = "record.read";
    e.subject_id = "sub_1";
    e.record_id = "rec_1";
    e.record_version = i;
    e.purpose = "offender_management";
    e.decision = i % 2 ? AuditDecision::kAllow : AuditDecision::kDeny;
    e.reason = "rule";
    e.policy_version = "sha256:abc";
    e.request_id = absl::StrCat("req-", i);
    e.outcome = "OK";
    LegacyChainEntry link{e, prev, ComputeEntryHash(e, prev)};
    prev = link.hash;
    chain.push_back(link);
  }
  return chain;
}

absl::Status VerifyAll(const std::vector<LegacyChainEntry>& chain) {
  ChainVerifier v;
  for (const auto& e : chain) {
    absl::Status s = v.Add(e);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

TEST(ChainTest, IntactChainVerifies) {
  auto chain = MakeChain(5);
  ChainVerifier v;
  for (const auto& e : chain) ASSERT_THAT(v.Add(e), IsOk());
  EXPECT_EQ(v.verified(), 5);
  EXPECT_EQ(v.head_hash(), chain.back().hash);
}

TEST(ChainTest, HashCoversEveryField) {
  const LegacyChainEntry base = MakeChain(1)[0];
  std::vector<std::pair<const char*, void (*)(AuditEntry&)>> changes = {
      {"seq", [](AuditEntry& e) { e.seq += 1; }},
      {"time", [](AuditEntry& e) { e.time += absl::Microseconds(1); }},
      {"agency", [](AuditEntry& e) { e.agency_id += "x"; }},
      {"system", [](AuditEntry& e) { e.system_id += "x"; }},
      {"user", [](AuditEntry& e) { e.user_id += "x"; }},
      {"role", [](AuditEntry& e) { e.role += "x"; }},
      {"action", [](AuditEntry& e) { e.action += "x"; }},
      {"subject", [](AuditEntry& e) { e.subject_id += "x"; }},
      {"record", [](AuditEntry& e) { e.record_id += "x"; }},
      {"version", [](AuditEntry& e) { e.record_version += 1; }},
      {"purpose", [](AuditEntry& e) { e.purpose += "x"; }},
      {"decision", [](AuditEntry& e) { e.decision = AuditDecision::kDeny; }},
      {"reason", [](AuditEntry& e) { e.reason += "x"; }},
      {"policy", [](AuditEntry& e) { e.policy_version += "x"; }},
      {"request", [](AuditEntry& e) { e.request_id += "x"; }},
      {"outcome", [](AuditEntry& e) { e.outcome += "x"; }},
      {"basis", [](AuditEntry& e) { e.basis = "consent con_1 v1"; }},
      {"break_glass", [](AuditEntry& e) { e.break_glass_reason = "x"; }},
      // Moving a byte between adjacent fields must change the hash too (length prefixes).
      {"boundary", [](AuditEntry& e) { e.agency_id += e.system_id[0]; e.system_id.erase(0, 1); }},
  };
  for (const auto& [name, change] : changes) {
    AuditEntry e = base.entry;
    change(e);
    EXPECT_NE(ComputeEntryHash(e, base.prev_hash), base.hash) << name;
  }
  EXPECT_NE(ComputeEntryHash(base.entry, "1" + base.prev_hash.substr(1)), base.hash);
}

TEST(ChainTest, AlteredEntryIsNamed) {
  auto chain = MakeChain(5);
  chain[2].entry.reason = "edited";
  EXPECT_THAT(VerifyAll(chain), StatusIs(absl::StatusCode::kDataLoss,
                                         HasSubstr("audit entry 3: hash does not match")));
}

TEST(ChainTest, AlteredEntryWithRecomputedHashBreaksTheNextLink) {
  auto chain = MakeChain(5);
  chain[2].entry.reason = "edited";
  chain[2].hash = ComputeEntryHash(chain[2].entry, chain[2].prev_hash);
  EXPECT_THAT(VerifyAll(chain),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("audit entry 4: prev_hash")));
}

TEST(ChainTest, DeletedEntryIsNamed) {
  auto chain = MakeChain(5);
  chain.erase(chain.begin() + 1);
  EXPECT_THAT(VerifyAll(chain), StatusIs(absl::StatusCode::kDataLoss,
                                         HasSubstr("audit entry 3: expected entry 2")));
}

TEST(ChainTest, ReorderedEntriesAreNamed) {
  auto chain = MakeChain(5);
  std::swap(chain[1].entry.seq, chain[2].entry.seq);
  std::swap(chain[1], chain[2]);
  EXPECT_THAT(VerifyAll(chain), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("audit entry 2")));
}

TEST(ChainTest, FailureIsSticky) {
  auto chain = MakeChain(3);
  ChainVerifier v;
  chain[0].entry.outcome = "NOT_FOUND";
  EXPECT_THAT(v.Add(chain[0]), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(v.Add(chain[1]), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("audit entry 1")));
  EXPECT_EQ(v.verified(), 0);
}

}  // namespace
}  // namespace throughcare::audit
