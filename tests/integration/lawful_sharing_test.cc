// Lawful sharing against the real broker: consents, relationships, NOT_FOUND without a
// relationship, break-glass and its review, redaction, CheckAccess, and policy reload under load.
#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/integration/fixture.h"
#include "throughcare/v1/admin.grpc.pb.h"

namespace throughcare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

const Actor kResettlement{"hmp-northgate", "resettlement-1", "resettlement_officer", "resettlement"};
const Actor kPolicyAdmin{"ig-office", "ig-officer-1", "policy_admin", "audit"};
const Actor kCustody{"police-east", "custody-1", "custody_officer", "public_protection"};

// Waits until `count` reaches `at_least`: the readers below are counted, not timed, so a slow
// machine makes these tests slower, not wrong. Fails the test after a minute.
void AwaitCount(const std::atomic<int>& count, int at_least) {
  const absl::Time give_up = absl::Now() + absl::Minutes(1);
  while (count.load() < at_least && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_GE(count.load(), at_least) << "the readers did not make enough calls in a minute";
}

class LawfulSharingTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    subject_id_ = RegisterPerson();
    Relate(kHealthcare, subject_id_);
    Relate(kOffenderManager, subject_id_);
  }

  std::string PutHealthSummary(std::vector<std::string> labels = {}) {
    v1::PutRecordRequest req;
    req.set_purpose("direct_care");
    req.set_subject_id(subject_id_);
    req.set_data_class("health");
    for (const auto& l : labels) req.add_labels(l);
    req.mutable_body()->mutable_health_summary()->add_conditions()->set_name("hepatitis C");
    v1::Record out;
    grpc::Status s = Records(kHealthcare.agency)->PutRecord(ContextFor(kHealthcare).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.record_id();
  }

  grpc::Status Read(const Actor& actor, const std::string& record_id, v1::Record* out = nullptr,
                    const std::string& break_glass = "") {
    v1::GetRecordRequest req;
    req.set_purpose(actor.purpose);
    req.set_record_id(record_id);
    req.set_break_glass_reason(break_glass);
    v1::Record ignored;
    return Records(actor.agency)->GetRecord(ContextFor(actor).get(), req, out ? out : &ignored);
  }

  grpc::Status Withdraw(const Actor& actor, const std::string& consent_id, v1::Consent* out) {
    v1::WithdrawConsentRequest req;
    req.set_purpose(actor.purpose);
    req.set_consent_id(consent_id);
    req.set_reason("The person withdrew consent at their review meeting.");
    return Consents(actor.agency)->WithdrawConsent(ContextFor(actor).get(), req, out);
  }

  std::vector<v1::AuditEntry> AuditFor(const std::string& action) {
    v1::QueryAuditLogRequest req;
    req.set_purpose("audit");
    req.set_subject_id(subject_id_);
    req.set_action(action);
    v1::QueryAuditLogResponse resp;
    grpc::Status s = Audit(kAuditor.agency)->QueryAuditLog(ContextFor(kAuditor).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.entries().begin(), resp.entries().end()};
  }

  std::string subject_id_;
};

TEST_F(LawfulSharingTest, ConsentIsNeededAndWithdrawalTakesEffectOnTheNextCall) {
  const std::string record = PutHealthSummary();
  grpc::Status s = Read(kOffenderManager, record);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("consent"));

  const std::string consent =
      RecordConsent(kHealthcare, subject_id_, "health", "probation-east", "offender_management");
  ASSERT_TRUE(Read(kOffenderManager, record).ok());

  v1::Consent withdrawn;
  ASSERT_TRUE(Withdraw(kHealthcare, consent, &withdrawn).ok());
  EXPECT_EQ(withdrawn.version(), 2);
  EXPECT_EQ(withdrawn.state(), "WITHDRAWN");
  EXPECT_EQ(withdrawn.withdrawn_by_user(), "nurse-1");
  s = Read(kOffenderManager, record);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("withdrawn"));
  EXPECT_EQ(Withdraw(kHealthcare, consent, &withdrawn).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  v1::ListConsentsRequest list;
  list.set_purpose("direct_care");
  list.set_subject_id(subject_id_);
  list.set_include_history(true);
  v1::ListConsentsResponse listed;
  ASSERT_TRUE(Consents(kHealthcare.agency)->ListConsents(ContextFor(kHealthcare).get(), list, &listed).ok());
  ASSERT_THAT(listed.consents(), SizeIs(2)) << "the withdrawal adds a version; none is rewritten";
  EXPECT_EQ(listed.consents(0).version(), 1);
  EXPECT_FALSE(listed.consents(0).has_withdrawn_at());
  EXPECT_EQ(listed.consents(1).state(), "WITHDRAWN");
}

TEST_F(LawfulSharingTest, WithdrawalIsSeenByEveryCallThatStartsAfterIt) {
  const std::string record = PutHealthSummary();
  const std::string consent =
      RecordConsent(kHealthcare, subject_id_, "health", "probation-east", "offender_management");
  std::atomic<bool> withdrawn{false};
  std::atomic<bool> stop{false};
  std::atomic<int> allowed_after{0}, reads{0}, reads_after{0}, unexpected{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      auto stub = Records(kOffenderManager.agency);
      while (!stop.load()) {
        const bool after = withdrawn.load();
        v1::GetRecordRequest req;
        req.set_purpose("offender_management");
        req.set_record_id(record);
        v1::Record out;
        grpc::Status s = stub->GetRecord(ContextFor(kOffenderManager).get(), req, &out);
        if (!s.ok() && s.error_code() != grpc::StatusCode::PERMISSION_DENIED) unexpected++;
        reads++;
        if (after) {
          reads_after++;
          if (s.ok()) allowed_after++;
        }
      }
    });
  }
  AwaitCount(reads, 20);
  v1::Consent out;
  const bool withdrew = Withdraw(kHealthcare, consent, &out).ok();
  withdrawn.store(true);
  if (withdrew) AwaitCount(reads_after, 40);
  stop.store(true);
  for (auto& t : readers) t.join();
  ASSERT_TRUE(withdrew);
  EXPECT_EQ(allowed_after.load(), 0) << "a read that started after the withdrawal was allowed";
  EXPECT_EQ(unexpected.load(), 0);
}

TEST_F(LawfulSharingTest, ConsentExpiresExactlyAtValidUntil) {
  const std::string record = PutHealthSummary();
  // A whole second, so the boundary is exact on the wire.
  const absl::Time until = absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now()) + 3600);
  RecordConsent(kHealthcare, subject_id_, "health", "probation-east", "offender_management",
                until - clock_.Now());
  clock_.Set(until - absl::Microseconds(1));
  EXPECT_TRUE(Read(kOffenderManager, record).ok());
  clock_.Set(until);
  grpc::Status s = Read(kOffenderManager, record);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("expired"));
}

TEST_F(LawfulSharingTest, NoRelationshipIsNotFoundAndTheAuditShowsWhy) {
  // The prison's CARAT team (custody gives it a relationship) files a DIR, and the person
  // consents to the community drug team receiving it.
  v1::PutRecordRequest dir = DirRequest(subject_id_);
  v1::Record created;
  grpc::Status s = Records(kCarat.agency)->PutRecord(ContextFor(kCarat).get(), dir, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string record = created.record_id();
  RecordConsent(kCarat, subject_id_, "drugs", "cjit-east", "direct_care");

  // The CJIT has consent but does not work with the person yet.
  v1::GetSubjectRequest get;
  get.set_purpose("direct_care");
  get.set_subject_id(subject_id_);
  v1::Subject subject;
  s = Subjects(kCjit.agency)->GetSubject(ContextFor(kCjit).get(), get, &subject);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  // Exactly as for someone who does not exist.
  EXPECT_EQ(s.error_message(), absl::StrCat("subject_id: no subject ", subject_id_));
  get.set_subject_id("sub_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  grpc::Status unknown = Subjects(kCjit.agency)->GetSubject(ContextFor(kCjit).get(), get, &subject);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);

  s = Read(kCjit, record);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), absl::StrCat("record_id: no record ", record));

  std::vector<v1::AuditEntry> reads = AuditFor("record.read");
  ASSERT_THAT(reads, SizeIs(1));
  EXPECT_EQ(reads[0].agency_id(), "cjit-east");
  EXPECT_EQ(reads[0].decision(), v1::DECISION_DENY);
  EXPECT_EQ(reads[0].outcome(), "NOT_FOUND");
  EXPECT_THAT(reads[0].reason(), HasSubstr("relationship"));

  // Once the CJIT takes the case on, the consent lets it read.
  Relate(kCjit, subject_id_);
  v1::Record read;
  s = Read(kCjit, record, &read);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(read.body().drug_interventions_record().substances(0), "heroin");
}

TEST_F(LawfulSharingTest, EndedRelationshipsStopAccessAndBelongToTheirAgency) {
  const std::string record = PutHealthSummary();
  RecordConsent(kHealthcare, subject_id_, "health", "probation-east", "offender_management");
  v1::ListRelationshipsRequest list;
  list.set_purpose("offender_management");
  list.set_subject_id(subject_id_);
  v1::ListRelationshipsResponse listed;
  ASSERT_TRUE(Subjects(kOffenderManager.agency)->ListRelationships(ContextFor(kOffenderManager).get(), list, &listed).ok());
  std::string probation_rel, healthcare_rel;
  for (const auto& r : listed.relationships()) {
    if (r.agency_id() == "probation-east") probation_rel = r.relationship_id();
    if (r.agency_id() == "hmp-northgate-healthcare") healthcare_rel = r.relationship_id();
  }
  ASSERT_FALSE(probation_rel.empty());
  ASSERT_FALSE(healthcare_rel.empty());

  v1::EndRelationshipRequest end;
  end.set_purpose("offender_management");
  end.set_relationship_id(healthcare_rel);
  v1::Relationship ended;
  grpc::Status s = Subjects(kOffenderManager.agency)->EndRelationship(ContextFor(kOffenderManager).get(), end, &ended);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << "another agency's relationship";

  end.set_relationship_id(probation_rel);
  ASSERT_TRUE(Subjects(kOffenderManager.agency)->EndRelationship(ContextFor(kOffenderManager).get(), end, &ended).ok());
  EXPECT_TRUE(ended.has_ended_at());
  EXPECT_EQ(ended.ended_by_user(), "om-1");
  EXPECT_EQ(Read(kOffenderManager, record).error_code(), grpc::StatusCode::NOT_FOUND);

  // Custody is for prisons only.
  v1::StartRelationshipRequest custody;
  custody.set_purpose("offender_management");
  custody.set_subject_id(subject_id_);
  custody.set_kind(v1::RELATIONSHIP_KIND_CUSTODY);
  v1::Relationship out;
  s = Subjects(kOffenderManager.agency)->StartRelationship(ContextFor(kOffenderManager).get(), custody, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  custody.set_kind(v1::RELATIONSHIP_KIND_REFERRAL);
  s = Subjects(kOffenderManager.agency)->StartRelationship(ContextFor(kOffenderManager).get(), custody, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("kind:"));
}

// A housing officer with only the opaque subject id must not give itself a relationship (and so
// the person's identifiers and who works with them) silently: outside a workflow a start is a
// self-claim, which needs a reason and is flagged and queued for review like break-glass.
TEST_F(LawfulSharingTest, RelationshipsComeFromWorkflowsOrAreSelfClaimedAndReviewed) {
  auto start = [&](const Actor& actor, v1::RelationshipKind kind, const std::string& note,
                   v1::Relationship* out) {
    v1::StartRelationshipRequest req;
    req.set_purpose(actor.purpose);
    req.set_subject_id(subject_id_);
    req.set_kind(kind);
    req.set_note(note);
    return Subjects(actor.agency)->StartRelationship(ContextFor(actor).get(), req, out);
  };
  v1::Relationship rel;
  grpc::Status s = start(kHousing, v1::RELATIONSHIP_KIND_ALLOCATION, "", &rel);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("needs a reason"));
  s = start(kHousing, v1::RELATIONSHIP_KIND_ALLOCATION, "   housing   ", &rel);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << "padding is no reason";
  // Still nothing to see.
  v1::ListRelationshipsRequest list;
  list.set_purpose(kHousing.purpose);
  list.set_subject_id(subject_id_);
  v1::ListRelationshipsResponse listed;
  EXPECT_EQ(Subjects(kHousing.agency)
                ->ListRelationships(ContextFor(kHousing).get(), list, &listed)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  const std::string reason = "Homeless on release; assessed at the council's front desk today.";
  ASSERT_TRUE(start(kHousing, v1::RELATIONSHIP_KIND_ALLOCATION, reason, &rel).ok());
  std::vector<v1::AuditEntry> writes = AuditFor("relationship.write");
  ASSERT_FALSE(writes.empty());
  const v1::AuditEntry& claim = writes.back();
  EXPECT_EQ(claim.agency_id(), "housing-east");
  EXPECT_EQ(claim.decision(), v1::DECISION_ALLOW);
  EXPECT_THAT(claim.basis(), HasSubstr("self-claimed relationship"));
  EXPECT_THAT(claim.break_glass_reason(), HasSubstr(reason));
  v1::ListReviewItemsRequest review;
  review.set_purpose("audit");
  v1::ListReviewItemsResponse items;
  ASSERT_TRUE(
      Audit(kAuditor.agency)->ListReviewItems(ContextFor(kAuditor).get(), review, &items).ok());
  int housing_items = 0;
  for (const v1::ReviewItem& item : items.items()) {
    if (item.agency_id() != "housing-east") continue;
    ++housing_items;
    EXPECT_EQ(item.audit_seq(), claim.seq());
    EXPECT_THAT(item.reason(), HasSubstr(reason));
  }
  EXPECT_EQ(housing_items, 1);

  // Workflows need no reason and open no review: probation allocates its case...
  const size_t open_before = items.items_size();
  ASSERT_TRUE(start(kOffenderManager, v1::RELATIONSHIP_KIND_ALLOCATION, "", &rel).ok());
  ASSERT_TRUE(
      Audit(kAuditor.agency)->ListReviewItems(ContextFor(kAuditor).get(), review, &items).ok());
  EXPECT_EQ(static_cast<size_t>(items.items_size()), open_before);
  // ... while roles and kinds outside relationship_starts may not start one at all, whatever
  // reason they give.
  s = start(kReception, v1::RELATIONSHIP_KIND_ALLOCATION, reason, &rel);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("relationships come from workflows"));
}

TEST_F(LawfulSharingTest, BreakGlassNeedsANamedRoleAndAReasonAndIsQueuedForReview) {
  const std::string record = PutHealthSummary({"sealed"});
  RecordConsent(kHealthcare, subject_id_, "health", "probation-east", "offender_management");
  // Sealed: refused without break-glass, and with a reason that is not a sentence.
  grpc::Status s = Read(kOffenderManager, record);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("sealed"));
  EXPECT_EQ(Read(kOffenderManager, record, nullptr, "urgent").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A role the policy does not name may not break glass at all.
  Relate(kHousing, subject_id_);
  EXPECT_EQ(Read(kHousing, record, nullptr,
                 "The person is missing and I need to know their health needs.")
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  const std::string reason = "Risk of serious harm reported tonight; need current health status.";
  v1::Record read;
  s = Read(kOffenderManager, record, &read, reason);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(read.body().health_summary().conditions(0).name(), "hepatitis C");

  std::vector<v1::AuditEntry> reads = AuditFor("record.read");
  ASSERT_FALSE(reads.empty());
  const v1::AuditEntry& glass = reads.back();
  EXPECT_EQ(glass.decision(), v1::DECISION_ALLOW);
  EXPECT_EQ(glass.break_glass_reason(), reason);
  EXPECT_THAT(glass.basis(), HasSubstr("break-glass"));

  v1::ListReviewItemsRequest list;
  list.set_purpose("audit");
  v1::ListReviewItemsResponse items;
  ASSERT_TRUE(Audit(kAuditor.agency)->ListReviewItems(ContextFor(kAuditor).get(), list, &items).ok());
  // Besides the self-claimed relationships of healthcare and housing (SetUp, above), one.
  std::vector<v1::ReviewItem> glass_items;
  for (const v1::ReviewItem& i : items.items()) {
    if (i.agency_id() == "probation-east") glass_items.push_back(i);
  }
  ASSERT_THAT(glass_items, SizeIs(1));
  const v1::ReviewItem item = glass_items[0];
  EXPECT_EQ(item.audit_seq(), glass.seq());
  EXPECT_EQ(item.user_id(), "om-1");
  EXPECT_EQ(item.reason(), reason);
  EXPECT_EQ(item.outcome(), v1::REVIEW_OUTCOME_OPEN);

  // Practitioners cannot review their own break-glass.
  v1::CloseReviewItemRequest close;
  close.set_purpose("audit");
  close.set_review_id(item.review_id());
  close.set_outcome(v1::REVIEW_OUTCOME_JUSTIFIED);
  close.set_note("Checked with the duty manager: an emergency.");
  v1::ReviewItem closed;
  close.set_purpose("offender_management");
  EXPECT_EQ(Audit(kOffenderManager.agency)->CloseReviewItem(ContextFor(kOffenderManager).get(), close, &closed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  close.set_purpose("audit");
  ASSERT_TRUE(Audit(kAuditor.agency)->CloseReviewItem(ContextFor(kAuditor).get(), close, &closed).ok());
  EXPECT_EQ(closed.outcome(), v1::REVIEW_OUTCOME_JUSTIFIED);
  EXPECT_EQ(closed.closed_by_user(), "auditor-1");
  EXPECT_EQ(Audit(kAuditor.agency)->CloseReviewItem(ContextFor(kAuditor).get(), close, &closed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  std::vector<v1::AuditEntry> closes = AuditFor("review.close");
  ASSERT_THAT(closes, SizeIs(2));
  EXPECT_EQ(closes[0].outcome(), "OK");
  EXPECT_EQ(closes[0].user_id(), "auditor-1");

  ASSERT_TRUE(Audit(kAuditor.agency)->ListReviewItems(ContextFor(kAuditor).get(), list, &items).ok());
  for (const v1::ReviewItem& i : items.items()) {
    EXPECT_NE(i.review_id(), item.review_id()) << "closed items leave the open queue";
  }
}

TEST_F(LawfulSharingTest, VictimRelatedFieldsAreRedactedForNamedRoles) {
  v1::PutRecordRequest req;
  req.set_purpose("resettlement");
  req.set_subject_id(subject_id_);
  req.set_data_class("accommodation");
  req.add_labels("victim_related");
  auto* need = req.mutable_body()->mutable_accommodation_need();
  need->set_current_status("no fixed abode");
  need->set_exclusion_zones("Not within 2 miles of Synthetic Road (victim's home).");
  v1::Record created;
  grpc::Status s = Records(kResettlement.agency)->PutRecord(ContextFor(kResettlement).get(), req, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();

  Relate(kHousing, subject_id_);
  v1::Record read;
  s = Read(kHousing, created.record_id(), &read);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(read.redacted());
  EXPECT_EQ(read.body().accommodation_need().current_status(), "no fixed abode");
  EXPECT_EQ(read.body().accommodation_need().exclusion_zones(), "");

  // Redaction follows the role: the offender manager, not a redacted role, sees the victim
  // details of a risk summary labelled the same way.
  v1::PutRecordRequest risk;
  risk.set_purpose("offender_management");
  risk.set_subject_id(subject_id_);
  risk.set_data_class("risk");
  risk.add_labels("victim_related");
  risk.mutable_body()->mutable_risk_summary()->set_risk_of_serious_harm(v1::RiskSummary::LEVEL_HIGH);
  risk.mutable_body()->mutable_risk_summary()->set_victim_details("Former partner (synthetic).");
  s = Records(kOffenderManager.agency)->PutRecord(ContextFor(kOffenderManager).get(), risk, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = Read(kOffenderManager, created.record_id(), &read);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(read.redacted());
  EXPECT_EQ(read.body().risk_summary().victim_details(), "Former partner (synthetic).");
}

TEST_F(LawfulSharingTest, CheckAccessExplainsWithoutAccessing) {
  const std::string record = PutHealthSummary();
  RecordConsent(kHealthcare, subject_id_, "health", "probation-east", "offender_management");
  v1::CheckAccessRequest req;
  req.set_purpose("offender_management");
  req.set_subject_id(subject_id_);
  req.set_record_id(record);
  v1::CheckAccessResponse resp;
  ASSERT_TRUE(Consents(kOffenderManager.agency)->CheckAccess(ContextFor(kOffenderManager).get(), req, &resp).ok());
  EXPECT_TRUE(resp.allowed());
  EXPECT_THAT(resp.basis(), StartsWith("consent con_"));
  EXPECT_THAT(resp.policy_version(), StartsWith("sha256:"));
  std::vector<std::string> names;
  for (const auto& c : resp.checks()) names.push_back(c.name());
  EXPECT_THAT(names, ::testing::IsSupersetOf({"role_permission", "relationship", "lawful_basis",
                                              "purpose", "labels"}));

  // An auditor asks whether the CJIT could read the person's drugs data for direct care: no,
  // for want of a relationship.
  req.set_purpose("audit");
  req.clear_record_id();
  req.set_data_class("drugs");
  req.set_access_purpose("direct_care");
  req.set_as_agency("cjit-east");
  req.set_as_user("cjit-worker-1");
  req.set_as_role("cjit_worker");
  req.set_action("record.read");
  grpc::Status s = Consents(kAuditor.agency)->CheckAccess(ContextFor(kAuditor).get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(resp.allowed());
  EXPECT_TRUE(resp.answer_not_found());
  bool relationship_failed = false;
  for (const auto& c : resp.checks()) {
    if (c.name() == "relationship") relationship_failed = !c.passed();
  }
  EXPECT_TRUE(relationship_failed);

  // A practitioner may not explain someone else's access, nor learn what NOT_FOUND hides.
  req.set_purpose("offender_management");
  EXPECT_EQ(Consents(kOffenderManager.agency)->CheckAccess(ContextFor(kOffenderManager).get(), req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  req.clear_as_agency();
  req.clear_as_user();
  req.clear_as_role();
  req.clear_access_purpose();
  req.set_purpose("direct_care");
  EXPECT_EQ(Consents(kCjit.agency)->CheckAccess(ContextFor(kCjit).get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Explanations are audited; the record was not read.
  EXPECT_THAT(AuditFor("access.check"), SizeIs(4));
  EXPECT_THAT(AuditFor("record.read"), SizeIs(0));
}

TEST_F(LawfulSharingTest, ConsentRequestsAreValidated) {
  struct Case {
    std::function<void(v1::RecordConsentRequest&)> change;
    std::string expected;
  };
  std::vector<Case> cases = {
      {[](auto& r) { r.clear_data_classes(); }, "data_classes: at least one"},
      {[](auto& r) { r.add_data_classes("gossip"); }, "data_classes[1]: unknown data class"},
      {[](auto& r) { r.clear_recipient_agencies(); }, "recipient_agencies: name at least one"},
      {[](auto& r) { r.add_recipient_kinds("bank"); }, "recipient_kinds[0]: unknown agency kind"},
      {[](auto& r) { r.clear_purposes(); }, "purposes: at least one"},
      {[](auto& r) { r.clear_valid_until(); }, "valid_until: required"},
      {[](auto& r) { r.set_evidence(v1::CONSENT_EVIDENCE_UNSPECIFIED); }, "evidence: required"},
      {[](auto& r) { r.clear_evidence_reference(); }, "evidence_reference: required"},
      {[](auto& r) { r.set_evidence(v1::CONSENT_EVIDENCE_VERBAL_WITNESSED); },
       "evidence_detail: required"},
      {[](auto& r) { r.set_subject_id("nobody"); }, "subject_id: malformed"},
      // Issue 14: a consent to an agency that does not exist, and one from year 294247.
      {[](auto& r) { r.add_recipient_agencies("probation-nowhere"); },
       "recipient_agencies[1]: unknown agency 'probation-nowhere'"},
      {[](auto& r) { r.mutable_valid_from()->set_seconds(9223372036854); }, "valid_from: must be"},
  };
  for (const Case& c : cases) {
    v1::RecordConsentRequest req;
    req.set_purpose("direct_care");
    req.set_subject_id(subject_id_);
    req.add_data_classes("health");
    req.add_recipient_agencies("probation-east");
    req.add_purposes("offender_management");
    req.mutable_valid_until()->set_seconds(absl::ToUnixSeconds(clock_.Now()) + 86400);
    req.set_evidence(v1::CONSENT_EVIDENCE_SIGNED_FORM);
    req.set_evidence_reference("form 1");
    c.change(req);
    v1::Consent out;
    grpc::Status s = Consents(kHealthcare.agency)->RecordConsent(ContextFor(kHealthcare).get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.expected;
    EXPECT_THAT(s.error_message(), StartsWith(c.expected));
  }
}

TEST_F(LawfulSharingTest, PolicyReloadUnderLoadChangesDecisionsAndDropsNothing) {
  const std::string record = PutHealthSummary();
  RecordConsent(kHealthcare, subject_id_, "health", "probation-east", "offender_management");
  ASSERT_TRUE(Read(kOffenderManager, record).ok());

  // The new policy drops the rule that lets offender managers read health data.
  std::string policy = ReadDevFile("policy.yaml");
  const std::string rule = "  - id: health-offender-management\n";
  size_t at = policy.find(rule);
  ASSERT_NE(at, std::string::npos);
  policy.insert(at + rule.size(), "");  // keep the id; narrow its purposes to one OM never uses
  size_t purposes = policy.find("    purposes: [offender_management]", at);
  ASSERT_NE(purposes, std::string::npos);
  policy.replace(purposes, std::string("    purposes: [offender_management]").size(),
                 "    purposes: [victim_notification]");

  std::atomic<bool> reloaded{false}, stop{false};
  std::atomic<int> ok_after{0}, calls{0}, calls_after{0}, failed{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      auto stub = Records(kOffenderManager.agency);
      while (!stop.load()) {
        const bool after = reloaded.load();
        v1::GetRecordRequest req;
        req.set_purpose("offender_management");
        req.set_record_id(record);
        v1::Record out;
        grpc::Status s = stub->GetRecord(ContextFor(kOffenderManager).get(), req, &out);
        if (!s.ok() && s.error_code() != grpc::StatusCode::PERMISSION_DENIED) failed++;
        calls++;
        if (after) {
          calls_after++;
          if (s.ok()) ok_after++;
        }
      }
    });
  }
  AwaitCount(calls, 20);
  std::ofstream(config_.policy_file) << policy;
  v1::ReloadPolicyRequest reload;
  reload.set_purpose("audit");
  v1::ReloadPolicyResponse versions;
  grpc::Status s = v1::AdminService::NewStub(ChannelFor(kPolicyAdmin.agency))
                       ->ReloadPolicy(ContextFor(kPolicyAdmin).get(), reload, &versions);
  reloaded.store(true);
  if (s.ok()) AwaitCount(calls_after, 40);
  stop.store(true);
  for (auto& t : readers) t.join();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(versions.previous_version(), versions.version());
  EXPECT_EQ(failed.load(), 0) << "a call in flight failed during the reload";
  EXPECT_EQ(ok_after.load(), 0) << "a call after the reload was decided by the old policy";

  // A broken file is refused with its line, and the policy in force stays; only the policy
  // administrator may reload.
  std::ofstream(config_.policy_file) << policy << "\nunknown_key: 1\n";
  s = v1::AdminService::NewStub(ChannelFor(kPolicyAdmin.agency))
          ->ReloadPolicy(ContextFor(kPolicyAdmin).get(), reload, &versions);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("policy.yaml:"));
  s = v1::AdminService::NewStub(ChannelFor(kAuditor.agency))
          ->ReloadPolicy(ContextFor(kAuditor).get(), reload, &versions);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace throughcare::testing
