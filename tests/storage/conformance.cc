#include "tests/storage/conformance.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
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
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

Subject MakeSubject(const std::string& id) {
  Subject s;
  s.id = id;
  s.home_area = "E99999001";
  s.registered_by_agency = "prison-a";
  s.registered_at = kT0;
  return s;
}

StoredRecord MakeRecord(const std::string& id, int64_t version, const std::string& subject) {
  StoredRecord r;
  r.header.record_id = id;
  r.header.version = version;
  r.header.subject_id = subject;
  r.header.record_type = "health_summary";
  r.header.data_class = "health";
  r.header.collected_for = "direct_care";
  r.header.labels = {"mappa", "not_convicted"};
  r.header.owner_agency = "healthcare-a";
  r.header.author_user = "nurse-1";
  r.header.created_at = kT0 + absl::Seconds(version);
  r.sealed_body = absl::StrCat("sealed-", id, "-", version, std::string("\0\x01\xff", 3));
  return r;
}

AuditEntry MakeAudit(int64_t seq, const std::string& subject, const std::string& agency) {
  AuditEntry e;
  e.seq = seq;
  e.time = kT0 + absl::Seconds(seq);
  e.agency_id = agency;
  e.system_id = agency + "-system";
  e.user_id = "user-" + agency;
  e.role = "role";
  e.action = seq % 2 == 0 ? "record.read" : "record.write";
  e.subject_id = subject;
  e.purpose = "direct_care";
  e.decision = seq % 3 == 0 ? AuditDecision::kDeny : AuditDecision::kAllow;
  e.reason = "because";
  e.policy_version = "sha256:0";
  e.request_id = absl::StrCat("req-", seq);
  e.outcome = "OK";
  return e;
}

// A 32-byte stand-in for a hash; storage keeps hashes, it does not compute them.
std::string FakeHash(absl::string_view what, int64_t n) {
  std::string h = absl::StrCat(what, "-", n);
  h.resize(32, '.');
  return h;
}

// What the sequencer would store for the pending entries (in their order), as seqs after
// `old_size`, with stand-in hashes and no subtrees.
AuditSequencing StepFor(const std::vector<PendingAuditEntry>& pending, int64_t old_size) {
  AuditSequencing step;
  step.old_size = old_size;
  for (const PendingAuditEntry& p : pending) {
    const int64_t seq = old_size + static_cast<int64_t>(step.placed.size()) + 1;
    step.placed.push_back(AuditSequencing::Placed{p.id, seq, FakeHash("leaf", seq)});
  }
  step.head = AuditTreeHead{old_size + static_cast<int64_t>(pending.size()),
                            FakeHash("root", old_size + static_cast<int64_t>(pending.size()))};
  return step;
}

// Appends `entries` and sequences everything pending, as the broker would in two steps.
absl::Status AppendAndSequence(WriteTx& tx, const std::vector<AuditEntry>& entries) {
  for (const AuditEntry& e : entries) RETURN_IF_ERROR(tx.AppendAudit(e).status());
  ASSIGN_OR_RETURN(AuditTreeHead head, tx.GetAuditTreeHead());
  ASSIGN_OR_RETURN(std::vector<PendingAuditEntry> pending, tx.ListPendingAudit(1000));
  return tx.ApplyAuditSequencing(StepFor(pending, head.size));
}

// Every field set, and set differently per id and version, so that a field dropped or swapped
// on the way through storage shows up in ExpectConsentEq.
Consent MakeConsent(const std::string& id, int64_t version, const std::string& subject,
                    ConsentEvidence evidence = ConsentEvidence::kVerbalWitnessed) {
  Consent c;
  c.consent_id = id;
  c.version = version;
  c.subject_id = subject;
  c.data_classes = {"health", "substance_misuse"};
  c.recipient_agencies = {"probation-a"};
  c.recipient_kinds = {"cjit", "housing", "gp"};
  c.purposes = {"direct_care"};
  c.valid_from = kT0 + absl::Hours(1);
  c.valid_until = kT0 + absl::Hours(24 * 365);
  c.evidence = evidence;
  c.evidence_reference = "form-" + id;
  c.evidence_detail = "witnessed by officer 42";
  c.recorded_by_agency = "prison-a";
  c.recorded_by_user = "officer-" + id;
  c.recorded_at = kT0 + absl::Minutes(version);
  return c;
}

// The withdrawal version that follows `c` (which keeps the time it was first recorded).
Consent Withdrawn(Consent c, absl::Time at) {
  c.version += 1;
  c.withdrawn_at = at;
  c.withdrawn_by_agency = "probation-a";
  c.withdrawn_by_user = "officer-w";
  c.withdrawal_reason = "the person asked";
  return c;
}

void ExpectConsentEq(const Consent& got, const Consent& want) {
  SCOPED_TRACE(absl::StrCat("consent ", want.consent_id, " v", want.version));
  EXPECT_EQ(got.consent_id, want.consent_id);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.subject_id, want.subject_id);
  EXPECT_EQ(got.data_classes, want.data_classes);
  EXPECT_EQ(got.recipient_agencies, want.recipient_agencies);
  EXPECT_EQ(got.recipient_kinds, want.recipient_kinds);
  EXPECT_EQ(got.purposes, want.purposes);
  EXPECT_EQ(got.valid_from, want.valid_from);
  EXPECT_EQ(got.valid_until, want.valid_until);
  EXPECT_EQ(got.evidence, want.evidence);
  EXPECT_EQ(got.evidence_reference, want.evidence_reference);
  EXPECT_EQ(got.evidence_detail, want.evidence_detail);
  EXPECT_EQ(got.recorded_by_agency, want.recorded_by_agency);
  EXPECT_EQ(got.recorded_by_user, want.recorded_by_user);
  EXPECT_EQ(got.recorded_at, want.recorded_at);
  EXPECT_EQ(got.withdrawn_at, want.withdrawn_at);
  EXPECT_EQ(got.withdrawn_by_agency, want.withdrawn_by_agency);
  EXPECT_EQ(got.withdrawn_by_user, want.withdrawn_by_user);
  EXPECT_EQ(got.withdrawal_reason, want.withdrawal_reason);
}

Relationship MakeRelationship(const std::string& id, const std::string& subject,
                              RelationshipKind kind, absl::Time started_at) {
  Relationship r;
  r.relationship_id = id;
  r.subject_id = subject;
  r.kind = kind;
  r.agency_id = "agency-" + id;
  r.user_id = "worker-" + id;
  r.started_at = started_at;
  r.started_by_agency = "starter-agency-" + id;
  r.started_by_user = "starter-" + id;
  r.note = "note " + id;
  return r;
}

void ExpectRelationshipEq(const Relationship& got, const Relationship& want) {
  SCOPED_TRACE(absl::StrCat("relationship ", want.relationship_id));
  EXPECT_EQ(got.relationship_id, want.relationship_id);
  EXPECT_EQ(got.subject_id, want.subject_id);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.agency_id, want.agency_id);
  EXPECT_EQ(got.user_id, want.user_id);
  EXPECT_EQ(got.started_at, want.started_at);
  EXPECT_EQ(got.ended_at, want.ended_at);
  EXPECT_EQ(got.started_by_agency, want.started_by_agency);
  EXPECT_EQ(got.started_by_user, want.started_by_user);
  EXPECT_EQ(got.ended_by_user, want.ended_by_user);
  EXPECT_EQ(got.note, want.note);
}

ReviewItem MakeReviewItem(const std::string& id, int64_t audit_entry) {
  ReviewItem r;
  r.review_id = id;
  r.audit_entry = audit_entry;
  r.subject_id = "subject-" + id;
  r.agency_id = "agency-" + id;
  r.user_id = "user-" + id;
  r.role = "role-" + id;
  r.reason = "emergency " + id;
  r.opened_at = kT0 + absl::Seconds(audit_entry);
  return r;
}

// The argument to CloseReviewItem: only the id and the closing fields are set.
ReviewItem Closing(const std::string& id, ReviewOutcome outcome, absl::Time at) {
  ReviewItem r;
  r.review_id = id;
  r.outcome = outcome;
  r.closed_by_agency = "auditor-agency";
  r.closed_by_user = "auditor-" + id;
  r.closed_at = at;
  r.note = "reviewed " + id;
  return r;
}

// `open` after CloseReviewItem(closing).
ReviewItem AfterClose(ReviewItem open, const ReviewItem& closing) {
  open.outcome = closing.outcome;
  open.closed_by_agency = closing.closed_by_agency;
  open.closed_by_user = closing.closed_by_user;
  open.closed_at = closing.closed_at;
  open.note = closing.note;
  return open;
}

void ExpectReviewItemEq(const ReviewItem& got, const ReviewItem& want) {
  SCOPED_TRACE(absl::StrCat("review item ", want.review_id));
  EXPECT_EQ(got.review_id, want.review_id);
  EXPECT_EQ(got.audit_entry, want.audit_entry);
  EXPECT_EQ(got.audit_seq, want.audit_seq);
  EXPECT_EQ(got.subject_id, want.subject_id);
  EXPECT_EQ(got.agency_id, want.agency_id);
  EXPECT_EQ(got.user_id, want.user_id);
  EXPECT_EQ(got.role, want.role);
  EXPECT_EQ(got.reason, want.reason);
  EXPECT_EQ(got.opened_at, want.opened_at);
  EXPECT_EQ(got.outcome, want.outcome);
  EXPECT_EQ(got.closed_by_agency, want.closed_by_agency);
  EXPECT_EQ(got.closed_by_user, want.closed_by_user);
  EXPECT_EQ(got.closed_at, want.closed_at);
  EXPECT_EQ(got.note, want.note);
}

template <typename T>
std::vector<std::string> ConsentIds(const T& consents) {
  std::vector<std::string> ids;
  for (const auto& c : consents) ids.push_back(absl::StrCat(c.consent_id, "/v", c.version));
  return ids;
}
std::vector<std::string> RelationshipIds(const std::vector<Relationship>& rs) {
  std::vector<std::string> ids;
  for (const auto& r : rs) ids.push_back(r.relationship_id);
  return ids;
}
std::vector<int64_t> ReviewSeqs(const absl::StatusOr<std::vector<ReviewItem>>& items) {
  std::vector<int64_t> seqs;
  if (!items.ok()) return {-1};
  for (const auto& r : *items) seqs.push_back(r.audit_entry);
  return seqs;
}

// Every field set, and set differently per id, so that a field dropped or swapped on the way
// through storage shows up in ExpectMessageEq.
Message MakeMessage(const std::string& id, const std::string& sender_agency = "prison-a",
                    const std::string& idempotency_key = "") {
  Message m;
  m.message_id = id;
  m.kind = MessageKind::kRecords;
  m.sender_agency = sender_agency;
  m.sender_system = sender_agency + "-system";
  m.sender_user = "officer-" + id;
  m.sender_role = "offender_manager";
  m.subject_id = "subject-" + id;
  m.purpose = "resettlement";
  m.correlation_id = "referral-" + id;
  m.idempotency_key = idempotency_key;
  m.content_hash = "sha256-" + id;
  m.records = {{"rec_a-" + id, 1}, {"rec_b-" + id, 3}};
  m.created_at = kT0;
  m.expires_at = kT0 + absl::Hours(72);
  return m;
}

std::vector<std::string> RecordRefs(const std::vector<RecordRef>& refs) {
  std::vector<std::string> out;
  for (const RecordRef& r : refs) out.push_back(absl::StrCat(r.record_id, "@", r.version));
  return out;
}

void ExpectMessageEq(const Message& got, const Message& want) {
  SCOPED_TRACE(absl::StrCat("message ", want.message_id));
  EXPECT_EQ(got.message_id, want.message_id);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.sender_agency, want.sender_agency);
  EXPECT_EQ(got.sender_system, want.sender_system);
  EXPECT_EQ(got.sender_user, want.sender_user);
  EXPECT_EQ(got.sender_role, want.sender_role);
  EXPECT_EQ(got.subject_id, want.subject_id);
  EXPECT_EQ(got.purpose, want.purpose);
  EXPECT_EQ(got.correlation_id, want.correlation_id);
  EXPECT_EQ(got.idempotency_key, want.idempotency_key);
  EXPECT_EQ(got.content_hash, want.content_hash);
  EXPECT_EQ(RecordRefs(got.records), RecordRefs(want.records));
  EXPECT_EQ(got.notice_message_id, want.notice_message_id);
  EXPECT_EQ(got.notice_recipient, want.notice_recipient);
  EXPECT_EQ(got.notice_state, want.notice_state);
  EXPECT_EQ(got.notice_reason, want.notice_reason);
  EXPECT_EQ(got.notice_consent_id, want.notice_consent_id);
  EXPECT_EQ(got.notice_message_ids, want.notice_message_ids);
  EXPECT_EQ(got.notice_referral_state, want.notice_referral_state);
  EXPECT_EQ(got.notice_for_role, want.notice_for_role);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.expires_at, want.expires_at);
}

// A pending delivery, available from kT0, of a message that expires 72 hours later.
Delivery MakeDelivery(const std::string& message_id, const std::string& recipient) {
  Delivery d;
  d.message_id = message_id;
  d.recipient_agency = recipient;
  d.state = DeliveryState::kPending;
  d.available_at = kT0;
  d.expires_at = kT0 + absl::Hours(72);
  d.consent_ids = {"con_" + message_id};
  d.updated_at = kT0;
  return d;
}

// `d` leased under `lease_id` until `until`.
Delivery Leased(Delivery d, const std::string& lease_id, absl::Time until) {
  d.state = DeliveryState::kLeased;
  d.attempts += 1;
  d.lease_id = lease_id;
  d.lease_expires_at = until;
  d.leased_to_user = "pm-" + lease_id;
  if (!d.first_delivered_at.has_value()) d.first_delivered_at = until - absl::Minutes(5);
  d.updated_at = until - absl::Minutes(5);
  return d;
}

// `d` in a state it cannot leave, its lease (if any) given up.
Delivery Ended(Delivery d, DeliveryState state, absl::Time at) {
  d.state = state;
  d.lease_id = "";
  if (state == DeliveryState::kAcked) {
    d.acked_at = at;
  } else {
    d.ended_at = at;
    d.reason = absl::StrCat("ended in state ", static_cast<int>(state));
  }
  d.updated_at = at;
  return d;
}

void ExpectDeliveryEq(const Delivery& got, const Delivery& want) {
  SCOPED_TRACE(absl::StrCat("delivery of ", want.message_id, " to ", want.recipient_agency));
  EXPECT_EQ(got.message_id, want.message_id);
  EXPECT_EQ(got.recipient_agency, want.recipient_agency);
  EXPECT_EQ(got.mailbox_seq, want.mailbox_seq);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.reason, want.reason);
  EXPECT_EQ(got.attempts, want.attempts);
  EXPECT_EQ(got.available_at, want.available_at);
  EXPECT_EQ(got.expires_at, want.expires_at);
  EXPECT_EQ(got.lease_id, want.lease_id);
  EXPECT_EQ(got.lease_expires_at, want.lease_expires_at);
  EXPECT_EQ(got.leased_to_user, want.leased_to_user);
  EXPECT_EQ(got.consent_ids, want.consent_ids);
  EXPECT_EQ(got.first_delivered_at, want.first_delivered_at);
  EXPECT_EQ(got.acked_at, want.acked_at);
  EXPECT_EQ(got.ended_at, want.ended_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
}

// "message>recipient" for each delivery, or the error.
std::vector<std::string> DeliveryKeys(const absl::StatusOr<std::vector<Delivery>>& deliveries) {
  if (!deliveries.ok()) return {deliveries.status().ToString()};
  std::vector<std::string> keys;
  for (const Delivery& d : *deliveries) keys.push_back(d.message_id + ">" + d.recipient_agency);
  return keys;
}

// Inserts a message of its own for `d`, then `d`; stores the mailbox seq given in `d`.
absl::Status AddDelivery(WriteTx& tx, Delivery& d) {
  absl::Status s = tx.InsertMessage(MakeMessage(d.message_id));
  if (!s.ok()) return s;
  absl::StatusOr<int64_t> seq = tx.InsertDelivery(d);
  if (!seq.ok()) return seq.status();
  d.mailbox_seq = *seq;
  return absl::OkStatus();
}

// Every field set, and set differently per id, so that a field dropped or swapped on the way
// through storage shows up in ExpectReferralEq: prison-a's referral to housing-b, created at kT0
// and accepted, with two transitions and two deadlines (the first met; the second waiting for
// the event date, and listed first by name).
Referral MakeReferral(const std::string& id, const std::string& subject) {
  Referral r;
  r.referral_id = id;
  r.referral_type = "housing";
  r.subject_id = subject;
  r.home_area = "area-" + id;
  r.referring_agency = "prison-a";
  r.referring_user = "officer-" + id;
  r.receiving_agency = "housing-b";
  r.contact = "team-" + id;
  r.state = ReferralState::kAccepted;
  r.reason = "release " + id;
  r.event_date = absl::CivilDay(2027, 1, 29);
  r.note = "note " + id;
  r.message_id = "msg_" + id;
  // A record id may hold ':' (only ',' is refused); versions are int64.
  r.records = {{"rec_a-" + id, 1}, {"urn:rec:b-" + id, int64_t{1} << 40}};
  r.idempotency_key = "key-" + id;
  r.relationship_id = "rel_" + id;
  r.created_at = kT0;
  r.updated_at = kT0 + absl::Hours(2);
  r.received_at = kT0 + absl::Hours(1);
  r.accepted_at = kT0 + absl::Hours(2);
  r.history = {{ReferralState::kSent, ReferralState::kReceived, "housing-b", "clerk-" + id, "",
                kT0 + absl::Hours(1)},
               {ReferralState::kReceived, ReferralState::kAccepted, "housing-b",
                "manager-" + id, "fits " + id, kT0 + absl::Hours(2)}};
  r.deadlines = {{"acknowledged", ReferralState::kReceived, kT0 + absl::Hours(24),
                  kT0 + absl::Hours(1), std::nullopt, "duty-manager-" + id},
                 {"accepted_before_release", ReferralState::kAccepted, std::nullopt,
                  std::nullopt, std::nullopt, "housing-lead-" + id}};
  return r;
}

void ExpectReferralEq(const Referral& got, const Referral& want) {
  SCOPED_TRACE(absl::StrCat("referral ", want.referral_id));
  EXPECT_EQ(got.referral_id, want.referral_id);
  EXPECT_EQ(got.referral_type, want.referral_type);
  EXPECT_EQ(got.subject_id, want.subject_id);
  EXPECT_EQ(got.home_area, want.home_area);
  EXPECT_EQ(got.referring_agency, want.referring_agency);
  EXPECT_EQ(got.referring_user, want.referring_user);
  EXPECT_EQ(got.receiving_agency, want.receiving_agency);
  EXPECT_EQ(got.contact, want.contact);
  EXPECT_EQ(got.state, want.state);
  EXPECT_EQ(got.reason, want.reason);
  EXPECT_EQ(got.event_date, want.event_date);
  EXPECT_EQ(got.note, want.note);
  EXPECT_EQ(got.message_id, want.message_id);
  EXPECT_EQ(RecordRefs(got.records), RecordRefs(want.records));
  EXPECT_EQ(got.idempotency_key, want.idempotency_key);
  EXPECT_EQ(got.relationship_id, want.relationship_id);
  EXPECT_EQ(got.created_at, want.created_at);
  EXPECT_EQ(got.updated_at, want.updated_at);
  EXPECT_EQ(got.received_at, want.received_at);
  EXPECT_EQ(got.accepted_at, want.accepted_at);
  EXPECT_EQ(got.first_contact_at, want.first_contact_at);
  EXPECT_EQ(got.assessed_at, want.assessed_at);
  EXPECT_EQ(got.engaged_at, want.engaged_at);
  EXPECT_EQ(got.history.size(), want.history.size());
  for (size_t i = 0; i < got.history.size() && i < want.history.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("transition ", i));
    EXPECT_EQ(got.history[i].from, want.history[i].from);
    EXPECT_EQ(got.history[i].to, want.history[i].to);
    EXPECT_EQ(got.history[i].agency_id, want.history[i].agency_id);
    EXPECT_EQ(got.history[i].user_id, want.history[i].user_id);
    EXPECT_EQ(got.history[i].reason, want.history[i].reason);
    EXPECT_EQ(got.history[i].at, want.history[i].at);
  }
  EXPECT_EQ(got.deadlines.size(), want.deadlines.size());
  for (size_t i = 0; i < got.deadlines.size() && i < want.deadlines.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("deadline ", i));
    EXPECT_EQ(got.deadlines[i].name, want.deadlines[i].name);
    EXPECT_EQ(got.deadlines[i].reach, want.deadlines[i].reach);
    EXPECT_EQ(got.deadlines[i].due_at, want.deadlines[i].due_at);
    EXPECT_EQ(got.deadlines[i].met_at, want.deadlines[i].met_at);
    EXPECT_EQ(got.deadlines[i].escalated_at, want.deadlines[i].escalated_at);
    EXPECT_EQ(got.deadlines[i].supervisor_role, want.deadlines[i].supervisor_role);
  }
}

// Reads a referral and compares it with `want`.
void ExpectStoredReferral(ReadTx& tx, const Referral& want) {
  absl::StatusOr<Referral> got = tx.GetReferral(want.referral_id);
  EXPECT_THAT(got, IsOk()) << want.referral_id;
  if (got.ok()) ExpectReferralEq(*got, want);
}

// The ids of `referrals` in order, or the error.
std::vector<std::string> ReferralIds(const absl::StatusOr<std::vector<Referral>>& referrals) {
  if (!referrals.ok()) return {referrals.status().ToString()};
  std::vector<std::string> ids;
  for (const Referral& r : *referrals) ids.push_back(r.referral_id);
  return ids;
}

ReferralQuery ForAgency(const std::string& agency, const std::string& subject, bool open_only,
                        int limit) {
  ReferralQuery q;
  q.agency_id = agency;
  q.subject_id = subject;
  q.open_only = open_only;
  q.limit = limit;
  return q;
}

// Inserts the subjects, then the referrals.
absl::Status AddReferrals(WriteTx& tx, const std::vector<std::string>& subjects,
                          const std::vector<Referral>& referrals) {
  for (const std::string& subject : subjects) {
    absl::Status s = tx.InsertSubject(MakeSubject(subject));
    if (!s.ok()) return s;
  }
  for (const Referral& r : referrals) {
    absl::Status s = tx.InsertReferral(r);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

void StorageConformanceTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = absl::StrCat(GetParam().name, "_", info->name());
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              absl::StrCat("tc-conformance-", getpid(), "-", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  location_ = dir.string();
  ASSERT_OK_AND_ASSIGN(storage_, GetParam().open(location_));
}

void StorageConformanceTest::TearDown() {
  if (storage_ != nullptr) storage_->Close();
  storage_.reset();
  std::filesystem::remove_all(location_);
}

std::unique_ptr<Storage> StorageConformanceTest::Reopen() {
  storage_->Close();
  storage_.reset();
  auto reopened = GetParam().open(location_);
  EXPECT_THAT(reopened, IsOk());
  return reopened.ok() ? std::move(reopened).value() : nullptr;
}

TEST_P(StorageConformanceTest, SubjectsInsertGetAndDuplicate) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s1")); }),
              IsOk());
  EXPECT_THAT(storage_->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s1")); }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    auto s = tx.GetSubject("s1");
    EXPECT_THAT(s, IsOk());
    if (s.ok()) {
      EXPECT_EQ(s->home_area, "E99999001");
      EXPECT_EQ(s->registered_by_agency, "prison-a");
      EXPECT_EQ(s->registered_at, kT0);
      EXPECT_THAT(s->identifiers, SizeIs(0));
    }
    EXPECT_THAT(tx.GetSubject("nobody"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, IdentifiersLinkFindUnlink) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s2")), IsOk());
    EXPECT_THAT(tx.LinkIdentifier("s1", {IdentifierKind::kNoms, "A1234BC", "prison-a", kT0}),
                IsOk());
    EXPECT_THAT(tx.LinkIdentifier("s1", {IdentifierKind::kCrn, "X123456", "probation", kT0}),
                IsOk());
    // The same value under another kind is a different identifier.
    EXPECT_THAT(tx.LinkIdentifier("s2", {IdentifierKind::kCrn, "A1234BC", "probation", kT0}),
                IsOk());
    EXPECT_THAT(tx.LinkIdentifier("s2", {IdentifierKind::kNoms, "A1234BC", "prison-b", kT0}),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.LinkIdentifier("s1", {IdentifierKind::kNoms, "A1234BC", "prison-a", kT0}),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.LinkIdentifier("nobody", {IdentifierKind::kPnc, "01/0000001Z", "p", kT0}),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.FindSubjectByIdentifier(IdentifierKind::kNoms, "A1234BC"),
                ::testing::Eq(absl::StatusOr<std::string>("s1")));
    EXPECT_THAT(tx.FindSubjectByIdentifier(IdentifierKind::kCrn, "A1234BC"),
                ::testing::Eq(absl::StatusOr<std::string>("s2")));
    EXPECT_THAT(tx.FindSubjectByIdentifier(IdentifierKind::kNhsNumber, "9990000018"),
                StatusIs(absl::StatusCode::kNotFound));
    auto s = tx.GetSubject("s1");
    EXPECT_THAT(s, IsOk());
    if (s.ok()) {
      EXPECT_THAT(s->identifiers, SizeIs(2));
      EXPECT_EQ(s->identifiers[0].kind, IdentifierKind::kNoms);
      EXPECT_EQ(s->identifiers[1].value, "X123456");
      EXPECT_EQ(s->identifiers[1].linked_by_agency, "probation");
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.UnlinkIdentifier("s2", IdentifierKind::kNoms, "A1234BC"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.UnlinkIdentifier("s1", IdentifierKind::kNoms, "A1234BC"), IsOk());
    // Once unlinked, the identifier can be linked to someone else.
    EXPECT_THAT(tx.LinkIdentifier("s2", {IdentifierKind::kNoms, "A1234BC", "prison-b", kT0}),
                IsOk());
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, HomeAreaAndSubjectKeys) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.SetHomeArea("s1", "W99999002"), IsOk());
    EXPECT_THAT(tx.SetHomeArea("nobody", "W99999002"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.PutWrappedSubjectKey("s1", std::string("k\0ey", 4)), IsOk());
    EXPECT_THAT(tx.PutWrappedSubjectKey("s1", "other"), StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.PutWrappedSubjectKey("nobody", "k"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_EQ(tx.GetSubject("s1")->home_area, "W99999002");
    EXPECT_THAT(tx.GetWrappedSubjectKey("s1"),
                ::testing::Eq(absl::StatusOr<std::string>(std::string("k\0ey", 4))));
    EXPECT_THAT(tx.GetWrappedSubjectKey("s2"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, RecordVersionsAreOptimisticallyConcurrent) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 1, "s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 1, "s1")),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 3, "s1")),
                StatusIs(absl::StatusCode::kAborted, HasSubstr("version 1")));
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 2, "s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 2, "s1")),
                StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r2", 1, "s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r3", 1, "nobody")),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    auto latest = tx.GetRecord("r1", 0);
    EXPECT_THAT(latest, IsOk());
    if (latest.ok()) {
      EXPECT_EQ(latest->header.version, 2);
      EXPECT_EQ(latest->sealed_body, MakeRecord("r1", 2, "s1").sealed_body);
      EXPECT_THAT(latest->header.labels, ElementsAre("mappa", "not_convicted"));
      EXPECT_EQ(latest->header.created_at, kT0 + absl::Seconds(2));
    }
    EXPECT_EQ(tx.GetRecord("r1", 1)->header.version, 1);
    EXPECT_THAT(tx.GetRecord("r1", 9), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.GetRecord("none", 0), StatusIs(absl::StatusCode::kNotFound));
    auto list = tx.ListLatestRecords("s1");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(*list, SizeIs(2));
      EXPECT_EQ((*list)[0].header.record_id, "r1");
      EXPECT_EQ((*list)[0].header.version, 2);
      EXPECT_EQ((*list)[1].header.record_id, "r2");
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditEntriesAreSeenOnlyOnceSequenced) {
  std::vector<int64_t> ids;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (int64_t n = 1; n <= 3; ++n) {
      absl::StatusOr<int64_t> id = tx.AppendAudit(MakeAudit(n, "s1", "a"));
      EXPECT_THAT(id, IsOk());
      if (id.ok()) ids.push_back(*id);
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    absl::StatusOr<int64_t> id = tx.AppendAudit(MakeAudit(4, "s1", "a"));  // a later commit
    EXPECT_THAT(id, IsOk());
    if (id.ok()) ids.push_back(*id);
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(ids, SizeIs(4));
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 4u) << "handles are unique";
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.QueryAudit(AuditQuery{})->entries, SizeIs(0));  // nothing sequenced yet
    auto head = tx.GetAuditTreeHead();
    EXPECT_THAT(head, IsOk());
    EXPECT_EQ(head->size, 0);
    auto pending = tx.ListPendingAudit(2);
    EXPECT_THAT(pending, IsOk());
    if (!pending.ok() || pending->size() != 2) return absl::InternalError("expected 2 pending");
    // In the order they were written: the sequencer follows it.
    EXPECT_EQ((*pending)[0].id, ids[0]);
    EXPECT_EQ((*pending)[1].id, ids[1]);
    EXPECT_EQ((*pending)[0].entry.request_id, "req-1");
    EXPECT_THAT(tx.ApplyAuditSequencing(StepFor(*pending, 0)), IsOk());
    EXPECT_THAT(tx.QueryAudit(AuditQuery{})->entries, SizeIs(2));
    auto rest = tx.ListPendingAudit(10);
    EXPECT_THAT(rest, IsOk());
    EXPECT_THAT(*rest, SizeIs(2));
    EXPECT_EQ((*rest)[0].id, ids[2]);
    return tx.ApplyAuditSequencing(StepFor(*rest, 2));
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto page = tx.QueryAudit(AuditQuery{});
    EXPECT_THAT(page, IsOk());
    if (page.ok() && page->entries.size() == 4) {
      for (int64_t i = 0; i < 4; ++i) {
        EXPECT_EQ(page->entries[i].seq, i + 1);
        EXPECT_EQ(page->entries[i].request_id, absl::StrCat("req-", i + 1));
        EXPECT_EQ(page->entries[i].leaf_hash, FakeHash("leaf", i + 1));
      }
    } else {
      ADD_FAILURE() << "expected 4 sequenced entries";
    }
    EXPECT_EQ(tx.GetAuditTreeHead()->size, 4);
    EXPECT_EQ(tx.GetAuditTreeHead()->root, FakeHash("root", 4));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditSequencingMovesTheHeadOnlyFromWhereItWas) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    return AppendAndSequence(tx, {MakeAudit(1, "s1", "a"), MakeAudit(2, "s1", "a")});
  }), IsOk());
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.AppendAudit(MakeAudit(3, "s1", "a")), IsOk());
    auto pending = tx.ListPendingAudit(10);
    EXPECT_THAT(pending, IsOk());
    // A sequencer that read the head at 1 lost the race: Aborted, and nothing changes.
    EXPECT_THAT(tx.ApplyAuditSequencing(StepFor(*pending, 1)),
                StatusIs(absl::StatusCode::kAborted));
    AuditSequencing gap = StepFor(*pending, 2);
    gap.placed[0].seq = 4;
    EXPECT_THAT(tx.Atomically([&](WriteTx& t) { return t.ApplyAuditSequencing(gap); }),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    AuditSequencing unknown = StepFor(*pending, 2);
    unknown.placed[0].id = -1;  // no entry has this handle
    EXPECT_THAT(tx.Atomically([&](WriteTx& t) { return t.ApplyAuditSequencing(unknown); }),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_EQ(tx.GetAuditTreeHead()->size, 2);
    AuditSequencing ok = StepFor(*pending, 2);
    ok.nodes.push_back(AuditTreeNode{1, 0, FakeHash("node", 10)});
    EXPECT_THAT(tx.ApplyAuditSequencing(ok), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_EQ(tx.GetAuditTreeHead()->size, 3);
    EXPECT_EQ(tx.GetAuditTreeNode(0, 2).value_or(""), FakeHash("leaf", 3));
    EXPECT_EQ(tx.GetAuditTreeNode(1, 0).value_or(""), FakeHash("node", 10));
    EXPECT_THAT(tx.GetAuditTreeNode(0, 3), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.GetAuditTreeNode(1, 1), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditQueriesFilterAndPage) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    std::vector<AuditEntry> entries;
    for (int64_t n = 1; n <= 10; ++n) {
      AuditEntry e = MakeAudit(n, n <= 6 ? "s1" : "s2", n % 2 ? "a" : "b");
      if (n == 4) {
        e.record_id = "rec_4";
        e.purpose = "public_protection";
        e.basis = "statutory basis 'mappa'";
      }
      if (n == 5) {
        e.outcome = "INVALID_ARGUMENT";
        e.decision = AuditDecision::kNone;
      }
      if (n == 8) {
        e.basis = "break-glass by role 'prison_healthcare'";
        e.break_glass_reason = "collapsed in reception";
      }
      if (n == 9) {  // reviewed like break-glass, but not break-glass
        e.basis = "self-claimed relationship";
        e.break_glass_reason = "self-claimed relationship: picked up at the hub";
      }
      entries.push_back(std::move(e));
    }
    return AppendAndSequence(tx, entries);
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    const auto seqs = [&](const AuditQuery& q) {
      std::vector<int64_t> out;
      auto page = tx.QueryAudit(q);
      EXPECT_THAT(page, IsOk());
      if (page.ok()) {
        for (const AuditEntry& e : page->entries) out.push_back(e.seq);
      }
      return out;
    };
    AuditQuery q;
    q.subject_id = "s1";
    q.limit = 4;
    auto page = tx.QueryAudit(q);
    EXPECT_THAT(page->entries, SizeIs(4));
    EXPECT_TRUE(page->more);
    q.after_seq = page->entries.back().seq;
    page = tx.QueryAudit(q);
    EXPECT_THAT(page->entries, SizeIs(2));
    EXPECT_FALSE(page->more);

    AuditQuery by_agency;
    by_agency.agency_id = "b";
    by_agency.action = "record.read";
    by_agency.decision = AuditDecision::kDeny;
    // Even seqs are agency b and record.read; multiples of 3 are denials: 6.
    EXPECT_THAT(seqs(by_agency), ElementsAre(6));
    AuditQuery by_time;
    by_time.from = kT0 + absl::Seconds(3);
    by_time.until = kT0 + absl::Seconds(5);
    by_time.user_id = "user-a";
    EXPECT_THAT(seqs(by_time), ElementsAre(3));
    AuditQuery q2;
    q2.record_id = "rec_4";
    EXPECT_THAT(seqs(q2), ElementsAre(4));
    q2 = AuditQuery{};
    q2.purpose = "public_protection";
    EXPECT_THAT(seqs(q2), ElementsAre(4));
    q2 = AuditQuery{};
    q2.basis_prefix = "statutory";
    EXPECT_THAT(seqs(q2), ElementsAre(4));
    q2 = AuditQuery{};
    q2.outcome = "INVALID_ARGUMENT";
    q2.decision = AuditDecision::kNone;
    EXPECT_THAT(seqs(q2), ElementsAre(5));
    q2 = AuditQuery{};
    q2.break_glass_only = true;
    EXPECT_THAT(seqs(q2), ElementsAre(8));
    q2 = AuditQuery{};
    q2.system_id = "a-system";
    EXPECT_THAT(seqs(q2), ElementsAre(1, 3, 5, 7, 9));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditCheckpointsAndCosignatures) {
  const AuditCheckpoint c3{3, FakeHash("root", 3), "note 3\n", kT0};
  const AuditCheckpoint c7{7, FakeHash("root", 7), "note 7\n", kT0 + absl::Seconds(1)};
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetAuditCheckpoint(0), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.InsertAuditCheckpoint(c7), IsOk());
    EXPECT_THAT(tx.InsertAuditCheckpoint(c3), IsOk());
    EXPECT_THAT(tx.InsertAuditCheckpoint(c3), StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.PutAuditCosignature(AuditCosignature{5, "w", "a", "line", kT0, kT0}),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.PutAuditCosignature(AuditCosignature{7, "w2", "b", "w2 line", kT0, kT0}),
                IsOk());
    EXPECT_THAT(tx.PutAuditCosignature(AuditCosignature{7, "w1", "a", "old", kT0, kT0}), IsOk());
    const absl::Time later = kT0 + absl::Seconds(9);
    return tx.PutAuditCosignature(AuditCosignature{7, "w1", "a", "w1 line", later, later});
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto latest = tx.GetAuditCheckpoint(0);
    EXPECT_THAT(latest, IsOk());
    EXPECT_EQ(latest->size, 7);
    EXPECT_EQ(latest->root, c7.root);
    EXPECT_EQ(latest->note, c7.note);
    EXPECT_EQ(latest->issued_at, c7.issued_at);
    EXPECT_EQ(tx.GetAuditCheckpoint(3)->note, "note 3\n");
    EXPECT_THAT(tx.GetAuditCheckpoint(5), StatusIs(absl::StatusCode::kNotFound));
    auto cosigs = tx.ListAuditCosignatures(7);
    EXPECT_THAT(cosigs, IsOk());
    if (cosigs.ok() && cosigs->size() == 2) {
      EXPECT_EQ((*cosigs)[0].witness, "w1");  // the later one replaced the earlier
      EXPECT_EQ((*cosigs)[0].signature_line, "w1 line");
      EXPECT_EQ((*cosigs)[0].signed_at, kT0 + absl::Seconds(9));
      EXPECT_EQ((*cosigs)[1].agency_id, "b");
    } else {
      ADD_FAILURE() << "expected 2 cosignatures";
    }
    EXPECT_THAT(*tx.ListAuditCosignatures(3), SizeIs(0));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ConsentVersionsAreOptimisticallyConcurrent) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_b", 1, "s1")), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_b", 1, "s1")),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_b", 3, "s1")),
                StatusIs(absl::StatusCode::kAborted));
    // A later version of a consent that does not exist skips version 1.
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_none", 2, "s1")),
                StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.InsertConsentVersion(MakeConsent("con_x", 1, "nobody")),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.InsertConsentVersion(Withdrawn(MakeConsent("con_b", 1, "s1"), kT0)), IsOk());
    // Version 2 again: it is no longer the one after the latest.
    EXPECT_THAT(tx.InsertConsentVersion(Withdrawn(MakeConsent("con_b", 1, "s1"), kT0)),
                StatusIs(absl::StatusCode::kAborted));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetConsent("con_x"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.GetConsent("con_none"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.ConsentHistory("con_none"), StatusIs(absl::StatusCode::kNotFound));
    auto history = tx.ConsentHistory("con_b");
    EXPECT_THAT(history, IsOk());
    if (history.ok()) {
      EXPECT_THAT(ConsentIds(*history), ElementsAre("con_b/v1", "con_b/v2"));
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ConsentsRoundTripAndList) {
  // Inserted out of id order, and the first one withdrawn after the others were recorded: the
  // list follows first recording, not ids and not the latest version.
  const Consent b1 = MakeConsent("con_b", 1, "s1", ConsentEvidence::kSignedForm);
  Consent a1 = MakeConsent("con_a", 1, "s1", ConsentEvidence::kRepresentative);
  a1.recorded_at = kT0 + absl::Minutes(5);
  a1.recipient_agencies = {};  // empty and one-element lists survive the round trip
  a1.recipient_kinds = {"cjit"};
  a1.valid_from = kT0 - absl::Hours(48);
  const Consent b2 = Withdrawn(b1, kT0 + absl::Minutes(10));
  Consent c1 = MakeConsent("con_c", 1, "s2", ConsentEvidence::kVerbalWitnessed);
  c1.recorded_at = kT0 + absl::Minutes(11);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s2")), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(b1), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(a1), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(b2), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(c1), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto b = tx.GetConsent("con_b");
    EXPECT_THAT(b, IsOk());
    if (b.ok()) {
      ExpectConsentEq(*b, b2);
      EXPECT_TRUE(b->withdrawn_at.has_value());
    }
    auto a = tx.GetConsent("con_a");
    EXPECT_THAT(a, IsOk());
    if (a.ok()) {
      ExpectConsentEq(*a, a1);
      EXPECT_FALSE(a->withdrawn_at.has_value());
      EXPECT_EQ(a->evidence, ConsentEvidence::kRepresentative);
    }

    auto list = tx.ListConsents("s1");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(ConsentIds(*list), ElementsAre("con_b/v2", "con_a/v1"));
      if (list->size() == 2) {
        ExpectConsentEq((*list)[0], b2);
        ExpectConsentEq((*list)[1], a1);
      }
    }
    list = tx.ListConsents("s2");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(ConsentIds(*list), ElementsAre("con_c/v1"));
      if (list->size() == 1) ExpectConsentEq((*list)[0], c1);
    }
    list = tx.ListConsents("nobody");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(*list, SizeIs(0));
    }

    auto history = tx.ConsentHistory("con_b");
    EXPECT_THAT(history, IsOk());
    if (history.ok()) {
      EXPECT_THAT(ConsentIds(*history), ElementsAre("con_b/v1", "con_b/v2"));
      if (history->size() == 2) {
        ExpectConsentEq((*history)[0], b1);
        EXPECT_FALSE((*history)[0].withdrawn_at.has_value());
        ExpectConsentEq((*history)[1], b2);
      }
    }
    history = tx.ConsentHistory("con_a");
    EXPECT_THAT(history, IsOk());
    if (history.ok()) {
      EXPECT_THAT(ConsentIds(*history), ElementsAre("con_a/v1"));
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, RelationshipsInsertEndAndList) {
  // Inserted out of start order; the list is ordered by start.
  Relationship late =
      MakeRelationship("rel_late", "s1", RelationshipKind::kCustody, kT0 + absl::Hours(2));
  Relationship early =
      MakeRelationship("rel_early", "s1", RelationshipKind::kReferral, kT0 + absl::Hours(1));
  early.user_id = "";  // the whole agency
  Relationship ended =
      MakeRelationship("rel_ended", "s1", RelationshipKind::kAllocation, kT0 + absl::Hours(3));
  ended.ended_at = kT0 + absl::Hours(4);
  ended.ended_by_user = "closer";
  const Relationship other =
      MakeRelationship("rel_other", "s2", RelationshipKind::kAllocation, kT0);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s2")), IsOk());
    EXPECT_THAT(tx.InsertRelationship(late), IsOk());
    EXPECT_THAT(tx.InsertRelationship(early), IsOk());
    EXPECT_THAT(tx.InsertRelationship(ended), IsOk());
    EXPECT_THAT(tx.InsertRelationship(other), IsOk());
    EXPECT_THAT(tx.InsertRelationship(late), StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertRelationship(MakeRelationship("rel_x", "nobody",
                                                       RelationshipKind::kCustody, kT0)),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto r = tx.GetRelationship("rel_late");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) {
      ExpectRelationshipEq(*r, late);
      EXPECT_FALSE(r->ended_at.has_value());
    }
    r = tx.GetRelationship("rel_ended");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectRelationshipEq(*r, ended);
    EXPECT_THAT(tx.GetRelationship("rel_x"), StatusIs(absl::StatusCode::kNotFound));
    auto list = tx.ListRelationships("s1");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(RelationshipIds(*list), ElementsAre("rel_early", "rel_late", "rel_ended"));
      if (list->size() == 3) ExpectRelationshipEq((*list)[0], early);
    }
    list = tx.ListRelationships("nobody");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(*list, SizeIs(0));
    }
    return absl::OkStatus();
  }), IsOk());

  const absl::Time end = kT0 + absl::Hours(5);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.EndRelationship("rel_x", end, "u"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.EndRelationship("rel_late", end, "ender"), IsOk());
    EXPECT_THAT(tx.EndRelationship("rel_late", end + absl::Hours(1), "again"),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    // Inserted already ended.
    EXPECT_THAT(tx.EndRelationship("rel_ended", end, "again"),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    Relationship want = late;
    want.ended_at = end;
    want.ended_by_user = "ender";
    auto r = tx.GetRelationship("rel_late");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectRelationshipEq(*r, want);
    r = tx.GetRelationship("rel_ended");  // the refused end changed nothing
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectRelationshipEq(*r, ended);
    auto list = tx.ListRelationships("s1");  // ended ones included
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(RelationshipIds(*list), ElementsAre("rel_early", "rel_late", "rel_ended"));
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ReviewItemsInsertCloseAndList) {
  // Inserted out of audit seq order.
  const ReviewItem r5 = MakeReviewItem("rev_5", 5);
  const ReviewItem r2 = MakeReviewItem("rev_2", 2);
  const ReviewItem r9 = MakeReviewItem("rev_9", 9);
  const ReviewItem r7 = MakeReviewItem("rev_7", 7);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    for (const ReviewItem* r : {&r5, &r2, &r9, &r7}) EXPECT_THAT(tx.InsertReviewItem(*r), IsOk());
    EXPECT_THAT(tx.InsertReviewItem(r5), StatusIs(absl::StatusCode::kAlreadyExists));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto r = tx.GetReviewItem("rev_5");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) {
      ExpectReviewItemEq(*r, r5);
      EXPECT_EQ(r->outcome, ReviewOutcome::kOpen);
      EXPECT_FALSE(r->closed_at.has_value());
    }
    EXPECT_THAT(tx.GetReviewItem("rev_none"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 0, 10)), ElementsAre(2, 5, 7, 9));
    return absl::OkStatus();
  }), IsOk());

  const ReviewItem close5 = Closing("rev_5", ReviewOutcome::kJustified, kT0 + absl::Hours(1));
  const ReviewItem close9 = Closing("rev_9", ReviewOutcome::kNotJustified, kT0 + absl::Hours(2));
  const ReviewItem close7 = Closing("rev_7", ReviewOutcome::kReferred, kT0 + absl::Hours(3));
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.CloseReviewItem(Closing("rev_none", ReviewOutcome::kJustified, kT0)),
                StatusIs(absl::StatusCode::kNotFound));
    // Closing with the outcome "open" is refused (the code is not part of the contract).
    EXPECT_FALSE(tx.CloseReviewItem(Closing("rev_2", ReviewOutcome::kOpen, kT0)).ok());
    EXPECT_THAT(tx.CloseReviewItem(close5), IsOk());
    EXPECT_THAT(tx.CloseReviewItem(close9), IsOk());
    EXPECT_THAT(tx.CloseReviewItem(close7), IsOk());
    EXPECT_THAT(tx.CloseReviewItem(Closing("rev_5", ReviewOutcome::kNotJustified, kT0)),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    // Closing records the outcome, closer, time and note, and nothing else.
    for (const auto& [open, closing] : {std::pair(r5, close5), std::pair(r9, close9),
                                        std::pair(r7, close7)}) {
      auto r = tx.GetReviewItem(open.review_id);
      EXPECT_THAT(r, IsOk());
      if (r.ok()) ExpectReviewItemEq(*r, AfterClose(open, closing));
    }
    auto r = tx.GetReviewItem("rev_2");  // the refused close changed nothing
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectReviewItemEq(*r, r2);

    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 0, 10)), ElementsAre(2, 5, 7, 9));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 0, 10)), ElementsAre(2));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 2, 10)), ElementsAre());
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 0, 2)), ElementsAre(2, 5));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 5, 2)), ElementsAre(7, 9));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 6, 10)), ElementsAre(7, 9));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(false, 9, 10)), ElementsAre());
    auto all = tx.ListReviewItems(false, 0, 10);
    if (all.ok() && all->size() == 4) {
      ExpectReviewItemEq((*all)[0], r2);
      ExpectReviewItemEq((*all)[2], AfterClose(r7, close7));
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AReviewItemCarriesItsAccessSeqOnceSequenced) {
  int64_t entry = 0;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(AppendAndSequence(tx, {MakeAudit(1, "s1", "a")}), IsOk());
    ASSIGN_OR_RETURN(entry, tx.AppendAudit(MakeAudit(2, "s1", "a")));
    return tx.InsertReviewItem(MakeReviewItem("rev_x", entry));
  }), IsOk());
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_EQ(tx.GetReviewItem("rev_x")->audit_seq, 0);  // not sequenced yet
    ASSIGN_OR_RETURN(std::vector<PendingAuditEntry> pending, tx.ListPendingAudit(10));
    return tx.ApplyAuditSequencing(StepFor(pending, 1));
  }), IsOk());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto item = tx.GetReviewItem("rev_x");
    EXPECT_THAT(item, IsOk());
    EXPECT_EQ(item->audit_entry, entry);
    EXPECT_EQ(item->audit_seq, 2);
    auto listed = tx.ListReviewItems(true, 0, 10);
    EXPECT_THAT(listed, IsOk());
    EXPECT_EQ(listed->at(0).audit_seq, 2);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ReviewItemsOpenOnlyPaginates) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    for (int64_t seq = 1; seq <= 7; ++seq) {
      EXPECT_THAT(tx.InsertReviewItem(MakeReviewItem(absl::StrCat("rev_", seq), seq)), IsOk());
    }
    for (int64_t seq : {2, 3, 6}) {
      EXPECT_THAT(tx.CloseReviewItem(Closing(absl::StrCat("rev_", seq),
                                             ReviewOutcome::kJustified, kT0)),
                  IsOk());
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 0, 2)), ElementsAre(1, 4));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 4, 2)), ElementsAre(5, 7));
    EXPECT_THAT(ReviewSeqs(tx.ListReviewItems(true, 7, 2)), ElementsAre());
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditBasisAndBreakGlassReasonRoundTrip) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    AuditEntry consented = MakeAudit(1, "s1", "a");
    consented.basis = "consent con_a v1";
    AuditEntry none = MakeAudit(2, "s1", "a");  // both empty
    AuditEntry broken = MakeAudit(3, "s1", "a");
    broken.basis = "role rule";
    broken.break_glass_reason = "unconscious on arrival";
    return AppendAndSequence(tx, {consented, none, broken});
  }), IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    auto page = tx.QueryAudit(AuditQuery{});
    if (page.ok() && page->entries.size() == 3) {
      const AuditEntry& last = page->entries[2];
      EXPECT_EQ(last.basis, "role rule");
      EXPECT_EQ(last.break_glass_reason, "unconscious on arrival");
      // The columns around them still land in their fields.
      EXPECT_EQ(last.outcome, "OK");
      EXPECT_EQ(last.policy_version, "sha256:0");
      EXPECT_EQ(last.time, kT0 + absl::Seconds(3));
      EXPECT_EQ(last.decision, AuditDecision::kDeny);
    }
    EXPECT_THAT(page, IsOk());
    if (page.ok() && page->entries.size() == 3) {
      EXPECT_EQ(page->entries[0].basis, "consent con_a v1");
      EXPECT_EQ(page->entries[0].break_glass_reason, "");
      EXPECT_EQ(page->entries[1].basis, "");
      EXPECT_EQ(page->entries[1].break_glass_reason, "");
      EXPECT_EQ(page->entries[2].break_glass_reason, "unconscious on arrival");
    } else {
      ADD_FAILURE() << "expected 3 audit entries";
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AtomicallyUndoesConsentRelationshipAndReviewWrites) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertRelationship(MakeRelationship("rel_1", "s1", RelationshipKind::kCustody,
                                                       kT0)),
                IsOk());
    EXPECT_THAT(tx.InsertReviewItem(MakeReviewItem("rev_1", 1)), IsOk());
    EXPECT_THAT(tx.Atomically([](WriteTx& t) -> absl::Status {
      EXPECT_THAT(t.InsertConsentVersion(MakeConsent("con_1", 1, "s1")), IsOk());
      EXPECT_THAT(t.EndRelationship("rel_1", kT0 + absl::Hours(1), "u"), IsOk());
      EXPECT_THAT(t.CloseReviewItem(Closing("rev_1", ReviewOutcome::kReferred, kT0)), IsOk());
      return absl::AbortedError("changed my mind");
    }), StatusIs(absl::StatusCode::kAborted));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetConsent("con_1"), StatusIs(absl::StatusCode::kNotFound));
    auto rel = tx.GetRelationship("rel_1");
    EXPECT_THAT(rel, IsOk());
    if (rel.ok()) {
      EXPECT_FALSE(rel->ended_at.has_value());
    }
    auto rev = tx.GetReviewItem("rev_1");
    EXPECT_THAT(rev, IsOk());
    if (rev.ok()) {
      EXPECT_EQ(rev->outcome, ReviewOutcome::kOpen);
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ConsentsRelationshipsAndReviewItemsSurviveReopen) {
  const Consent c1 = MakeConsent("con_1", 1, "s1", ConsentEvidence::kSignedForm);
  const Consent c2 = Withdrawn(c1, kT0 + absl::Hours(1));
  Relationship rel = MakeRelationship("rel_1", "s1", RelationshipKind::kReferral, kT0);
  const Relationship open_rel =
      MakeRelationship("rel_2", "s1", RelationshipKind::kCustody, kT0 + absl::Hours(1));
  const ReviewItem rev = MakeReviewItem("rev_1", 1);
  const ReviewItem open_rev = MakeReviewItem("rev_2", 2);
  const ReviewItem closing = Closing("rev_1", ReviewOutcome::kNotJustified, kT0 + absl::Hours(2));
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(c1), IsOk());
    EXPECT_THAT(tx.InsertConsentVersion(c2), IsOk());
    EXPECT_THAT(tx.InsertRelationship(rel), IsOk());
    EXPECT_THAT(tx.InsertRelationship(open_rel), IsOk());
    EXPECT_THAT(tx.EndRelationship("rel_1", kT0 + absl::Hours(3), "ender"), IsOk());
    EXPECT_THAT(tx.InsertReviewItem(rev), IsOk());
    EXPECT_THAT(tx.InsertReviewItem(open_rev), IsOk());
    EXPECT_THAT(tx.CloseReviewItem(closing), IsOk());
    return absl::OkStatus();
  }), IsOk());
  rel.ended_at = kT0 + absl::Hours(3);
  rel.ended_by_user = "ender";
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    auto history = tx.ConsentHistory("con_1");
    EXPECT_THAT(history, IsOk());
    if (history.ok()) {
      EXPECT_THAT(ConsentIds(*history), ElementsAre("con_1/v1", "con_1/v2"));
      if (history->size() == 2) {
        ExpectConsentEq((*history)[0], c1);
        ExpectConsentEq((*history)[1], c2);
      }
    }
    auto list = tx.ListConsents("s1");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(ConsentIds(*list), ElementsAre("con_1/v2"));
    }
    auto rels = tx.ListRelationships("s1");
    EXPECT_THAT(rels, IsOk());
    if (rels.ok()) {
      EXPECT_THAT(RelationshipIds(*rels), ElementsAre("rel_1", "rel_2"));
      if (rels->size() == 2) {
        ExpectRelationshipEq((*rels)[0], rel);
        ExpectRelationshipEq((*rels)[1], open_rel);
      }
    }
    auto r = tx.GetReviewItem("rev_1");
    EXPECT_THAT(r, IsOk());
    if (r.ok()) ExpectReviewItemEq(*r, AfterClose(rev, closing));
    auto open = tx.ListReviewItems(true, 0, 10);
    EXPECT_THAT(ReviewSeqs(open), ElementsAre(2));
    if (open.ok() && open->size() == 1) ExpectReviewItemEq((*open)[0], open_rev);
    return absl::OkStatus();
  }), IsOk());
  // The reopened store keeps enforcing the version chain and the end-once rules.
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertConsentVersion(c2), StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.EndRelationship("rel_1", kT0, "u"),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(tx.CloseReviewItem(closing), StatusIs(absl::StatusCode::kFailedPrecondition));
    return absl::OkStatus();
  }), IsOk());
}

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
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now, 1, 1)),
                ElementsAre("msg_c>probation-a"));
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now, 2, 10)),
                ElementsAre("msg_d>probation-a"));
    EXPECT_THAT(DeliveryKeys(tx.ListLeasable("probation-a", now, 3, 10)), ElementsAre());
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

TEST_P(StorageConformanceTest, FailedClosureLeavesNothingAndOthersInTheBatchCommit) {
  constexpr int kWriters = 64;
  absl::BlockingCounter finished(kWriters);
  std::vector<absl::Status> results(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    storage_->Write(
        [i](WriteTx& tx) -> absl::Status {
          absl::Status s = tx.InsertSubject(MakeSubject(absl::StrCat("s", i)));
          if (!s.ok()) return s;
          if (i % 4 == 0) return absl::InvalidArgumentError("refused after writing");
          return absl::OkStatus();
        },
        [&, i](absl::Status s) {
          results[i] = std::move(s);
          finished.DecrementCount();
        });
  }
  finished.Wait();
  StorageStats stats = storage_->Stats();
  EXPECT_LT(stats.commits, kWriters) << "concurrent writes should share commits";
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    for (int i = 0; i < kWriters; ++i) {
      if (i % 4 == 0) {
        EXPECT_THAT(results[i], StatusIs(absl::StatusCode::kInvalidArgument));
        EXPECT_THAT(tx.GetSubject(absl::StrCat("s", i)), StatusIs(absl::StatusCode::kNotFound));
      } else {
        EXPECT_THAT(results[i], IsOk());
        EXPECT_THAT(tx.GetSubject(absl::StrCat("s", i)), IsOk());
      }
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, CommitNumbersAreSharedWithinACommitAndIncrease) {
  int64_t before = 0;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    before = tx.commit_number();
    int64_t inner = -1;
    EXPECT_THAT(tx.Atomically([&](WriteTx& t) {
      inner = t.commit_number();
      return absl::OkStatus();
    }), IsOk());
    EXPECT_EQ(inner, before);
    return absl::OkStatus();
  }), IsOk());

  // The first closure holds the writer (closures must not block; this one does, to queue the
  // others behind it), so the others are committed together once it lets go.
  constexpr int kQueued = 8;
  absl::Notification holding;
  absl::Notification release;
  absl::BlockingCounter finished(1 + kQueued);
  int64_t held = 0;
  std::vector<int64_t> numbers(kQueued, -1);
  std::vector<absl::Status> results(kQueued);
  storage_->Write(
      [&](WriteTx& tx) {
        held = tx.commit_number();
        holding.Notify();
        release.WaitForNotification();
        return tx.InsertSubject(MakeSubject("held"));
      },
      [&](absl::Status s) {
        EXPECT_THAT(s, IsOk());
        finished.DecrementCount();
      });
  holding.WaitForNotification();
  for (int i = 0; i < kQueued; ++i) {
    storage_->Write(
        [&, i](WriteTx& tx) -> absl::Status {
          numbers[i] = tx.commit_number();
          absl::Status s = tx.InsertSubject(MakeSubject(absl::StrCat("s", i)));
          if (!s.ok()) return s;
          // A closure that fails is still part of the commit.
          if (i % 3 == 0) return absl::InvalidArgumentError("refused after writing");
          return absl::OkStatus();
        },
        [&, i](absl::Status s) {
          results[i] = std::move(s);
          finished.DecrementCount();
        });
  }
  release.Notify();
  finished.Wait();
  EXPECT_GT(held, before);
  EXPECT_GT(numbers[0], held);
  for (int i = 0; i < kQueued; ++i) {
    EXPECT_EQ(numbers[i], numbers[0]) << "closure " << i;
    EXPECT_THAT(results[i], StatusIs(i % 3 == 0 ? absl::StatusCode::kInvalidArgument
                                                : absl::StatusCode::kOk))
        << "closure " << i;
  }

  int64_t after = 0;
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) {
    after = tx.commit_number();
    return absl::OkStatus();
  }), IsOk());
  EXPECT_GT(after, numbers[0]);
}

TEST_P(StorageConformanceTest, AtomicallyUndoesOnlyItsOwnWrites) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("kept-before")), IsOk());
    EXPECT_THAT(tx.Atomically([](WriteTx& t) -> absl::Status {
      EXPECT_THAT(t.InsertSubject(MakeSubject("undone")), IsOk());
      return absl::AbortedError("changed my mind");
    }), StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.Atomically([](WriteTx& t) { return t.InsertSubject(MakeSubject("kept-inner")); }),
                IsOk());
    EXPECT_THAT(tx.InsertSubject(MakeSubject("kept-after")), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetSubject("kept-before"), IsOk());
    EXPECT_THAT(tx.GetSubject("kept-inner"), IsOk());
    EXPECT_THAT(tx.GetSubject("kept-after"), IsOk());
    EXPECT_THAT(tx.GetSubject("undone"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, CommittedWritesSurviveReopen) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 1, "s1")), IsOk());
    return AppendAndSequence(tx, {MakeAudit(1, "s1", "a")});
  }), IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetSubject("s1"), IsOk());
    EXPECT_THAT(tx.GetRecord("r1", 1), IsOk());
    EXPECT_EQ(tx.GetAuditTreeHead()->size, 1);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ConcurrentReadersSeeOnlyCommittedState) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!stop.load()) {
      absl::Status s = storage_->Read([&](ReadTx& tx) -> absl::Status {
        // Subjects are written in pairs in one closure: a reader must never see half a pair.
        for (int i = 0; i < 50; ++i) {
          bool a = tx.GetSubject(absl::StrCat("a", i)).ok();
          bool b = tx.GetSubject(absl::StrCat("b", i)).ok();
          if (a != b) bad.fetch_add(1);
        }
        return absl::OkStatus();
      });
      if (!s.ok()) bad.fetch_add(1);
      reads.fetch_add(1);
    }
  });
  for (int i = 0; i < 50; ++i) {
    ASSERT_THAT(storage_->WriteAndWait([i](WriteTx& tx) -> absl::Status {
      absl::Status s = tx.InsertSubject(MakeSubject(absl::StrCat("a", i)));
      if (!s.ok()) return s;
      return tx.InsertSubject(MakeSubject(absl::StrCat("b", i)));
    }), IsOk());
  }
  stop.store(true);
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(bad.load(), 0);
}

TEST_P(StorageConformanceTest, ASlowReplyDoesNotHoldUpTheNextCommit) {
  // The first write's reply queues a second write and waits until it is visibly committed.
  // Were replies given on the writer, the second commit could not happen while it waits.
  absl::Notification second_committed;
  absl::Notification first_replied;
  bool saw_second = false;
  storage_->Write([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("first")); },
                  [&](absl::Status s) {
                    EXPECT_THAT(s, IsOk());
                    storage_->Write(
                        [](WriteTx& tx) { return tx.InsertSubject(MakeSubject("second")); },
                        [](absl::Status s) { EXPECT_THAT(s, IsOk()); });
                    saw_second = second_committed.WaitForNotificationWithTimeout(absl::Seconds(5));
                    first_replied.Notify();
                  });
  for (int i = 0; i < 1000 && !first_replied.HasBeenNotified(); ++i) {
    bool found = false;
    ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
      found = tx.GetSubject("second").ok();
      return absl::OkStatus();
    }), IsOk());
    if (found && !second_committed.HasBeenNotified()) second_committed.Notify();
    absl::SleepFor(absl::Milliseconds(5));
  }
  first_replied.WaitForNotification();
  EXPECT_TRUE(saw_second) << "the second commit waited for the first reply";
}

TEST_P(StorageConformanceTest, WritesAfterCloseAreRefused) {
  storage_->Close();
  EXPECT_THAT(storage_->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("x")); }),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace throughcare::testing
