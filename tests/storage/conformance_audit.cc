// Storage contract tests (tests/storage/conformance.h): The audit log: unsequenced appends, sequencing, queries, checkpoints.
// Written against include/throughcare/storage.h only; every backend must pass them.
#include <atomic>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "tests/storage/conformance.h"
#include "tests/storage/conformance_values.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using namespace conformance_values;  // NOLINT: the suite's value builders

TEST_P(StorageConformanceTest, AuditEntriesAreSeenOnlyOnceSequenced) {
  std::vector<int64_t> ids;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (int64_t n = 1; n <= 3; ++n) {
      absl::StatusOr<int64_t> id = tx.AppendAudit(MakeAudit(n, "s1", "a"));
      EXPECT_THAT(id, IsOk());
      if (id.ok()) ids.push_back(*id);
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    absl::StatusOr<int64_t> id = tx.AppendAudit(MakeAudit(4, "s1", "a"));  // a later commit
    EXPECT_THAT(id, IsOk());
    if (id.ok()) ids.push_back(*id);
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(ids, SizeIs(4));
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 4u) << "handles are unique";
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.QueryAudit(AuditQuery{})->entries, SizeIs(0));  // nothing sequenced yet
    auto head = tx.GetAuditTreeHead();
    EXPECT_THAT(head, IsOk());
    EXPECT_EQ(head->size, 0);
    auto pending = tx.ListPendingAudit(2);
    EXPECT_THAT(pending, IsOk());
    if (!pending.ok() || pending->size() != 2) return absl::InternalError("expected 2 pending");
    // In the order they were written: the sequencer follows it.
    EXPECT_EQ((*pending)[0].id, ids[0]);
    EXPECT_EQ((*pending)[1].id, ids[1]);
    EXPECT_EQ((*pending)[0].entry.request_id, "req-1");
    EXPECT_THAT(tx.ApplyAuditSequencing(StepFor(*pending, 0)), IsOk());
    EXPECT_THAT(tx.QueryAudit(AuditQuery{})->entries, SizeIs(2));
    auto rest = tx.ListPendingAudit(10);
    EXPECT_THAT(rest, IsOk());
    EXPECT_THAT(*rest, SizeIs(2));
    EXPECT_EQ((*rest)[0].id, ids[2]);
    return tx.ApplyAuditSequencing(StepFor(*rest, 2));
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto page = tx.QueryAudit(AuditQuery{});
    EXPECT_THAT(page, IsOk());
    if (page.ok() && page->entries.size() == 4) {
      for (int64_t i = 0; i < 4; ++i) {
        EXPECT_EQ(page->entries[i].seq, i + 1);
        EXPECT_EQ(page->entries[i].request_id, absl::StrCat("req-", i + 1));
        EXPECT_EQ(page->entries[i].leaf_hash, FakeHash("leaf", i + 1));
      }
    } else {
      ADD_FAILURE() << "expected 4 sequenced entries";
    }
    EXPECT_EQ(tx.GetAuditTreeHead()->size, 4);
    EXPECT_EQ(tx.GetAuditTreeHead()->root, FakeHash("root", 4));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditSequencingMovesTheHeadOnlyFromWhereItWas) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    return AppendAndSequence(tx, {MakeAudit(1, "s1", "a"), MakeAudit(2, "s1", "a")});
  }), IsOk());
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.AppendAudit(MakeAudit(3, "s1", "a")), IsOk());
    auto pending = tx.ListPendingAudit(10);
    EXPECT_THAT(pending, IsOk());
    // A sequencer that read the head at 1 lost the race: Aborted, and nothing changes.
    EXPECT_THAT(tx.ApplyAuditSequencing(StepFor(*pending, 1)),
                StatusIs(absl::StatusCode::kAborted));
    AuditSequencing gap = StepFor(*pending, 2);
    gap.placed[0].seq = 4;
    EXPECT_THAT(tx.Atomically([&](WriteTx& t) { return t.ApplyAuditSequencing(gap); }),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    AuditSequencing unknown = StepFor(*pending, 2);
    unknown.placed[0].id = -1;  // no entry has this handle
    EXPECT_THAT(tx.Atomically([&](WriteTx& t) { return t.ApplyAuditSequencing(unknown); }),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_EQ(tx.GetAuditTreeHead()->size, 2);
    AuditSequencing ok = StepFor(*pending, 2);
    ok.nodes.push_back(AuditTreeNode{1, 0, FakeHash("node", 10)});
    EXPECT_THAT(tx.ApplyAuditSequencing(ok), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_EQ(tx.GetAuditTreeHead()->size, 3);
    EXPECT_EQ(tx.GetAuditTreeNode(0, 2).value_or(""), FakeHash("leaf", 3));
    EXPECT_EQ(tx.GetAuditTreeNode(1, 0).value_or(""), FakeHash("node", 10));
    EXPECT_THAT(tx.GetAuditTreeNode(0, 3), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.GetAuditTreeNode(1, 1), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditQueriesFilterAndPage) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    std::vector<AuditEntry> entries;
    for (int64_t n = 1; n <= 10; ++n) {
      AuditEntry e = MakeAudit(n, n <= 6 ? "s1" : "s2", n % 2 ? "a" : "b");
      if (n == 4) {
        e.record_id = "rec_4";
        e.purpose = "public_protection";
        e.basis = "statutory basis 'mappa'";
      }
      if (n == 5) {
        e.outcome = "INVALID_ARGUMENT";
        e.decision = AuditDecision::kNone;
      }
      if (n == 8) {
        e.basis = "break-glass by role 'prison_healthcare'";
        e.break_glass_reason = "collapsed in reception";
      }
      if (n == 9) {  // reviewed like break-glass, but not break-glass
        e.basis = "self-claimed relationship";
        e.break_glass_reason = "self-claimed relationship: picked up at the hub";
      }
      entries.push_back(std::move(e));
    }
    return AppendAndSequence(tx, entries);
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    const auto seqs = [&](const AuditQuery& q) {
      std::vector<int64_t> out;
      auto page = tx.QueryAudit(q);
      EXPECT_THAT(page, IsOk());
      if (page.ok()) {
        for (const AuditEntry& e : page->entries) out.push_back(e.seq);
      }
      return out;
    };
    AuditQuery q;
    q.subject_id = "s1";
    q.limit = 4;
    auto page = tx.QueryAudit(q);
    EXPECT_THAT(page->entries, SizeIs(4));
    EXPECT_TRUE(page->more);
    q.after_seq = page->entries.back().seq;
    page = tx.QueryAudit(q);
    EXPECT_THAT(page->entries, SizeIs(2));
    EXPECT_FALSE(page->more);

    AuditQuery by_agency;
    by_agency.agency_id = "b";
    by_agency.action = "record.read";
    by_agency.decision = AuditDecision::kDeny;
    // Even seqs are agency b and record.read; multiples of 3 are denials: 6.
    EXPECT_THAT(seqs(by_agency), ElementsAre(6));
    AuditQuery by_time;
    by_time.from = kT0 + absl::Seconds(3);
    by_time.until = kT0 + absl::Seconds(5);
    by_time.user_id = "user-a";
    EXPECT_THAT(seqs(by_time), ElementsAre(3));
    AuditQuery q2;
    q2.record_id = "rec_4";
    EXPECT_THAT(seqs(q2), ElementsAre(4));
    q2 = AuditQuery{};
    q2.purpose = "public_protection";
    EXPECT_THAT(seqs(q2), ElementsAre(4));
    q2 = AuditQuery{};
    q2.basis_prefix = "statutory";
    EXPECT_THAT(seqs(q2), ElementsAre(4));
    q2 = AuditQuery{};
    q2.outcome = "INVALID_ARGUMENT";
    q2.decision = AuditDecision::kNone;
    EXPECT_THAT(seqs(q2), ElementsAre(5));
    q2 = AuditQuery{};
    q2.break_glass_only = true;
    EXPECT_THAT(seqs(q2), ElementsAre(8));
    q2 = AuditQuery{};
    q2.system_id = "a-system";
    EXPECT_THAT(seqs(q2), ElementsAre(1, 3, 5, 7, 9));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditCheckpointsAndCosignatures) {
  const AuditCheckpoint c3{3, FakeHash("root", 3), "note 3\n", kT0};
  const AuditCheckpoint c7{7, FakeHash("root", 7), "note 7\n", kT0 + absl::Seconds(1)};
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetAuditCheckpoint(0), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.InsertAuditCheckpoint(c7), IsOk());
    EXPECT_THAT(tx.InsertAuditCheckpoint(c3), IsOk());
    EXPECT_THAT(tx.InsertAuditCheckpoint(c3), StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.PutAuditCosignature(AuditCosignature{5, "w", "a", "line", kT0, kT0}),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.PutAuditCosignature(AuditCosignature{7, "w2", "b", "w2 line", kT0, kT0}),
                IsOk());
    EXPECT_THAT(tx.PutAuditCosignature(AuditCosignature{7, "w1", "a", "old", kT0, kT0}), IsOk());
    const absl::Time later = kT0 + absl::Seconds(9);
    return tx.PutAuditCosignature(AuditCosignature{7, "w1", "a", "w1 line", later, later});
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto latest = tx.GetAuditCheckpoint(0);
    EXPECT_THAT(latest, IsOk());
    EXPECT_EQ(latest->size, 7);
    EXPECT_EQ(latest->root, c7.root);
    EXPECT_EQ(latest->note, c7.note);
    EXPECT_EQ(latest->issued_at, c7.issued_at);
    EXPECT_EQ(tx.GetAuditCheckpoint(3)->note, "note 3\n");
    EXPECT_THAT(tx.GetAuditCheckpoint(5), StatusIs(absl::StatusCode::kNotFound));
    auto cosigs = tx.ListAuditCosignatures(7);
    EXPECT_THAT(cosigs, IsOk());
    if (cosigs.ok() && cosigs->size() == 2) {
      EXPECT_EQ((*cosigs)[0].witness, "w1");  // the later one replaced the earlier
      EXPECT_EQ((*cosigs)[0].signature_line, "w1 line");
      EXPECT_EQ((*cosigs)[0].signed_at, kT0 + absl::Seconds(9));
      EXPECT_EQ((*cosigs)[1].agency_id, "b");
    } else {
      ADD_FAILURE() << "expected 2 cosignatures";
    }
    EXPECT_THAT(*tx.ListAuditCosignatures(3), SizeIs(0));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditBasisAndBreakGlassReasonRoundTrip) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    AuditEntry consented = MakeAudit(1, "s1", "a");
    consented.basis = "consent con_a v1";
    AuditEntry none = MakeAudit(2, "s1", "a");  // both empty
    AuditEntry broken = MakeAudit(3, "s1", "a");
    broken.basis = "role rule";
    broken.break_glass_reason = "unconscious on arrival";
    return AppendAndSequence(tx, {consented, none, broken});
  }), IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    auto page = tx.QueryAudit(AuditQuery{});
    if (page.ok() && page->entries.size() == 3) {
      const AuditEntry& last = page->entries[2];
      EXPECT_EQ(last.basis, "role rule");
      EXPECT_EQ(last.break_glass_reason, "unconscious on arrival");
      // The columns around them still land in their fields.
      EXPECT_EQ(last.outcome, "OK");
      EXPECT_EQ(last.policy_version, "sha256:0");
      EXPECT_EQ(last.time, kT0 + absl::Seconds(3));
      EXPECT_EQ(last.decision, AuditDecision::kDeny);
    }
    EXPECT_THAT(page, IsOk());
    if (page.ok() && page->entries.size() == 3) {
      EXPECT_EQ(page->entries[0].basis, "consent con_a v1");
      EXPECT_EQ(page->entries[0].break_glass_reason, "");
      EXPECT_EQ(page->entries[1].basis, "");
      EXPECT_EQ(page->entries[1].break_glass_reason, "");
      EXPECT_EQ(page->entries[2].break_glass_reason, "unconscious on arrival");
    } else {
      ADD_FAILURE() << "expected 3 audit entries";
    }
    return absl::OkStatus();
  }), IsOk());
}
}  // namespace
}  // namespace throughcare::testing
