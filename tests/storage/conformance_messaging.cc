// Storage contract tests (tests/storage/conformance.h): Messages, deliveries, mailboxes and leases.
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

TEST_P(StorageConformanceTest, MessagesRoundTripEveryField) {
  Message records = MakeMessage("msg_records", "probation-a", "key-1");
  // A record id may hold ':' (only ',' is refused); versions are int64.
  records.records = {{"rec_a", 1}, {"urn:rec:b", 12}, {"rec_c", int64_t{1} << 40}};
  Message report = MakeMessage("msg_report", "throughcare");
  report.kind = MessageKind::kReport;
  report.correlation_id = "";
  report.records = {};
  report.notice_message_id = "msg_records";
  report.notice_recipient = "housing-b";
  report.notice_state = DeliveryState::kDeadLettered;
  report.notice_reason = "not acked after 5 attempts";
  report.expires_at = absl::InfiniteFuture();
  Message notice = MakeMessage("msg_notice", "throughcare");
  notice.kind = MessageKind::kWithdrawalNotice;
  notice.records = {{"rec_only", 2}};
  notice.notice_consent_id = "con_9";
  notice.notice_message_ids = {"msg_records", "msg_other"};
  notice.created_at = absl::UnixEpoch();
  notice.expires_at = kT0 - absl::Hours(1);
  Message escalation = MakeMessage("msg_escalation", "throughcare");
  escalation.kind = MessageKind::kEscalation;
  escalation.correlation_id = "ref_1";
  escalation.notice_referral_state = ReferralState::kAppointmentBooked;
  escalation.notice_for_role = "team_manager";
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertMessage(records), IsOk());
    EXPECT_THAT(tx.InsertMessage(report), IsOk());
    EXPECT_THAT(tx.InsertMessage(notice), IsOk());
    EXPECT_THAT(tx.InsertMessage(escalation), IsOk());
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_records", "housing-b", "key-other")),
                StatusIs(absl::StatusCode::kAlreadyExists));
    return absl::OkStatus();
  }), IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    for (const Message* want : {&records, &report, &notice, &escalation}) {
      auto got = tx.GetMessage(want->message_id);
      EXPECT_THAT(got, IsOk());
      if (got.ok()) ExpectMessageEq(*got, *want);
    }
    EXPECT_THAT(tx.GetMessage("msg_none"), StatusIs(absl::StatusCode::kNotFound));
    // The refused duplicate took nothing: its key is free.
    EXPECT_THAT(tx.FindMessageByIdempotencyKey("housing-b", "key-other"),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, IdempotencyKeysAreUniquePerSenderAgency) {
  const Message first = MakeMessage("msg_1", "prison-a", "key-1");
  const Message other_agency = MakeMessage("msg_3", "probation-b", "key-1");
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertMessage(first), IsOk());
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_2", "prison-a", "key-1")),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertMessage(other_agency), IsOk());
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_4", "prison-a", "key-2")), IsOk());
    // Empty keys (broker messages) never collide.
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_5", "prison-a")), IsOk());
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_6", "prison-a")), IsOk());
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_7", "throughcare")), IsOk());
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_8", "throughcare")), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto found = tx.FindMessageByIdempotencyKey("prison-a", "key-1");
    EXPECT_THAT(found, IsOk());
    if (found.ok()) ExpectMessageEq(*found, first);
    found = tx.FindMessageByIdempotencyKey("probation-b", "key-1");
    EXPECT_THAT(found, IsOk());
    if (found.ok()) ExpectMessageEq(*found, other_agency);
    found = tx.FindMessageByIdempotencyKey("prison-a", "key-2");
    EXPECT_THAT(found, IsOk());
    if (found.ok()) {
      EXPECT_EQ(found->message_id, "msg_4");
    }
    EXPECT_THAT(tx.FindMessageByIdempotencyKey("probation-b", "key-2"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.FindMessageByIdempotencyKey("housing-c", "key-1"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.FindMessageByIdempotencyKey("prison-a", ""),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.FindMessageByIdempotencyKey("throughcare", ""),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.GetMessage("msg_2"), StatusIs(absl::StatusCode::kNotFound));
    for (const char* id : {"msg_5", "msg_6", "msg_7", "msg_8"}) {
      EXPECT_THAT(tx.GetMessage(id), IsOk()) << id;
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, DeliveriesRoundTripAndUpdateEveryMutableField) {
  Delivery zeta = MakeDelivery("msg_1", "zeta");
  zeta.consent_ids = {};
  Delivery alpha = MakeDelivery("msg_1", "alpha");  // inserted after zeta
  alpha.consent_ids = {"con_a", "con_b"};
  alpha.reason = "sent";
  alpha.first_delivered_at = kT0 + absl::Minutes(1);
  alpha.acked_at = kT0 + absl::Minutes(2);
  alpha.ended_at = kT0 + absl::Minutes(3);
  alpha.expires_at = absl::InfiniteFuture();
  Delivery other = MakeDelivery("msg_2", "alpha");
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_1")), IsOk());
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_2")), IsOk());
    for (Delivery* d : {&zeta, &alpha, &other}) {
      auto seq = tx.InsertDelivery(*d);
      EXPECT_THAT(seq, IsOk());
      if (seq.ok()) d->mailbox_seq = *seq;
    }
    EXPECT_THAT(tx.InsertDelivery(MakeDelivery("msg_none", "alpha")),
                StatusIs(absl::StatusCode::kNotFound));
    Delivery again = Leased(MakeDelivery("msg_1", "zeta"), "lease_z", kT0 + absl::Minutes(5));
    EXPECT_THAT(tx.InsertDelivery(again), StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.UpdateDelivery(MakeDelivery("msg_1", "nobody")),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.UpdateDelivery(MakeDelivery("msg_none", "alpha")),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto list = tx.ListDeliveries("msg_1");
    EXPECT_THAT(DeliveryKeys(list), ElementsAre("msg_1>zeta", "msg_1>alpha"));
    if (list.ok() && list->size() == 2) {
      ExpectDeliveryEq((*list)[0], zeta);  // the refused duplicate changed nothing
      ExpectDeliveryEq((*list)[1], alpha);
    }
    list = tx.ListDeliveries("msg_2");
    EXPECT_THAT(DeliveryKeys(list), ElementsAre("msg_2>alpha"));
    if (list.ok() && list->size() == 1) ExpectDeliveryEq((*list)[0], other);
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveries("msg_none")), ElementsAre());
    return absl::OkStatus();
  }), IsOk());

  // Every mutable field changes; the mailbox seq passed in is ignored.
  Delivery changed = zeta;
  changed.mailbox_seq = other.mailbox_seq + 100;
  changed.state = DeliveryState::kLeased;
  changed.reason = "nacked: try later";
  changed.attempts = 3;
  changed.available_at = kT0 + absl::Hours(1);
  changed.expires_at = kT0 + absl::Hours(96);
  changed.lease_id = "lease_1";
  changed.lease_expires_at = kT0 + absl::Hours(1) + absl::Minutes(5);
  changed.leased_to_user = "pm-7";
  changed.consent_ids = {"con_x", "con_y"};
  changed.first_delivered_at = kT0 + absl::Minutes(30);
  changed.acked_at = kT0 + absl::Minutes(31);
  changed.ended_at = kT0 + absl::Minutes(32);
  changed.updated_at = kT0 + absl::Hours(2);
  // And back: the optional times and the lease cleared.
  Delivery cleared = alpha;
  cleared.first_delivered_at.reset();
  cleared.acked_at.reset();
  cleared.ended_at.reset();
  cleared.consent_ids = {};
  cleared.state = DeliveryState::kWithheld;
  cleared.updated_at = kT0 + absl::Hours(3);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.UpdateDelivery(changed), IsOk());
    EXPECT_THAT(tx.UpdateDelivery(Leased(alpha, "lease_a", kT0 + absl::Minutes(5))), IsOk());
    EXPECT_THAT(tx.UpdateDelivery(cleared), IsOk());
    return absl::OkStatus();
  }), IsOk());
  changed.mailbox_seq = zeta.mailbox_seq;
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto list = tx.ListDeliveries("msg_1");
    EXPECT_THAT(DeliveryKeys(list), ElementsAre("msg_1>zeta", "msg_1>alpha"));
    if (list.ok() && list->size() == 2) {
      ExpectDeliveryEq((*list)[0], changed);
      ExpectDeliveryEq((*list)[1], cleared);
    }
    list = tx.ListDeliveries("msg_2");
    if (list.ok() && list->size() == 1) ExpectDeliveryEq((*list)[0], other);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, MailboxSeqsIncreaseAcrossCommitsAndReopen) {
  std::vector<int64_t> seqs;
  auto insert = [&](const std::string& message, int recipients) {
    return [&, message, recipients](WriteTx& tx) -> absl::Status {
      absl::Status s = tx.InsertMessage(MakeMessage(message));
      if (!s.ok()) return s;
      for (int i = 0; i < recipients; ++i) {
        Delivery d = MakeDelivery(message, absl::StrCat("agency-", i));
        d.mailbox_seq = 1;  // ignored
        absl::StatusOr<int64_t> seq = tx.InsertDelivery(d);
        if (!seq.ok()) return seq.status();
        seqs.push_back(*seq);
      }
      return absl::OkStatus();
    };
  };
  ASSERT_THAT(storage_->WriteAndWait(insert("msg_1", 4)), IsOk());
  ASSERT_THAT(storage_->WriteAndWait(insert("msg_2", 3)), IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->WriteAndWait(insert("msg_3", 2)), IsOk());
  ASSERT_THAT(seqs, SizeIs(9));
  for (size_t i = 1; i < seqs.size(); ++i) {
    EXPECT_GT(seqs[i], seqs[i - 1]) << "seq #" << i;
  }
  // The seqs given are the ones stored.
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    std::vector<int64_t> stored;
    for (const char* message : {"msg_1", "msg_2", "msg_3"}) {
      auto list = tx.ListDeliveries(message);
      EXPECT_THAT(list, IsOk());
      if (list.ok()) {
        for (const Delivery& d : *list) stored.push_back(d.mailbox_seq);
      }
    }
    EXPECT_EQ(stored, seqs);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, LeasesAreUniqueAndFoundWhileHeld) {
  const absl::Time until = kT0 + absl::Minutes(5);
  Delivery alpha = MakeDelivery("msg_1", "alpha");
  Delivery beta = MakeDelivery("msg_1", "beta");
  Delivery gamma = MakeDelivery("msg_1", "gamma");
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_1")), IsOk());
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_2")), IsOk());
    // No lease (empty) is not a lease: many deliveries have none.
    for (Delivery* d : {&alpha, &beta, &gamma}) {
      auto seq = tx.InsertDelivery(*d);
      EXPECT_THAT(seq, IsOk());
      if (seq.ok()) d->mailbox_seq = *seq;
    }
    alpha = Leased(alpha, "lease_1", until);
    beta = Leased(beta, "lease_2", until);
    EXPECT_THAT(tx.UpdateDelivery(alpha), IsOk());
    EXPECT_THAT(tx.UpdateDelivery(beta), IsOk());
    EXPECT_THAT(tx.UpdateDelivery(Leased(gamma, "lease_1", until)),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertDelivery(Leased(MakeDelivery("msg_2", "alpha"), "lease_2", until)),
                StatusIs(absl::StatusCode::kAlreadyExists));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto held = tx.GetDeliveryByLease("lease_1");
    EXPECT_THAT(held, IsOk());
    if (held.ok()) ExpectDeliveryEq(*held, alpha);
    held = tx.GetDeliveryByLease("lease_2");
    EXPECT_THAT(held, IsOk());
    if (held.ok()) ExpectDeliveryEq(*held, beta);
    EXPECT_THAT(tx.GetDeliveryByLease("lease_none"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.GetDeliveryByLease(""), StatusIs(absl::StatusCode::kNotFound));
    // The refused lease and insert changed nothing.
    auto list = tx.ListDeliveries("msg_1");
    EXPECT_THAT(DeliveryKeys(list), ElementsAre("msg_1>alpha", "msg_1>beta", "msg_1>gamma"));
    if (list.ok() && list->size() == 3) ExpectDeliveryEq((*list)[2], gamma);
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveries("msg_2")), ElementsAre());
    return absl::OkStatus();
  }), IsOk());
  // Settled and returned to the mailbox: the leases are released, and may be taken again.
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.UpdateDelivery(Ended(alpha, DeliveryState::kAcked, until)), IsOk());
    Delivery returned = beta;
    returned.state = DeliveryState::kPending;
    returned.lease_id = "";
    EXPECT_THAT(tx.UpdateDelivery(returned), IsOk());
    gamma = Leased(gamma, "lease_1", until + absl::Minutes(5));
    EXPECT_THAT(tx.UpdateDelivery(gamma), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetDeliveryByLease("lease_2"), StatusIs(absl::StatusCode::kNotFound));
    auto held = tx.GetDeliveryByLease("lease_1");
    EXPECT_THAT(held, IsOk());
    if (held.ok()) ExpectDeliveryEq(*held, gamma);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ListLeasableFiltersAndOrdersAMailbox) {
  const absl::Time now = kT0 + absl::Hours(10);
  // Inserted in this order (mailbox order), which is not message id order.
  std::deque<Delivery> ds;  // add's references stay valid
  auto add = [&](const std::string& message, const std::string& recipient) -> Delivery& {
    ds.push_back(MakeDelivery(message, recipient));
    return ds.back();
  };
  add("msg_h", "probation-a").available_at = now;  // available from exactly now
  add("msg_b", "probation-a") = Leased(MakeDelivery("msg_b", "probation-a"), "l_b", now);
  add("msg_f", "probation-a").available_at = now + absl::Seconds(1);  // a nack's delay
  add("msg_a", "probation-a").expires_at = now;  // expires exactly now
  add("msg_g", "housing-b");
  Delivery& forever = add("msg_c", "probation-a");
  forever.available_at = kT0 - absl::Hours(24 * 30);
  forever.expires_at = absl::InfiniteFuture();
  add("msg_e", "probation-a") = Ended(MakeDelivery("msg_e", "probation-a"),
                                      DeliveryState::kAcked, kT0);
  add("msg_i", "probation-a") = Ended(MakeDelivery("msg_i", "probation-a"),
                                      DeliveryState::kWithheld, kT0);
  Delivery& retried = add("msg_d", "probation-a");  // back in the mailbox after a nack
  retried = Leased(retried, "", now - absl::Hours(1));
  retried.state = DeliveryState::kPending;
  retried.reason = "nacked";
  retried.available_at = now - absl::Minutes(1);
  add("msg_j", "probation-a") = Ended(MakeDelivery("msg_j", "probation-a"),
                                      DeliveryState::kExpired, kT0);
  add("msg_k", "probation-a") = Ended(MakeDelivery("msg_k", "probation-a"),
                                      DeliveryState::kDeadLettered, kT0);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (Delivery& d : ds) EXPECT_THAT(AddDelivery(tx, d), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto all = tx.ListLeasable("probation-a", now, 0, 10);
    EXPECT_THAT(DeliveryKeys(all),
                ElementsAre("msg_h>probation-a", "msg_c>probation-a", "msg_d>probation-a"));
    if (all.ok() && all->size() == 3) {
      ExpectDeliveryEq((*all)[1], forever);
      ExpectDeliveryEq((*all)[2], retried);
    }
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now, 0, 2)),
                ElementsAre("msg_h>probation-a", "msg_c>probation-a"));
    // The keyset cursor: what comes after a mailbox_seq a caller was given.
    if (all.ok() && all->size() == 3) {
      const int64_t first = (*all)[0].mailbox_seq;
      const int64_t second = (*all)[1].mailbox_seq;
      const int64_t third = (*all)[2].mailbox_seq;
      EXPECT_LT(first, second);
      EXPECT_LT(second, third);
      EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now, first, 1)),
                  ElementsAre("msg_c>probation-a"));
      EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now, second, 10)),
                  ElementsAre("msg_d>probation-a"));
      EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now, third, 10)), ElementsAre());
    }
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now, 0, 0)), ElementsAre());
    // A second later the nacked one is available again.
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now + absl::Seconds(1), 0, 10)),
                ElementsAre("msg_h>probation-a", "msg_f>probation-a", "msg_c>probation-a",
                            "msg_d>probation-a"));
    // A second earlier, the one expiring at `now` is still leasable, and the one available
    // from `now` is not yet.
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now - absl::Seconds(1), 0, 10)),
                ElementsAre("msg_a>probation-a", "msg_c>probation-a", "msg_d>probation-a"));
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("housing-b", now, 0, 10)),
                ElementsAre("msg_g>housing-b"));
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("nobody", now, 0, 10)), ElementsAre());
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, CountOpenDeliveriesStopsAtTheCap) {
  std::vector<Delivery> ds;
  for (int i = 0; i < 3; ++i) ds.push_back(MakeDelivery(absl::StrCat("msg_p", i), "probation-a"));
  for (int i = 0; i < 2; ++i) {
    ds.push_back(Leased(MakeDelivery(absl::StrCat("msg_l", i), "probation-a"),
                        absl::StrCat("lease_", i), kT0));
  }
  int n = 0;
  for (DeliveryState s : {DeliveryState::kAcked, DeliveryState::kWithheld,
                          DeliveryState::kExpired, DeliveryState::kDeadLettered}) {
    ds.push_back(Ended(MakeDelivery(absl::StrCat("msg_e", n++), "probation-a"), s, kT0));
  }
  ds.push_back(MakeDelivery("msg_h0", "housing-b"));
  ds.push_back(Ended(MakeDelivery("msg_h1", "housing-b"), DeliveryState::kAcked, kT0));
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (Delivery& d : ds) EXPECT_THAT(AddDelivery(tx, d), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    using R = absl::StatusOr<int64_t>;
    EXPECT_THAT(tx.CountOpenDeliveries("probation-a", 100), ::testing::Eq(R(5)));
    EXPECT_THAT(tx.CountOpenDeliveries("probation-a", 5), ::testing::Eq(R(5)));
    EXPECT_THAT(tx.CountOpenDeliveries("probation-a", 4), ::testing::Eq(R(4)));
    EXPECT_THAT(tx.CountOpenDeliveries("probation-a", 1), ::testing::Eq(R(1)));
    EXPECT_THAT(tx.CountOpenDeliveries("probation-a", 0), ::testing::Eq(R(0)));
    EXPECT_THAT(tx.CountOpenDeliveries("housing-b", 10), ::testing::Eq(R(1)));
    EXPECT_THAT(tx.CountOpenDeliveries("nobody", 10), ::testing::Eq(R(0)));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, CountOpenDeliveriesFromOneSenderStopsAtTheCap) {
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    auto add = [&](const std::string& id, const std::string& sender, const std::string& to,
                   std::optional<DeliveryState> ended) -> absl::Status {
      RETURN_IF_ERROR(tx.InsertMessage(MakeMessage(id, sender)));
      Delivery d = MakeDelivery(id, to);
      if (ended.has_value()) d = Ended(d, *ended, kT0);
      return tx.InsertDelivery(d).status();
    };
    for (int i = 0; i < 3; ++i) {
      EXPECT_THAT(add(absl::StrCat("msg_a", i), "prison-a", "cjit-c", std::nullopt), IsOk());
    }
    EXPECT_THAT(add("msg_a_acked", "prison-a", "cjit-c", DeliveryState::kAcked), IsOk());
    EXPECT_THAT(add("msg_a_other", "prison-a", "housing-b", std::nullopt), IsOk());
    EXPECT_THAT(add("msg_b0", "probation-b", "cjit-c", std::nullopt), IsOk());
    // A leased delivery is open too.
    RETURN_IF_ERROR(tx.InsertMessage(MakeMessage("msg_b1", "probation-b")));
    return tx.InsertDelivery(Leased(MakeDelivery("msg_b1", "cjit-c"), "lease_b1", kT0)).status();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    using R = absl::StatusOr<int64_t>;
    EXPECT_THAT(tx.CountOpenDeliveriesFrom("cjit-c", "prison-a", 100), ::testing::Eq(R(3)));
    EXPECT_THAT(tx.CountOpenDeliveriesFrom("cjit-c", "prison-a", 2), ::testing::Eq(R(2)));
    EXPECT_THAT(tx.CountOpenDeliveriesFrom("cjit-c", "prison-a", 0), ::testing::Eq(R(0)));
    EXPECT_THAT(tx.CountOpenDeliveriesFrom("cjit-c", "probation-b", 100), ::testing::Eq(R(2)));
    EXPECT_THAT(tx.CountOpenDeliveriesFrom("housing-b", "prison-a", 100), ::testing::Eq(R(1)));
    EXPECT_THAT(tx.CountOpenDeliveriesFrom("cjit-c", "nobody", 100), ::testing::Eq(R(0)));
    EXPECT_THAT(tx.CountOpenDeliveries("cjit-c", 100), ::testing::Eq(R(5)));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ListDueDeliveriesFindsExpiriesAndLapsedLeases) {
  const absl::Time now = kT0 + absl::Hours(10);
  std::deque<Delivery> ds;  // add's references stay valid
  auto add = [&](const std::string& message, const std::string& recipient) -> Delivery& {
    ds.push_back(MakeDelivery(message, recipient));
    ds.back().expires_at = now + absl::Hours(1);
    return ds.back();
  };
  Delivery& lapsed = add("msg_lapsed", "alpha");  // due: the lease lapsed
  lapsed = Leased(lapsed, "l_lapsed", now - absl::Seconds(1));
  add("msg_stale", "beta").lease_expires_at = now - absl::Hours(1);  // pending: not due
  add("msg_expired", "beta").expires_at = now - absl::Hours(1);      // due: pending, expired
  Delivery& acked = add("msg_acked", "alpha");  // expired, but settled
  acked = Ended(acked, DeliveryState::kAcked, now - absl::Hours(2));
  acked.expires_at = now - absl::Hours(1);
  Delivery& both = add("msg_both", "gamma");  // due once, though due twice over
  both = Leased(both, "l_both", now - absl::Minutes(1));
  both.expires_at = now - absl::Minutes(1);
  Delivery& held = add("msg_held", "alpha");  // leased, nothing due yet
  held = Leased(held, "l_held", now + absl::Minutes(5));
  Delivery& expiring = add("msg_expiring", "gamma");  // due: leased, expires exactly now
  expiring = Leased(expiring, "l_expiring", now + absl::Minutes(5));
  expiring.expires_at = now;
  Delivery& boundary = add("msg_boundary", "beta");  // due: the lease ends exactly now
  boundary = Leased(boundary, "l_boundary", now);
  for (DeliveryState s :
       {DeliveryState::kWithheld, DeliveryState::kExpired, DeliveryState::kDeadLettered}) {
    Delivery& ended = add(absl::StrCat("msg_final_", static_cast<int>(s)), "alpha");
    ended = Ended(Leased(ended, "", now - absl::Hours(2)), s, now - absl::Hours(2));
    ended.expires_at = now - absl::Hours(1);
  }
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (Delivery& d : ds) EXPECT_THAT(AddDelivery(tx, d), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto due = tx.ListDueDeliveries(now, 10);
    EXPECT_THAT(DeliveryKeys(due),
                ElementsAre("msg_lapsed>alpha", "msg_expired>beta", "msg_both>gamma",
                            "msg_expiring>gamma", "msg_boundary>beta"));
    if (due.ok() && due->size() == 5) {
      ExpectDeliveryEq((*due)[0], lapsed);
      ExpectDeliveryEq((*due)[2], both);
    }
    EXPECT_THAT(DeliveryKeys(tx.ListDueDeliveries(now, 3)),
                ElementsAre("msg_lapsed>alpha", "msg_expired>beta", "msg_both>gamma"));
    EXPECT_THAT(DeliveryKeys(tx.ListDueDeliveries(now, 0)), ElementsAre());
    EXPECT_THAT(DeliveryKeys(tx.ListDueDeliveries(now - absl::Hours(2), 10)), ElementsAre());
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ListDeliveredUnderConsentFollowsStatesAndConsentIds) {
  const absl::Time until = kT0 + absl::Minutes(5);
  // In mailbox order; listed by recipient, then mailbox order.
  Delivery zeta = Leased(MakeDelivery("msg_1", "zeta"), "l_zeta", until);
  zeta.consent_ids = {"con_a", "con_b"};
  Delivery acked = Ended(Leased(MakeDelivery("msg_1", "alpha"), "", until),
                         DeliveryState::kAcked, until);
  acked.consent_ids = {"con_a"};
  Delivery pending = MakeDelivery("msg_2", "alpha");  // never delivered
  pending.consent_ids = {"con_a"};
  Delivery acked_b = Ended(Leased(MakeDelivery("msg_3", "alpha"), "", until),
                           DeliveryState::kAcked, until);
  acked_b.consent_ids = {"con_b"};
  Delivery withheld = Ended(MakeDelivery("msg_4", "beta"), DeliveryState::kWithheld, kT0);
  withheld.consent_ids = {"con_a"};
  Delivery leased = Leased(MakeDelivery("msg_5", "alpha"), "l_alpha", until);
  leased.consent_ids = {"con_c", "con_a"};
  // Delivered once, then returned to the mailbox (lease expired or nacked), or dead-lettered:
  // the recipient has seen the data all the same.
  Delivery returned = Leased(MakeDelivery("msg_6", "gamma"), "", until);
  returned.state = DeliveryState::kPending;
  returned.consent_ids = {"con_e"};
  Delivery dead = Ended(Leased(MakeDelivery("msg_7", "gamma"), "", until),
                        DeliveryState::kDeadLettered, until);
  dead.consent_ids = {"con_e"};
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (const char* id : {"msg_1", "msg_2", "msg_3", "msg_4", "msg_5", "msg_6", "msg_7"}) {
      EXPECT_THAT(tx.InsertMessage(MakeMessage(id)), IsOk());
    }
    for (Delivery* d : {&zeta, &acked, &pending, &acked_b, &withheld, &leased, &returned, &dead}) {
      auto seq = tx.InsertDelivery(*d);
      EXPECT_THAT(seq, IsOk());
      if (seq.ok()) d->mailbox_seq = *seq;
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto under_a = tx.ListDeliveredUnderConsent("con_a");
    EXPECT_THAT(DeliveryKeys(under_a), ElementsAre("msg_1>alpha", "msg_5>alpha", "msg_1>zeta"));
    if (under_a.ok() && under_a->size() == 3) {
      ExpectDeliveryEq((*under_a)[0], acked);
      ExpectDeliveryEq((*under_a)[2], zeta);
    }
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveredUnderConsent("con_b")),
                ElementsAre("msg_3>alpha", "msg_1>zeta"));
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveredUnderConsent("con_c")), ElementsAre("msg_5>alpha"));
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveredUnderConsent("con_e")),
                ElementsAre("msg_6>gamma", "msg_7>gamma"));
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveredUnderConsent("con_none")), ElementsAre());
    return absl::OkStatus();
  }), IsOk());
  // The list follows changes of state and of consent_ids.
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    zeta.consent_ids = {"con_b"};
    EXPECT_THAT(tx.UpdateDelivery(zeta), IsOk());
    pending = Leased(pending, "l_pending", until);
    pending.consent_ids = {"con_a", "con_d", "con_d"};  // listed twice, found once
    EXPECT_THAT(tx.UpdateDelivery(pending), IsOk());
    acked.consent_ids = {};
    EXPECT_THAT(tx.UpdateDelivery(acked), IsOk());
    leased = Ended(leased, DeliveryState::kAcked, until);  // consent_ids unchanged
    EXPECT_THAT(tx.UpdateDelivery(leased), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto under_a = tx.ListDeliveredUnderConsent("con_a");
    EXPECT_THAT(DeliveryKeys(under_a), ElementsAre("msg_2>alpha", "msg_5>alpha"));
    if (under_a.ok() && under_a->size() == 2) {
      ExpectDeliveryEq((*under_a)[0], pending);
      ExpectDeliveryEq((*under_a)[1], leased);
    }
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveredUnderConsent("con_b")),
                ElementsAre("msg_3>alpha", "msg_1>zeta"));
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveredUnderConsent("con_c")), ElementsAre("msg_5>alpha"));
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveredUnderConsent("con_d")), ElementsAre("msg_2>alpha"));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AtomicallyUndoesMessageAndDeliveryWrites) {
  const absl::Time until = kT0 + absl::Minutes(5);
  Delivery kept = MakeDelivery("msg_kept", "alpha");
  kept.consent_ids = {"con_a"};
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) { return AddDelivery(tx, kept); }),
              IsOk());
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_before")), IsOk());
    EXPECT_THAT(tx.Atomically([&](WriteTx& t) -> absl::Status {
      EXPECT_THAT(t.InsertMessage(MakeMessage("msg_undone", "prison-a", "key-undone")), IsOk());
      Delivery undone = Leased(MakeDelivery("msg_undone", "alpha"), "lease_undone", until);
      undone.consent_ids = {"con_a"};
      EXPECT_THAT(t.InsertDelivery(undone), IsOk());
      Delivery changed = Leased(kept, "lease_kept", until);
      changed.consent_ids = {"con_b"};
      EXPECT_THAT(t.UpdateDelivery(changed), IsOk());
      EXPECT_THAT(t.InsertDelivery(Leased(MakeDelivery("msg_kept", "beta"), "lease_beta", until)),
                  IsOk());
      return absl::AbortedError("changed my mind");
    }), StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_after")), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetMessage("msg_before"), IsOk());
    EXPECT_THAT(tx.GetMessage("msg_after"), IsOk());
    EXPECT_THAT(tx.GetMessage("msg_undone"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.FindMessageByIdempotencyKey("prison-a", "key-undone"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveries("msg_undone")), ElementsAre());
    auto list = tx.ListDeliveries("msg_kept");
    EXPECT_THAT(DeliveryKeys(list), ElementsAre("msg_kept>alpha"));
    if (list.ok() && list->size() == 1) ExpectDeliveryEq((*list)[0], kept);
    for (const char* lease : {"lease_undone", "lease_kept", "lease_beta"}) {
      EXPECT_THAT(tx.GetDeliveryByLease(lease), StatusIs(absl::StatusCode::kNotFound)) << lease;
    }
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveredUnderConsent("con_a")), ElementsAre());
    EXPECT_THAT(DeliveryKeys(tx.ListDeliveredUnderConsent("con_b")), ElementsAre());
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("alpha", kT0, 0, 10)),
                ElementsAre("msg_kept>alpha"));
    EXPECT_THAT(tx.CountOpenDeliveries("alpha", 10), ::testing::Eq(absl::StatusOr<int64_t>(1)));
    return absl::OkStatus();
  }), IsOk());
  // What was undone is free again: the id, the key, the delivery and the lease.
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertMessage(MakeMessage("msg_undone", "prison-a", "key-undone")), IsOk());
    EXPECT_THAT(tx.InsertDelivery(Leased(MakeDelivery("msg_undone", "alpha"), "lease_undone",
                                         until)),
                IsOk());
    return absl::OkStatus();
  }), IsOk());
}
TEST_P(StorageConformanceTest, ClaimLeasableTakesWhatListLeasableListsAfterTheCursor) {
  const absl::Time now = kT0 + absl::Hours(1);
  std::vector<Delivery> ds;
  for (const char* m : {"msg_c1", "msg_c2", "msg_c3"}) ds.push_back(MakeDelivery(m, "alpha"));
  ds.push_back(MakeDelivery("msg_c4", "beta"));
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (Delivery& d : ds) EXPECT_THAT(AddDelivery(tx, d), IsOk());
    return absl::OkStatus();
  }), IsOk());
  // A lease in one transaction: claim two, lease the first, pass over the second.
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Delivery> claimed, tx.ClaimLeasable("alpha", now, 0, 2));
    EXPECT_THAT(DeliveryKeys(claimed), ElementsAre("msg_c1>alpha", "msg_c2>alpha"));
    if (claimed.size() != 2) return absl::OkStatus();
    EXPECT_THAT(DeliveryKeys(tx.ClaimLeasable("alpha", now, claimed[1].mailbox_seq, 10)),
                ElementsAre("msg_c3>alpha"));
    return tx.UpdateDelivery(Leased(claimed[0], "lease_c1", now + absl::Minutes(5)));
  }), IsOk());
  // Later claims no longer see the leased one.
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(DeliveryKeys(tx.ClaimLeasable("alpha", now, 0, 10)),
                ElementsAre("msg_c2>alpha", "msg_c3>alpha"));
    EXPECT_THAT(DeliveryKeys(tx.ClaimLeasable("beta", now, 0, 10)), ElementsAre("msg_c4>beta"));
    EXPECT_THAT(DeliveryKeys(tx.ClaimLeasable("alpha", now, 0, 0)), ElementsAre());
    return absl::OkStatus();
  }), IsOk());
}
}  // namespace
}  // namespace throughcare::testing
