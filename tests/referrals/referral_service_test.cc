// The referral service with its real collaborators: a SQLite file, the demo policy, directory
// and agencies (as `throughcared --dev` writes them), records and messaging, and an injected
// clock so deadlines fire without waiting.
#include "services/referrals/referral_service.h"

#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/in_process_notifier.h"
#include "services/core/thread_pool.h"
#include "services/crypto/ids.h"
#include "services/policy/authorize.h"
#include "services/records/record_service.h"
#include "services/server/config.h"
#include "services/server/dev_setup.h"
#include "services/server/domain_services.h"
#include "services/storage/sqlite_storage.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::referrals {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

// Friday 20 November 2026, 10:00 UTC.
const absl::Time kFriday =
    absl::FromCivil(absl::CivilSecond(2026, 11, 20, 10, 0, 0), absl::UTCTimeZone());

CallContext As(std::string agency, std::string kind, std::string user, std::string role,
               std::string purpose = "direct_care") {
  CallContext ctx;
  ctx.principal.agency_id = agency;
  ctx.principal.agency_kind = std::move(kind);
  ctx.principal.system_id = agency + "-system";
  ctx.principal.user_id = std::move(user);
  ctx.principal.role = std::move(role);
  ctx.purpose = std::move(purpose);
  ctx.request_id = "req-test";
  return ctx;
}

const CallContext kCarat = As("hmp-northgate", "prison", "carat-1", "carat_worker");
const CallContext kCjit = As("cjit-east", "cjit", "cjit-1", "cjit_worker");
const CallContext kHousing = As("housing-east", "housing", "housing-1", "housing_officer",
                                "resettlement");
const CallContext kReception =
    As("hmp-northgate", "prison", "reception-1", "prison_reception", "offender_management");
const CallContext kPrisonManager =
    As("hmp-northgate", "prison", "manager-1", "team_manager", "performance_reporting");

absl::Time At(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone());
}

// Calls a domain method and waits for its reply.
template <typename T, typename Call>
absl::StatusOr<T> Wait(Call call) {
  std::promise<absl::StatusOr<T>> done;
  call([&done](absl::StatusOr<T> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

class ReferralServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/tc-referrals-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    ASSERT_OK_AND_ASSIGN(std::string config_path,
                         server::PrepareDevEnvironment(dir_, "127.0.0.1:0", kFriday));
    ASSERT_OK_AND_ASSIGN(config_, server::LoadConfig(config_path));
    // The services wired as the broker wires them.
    ASSERT_OK_AND_ASSIGN(server::DomainInputs inputs, server::LoadDomainInputs(config_, clock_));
    storage::SqliteOptions options;
    options.path = dir_ + "/referrals.db";
    options.notifier = &notifier_;
    ASSERT_OK_AND_ASSIGN(storage_, storage::OpenSqliteStorage(options));
    domain_ = std::make_unique<server::DomainServices>(
        config_, std::move(inputs),
        server::DomainEnvironment{*storage_, clock_, ids_, random_, notifier_, executor_});
    policies_ = &domain_->policies();
    records_ = &domain_->records();
    messaging_ = &domain_->messaging();
    service_ = &domain_->referrals();

    // A person at HMP Northgate (custody), from the East area, with a DIR and consent for the
    // CJIT to receive it.
    ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
      Subject s;
      s.id = subject_;
      s.registered_by_agency = "hmp-northgate";
      s.registered_at = kFriday;
      RETURN_IF_ERROR(tx.InsertSubject(s));
      RETURN_IF_ERROR(tx.SetHomeArea(subject_, "E99999001"));
      Relationship custody;
      custody.relationship_id = "rel_custody";
      custody.subject_id = subject_;
      custody.kind = RelationshipKind::kCustody;
      custody.agency_id = "hmp-northgate";
      custody.started_at = kFriday - absl::Hours(24 * 30);
      return tx.InsertRelationship(custody);
    }), IsOk());
    records::PutRecordParams dir;
    dir.subject_id = subject_;
    dir.record_type = "drug_interventions_record";
    dir.data_class = "drugs";
    dir.body = "synthetic DIR";
    ASSERT_OK_AND_ASSIGN(RecordHeader header, (Wait<RecordHeader>([&](auto reply) {
                           records_->Put(kCarat, dir, std::move(reply));
                         })));
    record_ = header.record_id;
  }

  void TearDown() override {
    executor_.Shutdown();
    storage_->Close();
    std::filesystem::remove_all(dir_);
  }

  void ConsentToCjit() {
    ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
      Consent c;
      c.consent_id = "con_dir";
      c.version = 1;
      c.subject_id = subject_;
      c.data_classes = {"drugs"};
      c.recipient_agencies = {"cjit-east"};
      c.purposes = {"direct_care"};
      c.valid_from = kFriday - absl::Hours(1);
      c.valid_until = kFriday + absl::Hours(24 * 90);
      c.recorded_by_agency = "hmp-northgate";
      c.recorded_by_user = "carat-1";
      c.recorded_at = kFriday - absl::Hours(1);
      return tx.InsertConsentVersion(c);
    }), IsOk());
  }

  CreateParams Drug(std::string key = "ref-1") {
    CreateParams p;
    p.referral_type = "drug_treatment_on_release";
    p.subject_id = subject_;
    p.records = {{record_, 0}};
    p.event_date = absl::CivilDay(2026, 12, 3);  // release, a Thursday
    p.note = "Release planned; methadone 60 ml daily.";
    p.idempotency_key = std::move(key);
    return p;
  }

  absl::StatusOr<Referral> Create(const CallContext& ctx, CreateParams p) {
    return Wait<Referral>(
        [&](auto reply) { service_->Create(ctx, std::move(p), std::move(reply)); });
  }
  absl::StatusOr<Referral> Move(const CallContext& ctx, const std::string& id, ReferralState to,
                                std::string reason = "") {
    return Wait<Referral>(
        [&](auto reply) { service_->Transition(ctx, id, to, reason, std::move(reply)); });
  }
  std::vector<messaging::Delivered> Mailbox(const CallContext& ctx) {
    auto got = Wait<std::vector<messaging::Delivered>>([&](auto reply) {
      messaging_->Receive(ctx, 100, absl::Minutes(5), std::move(reply));
    });
    EXPECT_THAT(got, IsOk());
    return got.ok() ? *got : std::vector<messaging::Delivered>{};
  }
  absl::StatusOr<std::vector<Referral>> Release(const CallContext& ctx, absl::CivilDay day) {
    return Wait<std::vector<Referral>>(
        [&](auto reply) { service_->RecordRelease(ctx, subject_, day, std::move(reply)); });
  }
  absl::StatusOr<Referral> Get(const std::string& id) {
    return Wait<Referral>([&](auto reply) { service_->Get(kCarat, id, std::move(reply)); });
  }
  absl::StatusOr<std::vector<Referral>> List(const CallContext& ctx, ListFilter filter = {}) {
    absl::StatusOr<ReferralPage> page = Wait<ReferralPage>(
        [&](auto reply) { service_->List(ctx, filter, std::move(reply)); });
    if (!page.ok()) return page.status();
    return page->referrals;
  }
  // Each side's mailbox holds one escalation of the referral, for the team manager.
  void ExpectEscalatedToBothSides(const std::string& referral_id, const std::string& reason) {
    for (const CallContext* side : {&kCarat, &kCjit}) {
      std::vector<messaging::Delivered> got = Mailbox(*side);
      ASSERT_THAT(got, SizeIs(1)) << side->principal.agency_id;
      EXPECT_EQ(got[0].message.kind, MessageKind::kEscalation);
      EXPECT_EQ(got[0].message.correlation_id, referral_id);
      EXPECT_EQ(got[0].message.notice_for_role, "team_manager");
      EXPECT_THAT(got[0].message.notice_reason, HasSubstr(reason));
    }
  }
  // Sweeps, and returns how many deadlines it escalated (-1 if it failed).
  int Escalations() {
    absl::StatusOr<int> n = service_->Sweep();
    EXPECT_THAT(n, IsOk());
    return n.ok() ? *n : -1;
  }
  bool ReferralRelationshipActive(absl::Time at) {
    bool active = false;
    EXPECT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(std::vector<Relationship> all, tx.ListRelationships(subject_));
      for (const Relationship& r : all) {
        active = active || (r.kind == RelationshipKind::kReferral && r.agency_id == "cjit-east" &&
                            r.started_at <= at && (!r.ended_at || *r.ended_at > at));
      }
      return absl::OkStatus();
    }), IsOk());
    return active;
  }

  std::string dir_;
  server::BrokerConfig config_;
  FakeClock clock_{kFriday};
  crypto::SystemRandom random_;
  crypto::OpaqueIds ids_{random_};
  InProcessNotifier notifier_;
  ThreadPool executor_{2};
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<server::DomainServices> domain_;
  policy::PolicyStore* policies_ = nullptr;
  records::RecordService* records_ = nullptr;
  messaging::MessagingService* messaging_ = nullptr;
  ReferralService* service_ = nullptr;
  const std::string subject_ = "sub_aaaaaaaaaaaaaaaaaaaaaaaaaa";
  std::string record_;
};

TEST_F(ReferralServiceTest, RoutesByHomeAreaAndCarriesTheRecords) {
  ConsentToCjit();
  ASSERT_OK_AND_ASSIGN(Referral r, Create(kCarat, Drug()));
  EXPECT_EQ(r.receiving_agency, "cjit-east");
  EXPECT_EQ(r.contact, "East Area CJIT single point of contact");
  EXPECT_EQ(r.home_area, "E99999001");
  EXPECT_EQ(r.state, ReferralState::kSent);
  ASSERT_THAT(r.deadlines, SizeIs(3));
  // Friday 10:00 + 2 working days: Tuesday 10:00; before release: the start of 3 December;
  // first contact within 5 days of release: the end of 8 December.
  const absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_EQ(r.deadlines[0].due_at, absl::FromCivil(absl::CivilSecond(2026, 11, 24, 10, 0, 0), utc));
  EXPECT_EQ(r.deadlines[1].due_at, absl::FromCivil(absl::CivilDay(2026, 12, 3), utc));
  EXPECT_EQ(r.deadlines[2].due_at, absl::FromCivil(absl::CivilDay(2026, 12, 9), utc));

  // The referral carries the version it was made with, even when the DIR is revised before
  // the CJIT picks it up.
  ASSERT_THAT(r.records, SizeIs(1));
  EXPECT_EQ(r.records[0].version, 1);
  records::PutRecordParams revised;
  revised.subject_id = subject_;
  revised.record_id = record_;
  revised.expected_version = 1;
  revised.record_type = "drug_interventions_record";
  revised.data_class = "drugs";
  revised.body = "revised DIR";
  ASSERT_THAT((Wait<RecordHeader>([&](auto reply) {
                records_->Put(kCarat, revised, std::move(reply));
              })),
              IsOk());
  std::vector<messaging::Delivered> got = Mailbox(kCjit);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].message.correlation_id, r.referral_id);
  ASSERT_THAT(got[0].records, SizeIs(1));
  EXPECT_EQ(got[0].records[0].body, "synthetic DIR");

  // A retry with the same key returns the same referral; other content is refused.
  ASSERT_OK_AND_ASSIGN(Referral again, Create(kCarat, Drug()));
  EXPECT_EQ(again.referral_id, r.referral_id);
  CreateParams other = Drug();
  other.note = "different";
  EXPECT_THAT(Create(kCarat, other), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(ReferralServiceTest, RoutingErrorsAndWithheldRecipientsLeaveNothing) {
  // No consent: the CJIT may not receive the DIR, so no referral is made.
  EXPECT_THAT(Create(kCarat, Drug()), StatusIs(absl::StatusCode::kFailedPrecondition,
                                               HasSubstr("agency 'cjit-east' may not receive")));
  ConsentToCjit();
  CreateParams p = Drug();
  p.event_date.reset();
  EXPECT_THAT(Create(kCarat, p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("event_date: required")));
  p = Drug();
  p.referral_type = "dental_on_release";
  EXPECT_THAT(Create(kCarat, p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown type")));
  ASSERT_THAT(storage_->WriteAndWait(
                  [&](WriteTx& tx) { return tx.SetHomeArea(subject_, "E99999005"); }),
              IsOk());
  EXPECT_THAT(Create(kCarat, Drug()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no agency receives drug_treatment_on_release referrals for "
                                 "home area E99999005")));
  EXPECT_THAT(Mailbox(kCjit), SizeIs(0));
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    ReferralQuery made;
    made.agency_id = "hmp-northgate";
    ASSIGN_OR_RETURN(auto all, tx.ListReferralsForAgency(made));
    EXPECT_THAT(all, SizeIs(0));
    return absl::OkStatus();
  }), IsOk());
}

TEST_F(ReferralServiceTest, TransitionsGrantAndEndTheRelationshipAndNotifyTheOtherSide) {
  ConsentToCjit();
  ASSERT_OK_AND_ASSIGN(Referral r, Create(kCarat, Drug()));
  Mailbox(kCjit);  // the referral itself
  // Only the receiver accepts, and only the parties see it.
  EXPECT_THAT(Move(kCarat, r.referral_id, ReferralState::kAccepted),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("referral is sent")));
  EXPECT_THAT(Move(kHousing, r.referral_id, ReferralState::kAccepted),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no referral")));
  EXPECT_THAT(Move(kCjit, r.referral_id, ReferralState::kEngaged),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("referral is sent; the receiving agency may move it to received, "
                                 "accepted or declined")));

  ASSERT_THAT(Move(kCjit, r.referral_id, ReferralState::kReceived), IsOk());
  EXPECT_FALSE(ReferralRelationshipActive(clock_.Now()));
  clock_.Advance(absl::Hours(2));
  ASSERT_OK_AND_ASSIGN(Referral accepted, Move(kCjit, r.referral_id, ReferralState::kAccepted));
  EXPECT_TRUE(ReferralRelationshipActive(clock_.Now()));
  EXPECT_TRUE(accepted.deadlines[0].met_at.has_value());  // acknowledged
  EXPECT_TRUE(accepted.deadlines[1].met_at.has_value());  // accepted before release

  std::vector<messaging::Delivered> updates = Mailbox(kCarat);
  ASSERT_THAT(updates, SizeIs(2));
  EXPECT_EQ(updates[0].message.kind, MessageKind::kReferralUpdate);
  EXPECT_EQ(updates[0].message.notice_referral_state, ReferralState::kReceived);
  EXPECT_EQ(updates[1].message.notice_referral_state, ReferralState::kAccepted);

  EXPECT_THAT(Move(kCjit, r.referral_id, ReferralState::kClosed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reason: required")));
  clock_.Advance(absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(Referral closed,
                       Move(kCjit, r.referral_id, ReferralState::kClosed, "moved out of area"));
  EXPECT_EQ(closed.reason, "moved out of area");
  EXPECT_FALSE(ReferralRelationshipActive(clock_.Now()));
  ASSERT_THAT(closed.history, SizeIs(4));
  EXPECT_EQ(closed.history[3].from, ReferralState::kAccepted);
  EXPECT_THAT(Move(kCarat, r.referral_id, ReferralState::kWithdrawn, "no longer needed"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("(final)")));
}

TEST_F(ReferralServiceTest, EachDeadlineIsEscalatedOnceWhenItPasses) {
  ConsentToCjit();
  ASSERT_OK_AND_ASSIGN(Referral r, Create(kCarat, Drug()));
  Mailbox(kCjit);
  // "Acknowledged within 2 working days": over the weekend, due Tuesday 10:00.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 11, 24, 9, 59, 59), absl::UTCTimeZone()));
  EXPECT_EQ(Escalations(), 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Escalations(), 1);
  EXPECT_EQ(Escalations(), 0);  // once per breach
  ExpectEscalatedToBothSides(r.referral_id, "deadline 'acknowledged'");
  // Accepting late meets the next deadline; the one after is met neither: it fires at the end
  // of 8 December.
  ASSERT_THAT(Move(kCjit, r.referral_id, ReferralState::kAccepted), IsOk());
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 12, 8, 23, 59, 59), absl::UTCTimeZone()));
  EXPECT_EQ(Escalations(), 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Escalations(), 1);
  ASSERT_OK_AND_ASSIGN(Referral after, Get(r.referral_id));
  EXPECT_TRUE(after.deadlines[0].escalated_at.has_value());
  EXPECT_FALSE(after.deadlines[1].escalated_at.has_value());
  EXPECT_TRUE(after.deadlines[2].escalated_at.has_value());
}

TEST_F(ReferralServiceTest, WorkingDayDeadlinesSkipBankHolidays) {
  ConsentToCjit();
  // Thursday 24 December 10:00. Friday 25 and Monday 28 are bank holidays in the demo
  // directory, so "2 working days" are Tuesday 29 and Wednesday 30: due Wednesday 10:00.
  clock_.Set(At(2026, 12, 24, 10));
  CreateParams p = Drug();
  p.event_date = absl::CivilDay(2027, 1, 8);
  ASSERT_OK_AND_ASSIGN(Referral r, Create(kCarat, p));
  EXPECT_EQ(r.deadlines[0].due_at, At(2026, 12, 30, 10));
  clock_.Set(At(2026, 12, 30, 9, 59, 59));
  EXPECT_EQ(Escalations(), 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Escalations(), 1);
  clock_.Advance(absl::Hours(48));
  EXPECT_EQ(Escalations(), 0);
}

TEST_F(ReferralServiceTest, ReleaseEscalatesAReferralNotYetAcceptedAtOnce) {
  ConsentToCjit();
  ASSERT_OK_AND_ASSIGN(Referral r, Create(kCarat, Drug()));  // release planned 3 December
  Mailbox(kCjit);
  ASSERT_THAT(Move(kCjit, r.referral_id, ReferralState::kReceived), IsOk());
  Mailbox(kCarat);

  // A release date still to come moves the release-relative deadlines and escalates nothing.
  clock_.Set(At(2026, 11, 30, 9));
  ASSERT_OK_AND_ASSIGN(std::vector<Referral> escalated,
                       Release(kReception, absl::CivilDay(2026, 12, 2)));
  EXPECT_THAT(escalated, SizeIs(0));
  ASSERT_OK_AND_ASSIGN(Referral moved, Get(r.referral_id));
  EXPECT_EQ(moved.event_date, absl::CivilDay(2026, 12, 2));
  EXPECT_EQ(moved.deadlines[1].due_at, At(2026, 12, 2));  // accepted before release
  EXPECT_EQ(moved.deadlines[2].due_at, At(2026, 12, 8));  // first contact within 5 days
  EXPECT_EQ(moved.deadlines[0].due_at, r.deadlines[0].due_at);  // runs from creation
  EXPECT_THAT(Mailbox(kCarat), SizeIs(0));

  // Released early, on 1 December, not yet accepted: escalated at once, to both sides. Reception
  // may not read drug referrals, so its reply does not show it.
  clock_.Set(At(2026, 12, 1, 15));
  ASSERT_OK_AND_ASSIGN(escalated, Release(kReception, absl::CivilDay(2026, 12, 1)));
  EXPECT_THAT(escalated, SizeIs(0));
  ASSERT_OK_AND_ASSIGN(Referral late, Get(r.referral_id));
  EXPECT_TRUE(late.deadlines[1].escalated_at.has_value());
  EXPECT_FALSE(late.deadlines[2].escalated_at.has_value());
  EXPECT_EQ(late.deadlines[2].due_at, At(2026, 12, 7));
  ExpectEscalatedToBothSides(
      r.referral_id, "released on 2026-12-01 and the referral is received, not yet accepted");
  // Once per breach: neither the sweep nor a repeated release escalates it again.
  EXPECT_EQ(Escalations(), 0);
  ASSERT_OK_AND_ASSIGN(escalated, Release(kReception, absl::CivilDay(2026, 12, 1)));
  EXPECT_THAT(escalated, SizeIs(0));
  EXPECT_THAT(Mailbox(kCjit), SizeIs(0));

  // Only those who may write the person's custody record record a release, and a date a year
  // away is taken for a typing error.
  EXPECT_THAT(Release(kCjit, absl::CivilDay(2026, 12, 1)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Release(kReception, absl::CivilDay(2006, 12, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("release_date")));
}

TEST_F(ReferralServiceTest, ReleaseLeavesAcceptedReferralsAlone) {
  ConsentToCjit();
  ASSERT_OK_AND_ASSIGN(Referral r, Create(kCarat, Drug()));
  ASSERT_THAT(Move(kCjit, r.referral_id, ReferralState::kAccepted), IsOk());
  clock_.Set(At(2026, 12, 3, 8));
  ASSERT_OK_AND_ASSIGN(std::vector<Referral> escalated,
                       Release(kReception, absl::CivilDay(2026, 12, 3)));
  EXPECT_THAT(escalated, SizeIs(0));
  EXPECT_EQ(Escalations(), 0);
}

TEST_F(ReferralServiceTest, DeclinesAndWithdrawalsAreReportedToTheOtherSide) {
  ConsentToCjit();
  ASSERT_OK_AND_ASSIGN(Referral first, Create(kCarat, Drug("ref-1")));
  ASSERT_THAT(Move(kCjit, first.referral_id, ReferralState::kDeclined, "already in treatment"),
              IsOk());
  // Declined before the CJIT picked it up: the referrer hears that its records were not
  // delivered, and of the decline with its reason.
  std::vector<messaging::Delivered> got = Mailbox(kCarat);
  ASSERT_THAT(got, SizeIs(2));
  EXPECT_EQ(got[0].message.kind, MessageKind::kReport);
  EXPECT_EQ(got[0].message.notice_state, DeliveryState::kWithheld);
  EXPECT_EQ(got[1].message.kind, MessageKind::kReferralUpdate);
  EXPECT_EQ(got[1].message.correlation_id, first.referral_id);
  EXPECT_EQ(got[1].message.notice_referral_state, ReferralState::kDeclined);
  EXPECT_EQ(got[1].message.notice_reason, "already in treatment");
  EXPECT_THAT(Mailbox(kCjit), SizeIs(0));

  ASSERT_OK_AND_ASSIGN(Referral second, Create(kCarat, Drug("ref-2")));
  ASSERT_THAT(Move(kCjit, second.referral_id, ReferralState::kAccepted), IsOk());
  EXPECT_TRUE(ReferralRelationshipActive(clock_.Now()));
  Mailbox(kCjit);  // the two referrals
  clock_.Advance(absl::Minutes(5));
  ASSERT_OK_AND_ASSIGN(Referral withdrawn,
                       Move(kCarat, second.referral_id, ReferralState::kWithdrawn,
                            "sentence extended; not released"));
  EXPECT_EQ(withdrawn.reason, "sentence extended; not released");
  EXPECT_FALSE(ReferralRelationshipActive(clock_.Now()));
  got = Mailbox(kCjit);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].message.notice_referral_state, ReferralState::kWithdrawn);
  EXPECT_EQ(got[0].message.notice_reason, "sentence extended; not released");

  // Withdrawn before the CJIT picked it up: the DIR stays where it is; the CJIT is told of the
  // withdrawal, and the referrer's mailbox has the report that its message was withheld.
  ASSERT_OK_AND_ASSIGN(Referral third, Create(kCarat, Drug("ref-3")));
  Mailbox(kCarat);
  ASSERT_THAT(Move(kCarat, third.referral_id, ReferralState::kWithdrawn, "made in error"), IsOk());
  got = Mailbox(kCjit);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].message.kind, MessageKind::kReferralUpdate);
  EXPECT_EQ(got[0].message.notice_referral_state, ReferralState::kWithdrawn);
  EXPECT_THAT(got[0].records, SizeIs(0));
  got = Mailbox(kCarat);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].message.kind, MessageKind::kReport);
  EXPECT_EQ(got[0].message.notice_state, DeliveryState::kWithheld);
  EXPECT_THAT(got[0].message.notice_reason, HasSubstr("was withdrawn"));

  // Declined while its lease is held, before acknowledging: never delivered again.
  ASSERT_OK_AND_ASSIGN(Referral fourth, Create(kCarat, Drug("ref-4")));
  auto leased = Wait<std::vector<messaging::Delivered>>([&](auto reply) {
    messaging_->Receive(kCjit, 10, absl::Minutes(1), std::move(reply));
  });
  ASSERT_THAT(leased, IsOk());
  ASSERT_THAT(*leased, SizeIs(1));
  ASSERT_THAT(Move(kCjit, fourth.referral_id, ReferralState::kDeclined, "out of area"), IsOk());
  clock_.Advance(absl::Minutes(2));
  ASSERT_THAT(messaging_->Sweep(), IsOk());
  got = Mailbox(kCjit);
  EXPECT_THAT(got, SizeIs(0));
}

TEST_F(ReferralServiceTest, ListsTheAgencysReferralsWithOverdueOnes) {
  ConsentToCjit();
  ASSERT_OK_AND_ASSIGN(Referral first, Create(kCarat, Drug("ref-1")));
  clock_.Advance(absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(Referral second, Create(kCarat, Drug("ref-2")));
  ASSERT_THAT(Move(kCjit, second.referral_id, ReferralState::kReceived), IsOk());

  for (const CallContext* side : {&kCarat, &kCjit}) {
    ASSERT_OK_AND_ASSIGN(std::vector<Referral> all, List(*side));
    ASSERT_THAT(all, SizeIs(2));
    EXPECT_EQ(all[0].referral_id, second.referral_id);  // newest first
    EXPECT_EQ(all[1].referral_id, first.referral_id);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Referral> none, List(kHousing));
  EXPECT_THAT(none, SizeIs(0));
  // Each listing that disclosed the person is in the audit log under the person.
  // (Read as written, before any sequencer numbers them.)
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<PendingAuditEntry> pending, tx.ListPendingAudit(1000));
    std::vector<AuditEntry> listings;
    for (const PendingAuditEntry& p : pending) {
      if (p.entry.subject_id == subject_ && p.entry.action == "referral.list") {
        listings.push_back(p.entry);
      }
    }
    EXPECT_THAT(listings, SizeIs(2));  // the CARAT worker's and the CJIT worker's
    for (const AuditEntry& e : listings) {
      EXPECT_THAT(e.reason, HasSubstr(first.referral_id));
      EXPECT_THAT(e.reason, HasSubstr(second.referral_id));
    }
    return absl::OkStatus();
  }), IsOk());

  // A page at a time, each from where the last ended.
  ListFilter paged;
  paged.page_size = 1;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(ReferralPage page, (Wait<ReferralPage>([&](auto reply) {
                           service_->List(kCjit, paged, std::move(reply));
                         })));
    for (const Referral& r : page.referrals) ids.push_back(r.referral_id);
    if (!page.next.has_value()) break;
    paged.after = page.next;
  }
  EXPECT_THAT(ids, ::testing::ElementsAre(second.referral_id, first.referral_id));

  // Past "acknowledged" (Tuesday 10:00), only the first, never received, is overdue.
  clock_.Set(At(2026, 11, 24, 10, 30));
  ListFilter overdue;
  overdue.overdue_only = true;
  ASSERT_OK_AND_ASSIGN(std::vector<Referral> late, List(kCjit, overdue));
  ASSERT_THAT(late, SizeIs(1));
  EXPECT_EQ(late[0].referral_id, first.referral_id);

  ASSERT_THAT(Move(kCjit, first.referral_id, ReferralState::kDeclined, "no capacity"), IsOk());
  ListFilter open;
  open.open_only = true;
  open.subject_id = subject_;
  ASSERT_OK_AND_ASSIGN(std::vector<Referral> still_open, List(kCarat, open));
  ASSERT_THAT(still_open, SizeIs(1));
  EXPECT_EQ(still_open[0].referral_id, second.referral_id);
  // Naming a person the caller cannot see is NOT_FOUND, as for one who does not exist.
  open.subject_id = "sub_bbbbbbbbbbbbbbbbbbbbbbbbbb";
  EXPECT_THAT(List(kCarat, open), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ReferralServiceTest, ReportGivesTheFunnelToManagersOnly) {
  ConsentToCjit();
  ASSERT_OK_AND_ASSIGN(Referral first, Create(kCarat, Drug("ref-1")));
  ASSERT_OK_AND_ASSIGN(Referral second, Create(kCarat, Drug("ref-2")));
  ASSERT_THAT(Move(kCjit, first.referral_id, ReferralState::kAccepted), IsOk());
  clock_.Advance(absl::Hours(10));
  ASSERT_THAT(Move(kCjit, first.referral_id, ReferralState::kFirstContact), IsOk());
  ASSERT_THAT(Move(kCjit, second.referral_id, ReferralState::kDeclined, "no capacity"), IsOk());

  ReportParams p;
  p.from = kFriday - absl::Hours(24);
  p.until = kFriday + absl::Hours(24);
  auto report = [&](const CallContext& ctx) {
    return Wait<std::vector<FunnelRow>>(
        [&](auto reply) { service_->Report(ctx, p, std::move(reply)); });
  };
  // With the demo policy's threshold of 5 these small counts are withheld...
  ASSERT_OK_AND_ASSIGN(std::vector<FunnelRow> rows, report(kPrisonManager));
  ASSERT_THAT(rows, SizeIs(1));
  EXPECT_EQ(rows[0].stages[0].count, 0);
  EXPECT_TRUE(rows[0].stages[0].suppressed);
  EXPECT_TRUE(rows[0].declined_suppressed);
  // ... so count them with a threshold of 1, which withholds nothing.
  std::ifstream in(config_.policy_file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = text.find("  min_count: 5");
  ASSERT_NE(at, std::string::npos);
  ASSERT_OK_AND_ASSIGN(auto counting,
                       policy::Policy::Parse(text.replace(at, 14, "  min_count: 1"), "p.yaml"));
  policies_->Replace(std::move(counting));
  ASSERT_OK_AND_ASSIGN(rows, report(kPrisonManager));
  ASSERT_THAT(rows, SizeIs(1));
  EXPECT_EQ(rows[0].referral_type, "drug_treatment_on_release");
  EXPECT_EQ(rows[0].group, "E99999001");
  ASSERT_THAT(rows[0].stages, SizeIs(6));
  EXPECT_EQ(rows[0].stages[0].count, 2);  // referred
  EXPECT_EQ(rows[0].stages[1].count, 1);  // received (the declined one never was)
  EXPECT_EQ(rows[0].stages[1].attrition_percent, 50);
  EXPECT_EQ(rows[0].stages[2].count, 1);  // accepted
  EXPECT_EQ(rows[0].stages[2].attrition_percent, 0);
  EXPECT_EQ(rows[0].stages[3].count, 1);  // first contact, 10 hours after referral
  EXPECT_EQ(rows[0].stages[3].median_hours, 10);
  EXPECT_EQ(rows[0].declined, 1);
  // A period without referrals has no rows; a period shorter than a day is refused.
  p.from = kFriday + absl::Hours(1);
  p.until = kFriday + absl::Hours(25);
  ASSERT_OK_AND_ASSIGN(rows, report(kPrisonManager));
  EXPECT_THAT(rows, SizeIs(0));
  p.until = kFriday + absl::Hours(24);
  EXPECT_THAT(report(kPrisonManager),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("until: a report covers")));
  // A practitioner does not get performance reports.
  EXPECT_THAT(report(kCarat), StatusIs(absl::StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace throughcare::referrals
