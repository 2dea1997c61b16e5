// Value builders and comparisons the storage contract tests share.
#ifndef THROUGHCARE_TESTS_STORAGE_CONFORMANCE_VALUES_H_
#define THROUGHCARE_TESTS_STORAGE_CONFORMANCE_VALUES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"
#include "throughcare/storage.h"

namespace throughcare::testing::conformance_values {



inline const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

inline Subject MakeSubject(const std::string& id) {
  Subject s;
  s.id = id;
  s.home_area = "E99999001";
  s.registered_by_agency = "prison-a";
  s.registered_at = kT0;
  return s;
}

inline StoredRecord MakeRecord(const std::string& id, int64_t version, const std::string& subject) {
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

inline AuditEntry MakeAudit(int64_t seq, const std::string& subject, const std::string& agency) {
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
inline std::string FakeHash(absl::string_view what, int64_t n) {
  std::string h = absl::StrCat(what, "-", n);
  h.resize(32, '.');
  return h;
}

// What the sequencer would store for the pending entries (in their order), as seqs after
// `old_size`, with stand-in hashes and no subtrees.
inline AuditSequencing StepFor(const std::vector<PendingAuditEntry>& pending, int64_t old_size) {
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
inline absl::Status AppendAndSequence(WriteTx& tx, const std::vector<AuditEntry>& entries) {
  for (const AuditEntry& e : entries) RETURN_IF_ERROR(tx.AppendAudit(e).status());
  ASSIGN_OR_RETURN(AuditTreeHead head, tx.GetAuditTreeHead());
  ASSIGN_OR_RETURN(std::vector<PendingAuditEntry> pending, tx.ListPendingAudit(1000));
  return tx.ApplyAuditSequencing(StepFor(pending, head.size));
}

// Every field set, and set differently per id and version, so that a field dropped or swapped
// on the way through storage shows up in ExpectConsentEq.
inline Consent MakeConsent(const std::string& id, int64_t version, const std::string& subject,
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
inline Consent Withdrawn(Consent c, absl::Time at) {
  c.version += 1;
  c.withdrawn_at = at;
  c.withdrawn_by_agency = "probation-a";
  c.withdrawn_by_user = "officer-w";
  c.withdrawal_reason = "the person asked";
  return c;
}

inline void ExpectConsentEq(const Consent& got, const Consent& want) {
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

inline Relationship MakeRelationship(const std::string& id, const std::string& subject,
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

inline void ExpectRelationshipEq(const Relationship& got, const Relationship& want) {
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

inline ReviewItem MakeReviewItem(const std::string& id, int64_t audit_entry) {
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
inline ReviewItem Closing(const std::string& id, ReviewOutcome outcome, absl::Time at) {
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
inline ReviewItem AfterClose(ReviewItem open, const ReviewItem& closing) {
  open.outcome = closing.outcome;
  open.closed_by_agency = closing.closed_by_agency;
  open.closed_by_user = closing.closed_by_user;
  open.closed_at = closing.closed_at;
  open.note = closing.note;
  return open;
}

inline void ExpectReviewItemEq(const ReviewItem& got, const ReviewItem& want) {
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
inline std::vector<std::string> ConsentIds(const T& consents) {
  std::vector<std::string> ids;
  for (const auto& c : consents) ids.push_back(absl::StrCat(c.consent_id, "/v", c.version));
  return ids;
}
inline std::vector<std::string> RelationshipIds(const std::vector<Relationship>& rs) {
  std::vector<std::string> ids;
  for (const auto& r : rs) ids.push_back(r.relationship_id);
  return ids;
}
inline std::vector<int64_t> ReviewSeqs(const absl::StatusOr<std::vector<ReviewItem>>& items) {
  std::vector<int64_t> seqs;
  if (!items.ok()) return {-1};
  for (const auto& r : *items) seqs.push_back(r.audit_entry);
  return seqs;
}

// Every field set, and set differently per id, so that a field dropped or swapped on the way
// through storage shows up in ExpectMessageEq.
inline Message MakeMessage(const std::string& id, const std::string& sender_agency = "prison-a",
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

inline std::vector<std::string> RecordRefs(const std::vector<RecordRef>& refs) {
  std::vector<std::string> out;
  for (const RecordRef& r : refs) out.push_back(absl::StrCat(r.record_id, "@", r.version));
  return out;
}

inline void ExpectMessageEq(const Message& got, const Message& want) {
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
inline Delivery MakeDelivery(const std::string& message_id, const std::string& recipient) {
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
inline Delivery Leased(Delivery d, const std::string& lease_id, absl::Time until) {
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
inline Delivery Ended(Delivery d, DeliveryState state, absl::Time at) {
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

inline void ExpectDeliveryEq(const Delivery& got, const Delivery& want) {
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
inline std::vector<std::string> DeliveryKeys(const absl::StatusOr<std::vector<Delivery>>& deliveries) {
  if (!deliveries.ok()) return {deliveries.status().ToString()};
  std::vector<std::string> keys;
  for (const Delivery& d : *deliveries) keys.push_back(d.message_id + ">" + d.recipient_agency);
  return keys;
}

// Inserts a message of its own for `d`, then `d`; stores the mailbox seq given in `d`.
inline absl::Status AddDelivery(WriteTx& tx, Delivery& d) {
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
inline Referral MakeReferral(const std::string& id, const std::string& subject) {
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

inline void ExpectReferralEq(const Referral& got, const Referral& want) {
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
inline void ExpectStoredReferral(ReadTx& tx, const Referral& want) {
  absl::StatusOr<Referral> got = tx.GetReferral(want.referral_id);
  EXPECT_THAT(got, IsOk()) << want.referral_id;
  if (got.ok()) ExpectReferralEq(*got, want);
}

// The ids of `referrals` in order, or the error.
inline std::vector<std::string> ReferralIds(const absl::StatusOr<std::vector<Referral>>& referrals) {
  if (!referrals.ok()) return {referrals.status().ToString()};
  std::vector<std::string> ids;
  for (const Referral& r : *referrals) ids.push_back(r.referral_id);
  return ids;
}

inline ReferralQuery ForAgency(const std::string& agency, const std::string& subject, bool open_only,
                        int limit) {
  ReferralQuery q;
  q.agency_id = agency;
  q.subject_id = subject;
  q.open_only = open_only;
  q.limit = limit;
  return q;
}

// Inserts the subjects, then the referrals.
inline absl::Status AddReferrals(WriteTx& tx, const std::vector<std::string>& subjects,
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


}  // namespace throughcare::testing::conformance_values

#endif  // THROUGHCARE_TESTS_STORAGE_CONFORMANCE_VALUES_H_
