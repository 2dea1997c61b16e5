// Storage contract tests (tests/storage/conformance.h): Consents, relationships and review items.
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

TEST_P(StorageConformanceTest, ConsentVersionsAreOptimisticallyConcurrent) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_b", 1, "s1")), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_b", 1, "s1")),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_b", 3, "s1")),
                StatusIs(absl::StatusCode::kAborted));
    // A later version of a consent that does not exist skips version 1.
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_none", 2, "s1")),
                StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_x", 1, "nobody")),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.InsertConsentVersion(Withdrawn(MakeConsent("con_b", 1, "s1"), kT0)), IsOk());
    // Version 2 again: it is no longer the one after the latest.
    EXPECT_THAT(tx.InsertConsentVersion(Withdrawn(MakeConsent("con_b", 1, "s1"), kT0)),
                StatusIs(absl::StatusCode::kAborted));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetConsent("con_x"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.GetConsent("con_none"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.ConsentHistory("con_none"), StatusIs(absl::StatusCode::kNotFound));
    auto history = tx.ConsentHistory("con_b");
    EXPECT_THAT(history, IsOk());
    if (history.ok()) {
      EXPECT_THAT(ConsentIds(*history), ElementsAre("con_b/v1", "con_b/v2"));
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ConsentsRoundTripAndList) {
  // Inserted out of id order, and the first one withdrawn after the others were recorded: the
  // list follows first recording, not ids and not the latest version.
  const Consent b1 = MakeConsent("con_b", 1, "s1", ConsentEvidence::kSignedForm);
  Consent a1 = MakeConsent("con_a", 1, "s1", ConsentEvidence::kRepresentative);
  a1.recorded_at = kT0 + absl::Minutes(5);
  a1.recipient_agencies = {};  // empty and one-element lists survive the round trip
  a1.recipient_kinds = {"cjit"};
  a1.valid_from = kT0 - absl::Hours(48);
  const Consent b2 = Withdrawn(b1, kT0 + absl::Minutes(10));
  Consent c1 = MakeConsent("con_c", 1, "s2", ConsentEvidence::kVerbalWitnessed);
  c1.recorded_at = kT0 + absl::Minutes(11);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s2")), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(b1), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(a1), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(b2), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(c1), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto b = tx.GetConsent("con_b");
    EXPECT_THAT(b, IsOk());
    if (b.ok()) {
      ExpectConsentEq(*b, b2);
      EXPECT_TRUE(b->withdrawn_at.has_value());
    }
    auto a = tx.GetConsent("con_a");
    EXPECT_THAT(a, IsOk());
    if (a.ok()) {
      ExpectConsentEq(*a, a1);
      EXPECT_FALSE(a->withdrawn_at.has_value());
      EXPECT_EQ(a->evidence, ConsentEvidence::kRepresentative);
    }

    auto list = tx.ListConsents("s1");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(ConsentIds(*list), ElementsAre("con_b/v2", "con_a/v1"));
      if (list->size() == 2) {
        ExpectConsentEq((*list)[0], b2);
        ExpectConsentEq((*list)[1], a1);
      }
    }
    list = tx.ListConsents("s2");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(ConsentIds(*list), ElementsAre("con_c/v1"));
      if (list->size() == 1) ExpectConsentEq((*list)[0], c1);
    }
    list = tx.ListConsents("nobody");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(*list, SizeIs(0));
    }

    auto history = tx.ConsentHistory("con_b");
    EXPECT_THAT(history, IsOk());
    if (history.ok()) {
      EXPECT_THAT(ConsentIds(*history), ElementsAre("con_b/v1", "con_b/v2"));
      if (history->size() == 2) {
        ExpectConsentEq((*history)[0], b1);
        EXPECT_FALSE((*history)[0].withdrawn_at.has_value());
        ExpectConsentEq((*history)[1], b2);
      }
    }
    history = tx.ConsentHistory("con_a");
    EXPECT_THAT(history, IsOk());
    if (history.ok()) {
      EXPECT_THAT(ConsentIds(*history), ElementsAre("con_a/v1"));
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, RelationshipsInsertEndAndList) {
  // Inserted out of start order; the list is ordered by start.
  Relationship late =
      MakeRelationship("rel_late", "s1", RelationshipKind::kCustody, kT0 + absl::Hours(2));
  Relationship early =
      MakeRelationship("rel_early", "s1", RelationshipKind::kReferral, kT0 + absl::Hours(1));
  early.user_id = "";  // the whole agency
  Relationship ended =
      MakeRelationship("rel_ended", "s1", RelationshipKind::kAllocation, kT0 + absl::Hours(3));
  ended.ended_at = kT0 + absl::Hours(4);
  ended.ended_by_user = "closer";
  const Relationship other =
      MakeRelationship("rel_other", "s2", RelationshipKind::kAllocation, kT0);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s2")), IsOk());
    EXPECT_THAT(tx.InsertRelationship(late), IsOk());
    EXPECT_THAT(tx.InsertRelationship(early), IsOk());
    EXPECT_THAT(tx.InsertRelationship(ended), IsOk());
    EXPECT_THAT(tx.InsertRelationship(other), IsOk());
    EXPECT_THAT(tx.InsertRelationship(late), StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertRelationship(MakeRelationship("rel_x", "nobody",
                                                       RelationshipKind::kCustody, kT0)),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto r = tx.GetRelationship("rel_late");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) {
      ExpectRelationshipEq(*r, late);
      EXPECT_FALSE(r->ended_at.has_value());
    }
    r = tx.GetRelationship("rel_ended");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectRelationshipEq(*r, ended);
    EXPECT_THAT(tx.GetRelationship("rel_x"), StatusIs(absl::StatusCode::kNotFound));
    auto list = tx.ListRelationships("s1");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(RelationshipIds(*list), ElementsAre("rel_early", "rel_late", "rel_ended"));
      if (list->size() == 3) ExpectRelationshipEq((*list)[0], early);
    }
    list = tx.ListRelationships("nobody");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(*list, SizeIs(0));
    }
    return absl::OkStatus();
  }), IsOk());

  const absl::Time end = kT0 + absl::Hours(5);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.EndRelationship("rel_x", end, "u"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.EndRelationship("rel_late", end, "ender"), IsOk());
    EXPECT_THAT(tx.EndRelationship("rel_late", end + absl::Hours(1), "again"),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    // Inserted already ended.
    EXPECT_THAT(tx.EndRelationship("rel_ended", end, "again"),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    Relationship want = late;
    want.ended_at = end;
    want.ended_by_user = "ender";
    auto r = tx.GetRelationship("rel_late");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectRelationshipEq(*r, want);
    r = tx.GetRelationship("rel_ended");  // the refused end changed nothing
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectRelationshipEq(*r, ended);
    auto list = tx.ListRelationships("s1");  // ended ones included
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(RelationshipIds(*list), ElementsAre("rel_early", "rel_late", "rel_ended"));
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ReviewItemsInsertCloseAndList) {
  // Inserted out of audit seq order.
  const ReviewItem r5 = MakeReviewItem("rev_5", 5);
  const ReviewItem r2 = MakeReviewItem("rev_2", 2);
  const ReviewItem r9 = MakeReviewItem("rev_9", 9);
  const ReviewItem r7 = MakeReviewItem("rev_7", 7);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (const ReviewItem* r : {&r5, &r2, &r9, &r7}) EXPECT_THAT(tx.InsertReviewItem(*r), IsOk());
    EXPECT_THAT(tx.InsertReviewItem(r5), StatusIs(absl::StatusCode::kAlreadyExists));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto r = tx.GetReviewItem("rev_5");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) {
      ExpectReviewItemEq(*r, r5);
      EXPECT_EQ(r->outcome, ReviewOutcome::kOpen);
      EXPECT_FALSE(r->closed_at.has_value());
    }
    EXPECT_THAT(tx.GetReviewItem("rev_none"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 0, 10)), ElementsAre(2, 5, 7, 9));
    return absl::OkStatus();
  }), IsOk());

  const ReviewItem close5 = Closing("rev_5", ReviewOutcome::kJustified, kT0 + absl::Hours(1));
  const ReviewItem close9 = Closing("rev_9", ReviewOutcome::kNotJustified, kT0 + absl::Hours(2));
  const ReviewItem close7 = Closing("rev_7", ReviewOutcome::kReferred, kT0 + absl::Hours(3));
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.CloseReviewItem(Closing("rev_none", ReviewOutcome::kJustified, kT0)),
                StatusIs(absl::StatusCode::kNotFound));
    // Closing with the outcome "open" is refused (the code is not part of the contract).
    EXPECT_FALSE(tx.CloseReviewItem(Closing("rev_2", ReviewOutcome::kOpen, kT0)).ok());
    EXPECT_THAT(tx.CloseReviewItem(close5), IsOk());
    EXPECT_THAT(tx.CloseReviewItem(close9), IsOk());
    EXPECT_THAT(tx.CloseReviewItem(close7), IsOk());
    EXPECT_THAT(tx.CloseReviewItem(Closing("rev_5", ReviewOutcome::kNotJustified, kT0)),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    // Closing records the outcome, closer, time and note, and nothing else.
    for (const auto& [open, closing] : {std::pair(r5, close5), std::pair(r9, close9),
                                        std::pair(r7, close7)}) {
      auto r = tx.GetReviewItem(open.review_id);
      EXPECT_THAT(r, IsOk());
      if (r.ok()) ExpectReviewItemEq(*r, AfterClose(open, closing));
    }
    auto r = tx.GetReviewItem("rev_2");  // the refused close changed nothing
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectReviewItemEq(*r, r2);

    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 0, 10)), ElementsAre(2, 5, 7, 9));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 0, 10)), ElementsAre(2));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 2, 10)), ElementsAre());
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 0, 2)), ElementsAre(2, 5));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 5, 2)), ElementsAre(7, 9));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 6, 10)), ElementsAre(7, 9));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 9, 10)), ElementsAre());
    auto all = tx.ListReviewItems(false, 0, 10);
    if (all.ok() && all->size() == 4) {
      ExpectReviewItemEq((*all)[0], r2);
      ExpectReviewItemEq((*all)[2], AfterClose(r7, close7));
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AReviewItemCarriesItsAccessSeqOnceSequenced) {
  int64_t entry = 0;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(AppendAndSequence(tx, {MakeAudit(1, "s1", "a")}), IsOk());
    ASSIGN_OR_RETURN(entry, tx.AppendAudit(MakeAudit(2, "s1", "a")));
    return tx.InsertReviewItem(MakeReviewItem("rev_x", entry));
  }), IsOk());
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_EQ(tx.GetReviewItem("rev_x")->audit_seq, 0);  // not sequenced yet
    ASSIGN_OR_RETURN(std::vector<PendingAuditEntry> pending, tx.ListPendingAudit(10));
    return tx.ApplyAuditSequencing(StepFor(pending, 1));
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto item = tx.GetReviewItem("rev_x");
    EXPECT_THAT(item, IsOk());
    EXPECT_EQ(item->audit_entry, entry);
    EXPECT_EQ(item->audit_seq, 2);
    auto listed = tx.ListReviewItems(true, 0, 10);
    EXPECT_THAT(listed, IsOk());
    EXPECT_EQ(listed->at(0).audit_seq, 2);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ReviewItemsOpenOnlyPaginates) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    for (int64_t seq = 1; seq <= 7; ++seq) {
      EXPECT_THAT(tx.InsertReviewItem(MakeReviewItem(absl::StrCat("rev_", seq), seq)), IsOk());
    }
    for (int64_t seq : {2, 3, 6}) {
      EXPECT_THAT(tx.CloseReviewItem(Closing(absl::StrCat("rev_", seq),
                                             ReviewOutcome::kJustified, kT0)),
                  IsOk());
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 0, 2)), ElementsAre(1, 4));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 4, 2)), ElementsAre(5, 7));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 7, 2)), ElementsAre());
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AtomicallyUndoesConsentRelationshipAndReviewWrites) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertRelationship(MakeRelationship("rel_1", "s1", RelationshipKind::kCustody,
                                                       kT0)),
                IsOk());
    EXPECT_THAT(tx.InsertReviewItem(MakeReviewItem("rev_1", 1)), IsOk());
    EXPECT_THAT(tx.Atomically([](WriteTx& t) -> absl::Status {
      EXPECT_THAT(t.InsertConsentVersion(MakeConsent("con_1", 1, "s1")), IsOk());
      EXPECT_THAT(t.EndRelationship("rel_1", kT0 + absl::Hours(1), "u"), IsOk());
      EXPECT_THAT(t.CloseReviewItem(Closing("rev_1", ReviewOutcome::kReferred, kT0)), IsOk());
      return absl::AbortedError("changed my mind");
    }), StatusIs(absl::StatusCode::kAborted));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetConsent("con_1"), StatusIs(absl::StatusCode::kNotFound));
    auto rel = tx.GetRelationship("rel_1");
    EXPECT_THAT(rel, IsOk());
    if (rel.ok()) {
      EXPECT_FALSE(rel->ended_at.has_value());
    }
    auto rev = tx.GetReviewItem("rev_1");
    EXPECT_THAT(rev, IsOk());
    if (rev.ok()) {
      EXPECT_EQ(rev->outcome, ReviewOutcome::kOpen);
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ConsentsRelationshipsAndReviewItemsSurviveReopen) {
  const Consent c1 = MakeConsent("con_1", 1, "s1", ConsentEvidence::kSignedForm);
  const Consent c2 = Withdrawn(c1, kT0 + absl::Hours(1));
  Relationship rel = MakeRelationship("rel_1", "s1", RelationshipKind::kReferral, kT0);
  const Relationship open_rel =
      MakeRelationship("rel_2", "s1", RelationshipKind::kCustody, kT0 + absl::Hours(1));
  const ReviewItem rev = MakeReviewItem("rev_1", 1);
  const ReviewItem open_rev = MakeReviewItem("rev_2", 2);
  const ReviewItem closing = Closing("rev_1", ReviewOutcome::kNotJustified, kT0 + absl::Hours(2));
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(c1), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(c2), IsOk());
    EXPECT_THAT(tx.InsertRelationship(rel), IsOk());
    EXPECT_THAT(tx.InsertRelationship(open_rel), IsOk());
    EXPECT_THAT(tx.EndRelationship("rel_1", kT0 + absl::Hours(3), "ender"), IsOk());
    EXPECT_THAT(tx.InsertReviewItem(rev), IsOk());
    EXPECT_THAT(tx.InsertReviewItem(open_rev), IsOk());
    EXPECT_THAT(tx.CloseReviewItem(closing), IsOk());
    return absl::OkStatus();
  }), IsOk());
  rel.ended_at = kT0 + absl::Hours(3);
  rel.ended_by_user = "ender";
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto history = tx.ConsentHistory("con_1");
    EXPECT_THAT(history, IsOk());
    if (history.ok()) {
      EXPECT_THAT(ConsentIds(*history), ElementsAre("con_1/v1", "con_1/v2"));
      if (history->size() == 2) {
        ExpectConsentEq((*history)[0], c1);
        ExpectConsentEq((*history)[1], c2);
      }
    }
    auto list = tx.ListConsents("s1");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(ConsentIds(*list), ElementsAre("con_1/v2"));
    }
    auto rels = tx.ListRelationships("s1");
    EXPECT_THAT(rels, IsOk());
    if (rels.ok()) {
      EXPECT_THAT(RelationshipIds(*rels), ElementsAre("rel_1", "rel_2"));
      if (rels->size() == 2) {
        ExpectRelationshipEq((*rels)[0], rel);
        ExpectRelationshipEq((*rels)[1], open_rel);
      }
    }
    auto r = tx.GetReviewItem("rev_1");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectReviewItemEq(*r, AfterClose(rev, closing));
    auto open = tx.ListReviewItems(true, 0, 10);
    EXPECT_THAT(ReviewSeqs(open), ElementsAre(2));
    if (open.ok() && open->size() == 1) ExpectReviewItemEq((*open)[0], open_rev);
    return absl::OkStatus();
  }), IsOk());
  // The reopened store keeps enforcing the version chain and the end-once rules.
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertConsentVersion(c2), StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.EndRelationship("rel_1", kT0, "u"),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(tx.CloseReviewItem(closing), StatusIs(absl::StatusCode::kFailedPrecondition));
    return absl::OkStatus();
  }), IsOk());
}
}  // namespace
}  // namespace throughcare::testing
