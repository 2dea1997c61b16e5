// The crash harness's checks fire on the histories they exist for, and only on those.
#include "tests/crash/ledger.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace throughcare::crash {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(LedgerTest, RedeliveriesOfUnackedMessagesPass) {
  Ledger ledger;
  ledger.SendAcknowledged("k1", "m1", /*duplicate=*/false);
  ledger.SendAcknowledged("k2", "m2", /*duplicate=*/false);
  ledger.SendAcknowledged("k2", "m2", /*duplicate=*/true);  // a replay
  ledger.Delivered("m1", 1, "l1");
  ledger.Delivered("m2", 1, "l2");
  ledger.Delivered("m1", 3, "l3");  // attempt 2 was leased to a stream that broke
  ledger.AckConfirmed("m1");
  ledger.AckConfirmed("m2");
  const Findings f = ledger.Check();
  EXPECT_THAT(f.lost, IsEmpty());
  EXPECT_THAT(f.phantom, IsEmpty());
  EXPECT_THAT(f.duplicate, IsEmpty());
  EXPECT_THAT(f.key_mismatch, IsEmpty());
  const Tally t = ledger.tally();
  EXPECT_EQ(t.sends_acknowledged, 2);
  EXPECT_EQ(t.replays, 1);
  EXPECT_EQ(t.delivered, 2);
  EXPECT_EQ(t.deliveries, 3);
  EXPECT_EQ(t.max_attempt, 3);
  EXPECT_THAT(ledger.Unconfirmed({}), IsEmpty());
}

TEST(LedgerTest, AnAcknowledgedSendNeverDeliveredIsLost) {
  Ledger ledger;
  ledger.SendAcknowledged("k1", "m1", /*duplicate=*/false);
  ledger.SendAcknowledged("k2", "m2", /*duplicate=*/false);
  ledger.Delivered("m1", 1, "l1");
  EXPECT_THAT(ledger.Check().lost, ElementsAre("m2"));
  EXPECT_THAT(ledger.Unconfirmed({}), ElementsAre("m1", "m2"));
  EXPECT_THAT(ledger.Unconfirmed({"m2"}), ElementsAre("m1"));
  EXPECT_EQ(ledger.KeyOf("m2"), "k2");
}

TEST(LedgerTest, ADeliveryNoSendReturnedIsAPhantom) {
  Ledger ledger;
  ledger.Delivered("m9", 1, "l1");
  EXPECT_THAT(ledger.Check().phantom, ElementsAre("m9"));
}

TEST(LedgerTest, AttemptsMustRise) {
  Ledger ledger;
  ledger.SendAcknowledged("k1", "m1", /*duplicate=*/false);
  ledger.Delivered("m1", 2, "l1");
  ledger.Delivered("m1", 2, "l2");
  EXPECT_THAT(ledger.Check().duplicate,
              ElementsAre(HasSubstr("attempt 2 delivered after attempt 2")));
}

TEST(LedgerTest, ALeaseDeliveredTwiceIsADuplicate) {
  Ledger ledger;
  ledger.SendAcknowledged("k1", "m1", /*duplicate=*/false);
  ledger.Delivered("m1", 1, "l1");
  ledger.Delivered("m1", 2, "l1");
  EXPECT_THAT(ledger.Check().duplicate, ElementsAre(HasSubstr("lease l1 delivered twice")));
}

TEST(LedgerTest, ADeliveryAfterAConfirmedAckIsADuplicate) {
  Ledger ledger;
  ledger.SendAcknowledged("k1", "m1", /*duplicate=*/false);
  ledger.Delivered("m1", 1, "l1");
  ledger.AckConfirmed("m1");
  ledger.Delivered("m1", 2, "l2");
  EXPECT_THAT(ledger.Check().duplicate,
              ElementsAre(HasSubstr("attempt 2 delivered after its ack was confirmed")));
}

TEST(LedgerTest, AKeyAnsweredWithAnotherMessageIsAMismatch) {
  Ledger ledger;
  ledger.SendAcknowledged("k1", "m1", /*duplicate=*/false);
  ledger.SendAcknowledged("k1", "m2", /*duplicate=*/false);
  ledger.Delivered("m2", 1, "l1");
  const Findings f = ledger.Check();
  EXPECT_THAT(f.key_mismatch, ElementsAre("key k1 was answered with m1 and later with m2"));
  // Send returned both: the first is lost, the second no phantom.
  EXPECT_THAT(f.lost, ElementsAre("m1"));
  EXPECT_THAT(f.phantom, IsEmpty());
}

TEST(LedgerTest, AReplayNotMarkedAsDuplicateIsAMismatch) {
  Ledger ledger;
  ledger.SendAcknowledged("k1", "m1", /*duplicate=*/true);  // accepted before a crash
  ledger.SendAcknowledged("k1", "m1", /*duplicate=*/false);
  EXPECT_THAT(ledger.Check().key_mismatch, ElementsAre(HasSubstr("not as a duplicate")));
  EXPECT_EQ(ledger.tally().answered_on_retry, 1);
}

}  // namespace
}  // namespace throughcare::crash
