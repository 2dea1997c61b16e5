// The broker's own behaviour beyond single RPCs: policy reload and the development plaintext mode.
#include <fstream>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/audit_entry.h"
#include "services/audit/log_verifier.h"
#include "gmock/gmock.h"
#include "tests/integration/fixture.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;

class BrokerBehaviourTest : public BrokerTest {
 protected:
  grpc::Status ResolveAsHousing() {
    v1::ResolveIdentifierRequest req;
    req.set_purpose("resettlement");
    req.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
    req.mutable_identifier()->set_value("A1234BC");
    v1::Subject out;
    return Subjects("housing-east")->ResolveIdentifier(ContextFor(kHousing).get(), req, &out);
  }

  void WritePolicy(const std::string& text) { std::ofstream(config_.policy_file) << text; }
};

TEST_F(BrokerBehaviourTest, MetricsCountCallsAndCommits) {
  EXPECT_EQ(broker_->metrics_port(), 0) << "not served unless configured";
  StopBroker();
  config_.metrics_listen = "127.0.0.1:0";
  StartBroker();
  ASSERT_GT(broker_->metrics_port(), 0);
  ASSERT_EQ(ResolveAsHousing().error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(ResolveAsHousing().error_code(), grpc::StatusCode::NOT_FOUND);
  std::string text = ScrapeMetrics();
  EXPECT_THAT(text, HasSubstr("200 OK"));
  EXPECT_THAT(text, HasSubstr(
      "throughcare_rpcs_total{code=\"NOT_FOUND\",method=\"ResolveIdentifier\"} 2"));
  EXPECT_THAT(text, HasSubstr("throughcare_rpc_duration_seconds_count{method=\"ResolveIdentifier\"} 2"));
  // Each audited call commits: at least the two above.
  EXPECT_THAT(text, ::testing::ContainsRegex("throughcare_storage_commits_total [1-9][0-9]*"));
  EXPECT_THAT(text, ::testing::ContainsRegex("throughcare_storage_transactions_total [1-9]"));
}

TEST_F(BrokerBehaviourTest, ConcurrentCallsShareCommitsAndKeepTheChainWhole) {
  StopBroker();
  config_.metrics_listen = "127.0.0.1:0";
  StartBroker();
  constexpr int kThreads = 16;
  constexpr int kCallsEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsEach; ++i) {
        if (ResolveAsHousing().error_code() != grpc::StatusCode::NOT_FOUND) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  // Every call was audited: gapless seqs whose tree is the one the broker signed, in fewer
  // commits than calls.
  clock_.Advance(absl::Seconds(2));  // the checkpoint interval passes
  v1::GetCheckpointRequest latest;
  latest.set_purpose("audit");
  v1::SignedCheckpoint checkpoint;
  ASSERT_TRUE(
      Audit("ig-office")->GetCheckpoint(ContextFor(kAuditor).get(), latest, &checkpoint).ok());
  ASSERT_EQ(checkpoint.tree_size(), kThreads * kCallsEach);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + AssertionFor(kAuditor));
  v1::ExportAuditLogRequest req;
  req.set_purpose("audit");
  req.set_tree_size(checkpoint.tree_size());
  auto reader = Audit("ig-office")->ExportAuditLog(&ctx, req);
  audit::LogVerifier verifier;
  v1::AuditEntry e;
  int broken = 0;
  while (reader->Read(&e)) {
    absl::StatusOr<AuditEntry> entry = client::AuditEntryFromProto(e);
    if (!entry.ok() || !verifier.Add(*entry).ok()) broken++;
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(broken, 0);
  EXPECT_EQ(verifier.size(), static_cast<uint64_t>(kThreads * kCallsEach));
  EXPECT_EQ(verifier.Root(), checkpoint.root_hash());
  std::string metrics = ScrapeMetrics();
  int64_t commits = 0, transactions = 0;
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (absl::ConsumePrefix(&line, "throughcare_storage_commits_total ")) {
      commits = static_cast<int64_t>(std::stod(std::string(line)));
    } else if (absl::ConsumePrefix(&line, "throughcare_storage_transactions_total ")) {
      transactions = static_cast<int64_t>(std::stod(std::string(line)));
    }
  }
  EXPECT_GE(transactions, kThreads * kCallsEach);
  EXPECT_LT(commits, transactions) << "concurrent calls should share commits";
}

TEST_F(BrokerBehaviourTest, PolicyReloadChangesDecisionsAndABadFileKeepsTheOldPolicy) {
  const std::string original = ReadDevFile("policy.yaml");
  // Housing may resolve identifiers for resettlement: the call reaches the lookup (NOT_FOUND).
  ASSERT_EQ(ResolveAsHousing().error_code(), grpc::StatusCode::NOT_FOUND);

  // Take housing_officer out of every identity rule.
  std::string narrowed = original;
  for (size_t at; (at = narrowed.find("housing_officer, ")) != std::string::npos;) {
    narrowed.erase(at, std::string("housing_officer, ").size());
  }
  for (size_t at; (at = narrowed.find(", housing_officer]")) != std::string::npos;) {
    narrowed.replace(at, std::string(", housing_officer]").size(), "]");
  }
  ASSERT_NE(narrowed, original);
  WritePolicy(narrowed);
  ASSERT_THAT(broker_->ReloadPolicy(), IsOk());
  grpc::Status s = ResolveAsHousing();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();

  // A broken file is refused with its line, and the policy in force stays.
  WritePolicy(original + "\nrules: []\n");
  EXPECT_THAT(broker_->ReloadPolicy(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("policy.yaml:")));
  EXPECT_EQ(ResolveAsHousing().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  WritePolicy(original);
  ASSERT_THAT(broker_->ReloadPolicy(), IsOk());
  EXPECT_EQ(ResolveAsHousing().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(BrokerBehaviourTest, PlaintextDevelopmentModeNamesTheSystemByMetadata) {
  StopBroker();
  server::BrokerOptions options;
  options.insecure_plaintext = true;
  ASSERT_OK_AND_ASSIGN(broker_, server::Broker::Start(config_, clock_, options));
  auto stub = v1::SubjectService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", broker_->port()), grpc::InsecureChannelCredentials()));
  v1::ResolveIdentifierRequest req;
  req.set_purpose("offender_management");
  req.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
  req.mutable_identifier()->set_value("A1234BC");
  v1::Subject out;

  auto ctx = ContextFor(kOffenderManager);
  grpc::Status s = stub->ResolveIdentifier(ctx.get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "no system named";

  ctx = ContextFor(kOffenderManager);
  ctx->AddMetadata("x-throughcare-dev-system", "probation-east-system");
  s = stub->ResolveIdentifier(ctx.get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
}

}  // namespace
}  // namespace throughcare::testing
