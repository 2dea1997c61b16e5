// The CLI's output: JSON numbers and error objects (json.h), and the referral report with the
// counts the broker withheld (output.h).
#include <nlohmann/json.hpp>

#include <string>

#include "absl/strings/cord.h"
#include "client/connection.h"
#include "client/json.h"
#include "client/output.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "throughcare/v1/audit.pb.h"
#include "throughcare/v1/referrals.pb.h"

namespace throughcare::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ToJsonTest, SixtyFourBitIntegersAreNumbers) {
  v1::QueryAuditLogResponse response;
  v1::AuditEntry* entry = response.add_entries();
  entry->set_seq(9007199254740993);  // 2^53 + 1: exact as a JSON integer, not as a double
  entry->set_record_version(3);
  entry->mutable_time()->set_seconds(1767225600);
  entry->set_subject_id("sub_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  response.set_next_page_token("42");
  const std::string json = *ToJson(response);
  const nlohmann::json parsed = nlohmann::json::parse(json);
  const nlohmann::json& e = parsed["entries"][0];
  ASSERT_TRUE(e["seq"].is_number_integer()) << json;
  EXPECT_EQ(e["seq"].get<int64_t>(), 9007199254740993);
  EXPECT_TRUE(e["record_version"].is_number_integer()) << json;
  // Strings stay strings, even when they hold digits; timestamps stay RFC 3339.
  EXPECT_EQ(parsed["next_page_token"], "42");
  EXPECT_EQ(e["time"], "2026-01-01T00:00:00Z");
  EXPECT_THAT(json, HasSubstr("\n  \"entries\": [\n"));
  EXPECT_EQ(json.back(), '\n');
}

TEST(ToJsonTest, NumbersInListsAndNestedMessages) {
  v1::ReferralReport report;
  v1::FunnelRow* row = report.add_rows();
  row->set_overdue(2);
  row->add_stages()->set_count(7);
  report.set_min_count(5);
  const nlohmann::json parsed = nlohmann::json::parse(*ToJson(report));
  EXPECT_EQ(parsed["rows"][0]["stages"][0]["count"], 7);
  EXPECT_EQ(parsed["rows"][0]["overdue"], 2);
  EXPECT_EQ(parsed["min_count"], 5);
}

TEST(ErrorJsonTest, CodeMessageRequestIdAndExitCode) {
  absl::Status server = MarkOrigin(absl::NotFoundError("no person is known by \"that\""),
                                   ErrorOrigin::kServer);
  server.SetPayload("type.throughcare.dev/client.request-id", absl::Cord("req_abc"));
  ASSERT_EQ(RequestIdOf(server), "req_abc");
  nlohmann::json parsed = nlohmann::json::parse(ErrorJson(server));
  EXPECT_EQ(parsed["code"], "NOT_FOUND");
  EXPECT_EQ(parsed["message"], "no person is known by \"that\"");
  EXPECT_EQ(parsed["request_id"], "req_abc");
  EXPECT_EQ(parsed["exit_code"], 1);
  EXPECT_THAT(ErrorJson(server), Not(HasSubstr("\n")));

  parsed = nlohmann::json::parse(
      ErrorJson(absl::FailedPreconditionError("missing setting: purpose of use")));
  EXPECT_EQ(parsed["code"], "FAILED_PRECONDITION");
  EXPECT_TRUE(parsed["request_id"].is_null());
  EXPECT_EQ(parsed["exit_code"], 2);
}

// A funnel of one referral under a threshold of 5: counts from 1 to 4 are withheld.
v1::ReferralReport SmallReport() {
  v1::ReferralReport report;
  report.set_min_count(5);
  v1::FunnelRow* row = report.add_rows();
  row->set_referral_type("drug_treatment_on_release");
  row->set_group("E99999001");
  for (const char* name : {"referred", "received", "accepted", "first_contact", "assessed"}) {
    v1::FunnelStage* st = row->add_stages();
    st->set_stage(name);
    st->set_suppressed(std::string(name) != "assessed");
  }
  row->set_declined_suppressed(true);
  return report;
}

TEST(ReferralReportTest, WithheldCountsShowAsUnderTheThreshold) {
  const std::string text = RenderReferralReport(SmallReport());
  EXPECT_THAT(text, HasSubstr("\n  referred       <5     -            -         -\n"));
  // Nobody was assessed: 0 is a count that can be shown, but its attrition would give the
  // withheld count before it away.
  EXPECT_THAT(text, HasSubstr("\n  assessed       0      -            0.0       0.0\n"));
  EXPECT_THAT(text, HasSubstr("  overdue 0  declined <5  withdrawn 0  lost contact 0\n"));
  EXPECT_THAT(text, HasSubstr("<5: a count withheld"));

  const std::string csv = ReferralReportCsv(SmallReport());
  EXPECT_THAT(csv, HasSubstr("\r\ndrug_treatment_on_release,E99999001,<5,,,,<5,,,,<5,,,,<5,,,,"
                             "0,,0.0,0.0,0,<5,0,0\r\n"));
}

TEST(ReferralReportTest, CountsAtOrAboveTheThresholdShowAsTheyAre) {
  v1::ReferralReport report = SmallReport();
  for (v1::FunnelStage& st : *report.mutable_rows(0)->mutable_stages()) {
    st.set_suppressed(false);
    st.set_count(6);
  }
  report.mutable_rows(0)->set_declined_suppressed(false);
  const std::string text = RenderReferralReport(report);
  EXPECT_THAT(text, Not(HasSubstr("<5")));
  EXPECT_THAT(text, HasSubstr("\n  referred       6      0.0          0.0       0.0\n"));
}

}  // namespace
}  // namespace throughcare::client
