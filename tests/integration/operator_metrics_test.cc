// The metrics an operator alerts on, read from a real broker's /metrics: mailbox depth and the
// age of the oldest waiting message, deliveries that ended without an ack, open Subscribe
// streams, storage commit latency and health, and which build is running.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/integration/messaging_fixture.h"
#include "throughcare/version.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class OperatorMetricsTest : public MessagingTest {
 protected:
  void SetUp() override {
    MessagingTest::SetUp();
    StopBroker();
    config_.metrics_listen = "127.0.0.1:0";
    StartBroker();
  }

  double Scraped(const std::string& series) { return Metric(ScrapeMetrics(), series); }
  static std::string Mailbox(const char* metric, const char* agency) {
    return absl::StrCat("throughcare_mailbox_", metric, "{agency=\"", agency, "\"}");
  }
  static std::string Ended(const char* state) {
    return absl::StrCat("throughcare_deliveries_ended_total{state=\"", state, "\"}");
  }
};

TEST_F(OperatorMetricsTest, MailboxDepthAndTheAgeOfItsOldestMessage) {
  ConsentToCjit();
  SendOk(DirMessage("dir-1"));
  clock_.Advance(absl::Seconds(30));
  SendOk(DirMessage("dir-2", "alcohol"));
  clock_.Advance(absl::Seconds(60));
  EXPECT_EQ(Scraped(Mailbox("depth", "cjit-east")), 2);
  // The clock moved 90 s; the times are stored to the microsecond.
  EXPECT_NEAR(Scraped(Mailbox("oldest_age_seconds", "cjit-east")), 90, 0.001);
  // Every agency's mailbox is reported, empty ones at 0.
  EXPECT_EQ(Scraped(Mailbox("depth", "housing-east")), 0);
  EXPECT_EQ(Scraped(Mailbox("oldest_age_seconds", "housing-east")), 0);

  // A leased delivery still waits to be settled; an acknowledged one no longer does.
  std::vector<v1::Delivery> got = Receive(kCjit, 1);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(Scraped(Mailbox("depth", "cjit-east")), 2);
  ASSERT_TRUE(Settle(kCjit, {AckOf(got[0])}).ok());
  EXPECT_EQ(Scraped(Mailbox("depth", "cjit-east")), 1);
  EXPECT_NEAR(Scraped(Mailbox("oldest_age_seconds", "cjit-east")), 60, 0.001);
}

TEST_F(OperatorMetricsTest, DeliveriesWithheldExpiredAndDeadLetteredAreCounted) {
  EXPECT_EQ(Scraped(Ended("withheld")), 0) << "present from the start";
  EXPECT_EQ(Scraped(Ended("expired")), 0);
  EXPECT_EQ(Scraped(Ended("dead_lettered")), 0);

  SendOk(DirMessage("no-consent"));  // no consent to the CJIT yet: withheld at send
  EXPECT_EQ(Scraped(Ended("withheld")), 1);

  ConsentToCjit();
  SendOk(DirMessage("rejected"));
  v1::SendRequest short_lived = DirMessage("expires", "alcohol");
  short_lived.mutable_time_to_live()->set_seconds(60);
  SendOk(short_lived);
  std::vector<v1::Delivery> got = Receive(kCjit, 1);
  ASSERT_THAT(got, SizeIs(1));
  v1::Settlement reject;
  reject.set_lease_id(got[0].lease_id());
  reject.mutable_reject()->set_reason("not a person we can take: outside our area");
  ASSERT_TRUE(Settle(kCjit, {reject}).ok());
  clock_.Advance(absl::Seconds(60));
  broker_->RunPeriodicWork();

  EXPECT_EQ(Scraped(Ended("withheld")), 1);
  EXPECT_EQ(Scraped(Ended("dead_lettered")), 1);
  EXPECT_EQ(Scraped(Ended("expired")), 1);
}

TEST_F(OperatorMetricsTest, OpenSubscribeStreamsByAgency) {
  const std::string cjit_streams = "throughcare_subscribe_streams_open{agency=\"cjit-east\"}";
  EXPECT_EQ(Scraped(cjit_streams), 0);
  ConsentToCjit();
  SendOk(DirMessage("dir-1"));
  SendOk(DirMessage("dir-2", "alcohol"));
  {
    auto stub = Messaging(kCjit.agency);
    Subscription first(*stub, ContextFor(kCjit), 1);
    Subscription second(*stub, ContextFor(kCjit), 1);
    // A delivery on each (credit 1 each) shows that both streams were admitted.
    ASSERT_EQ(first.AwaitDeliveries(1, absl::Seconds(10)), 1u);
    ASSERT_EQ(second.AwaitDeliveries(1, absl::Seconds(10)), 1u);
    EXPECT_EQ(Scraped(cjit_streams), 2);
    EXPECT_EQ(Scraped("throughcare_subscribe_streams_open{agency=\"housing-east\"}"), 0);
  }
  // A stream gives its place back before its caller hears that it ended.
  EXPECT_EQ(Scraped(cjit_streams), 0);
}

TEST_F(OperatorMetricsTest, CommitLatencyStorageHealthAndBuild) {
  RegisterPerson("B2345CD");  // a write, so at least one commit of this broker's
  const std::string text = ScrapeMetrics();
  EXPECT_GT(Metric(text, "throughcare_storage_commit_duration_seconds_count"), 0);
  EXPECT_THAT(text, HasSubstr("throughcare_storage_commit_duration_seconds_bucket{le=\"0.001\"}"));
  EXPECT_EQ(Metric(text, "throughcare_storage_healthy"), 1);
  EXPECT_EQ(Metric(text, "throughcare_storage_full"), 0);
  EXPECT_EQ(Metric(text, "throughcare_storage_failures_total{condition=\"full\"}"), 0);
  EXPECT_EQ(Metric(text, absl::StrCat("throughcare_build_info{commit=\"", BuildCommit(),
                                      "\",version=\"", Version(), "\"}")),
            1);
}

}  // namespace
}  // namespace throughcare::testing
