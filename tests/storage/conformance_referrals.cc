// Storage contract tests (tests/storage/conformance.h): Referrals, their history and deadlines.
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

TEST_P(StorageConformanceTest, ReferralsRoundTripEveryField) {
  // Every optional set: the event date, each stage's time, and each deadline time.
  Referral full = MakeReferral("ref_full", "s1");
  full.state = ReferralState::kEngaged;
  full.first_contact_at = kT0 + absl::Hours(3);
  full.assessed_at = kT0 + absl::Hours(4);
  full.engaged_at = kT0 + absl::Hours(5);
  full.history.push_back({ReferralState::kAccepted, ReferralState::kFirstContact, "housing-b",
                          "worker-full", "met at the gate", kT0 + absl::Hours(3)});
  full.deadlines[1].due_at = kT0 + absl::Hours(48);
  full.deadlines[1].escalated_at = kT0 + absl::Hours(49);
  full.deadlines.push_back({"engaged", ReferralState::kEngaged, kT0 + absl::Hours(72),
                            kT0 + absl::Hours(5), kT0 + absl::Hours(73), "service-lead"});
  // Every optional unset, every list and string empty.
  Referral bare;
  bare.referral_id = "ref_bare";
  bare.subject_id = "s2";
  bare.created_at = absl::UnixEpoch();
  bare.updated_at = kT0;
  // No history, and a deadline with no times; another day.
  Referral dated = MakeReferral("ref_dated", "s2");
  dated.state = ReferralState::kSent;
  dated.event_date = absl::CivilDay(2031, 12, 31);
  dated.received_at.reset();
  dated.accepted_at.reset();
  dated.history.clear();
  dated.deadlines = {{"received", ReferralState::kReceived, std::nullopt, std::nullopt,
                      std::nullopt, ""}};
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(AddReferrals(tx, {"s1", "s2"}, {full, bare, dated}), IsOk());
    Referral again = MakeReferral("ref_full", "s2");
    again.referring_agency = "probation-c";
    again.idempotency_key = "key-other";
    EXPECT_THAT(tx.InsertReferral(again), StatusIs(absl::StatusCode::kAlreadyExists));
    return absl::OkStatus();
  }), IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    for (const Referral* want : {&full, &bare, &dated}) ExpectStoredReferral(tx, *want);
    EXPECT_THAT(tx.GetReferral("ref_none"), StatusIs(absl::StatusCode::kNotFound));
    // The refused duplicate took nothing: its key is free.
    EXPECT_THAT(tx.FindReferralByIdempotencyKey("probation-c", "key-other"),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ReferralIdempotencyKeysAreUniquePerReferringAgency) {
  Referral first = MakeReferral("ref_1", "s1");
  first.idempotency_key = "key-1";
  Referral same_key = MakeReferral("ref_2", "s1");
  same_key.idempotency_key = "key-1";
  Referral other_receiver = MakeReferral("ref_3", "s1");  // the receiver plays no part
  other_receiver.idempotency_key = "key-1";
  other_receiver.receiving_agency = "treatment-c";
  Referral other_agency = MakeReferral("ref_4", "s1");
  other_agency.idempotency_key = "key-1";
  other_agency.referring_agency = "probation-b";
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(AddReferrals(tx, {"s1"}, {first}), IsOk());
    EXPECT_THAT(tx.InsertReferral(same_key), StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertReferral(other_receiver), StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertReferral(other_agency), IsOk());
    // Empty keys never collide.
    for (const char* id : {"ref_5", "ref_6"}) {
      Referral keyless = MakeReferral(id, "s1");
      keyless.idempotency_key = "";
      EXPECT_THAT(tx.InsertReferral(keyless), IsOk()) << id;
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto found = tx.FindReferralByIdempotencyKey("prison-a", "key-1");
    EXPECT_THAT(found, IsOk());
    if (found.ok()) ExpectReferralEq(*found, first);
    found = tx.FindReferralByIdempotencyKey("probation-b", "key-1");
    EXPECT_THAT(found, IsOk());
    if (found.ok()) ExpectReferralEq(*found, other_agency);
    EXPECT_THAT(tx.FindReferralByIdempotencyKey("housing-b", "key-1"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.FindReferralByIdempotencyKey("prison-a", "key-2"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.FindReferralByIdempotencyKey("prison-a", ""),
                StatusIs(absl::StatusCode::kNotFound));
    for (const char* id : {"ref_2", "ref_3"}) {
      EXPECT_THAT(tx.GetReferral(id), StatusIs(absl::StatusCode::kNotFound)) << id;
    }
    for (const char* id : {"ref_5", "ref_6"}) EXPECT_THAT(tx.GetReferral(id), IsOk()) << id;
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, InsertReferralOfAnUnknownSubjectIsNotFound) {
  const Referral r = MakeReferral("ref_1", "s_unknown");
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertReferral(r), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetReferral("ref_1"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.FindReferralByIdempotencyKey("prison-a", "key-ref_1"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("prison-a", "", false, 10))),
                ElementsAre());
    return absl::OkStatus();
  }), IsOk());
  // Nothing of it was left behind: once the person exists, the same referral goes in whole.
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    return AddReferrals(tx, {"s_unknown"}, {r});
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ExpectStoredReferral(tx, r);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, UpdateReferralReplacesEveryMutableField) {
  Referral stored = MakeReferral("ref_1", "s1");
  stored.state = ReferralState::kSent;
  stored.event_date.reset();
  stored.received_at.reset();
  stored.accepted_at.reset();
  const Referral other = MakeReferral("ref_2", "s1");
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    return AddReferrals(tx, {"s1", "s2"}, {stored, other});
  }), IsOk());

  // Every mutable field changes, and every optional one is set.
  Referral changed = stored;
  changed.home_area = "E06000018";
  changed.state = ReferralState::kEngaged;
  changed.reason = "engaged well";
  changed.event_date = absl::CivilDay(2027, 2, 1);
  changed.note = "changed note";
  changed.message_id = "msg_changed";
  changed.relationship_id = "rel_changed";
  changed.updated_at = kT0 + absl::Hours(10);
  changed.received_at = kT0 + absl::Hours(6);
  changed.accepted_at = kT0 + absl::Hours(7);
  changed.first_contact_at = kT0 + absl::Hours(8);
  changed.assessed_at = kT0 + absl::Hours(9);
  changed.engaged_at = kT0 + absl::Hours(10);
  // What the update may not change is kept, whatever the argument says.
  Referral update = changed;
  update.referral_type = "treatment";
  update.subject_id = "s2";
  update.referring_agency = "probation-z";
  update.referring_user = "officer-z";
  update.receiving_agency = "treatment-z";
  update.contact = "team-z";
  update.records = {{"rec_z", 9}};
  update.idempotency_key = "key-z";
  update.created_at = kT0 + absl::Hours(100);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.UpdateReferral(update); }),
              IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ExpectStoredReferral(tx, changed);
    ExpectStoredReferral(tx, other);
    auto found = tx.FindReferralByIdempotencyKey("prison-a", "key-ref_1");
    EXPECT_THAT(found, IsOk());
    if (found.ok()) {
      EXPECT_EQ(found->referral_id, "ref_1");
    }
    EXPECT_THAT(tx.FindReferralByIdempotencyKey("probation-z", "key-z"),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());

  // And back: every optional field cleared.
  Referral cleared = changed;
  cleared.state = ReferralState::kWithdrawn;
  cleared.event_date.reset();
  cleared.received_at.reset();
  cleared.accepted_at.reset();
  cleared.first_contact_at.reset();
  cleared.assessed_at.reset();
  cleared.engaged_at.reset();
  cleared.relationship_id = "";
  cleared.updated_at = kT0 + absl::Hours(11);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.UpdateReferral(cleared); }),
              IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ExpectStoredReferral(tx, cleared);
    ExpectStoredReferral(tx, other);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, UpdateReferralAppendsHistoryAndUpdatesDeadlinesByName) {
  Referral stored = MakeReferral("ref_1", "s1");
  stored.deadlines.push_back({"first_contact", ReferralState::kFirstContact,
                              kT0 + absl::Hours(72), std::nullopt, std::nullopt, "team-lead"});
  const Referral other = MakeReferral("ref_2", "s1");
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    return AddReferrals(tx, {"s1"}, {stored, other});
  }), IsOk());

  Referral update = stored;
  update.state = ReferralState::kFirstContact;
  update.history.push_back({ReferralState::kAccepted, ReferralState::kAppointmentBooked,
                            "housing-b", "worker-1", "booked", kT0 + absl::Hours(3)});
  update.history.push_back({ReferralState::kAppointmentBooked, ReferralState::kFirstContact,
                            "housing-b", "worker-1", "", kT0 + absl::Hours(4)});
  // The stored entries are not rewritten, only the new ones appended.
  update.history[0].reason = "rewritten";
  // By name, in another order; only the times change (one of each set, one of each cleared).
  ReferralDeadline first_contact = stored.deadlines[2];
  first_contact.met_at = kT0 + absl::Hours(4);
  first_contact.reach = ReferralState::kEngaged;
  first_contact.supervisor_role = "someone-else";
  ReferralDeadline acknowledged = stored.deadlines[0];
  acknowledged.due_at = kT0 + absl::Hours(25);
  acknowledged.met_at.reset();
  ReferralDeadline before_release = stored.deadlines[1];
  before_release.due_at = kT0 + absl::Hours(30);
  before_release.escalated_at = kT0 + absl::Hours(31);
  update.deadlines = {first_contact, before_release, acknowledged};
  Referral want = update;
  want.history[0] = stored.history[0];
  want.deadlines = stored.deadlines;
  want.deadlines[0].due_at = acknowledged.due_at;
  want.deadlines[0].met_at.reset();
  want.deadlines[1].due_at = before_release.due_at;
  want.deadlines[1].escalated_at = before_release.escalated_at;
  want.deadlines[2].met_at = first_contact.met_at;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.UpdateReferral(update); }),
              IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ExpectStoredReferral(tx, want);
    ExpectStoredReferral(tx, other);
    return absl::OkStatus();
  }), IsOk());

  // The same history again appends nothing; one more entry appends one.
  Referral again = want;
  again.note = "again";
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.UpdateReferral(again); }),
              IsOk());
  Referral more = again;
  more.state = ReferralState::kAssessed;
  more.history.push_back({ReferralState::kFirstContact, ReferralState::kAssessed, "housing-b",
                          "worker-2", "", kT0 + absl::Hours(5)});
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.UpdateReferral(more); }),
              IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ExpectStoredReferral(tx, more);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, UpdateReferralRefusesToShortenHistoryOrChangeDeadlineNames) {
  const Referral stored = MakeReferral("ref_1", "s1");  // two transitions, two deadlines
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    return AddReferrals(tx, {"s1"}, {stored});
  }), IsOk());
  // Each is otherwise a valid update: new state, one more transition, deadlines met.
  auto update = [&] {
    Referral r = stored;
    r.state = ReferralState::kClosed;
    r.note = "refused";
    r.history.push_back({ReferralState::kAccepted, ReferralState::kClosed, "housing-b",
                         "worker-1", "done", kT0 + absl::Hours(5)});
    for (ReferralDeadline& d : r.deadlines) d.met_at = kT0 + absl::Hours(5);
    return r;
  };
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    Referral shorter = update();
    shorter.history.resize(1);
    EXPECT_THAT(tx.UpdateReferral(shorter), StatusIs(absl::StatusCode::kFailedPrecondition));
    shorter.history.clear();
    EXPECT_THAT(tx.UpdateReferral(shorter), StatusIs(absl::StatusCode::kFailedPrecondition));
    Referral renamed = update();
    renamed.deadlines[0].name = "renamed";
    EXPECT_THAT(tx.UpdateReferral(renamed), StatusIs(absl::StatusCode::kFailedPrecondition));
    Referral added = update();
    added.deadlines.push_back({"added", ReferralState::kEngaged, kT0, std::nullopt,
                               std::nullopt, ""});
    EXPECT_THAT(tx.UpdateReferral(added), StatusIs(absl::StatusCode::kFailedPrecondition));
    Referral removed = update();
    removed.deadlines.pop_back();
    EXPECT_THAT(tx.UpdateReferral(removed), StatusIs(absl::StatusCode::kFailedPrecondition));
    Referral doubled = update();  // as many deadlines, but one name twice and one missing
    doubled.deadlines[1] = doubled.deadlines[0];
    EXPECT_THAT(tx.UpdateReferral(doubled), StatusIs(absl::StatusCode::kFailedPrecondition));
    Referral none = MakeReferral("ref_none", "s1");
    EXPECT_THAT(tx.UpdateReferral(none), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  // The refused updates changed nothing, and wrote nothing for the unknown id.
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ExpectStoredReferral(tx, stored);
    EXPECT_THAT(tx.GetReferral("ref_none"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ListReferralsForAgencyOverdueAndPaged) {
  std::vector<Referral> rs;
  auto add = [&](const std::string& id, absl::Duration created, ReferralState state,
                 ReferralDeadline deadline) {
    Referral r = MakeReferral(id, "s1");
    r.created_at = kT0 + created;
    r.state = state;
    r.deadlines = {deadline};
    rs.push_back(r);
  };
  const absl::Time due = kT0 + absl::Hours(24);
  add("ref_due", absl::Hours(5), ReferralState::kSent,
      {"acknowledged", ReferralState::kReceived, due, std::nullopt, std::nullopt, "m"});
  add("ref_escalated", absl::Hours(4), ReferralState::kClosed,
      {"acknowledged", ReferralState::kReceived, due, kT0 + absl::Hours(30), due, "m"});
  add("ref_final", absl::Hours(3), ReferralState::kClosed,
      {"acknowledged", ReferralState::kReceived, due, std::nullopt, std::nullopt, "m"});
  add("ref_met", absl::Hours(2), ReferralState::kAccepted,
      {"acknowledged", ReferralState::kReceived, due, kT0 + absl::Hours(3), std::nullopt, "m"});
  add("ref_undated", absl::Hours(2), ReferralState::kAccepted,
      {"first_contact", ReferralState::kFirstContact, std::nullopt, std::nullopt, std::nullopt,
       "m"});
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return AddReferrals(tx, {"s1"}, rs); }),
              IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ReferralQuery q = ForAgency("prison-a", "", false, 10);
    q.overdue_at = due - absl::Seconds(1);
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(q)), ElementsAre("ref_escalated"));
    q.overdue_at = due;
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(q)),
                ElementsAre("ref_due", "ref_escalated"));
    q.subject_id = "s1";
    q.open_only = true;
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(q)), ElementsAre("ref_due"));

    // Pages of two, each after the last one of the page before; equal creation times are
    // ordered by id.
    q = ForAgency("prison-a", "", false, 2);
    std::vector<std::string> pages;
    for (int page = 0; page < 4; ++page) {
      absl::StatusOr<std::vector<Referral>> got = tx.ListReferralsForAgency(q);
      if (!got.ok() || got->empty()) break;
      for (const Referral& r : *got) pages.push_back(r.referral_id);
      q.after = ReferralCursor{got->back().created_at, got->back().referral_id};
    }
    EXPECT_THAT(pages, ElementsAre("ref_due", "ref_escalated", "ref_final", "ref_undated",
                                   "ref_met"));
    q.subject_id = "s1";
    q.after = ReferralCursor{kT0 + absl::Hours(2), "ref_undated"};
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(q)), ElementsAre("ref_met"));

    // The gauges: open ones by type, and of those the overdue ones (the closed, escalated one
    // is not open).
    auto counts = tx.CountOpenReferrals(due);
    EXPECT_THAT(counts, IsOk());
    if (counts.ok()) {
      EXPECT_EQ(counts->size(), 1u);
      for (const OpenReferralCount& c : *counts) {
        EXPECT_EQ(c.referral_type, "housing");
        EXPECT_EQ(c.open, 3);     // due, met, undated
        EXPECT_EQ(c.overdue, 1);  // due
      }
    }
    counts = tx.CountOpenReferrals(due - absl::Seconds(1));
    EXPECT_THAT(counts, IsOk());
    if (counts.ok()) {
      EXPECT_EQ(counts->size(), 1u);
      for (const OpenReferralCount& c : *counts) EXPECT_EQ(c.overdue, 0);
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ListReferralsForAgencyNewestFirst) {
  // probation-a makes some, receives some, and refers one to itself; created out of insertion
  // order, two at the same time.
  std::vector<Referral> rs;
  auto add = [&](const std::string& id, const std::string& subject, const std::string& from,
                 const std::string& to, absl::Duration created, ReferralState state) {
    Referral r = MakeReferral(id, subject);
    r.referring_agency = from;
    r.receiving_agency = to;
    r.created_at = kT0 + created;
    r.state = state;
    rs.push_back(r);
  };
  add("ref_a3", "s1", "probation-a", "housing-b", absl::Hours(2), ReferralState::kDeclined);
  add("ref_a1", "s1", "probation-a", "housing-b", absl::Hours(1), ReferralState::kSent);
  add("ref_o1", "s1", "prison-a", "housing-b", absl::Hours(5), ReferralState::kSent);
  add("ref_a4", "s1", "prison-a", "probation-a", absl::Hours(3), ReferralState::kClosed);
  add("ref_a2", "s2", "prison-a", "probation-a", absl::Hours(3), ReferralState::kAccepted);
  add("ref_o2", "s2", "housing-b", "prison-a", absl::Hours(6), ReferralState::kEngaged);
  add("ref_a5", "s2", "probation-a", "probation-a", absl::Hours(4), ReferralState::kReceived);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    return AddReferrals(tx, {"s1", "s2", "s3"}, rs);
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto all = tx.ListReferralsForAgency(ForAgency("probation-a", "", false, 10));
    EXPECT_THAT(ReferralIds(all), ElementsAre("ref_a5", "ref_a4", "ref_a2", "ref_a3", "ref_a1"));
    if (all.ok() && all->size() == 5) ExpectReferralEq((*all)[0], rs[6]);
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("probation-a", "", false, 3))),
                ElementsAre("ref_a5", "ref_a4", "ref_a2"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("probation-a", "", false, 0))),
                ElementsAre());
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("probation-a", "", true, 10))),
                ElementsAre("ref_a5", "ref_a2", "ref_a1"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("probation-a", "", true, 2))),
                ElementsAre("ref_a5", "ref_a2"));
    auto about_s1 = tx.ListReferralsForAgency(ForAgency("probation-a", "s1", false, 10));
    EXPECT_THAT(ReferralIds(about_s1), ElementsAre("ref_a4", "ref_a3", "ref_a1"));
    if (about_s1.ok() && about_s1->size() == 3) ExpectReferralEq((*about_s1)[0], rs[3]);
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("probation-a", "s1", false, 2))),
                ElementsAre("ref_a4", "ref_a3"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("probation-a", "s1", true, 10))),
                ElementsAre("ref_a1"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("probation-a", "s1", false, 0))),
                ElementsAre());
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("probation-a", "s2", false, 10))),
                ElementsAre("ref_a5", "ref_a2"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("probation-a", "s3", false, 10))),
                ElementsAre());
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("housing-b", "", false, 10))),
                ElementsAre("ref_o2", "ref_o1", "ref_a3", "ref_a1"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("housing-b", "s2", false, 10))),
                ElementsAre("ref_o2"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("nobody", "", false, 10))), ElementsAre());
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ListOpenReferralsOfSubjectOldestFirst) {
  // One referral of s1 in each state, the later states created earlier.
  std::vector<Referral> rs;
  for (int n = 1; n <= 12; ++n) {
    Referral r = MakeReferral(absl::StrCat("ref_", n < 10 ? "0" : "", n), "s1");
    r.state = static_cast<ReferralState>(n);
    r.created_at = kT0 + absl::Hours(12 - n);
    rs.push_back(r);
  }
  Referral others = MakeReferral("ref_s2", "s2");
  others.created_at = kT0 - absl::Hours(1);
  rs.push_back(others);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    return AddReferrals(tx, {"s1", "s2", "s3"}, rs);
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    // Declined (4), closed (10), withdrawn (11) and lost contact (12) are final.
    auto open = tx.ListOpenReferralsOfSubject("s1");
    EXPECT_THAT(ReferralIds(open), ElementsAre("ref_09", "ref_08", "ref_07", "ref_06", "ref_05",
                                               "ref_03", "ref_02", "ref_01"));
    if (open.ok() && open->size() == 8) ExpectReferralEq((*open)[7], rs[0]);
    EXPECT_THAT(ReferralIds(tx.ListOpenReferralsOfSubject("s2")), ElementsAre("ref_s2"));
    EXPECT_THAT(ReferralIds(tx.ListOpenReferralsOfSubject("s3")), ElementsAre());
    return absl::OkStatus();
  }), IsOk());
  // Closing one takes it off the list.
  Referral closed = rs[1];
  closed.state = ReferralState::kClosed;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.UpdateReferral(closed); }),
              IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(ReferralIds(tx.ListOpenReferralsOfSubject("s1")),
                ElementsAre("ref_09", "ref_08", "ref_07", "ref_06", "ref_05", "ref_03",
                            "ref_01"));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ListReferralsWithDueDeadlinesFindsPendingOnesOfOpenReferrals) {
  const absl::Time now = kT0 + absl::Hours(100);
  const absl::Time past = now - absl::Hours(1);
  std::vector<Referral> rs;
  // A referral created `created` after kT0, with the deadlines `due` (due times; unset for
  // none), met or escalated as `done` says ('m', 'e', or '-' for pending).
  auto add = [&](const std::string& id, absl::Duration created,
                 std::vector<std::optional<absl::Time>> due, const std::string& done,
                 ReferralState state = ReferralState::kAccepted) {
    Referral r = MakeReferral(id, "s1");
    r.created_at = kT0 + created;
    r.state = state;
    r.deadlines.clear();
    for (size_t i = 0; i < due.size(); ++i) {
      ReferralDeadline d{absl::StrCat("deadline-", i), ReferralState::kReceived, due[i],
                         std::nullopt, std::nullopt, "lead"};
      if (done[i] == 'm') d.met_at = past;
      if (done[i] == 'e') d.escalated_at = past;
      r.deadlines.push_back(d);
    }
    rs.push_back(r);
  };
  add("ref_due_now", absl::Hours(5), {now}, "-");                          // due: exactly now
  add("ref_later", absl::Hours(0), {now + absl::Microseconds(1)}, "-");    // not yet due
  add("ref_past", absl::Hours(1), {past}, "-");                            // due
  add("ref_met", absl::Hours(0), {past}, "m");                             // met
  add("ref_escalated", absl::Hours(0), {past}, "e");                       // escalated
  add("ref_unset", absl::Hours(0), {std::nullopt}, "-");                   // no due time yet
  add("ref_two", absl::Hours(3), {past, past - absl::Hours(1)}, "--");     // listed once
  add("ref_mixed", absl::Hours(4), {past, past, now + absl::Hours(1)}, "m--");  // one due
  for (ReferralState final_state : {ReferralState::kDeclined, ReferralState::kClosed,
                                    ReferralState::kWithdrawn, ReferralState::kLostContact}) {
    add(absl::StrCat("ref_final_", static_cast<int>(final_state)), absl::Hours(0), {past}, "-",
        final_state);
  }
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    return AddReferrals(tx, {"s1"}, rs);
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto due = tx.ListReferralsWithDueDeadlines(now, 10);
    EXPECT_THAT(ReferralIds(due), ElementsAre("ref_past", "ref_two", "ref_mixed", "ref_due_now"));
    if (due.ok() && due->size() == 4) ExpectReferralEq((*due)[2], rs[7]);
    EXPECT_THAT(ReferralIds(tx.ListReferralsWithDueDeadlines(now, 2)),
                ElementsAre("ref_past", "ref_two"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsWithDueDeadlines(now, 0)), ElementsAre());
    EXPECT_THAT(ReferralIds(tx.ListReferralsWithDueDeadlines(now - absl::Microseconds(1), 10)),
                ElementsAre("ref_past", "ref_two", "ref_mixed"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsWithDueDeadlines(past - absl::Hours(2), 10)),
                ElementsAre());
    return absl::OkStatus();
  }), IsOk());
  // Updates move referrals off the list: escalated, closed; one of two met leaves the other.
  Referral escalated = rs[2];
  escalated.deadlines[0].escalated_at = now;
  Referral closed = rs[7];
  closed.state = ReferralState::kClosed;
  Referral half_met = rs[6];
  half_met.deadlines[0].met_at = now;
  Referral fixed_date = rs[5];  // its deadline's due time becomes known, and is due
  fixed_date.deadlines[0].due_at = past;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (const Referral* r : {&escalated, &closed, &half_met, &fixed_date}) {
      EXPECT_THAT(tx.UpdateReferral(*r), IsOk()) << r->referral_id;
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(ReferralIds(tx.ListReferralsWithDueDeadlines(now, 10)),
                ElementsAre("ref_unset", "ref_two", "ref_due_now"));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ListReferralsCreatedBetweenIsHalfOpen) {
  const absl::Time from = kT0 + absl::Hours(10);
  const absl::Time until = kT0 + absl::Hours(20);
  std::vector<Referral> rs;
  auto add = [&](const std::string& id, absl::Time created, const std::string& type) {
    Referral r = MakeReferral(id, "s1");
    r.created_at = created;
    r.referral_type = type;
    rs.push_back(r);
  };
  add("ref_last", until - absl::Microseconds(1), "housing");
  add("ref_before", from - absl::Microseconds(1), "housing");
  add("ref_at_until", until, "housing");
  add("ref_treatment", from + absl::Hours(5), "treatment");
  add("ref_at_from", from, "housing");
  rs.back().state = ReferralState::kClosed;  // final ones count too
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    return AddReferrals(tx, {"s1"}, rs);
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto all = tx.ListReferralsCreatedBetween(from, until, "");
    EXPECT_THAT(ReferralIds(all), ElementsAre("ref_at_from", "ref_treatment", "ref_last"));
    if (all.ok() && all->size() == 3) ExpectReferralEq((*all)[0], rs[4]);
    EXPECT_THAT(ReferralIds(tx.ListReferralsCreatedBetween(from, until, "housing")),
                ElementsAre("ref_at_from", "ref_last"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsCreatedBetween(from, until, "treatment")),
                ElementsAre("ref_treatment"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsCreatedBetween(from, until, "other")),
                ElementsAre());
    EXPECT_THAT(ReferralIds(tx.ListReferralsCreatedBetween(from, from, "")), ElementsAre());
    EXPECT_THAT(ReferralIds(tx.ListReferralsCreatedBetween(
                    absl::InfinitePast(), absl::InfiniteFuture(), "housing")),
                ElementsAre("ref_before", "ref_at_from", "ref_last", "ref_at_until"));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AtomicallyUndoesReferralWrites) {
  Referral kept = MakeReferral("ref_kept", "s1");
  kept.deadlines[0].met_at.reset();  // pending, due at kT0 + 24h
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    return AddReferrals(tx, {"s1"}, {kept});
  }), IsOk());
  Referral before = MakeReferral("ref_before", "s1");
  before.created_at = kT0 + absl::Hours(1);
  Referral after = MakeReferral("ref_after", "s1");
  after.created_at = kT0 + absl::Hours(3);
  Referral undone = MakeReferral("ref_undone", "s1");
  undone.created_at = kT0 + absl::Hours(2);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertReferral(before), IsOk());
    EXPECT_THAT(tx.Atomically([&](WriteTx& t) -> absl::Status {
      EXPECT_THAT(t.InsertReferral(undone), IsOk());
      Referral changed = kept;
      changed.state = ReferralState::kClosed;
      changed.history.push_back({ReferralState::kAccepted, ReferralState::kClosed, "housing-b",
                                 "worker-1", "done", kT0 + absl::Hours(5)});
      changed.deadlines[0].met_at = kT0 + absl::Hours(5);
      EXPECT_THAT(t.UpdateReferral(changed), IsOk());
      return absl::AbortedError("changed my mind");
    }), StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.InsertReferral(after), IsOk());
    return absl::OkStatus();
  }), IsOk());
  const absl::Time now = kT0 + absl::Hours(48);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ExpectStoredReferral(tx, kept);
    ExpectStoredReferral(tx, before);
    ExpectStoredReferral(tx, after);
    EXPECT_THAT(tx.GetReferral("ref_undone"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.FindReferralByIdempotencyKey("prison-a", "key-ref_undone"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(ReferralIds(tx.ListOpenReferralsOfSubject("s1")),
                ElementsAre("ref_kept", "ref_before", "ref_after"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsWithDueDeadlines(now, 10)), ElementsAre("ref_kept"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsForAgency(ForAgency("prison-a", "", false, 10))),
                ElementsAre("ref_after", "ref_before", "ref_kept"));
    EXPECT_THAT(ReferralIds(tx.ListReferralsCreatedBetween(kT0, now, "")),
                ElementsAre("ref_kept", "ref_before", "ref_after"));
    return absl::OkStatus();
  }), IsOk());
  // What was undone is free again: the id, the key, the history and the deadlines.
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return tx.InsertReferral(undone); }),
              IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ExpectStoredReferral(tx, undone);
    return absl::OkStatus();
  }), IsOk());
}
}  // namespace
}  // namespace throughcare::testing
