// The story the audit tests start from: nine audited calls about one person, among them a
// read allowed under consent and a read refused.
#ifndef THROUGHCARE_TESTS_INTEGRATION_AUDIT_STORY_H_
#define THROUGHCARE_TESTS_INTEGRATION_AUDIT_STORY_H_

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/audit_verify.h"
#include "tests/integration/fixture.h"

namespace throughcare::testing {

class AuditStoryTest : public BrokerTest {
 protected:
  // The demo story: register (with custody), healthcare stores a health summary and records
  // consent for probation, probation reads it, housing (also working with the person) is
  // refused. Nine audited calls.
  void SetUp() override {
    BrokerTest::SetUp();
    subject_id_ = RegisterPerson();  // 1 register, 2 custody
    Relate(kHealthcare, subject_id_);  // 3

    v1::PutRecordRequest put;
    put.set_purpose("direct_care");
    put.set_subject_id(subject_id_);
    put.set_data_class("health");
    put.mutable_body()->mutable_health_summary()->add_conditions()->set_name("asthma");
    v1::Record record;
    ASSERT_TRUE(Records("hmp-northgate-healthcare")->PutRecord(ContextFor(kHealthcare).get(), put, &record).ok());  // 4
    record_id_ = record.record_id();
    consent_id_ = RecordConsent(kHealthcare, subject_id_, "health", "probation-east",
                                "offender_management");  // 5
    Relate(kOffenderManager, subject_id_);  // 6
    Relate(kHousing, subject_id_);  // 7

    v1::GetRecordRequest get;
    get.set_record_id(record_id_);
    get.set_purpose("offender_management");
    v1::Record read;
    ASSERT_TRUE(Records("probation-east")->GetRecord(ContextFor(kOffenderManager).get(), get, &read).ok());  // 8
    get.set_purpose("resettlement");
    ASSERT_EQ(Records("housing-east")->GetRecord(ContextFor(kHousing).get(), get, &read).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);  // 9
    // The checkpoint interval passes: the next checkpoint covers the nine.
    clock_.Advance(absl::Seconds(2));
  }

  grpc::Status Query(v1::QueryAuditLogRequest req, v1::QueryAuditLogResponse* out,
                     const Actor& actor = kAuditor) {
    if (req.purpose().empty()) req.set_purpose("audit");
    return Audit(actor.agency)->QueryAuditLog(ContextFor(actor).get(), req, out);
  }

  // What an auditor (or a witness) is given: the log's public key and the witnesses' keys.
  client::AuditTrust Trust() {
    auto trust = client::LoadAuditTrust(
        std::string(absl::StripAsciiWhitespace(ReadDevFile("keys/audit-log.vkey"))),
        absl::StrCat(dir_, "/keys/witnesses.vkeys"));
    EXPECT_TRUE(trust.ok()) << trust.status();
    return *trust;
  }
  // Verifies the log as `throughcare audit verify` does, against `kept` when it is not empty.
  absl::StatusOr<client::VerifyResult> Verify(const std::string& kept = "", int witnesses = 0) {
    std::unique_ptr<client::Connection> c = ClientConnection(kAuditor);
    return client::VerifyAuditLog(*c, "audit", Trust(), kept, witnesses, absl::Minutes(1),
                                  nullptr);
  }

  std::string subject_id_;
  std::string record_id_;
  std::string consent_id_;
};

}  // namespace throughcare::testing

#endif  // THROUGHCARE_TESTS_INTEGRATION_AUDIT_STORY_H_
