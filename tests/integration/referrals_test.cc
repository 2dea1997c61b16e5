// Referral handoffs through the real broker: routing by home area, the referral carried as a
// message, acceptance giving the receiving team a relationship with the person, closing ending
// it, illegal transitions, parties only, a release escalating an unaccepted referral, listing
// and the funnel report.
#include "gmock/gmock.h"
#include "tests/integration/fixture.h"
#include "throughcare/v1/messaging.grpc.pb.h"
#include "throughcare/v1/referrals.grpc.pb.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class ReferralsTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    subject_id_ = RegisterPerson();
    v1::SetHomeAreaRequest area;
    area.set_purpose(kReception.purpose);
    area.set_subject_id(subject_id_);
    area.set_home_area("E99999001");
    v1::Subject out;
    grpc::Status s =
        Subjects(kReception.agency)->SetHomeArea(ContextFor(kReception).get(), area, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    v1::PutRecordRequest dir = DirRequest(subject_id_);
    v1::Record record;
    s = Records(kCarat.agency)->PutRecord(ContextFor(kCarat).get(), dir, &record);
    ASSERT_TRUE(s.ok()) << s.error_message();
    record_id_ = record.record_id();
  }

  std::unique_ptr<v1::ReferralService::Stub> Referrals(const std::string& agency) {
    return v1::ReferralService::NewStub(ChannelFor(agency));
  }

  // CARAT refers the person to the CJIT, for a release `release_in_days` from today.
  grpc::Status Create(v1::Referral* out, int release_in_days = 10) {
    v1::CreateReferralRequest req;
    req.set_purpose("direct_care");
    req.set_referral_type("drug_treatment_on_release");
    req.set_subject_id(subject_id_);
    req.add_records()->set_record_id(record_id_);
    req.set_event_date(DateFromToday(release_in_days));
    req.set_note("Release planned; on methadone.");
    req.set_idempotency_key("referral-1");
    return Referrals(kCarat.agency)->CreateReferral(ContextFor(kCarat).get(), req, out);
  }

  grpc::Status Move(const Actor& actor, const std::string& id, v1::ReferralState to,
                    const std::string& reason = "", v1::Referral* out = nullptr) {
    v1::TransitionReferralRequest req;
    req.set_purpose(actor.purpose);
    req.set_referral_id(id);
    req.set_to(to);
    req.set_reason(reason);
    v1::Referral ignored;
    return Referrals(actor.agency)
        ->TransitionReferral(ContextFor(actor).get(), req, out ? out : &ignored);
  }

  // Whether the CJIT can see the person at all (it needs a relationship).
  grpc::StatusCode CjitSeesPerson() {
    v1::GetSubjectRequest get;
    get.set_purpose("direct_care");
    get.set_subject_id(subject_id_);
    v1::Subject subject;
    return Subjects(kCjit.agency)->GetSubject(ContextFor(kCjit).get(), get, &subject).error_code();
  }

  std::string subject_id_;
  std::string record_id_;
};

TEST_F(ReferralsTest, ResolveRecipientRoutesByHomeArea) {
  v1::ResolveRecipientRequest req;
  req.set_purpose("direct_care");
  req.set_referral_type("drug_treatment_on_release");
  req.set_home_area("E99999001");
  v1::ResolveRecipientResponse out;
  auto stub = Referrals(kCarat.agency);
  ASSERT_TRUE(stub->ResolveRecipient(ContextFor(kCarat).get(), req, &out).ok());
  EXPECT_EQ(out.agency_id(), "cjit-east");
  EXPECT_EQ(out.contact(), "East Area CJIT single point of contact");

  req.set_home_area("E99999005");
  grpc::Status s = stub->ResolveRecipient(ContextFor(kCarat).get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("for home area E99999005"));
  req.set_referral_type("dental_on_release");
  EXPECT_EQ(stub->ResolveRecipient(ContextFor(kCarat).get(), req, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  req.set_referral_type("drug_treatment_on_release");
  req.set_home_area("nowhere");
  s = stub->ResolveRecipient(ContextFor(kCarat).get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("home_area"));
}

TEST_F(ReferralsTest, AcceptanceGivesTheCjitTheCaseAndClosingEndsIt) {
  RecordConsent(kCarat, subject_id_, "drugs", "cjit-east", "direct_care");
  v1::Referral referral;
  grpc::Status s = Create(&referral);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(referral.state(), v1::REFERRAL_STATE_SENT);
  EXPECT_EQ(referral.receiving_agency(), "cjit-east");
  EXPECT_EQ(referral.event_date(), DateFromToday(10));
  ASSERT_THAT(referral.deadlines(), SizeIs(3));
  EXPECT_FALSE(referral.overdue());

  // The CJIT receives the referral with the DIR, but does not know the person yet.
  std::vector<v1::Delivery> got = Receive(kCjit);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].correlation_id(), referral.referral_id());
  EXPECT_EQ(got[0].records(0).body().drug_interventions_record().substances(0), "heroin");
  EXPECT_EQ(CjitSeesPerson(), grpc::StatusCode::NOT_FOUND);

  // Illegal moves are refused with the current state; only parties see the referral.
  s = Move(kCjit, referral.referral_id(), v1::REFERRAL_STATE_ENGAGED);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("referral is sent"));
  EXPECT_EQ(Move(kHousing, referral.referral_id(), v1::REFERRAL_STATE_ACCEPTED).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::Referral accepted;
  ASSERT_TRUE(Move(kCjit, referral.referral_id(), v1::REFERRAL_STATE_ACCEPTED, "", &accepted).ok());
  EXPECT_EQ(accepted.state(), v1::REFERRAL_STATE_ACCEPTED);
  EXPECT_EQ(CjitSeesPerson(), grpc::StatusCode::OK);
  std::vector<v1::Delivery> updates = Receive(kCarat);
  ASSERT_THAT(updates, SizeIs(1));
  EXPECT_EQ(updates[0].kind(), v1::MESSAGE_KIND_REFERRAL_UPDATE);
  EXPECT_EQ(updates[0].referral_update().referral_id(), referral.referral_id());
  EXPECT_EQ(updates[0].referral_update().state(), v1::REFERRAL_STATE_ACCEPTED);

  s = Move(kCjit, referral.referral_id(), v1::REFERRAL_STATE_CLOSED);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("reason"));
  ASSERT_TRUE(Move(kCjit, referral.referral_id(), v1::REFERRAL_STATE_CLOSED,
                   "treatment completed in the community")
                  .ok());
  EXPECT_EQ(CjitSeesPerson(), grpc::StatusCode::NOT_FOUND);

  v1::GetReferralRequest get;
  get.set_purpose("direct_care");
  get.set_referral_id(referral.referral_id());
  v1::Referral read;
  ASSERT_TRUE(Referrals(kCarat.agency)->GetReferral(ContextFor(kCarat).get(), get, &read).ok());
  EXPECT_EQ(read.state(), v1::REFERRAL_STATE_CLOSED);
  EXPECT_EQ(read.reason(), "treatment completed in the community");
  ASSERT_THAT(read.history(), SizeIs(3));
}

TEST_F(ReferralsTest, WithoutConsentNoReferralIsMade) {
  v1::Referral referral;
  grpc::Status s = Create(&referral);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("may not receive"));
  EXPECT_THAT(Receive(kCjit), SizeIs(0));
}

TEST_F(ReferralsTest, AReleaseNotificationEscalatesAReferralNotYetAccepted) {
  RecordConsent(kCarat, subject_id_, "drugs", "cjit-east", "direct_care");
  const std::string today = DateFromToday(0);
  v1::Referral referral;
  grpc::Status s = Create(&referral, 10);
  ASSERT_TRUE(s.ok()) << s.error_message();
  Receive(kCjit);  // the referral; the CJIT has not accepted it

  // Reception records the release as a release notification record, released today.
  v1::PutRecordRequest notice;
  notice.set_purpose(kReception.purpose);
  notice.set_subject_id(subject_id_);
  notice.set_data_class("custody");
  v1::ReleaseNotification* body = notice.mutable_body()->mutable_release_notification();
  body->set_release_date(today);
  body->set_releasing_establishment("HMP Northgate");
  v1::Record record;
  s = Records(kReception.agency)->PutRecord(ContextFor(kReception).get(), notice, &record);
  ASSERT_TRUE(s.ok()) << s.error_message();

  for (const Actor* side : {&kCarat, &kCjit}) {
    std::vector<v1::Delivery> got = Receive(*side);
    ASSERT_THAT(got, SizeIs(1)) << side->agency;
    EXPECT_EQ(got[0].correlation_id(), referral.referral_id());
    ASSERT_TRUE(got[0].has_escalation());
    EXPECT_EQ(got[0].escalation().for_role(), "team_manager");
    EXPECT_THAT(got[0].escalation().reason(), HasSubstr("not yet accepted"));
  }
  v1::GetReferralRequest get;
  get.set_purpose("direct_care");
  get.set_referral_id(referral.referral_id());
  v1::Referral read;
  ASSERT_TRUE(Referrals(kCarat.agency)->GetReferral(ContextFor(kCarat).get(), get, &read).ok());
  EXPECT_EQ(read.event_date(), today);
  EXPECT_TRUE(read.overdue());
  EXPECT_TRUE(read.deadlines(1).has_escalated_at());

  // Recording the same release by call escalates nothing more (once per breach).
  v1::RecordReleaseRequest release;
  release.set_purpose(kReception.purpose);
  release.set_subject_id(subject_id_);
  release.set_release_date(today);
  v1::RecordReleaseResponse escalated;
  s = Referrals(kReception.agency)
          ->RecordRelease(ContextFor(kReception).get(), release, &escalated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(escalated.escalated(), SizeIs(0));
  EXPECT_THAT(Receive(kCarat), SizeIs(0));

  release.set_release_date("2026-13-01");
  s = Referrals(kReception.agency)
          ->RecordRelease(ContextFor(kReception).get(), release, &escalated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("release_date"));
}

TEST_F(ReferralsTest, MetricsGaugeOpenAndOverdueReferrals) {
  StopBroker();
  config_.metrics_listen = "127.0.0.1:0";
  StartBroker();
  RecordConsent(kCarat, subject_id_, "drugs", "cjit-east", "direct_care");
  v1::Referral referral;
  ASSERT_TRUE(Create(&referral, 30).ok());
  std::string text = ScrapeMetrics();
  EXPECT_THAT(text, HasSubstr(
      "throughcare_referrals_open{referral_type=\"drug_treatment_on_release\"} 1"));
  EXPECT_THAT(text, HasSubstr(
      "throughcare_referrals_overdue{referral_type=\"drug_treatment_on_release\"} 0"));
  // Not acknowledged by its deadline (2 working days, so weekends and bank holidays decide
  // when): overdue from then on, not a second before.
  ASSERT_EQ(referral.deadlines(0).name(), "acknowledged");
  const absl::Time due = absl::FromUnixSeconds(referral.deadlines(0).due_at().seconds()) +
                         absl::Nanoseconds(referral.deadlines(0).due_at().nanos());
  ASSERT_GT(due - clock_.Now(), absl::Hours(47));  // two working days at the least
  clock_.Set(due - absl::Seconds(1));
  text = ScrapeMetrics();
  EXPECT_THAT(text, HasSubstr(
      "throughcare_referrals_overdue{referral_type=\"drug_treatment_on_release\"} 0"));
  clock_.Set(due);
  text = ScrapeMetrics();
  EXPECT_THAT(text, HasSubstr(
      "throughcare_referrals_overdue{referral_type=\"drug_treatment_on_release\"} 1"));
}

TEST_F(ReferralsTest, ListingAndTheFunnelReport) {
  RecordConsent(kCarat, subject_id_, "drugs", "cjit-east", "direct_care");
  v1::Referral referral;
  ASSERT_TRUE(Create(&referral).ok());
  ASSERT_TRUE(Move(kCjit, referral.referral_id(), v1::REFERRAL_STATE_ACCEPTED).ok());

  v1::ListReferralsRequest list;
  list.set_purpose("direct_care");
  list.set_open_only(true);
  v1::ListReferralsResponse listed;
  grpc::Status s =
      Referrals(kCjit.agency)->ListReferrals(ContextFor(kCjit).get(), list, &listed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_THAT(listed.referrals(), SizeIs(1));
  EXPECT_EQ(listed.referrals(0).state(), v1::REFERRAL_STATE_ACCEPTED);
  list.mutable_page()->set_page_token("12.not-a-referral");
  s = Referrals(kCjit.agency)->ListReferrals(ContextFor(kCjit).get(), list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page.page_token"));
  list.clear_page();
  v1::ListReferralsResponse housing;  // not a party
  list.set_purpose(kHousing.purpose);
  ASSERT_TRUE(
      Referrals(kHousing.agency)->ListReferrals(ContextFor(kHousing).get(), list, &housing).ok());
  EXPECT_THAT(housing.referrals(), SizeIs(0));
  list.set_subject_id("someone");
  s = Referrals(kCjit.agency)->ListReferrals(ContextFor(kCjit).get(), list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("subject_id"));

  const Actor manager{"cjit-east", "cjit-manager-1", "team_manager", "performance_reporting"};
  v1::GetReferralReportRequest report;
  report.set_purpose(manager.purpose);
  v1::ReferralReport funnel;
  s = Referrals(manager.agency)->GetReferralReport(ContextFor(manager).get(), report, &funnel);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("from"));
  report.mutable_from()->set_seconds(absl::ToUnixSeconds(clock_.Now() - absl::Hours(24)));
  report.mutable_until()->set_seconds(absl::ToUnixSeconds(clock_.Now() + absl::Hours(1)));
  report.set_by_receiving_agency(true);
  s = Referrals(manager.agency)->GetReferralReport(ContextFor(manager).get(), report, &funnel);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_THAT(funnel.rows(), SizeIs(1));
  EXPECT_EQ(funnel.rows(0).group(), "cjit-east");
  ASSERT_THAT(funnel.rows(0).stages(), SizeIs(6));
  EXPECT_EQ(funnel.rows(0).stages(0).stage(), "referred");
  EXPECT_EQ(funnel.rows(0).stages(2).stage(), "accepted");
  // One referral: under the demo policy's threshold of 5, so withheld.
  EXPECT_EQ(funnel.rows(0).stages(2).count(), 0);
  EXPECT_TRUE(funnel.rows(0).stages(2).suppressed());
  EXPECT_EQ(funnel.rows(0).stages(3).count(), 0);
  EXPECT_FALSE(funnel.rows(0).stages(3).suppressed());
  EXPECT_EQ(funnel.rows(0).stages(3).attrition_percent(), 0) << "it would give the 1 away";

  // A practitioner is not given performance reports.
  report.set_purpose("performance_reporting");
  s = Referrals(kCjit.agency)->GetReferralReport(ContextFor(kCjit).get(), report, &funnel);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

// A report is for the caller's own agency (unless its role is a national one), withholds counts
// too small to hide a person (with their times), and covers at least a day.
TEST_F(ReferralsTest, TheFunnelReportHidesSmallCountsAndOtherAgencies) {
  RecordConsent(kCarat, subject_id_, "drugs", "cjit-east", "direct_care");
  v1::Referral referral;
  ASSERT_TRUE(Create(&referral).ok());
  ASSERT_TRUE(Move(kCjit, referral.referral_id(), v1::REFERRAL_STATE_ACCEPTED).ok());
  clock_.Advance(absl::Hours(2));
  ASSERT_TRUE(Move(kCjit, referral.referral_id(), v1::REFERRAL_STATE_FIRST_CONTACT).ok());

  auto report = [&](const Actor& actor, absl::Duration period, v1::ReferralReport* out) {
    v1::GetReferralReportRequest req;
    req.set_purpose("performance_reporting");
    req.mutable_from()->set_seconds(absl::ToUnixSeconds(clock_.Now() - period + absl::Hours(1)));
    req.mutable_until()->set_seconds(absl::ToUnixSeconds(clock_.Now() + absl::Hours(1)));
    req.set_by_receiving_agency(true);
    return Referrals(actor.agency)->GetReferralReport(ContextFor(actor).get(), req, out);
  };
  const Actor cjit_manager{"cjit-east", "cjit-manager-1", "team_manager", "performance_reporting"};
  const Actor housing_manager{"housing-east", "housing-manager-1", "team_manager",
                              "performance_reporting"};
  const Actor auditor{"ig-office", "auditor-1", "auditor", "performance_reporting"};
  v1::ReferralReport funnel;

  grpc::Status s = report(cjit_manager, absl::Hours(23), &funnel);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("until"));
  EXPECT_THAT(s.error_message(), HasSubstr("at least one day"));

  // Housing made and received no referral: it sees none.
  s = report(housing_manager, absl::Hours(48), &funnel);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(funnel.rows(), SizeIs(0));

  // The CJIT sees its own row, with every count of one person withheld, and their times too.
  for (const Actor& actor : {cjit_manager, auditor}) {
    s = report(actor, absl::Hours(48), &funnel);
    ASSERT_TRUE(s.ok()) << actor.role << ": " << s.error_message();
    ASSERT_THAT(funnel.rows(), SizeIs(1)) << actor.role;
    EXPECT_EQ(funnel.rows(0).group(), "cjit-east");
    ASSERT_THAT(funnel.rows(0).stages(), SizeIs(6));
    for (const v1::FunnelStage& stage : funnel.rows(0).stages()) {
      const bool reached = stage.stage() != "assessed" && stage.stage() != "engaged";
      EXPECT_EQ(stage.suppressed(), reached) << stage.stage();
      EXPECT_EQ(stage.count(), 0) << stage.stage();
      EXPECT_EQ(stage.median_hours(), 0) << stage.stage();
      EXPECT_EQ(stage.p90_hours(), 0) << stage.stage();
      EXPECT_EQ(stage.attrition_percent(), 0) << stage.stage();
    }
  }
}

}  // namespace
}  // namespace throughcare::testing
