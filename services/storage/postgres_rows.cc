#include "services/storage/internal/postgres_rows.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/storage/internal/sqlite_encoding.h"  // the encodings both backends share
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

using sqlite_internal::FormatEventDate;
using sqlite_internal::FromMicros;
using sqlite_internal::ParseEventDate;
using sqlite_internal::SplitIdList;
using sqlite_internal::SplitRecordRefs;
using sqlite_internal::ToMicros;

StoredRecord RecordFromRow(const Row& s) {
  StoredRecord r;
  r.header.record_id = s.Text(0);
  r.header.version = s.Int(1);
  r.header.subject_id = s.Text(2);
  r.header.record_type = s.Text(3);
  r.header.data_class = s.Text(4);
  r.header.collected_for = s.Text(5);
  std::string labels = s.Text(6);
  if (!labels.empty()) r.header.labels = absl::StrSplit(labels, ',');
  r.header.owner_agency = s.Text(7);
  r.header.author_user = s.Text(8);
  r.header.created_at = FromMicros(s.Int(9));
  r.sealed_body = s.Bytes(10);
  return r;
}

AuditEntry AuditFromRow(const Row& s, int first) {
  AuditEntry e;
  int c = first;
  e.time = s.Time(c++);
  e.agency_id = s.Text(c++);
  e.system_id = s.Text(c++);
  e.user_id = s.Text(c++);
  e.role = s.Text(c++);
  e.action = s.Text(c++);
  e.subject_id = s.Text(c++);
  e.record_id = s.Text(c++);
  e.record_version = s.Int(c++);
  e.purpose = s.Text(c++);
  e.decision = static_cast<AuditDecision>(s.Int(c++));
  e.reason = s.Text(c++);
  e.policy_version = s.Text(c++);
  e.request_id = s.Text(c++);
  e.outcome = s.Text(c++);
  e.basis = s.Text(c++);
  e.break_glass_reason = s.Text(c);
  return e;
}

Consent ConsentFromRow(const Row& s) {
  Consent c;
  c.consent_id = s.Text(0);
  c.version = s.Int(1);
  c.subject_id = s.Text(2);
  c.data_classes = SplitIdList(s.Text(3));
  c.recipient_agencies = SplitIdList(s.Text(4));
  c.recipient_kinds = SplitIdList(s.Text(5));
  c.purposes = SplitIdList(s.Text(6));
  c.valid_from = s.Time(7);
  c.valid_until = s.Time(8);
  c.evidence = static_cast<ConsentEvidence>(s.Int(9));
  c.evidence_reference = s.Text(10);
  c.evidence_detail = s.Text(11);
  c.recorded_by_agency = s.Text(12);
  c.recorded_by_user = s.Text(13);
  c.recorded_at = s.Time(14);
  c.withdrawn_at = s.OptionalTime(15);
  c.withdrawn_by_agency = s.Text(16);
  c.withdrawn_by_user = s.Text(17);
  c.withdrawal_reason = s.Text(18);
  return c;
}

Relationship RelationshipFromRow(const Row& s) {
  Relationship r;
  r.relationship_id = s.Text(0);
  r.subject_id = s.Text(1);
  r.kind = static_cast<RelationshipKind>(s.Int(2));
  r.agency_id = s.Text(3);
  r.user_id = s.Text(4);
  r.started_at = s.Time(5);
  r.ended_at = s.OptionalTime(6);
  r.started_by_agency = s.Text(7);
  r.started_by_user = s.Text(8);
  r.ended_by_user = s.Text(9);
  r.note = s.Text(10);
  return r;
}

ReviewItem ReviewItemFromRow(const Row& s) {
  ReviewItem r;
  r.review_id = s.Text(0);
  r.audit_entry = s.Int(1);
  r.subject_id = s.Text(2);
  r.agency_id = s.Text(3);
  r.user_id = s.Text(4);
  r.role = s.Text(5);
  r.reason = s.Text(6);
  r.opened_at = s.Time(7);
  r.outcome = static_cast<ReviewOutcome>(s.Int(8));
  r.closed_by_agency = s.Text(9);
  r.closed_by_user = s.Text(10);
  r.closed_at = s.OptionalTime(11);
  r.note = s.Text(12);
  r.audit_seq = s.Int(13);
  return r;
}

absl::StatusOr<Message> MessageFromRow(const Row& s) {
  Message m;
  m.message_id = s.Text(0);
  m.kind = static_cast<MessageKind>(s.Int(1));
  m.sender_agency = s.Text(2);
  m.sender_system = s.Text(3);
  m.sender_user = s.Text(4);
  m.sender_role = s.Text(5);
  m.subject_id = s.Text(6);
  m.purpose = s.Text(7);
  m.correlation_id = s.Text(8);
  m.idempotency_key = s.Text(9);
  m.content_hash = s.Text(10);
  ASSIGN_OR_RETURN(m.records, SplitRecordRefs(s.Text(11)));
  m.notice_message_id = s.Text(12);
  m.notice_recipient = s.Text(13);
  m.notice_state = static_cast<DeliveryState>(s.Int(14));
  m.notice_reason = s.Text(15);
  m.notice_consent_id = s.Text(16);
  m.notice_message_ids = SplitIdList(s.Text(17));
  m.created_at = s.Time(18);
  m.expires_at = s.Time(19);
  m.notice_referral_state = static_cast<ReferralState>(s.Int(20));
  m.notice_for_role = s.Text(21);
  return m;
}


Delivery DeliveryFromRow(const Row& s) {
  Delivery d;
  d.message_id = s.Text(0);
  d.recipient_agency = s.Text(1);
  d.mailbox_seq = s.Int(2);
  d.state = static_cast<DeliveryState>(s.Int(3));
  d.reason = s.Text(4);
  d.attempts = static_cast<int>(s.Int(5));
  d.available_at = s.Time(6);
  d.expires_at = s.Time(7);
  d.lease_id = s.Text(8);  // NULL when there is no lease
  d.lease_expires_at = s.Time(9);
  d.leased_to_user = s.Text(10);
  d.consent_ids = SplitIdList(s.Text(11));
  d.first_delivered_at = s.OptionalTime(12);
  d.acked_at = s.OptionalTime(13);
  d.ended_at = s.OptionalTime(14);
  d.updated_at = s.Time(15);
  return d;
}

std::vector<Delivery> DeliveriesFromRows(const Result& rows) {
  std::vector<Delivery> out;
  for (int i = 0; i < rows.rows(); ++i) out.push_back(DeliveryFromRow(Row(rows, i)));
  return out;
}

void AddDeliveryState(Params& p, const Delivery& d) {
  p.Int(static_cast<int64_t>(d.state))
      .Text(d.reason)
      .Int(d.attempts)
      .Time(d.available_at)
      .Time(d.expires_at)
      .TextOrNull(d.lease_id)
      .Time(d.lease_expires_at)
      .Text(d.leased_to_user)
      .Text(absl::StrJoin(d.consent_ids, ","))
      .OptionalTime(d.first_delivered_at)
      .OptionalTime(d.acked_at)
      .OptionalTime(d.ended_at)
      .Time(d.updated_at);
}

absl::StatusOr<Referral> ReferralFromRow(const Row& s) {
  Referral r;
  r.referral_id = s.Text(0);
  r.referral_type = s.Text(1);
  r.subject_id = s.Text(2);
  r.referring_agency = s.Text(3);
  r.referring_user = s.Text(4);
  r.receiving_agency = s.Text(5);
  r.contact = s.Text(6);
  ASSIGN_OR_RETURN(r.records, SplitRecordRefs(s.Text(7)));
  r.idempotency_key = s.Text(8);
  r.created_at = s.Time(9);
  r.home_area = s.Text(10);
  r.state = static_cast<ReferralState>(s.Int(11));
  r.reason = s.Text(12);
  ASSIGN_OR_RETURN(r.event_date, ParseEventDate(s.Text(13)));
  r.note = s.Text(14);
  r.message_id = s.Text(15);
  r.relationship_id = s.Text(16);
  r.updated_at = s.Time(17);
  r.received_at = s.OptionalTime(18);
  r.accepted_at = s.OptionalTime(19);
  r.first_contact_at = s.OptionalTime(20);
  r.assessed_at = s.OptionalTime(21);
  r.engaged_at = s.OptionalTime(22);
  return r;
}

void AddReferralState(Params& p, const Referral& r) {
  p.Text(r.home_area)
      .Int(static_cast<int64_t>(r.state))
      .Text(r.reason)
      .TextOrNull(FormatEventDate(r.event_date))
      .Text(r.note)
      .Text(r.message_id)
      .Text(r.relationship_id)
      .Time(r.updated_at)
      .OptionalTime(r.received_at)
      .OptionalTime(r.accepted_at)
      .OptionalTime(r.first_contact_at)
      .OptionalTime(r.assessed_at)
      .OptionalTime(r.engaged_at);
}

absl::StatusOr<bool> Exists(Connection& conn, const char* sql, const Params& params) {
  ASSIGN_OR_RETURN(Result r, conn.Exec(sql, params));
  return r.rows() > 0;
}

absl::Status RequireSubject(Connection& conn, absl::string_view subject_id) {
  ASSIGN_OR_RETURN(bool found, Exists(conn, "SELECT 1 FROM subjects WHERE id = $1",
                                      Params().Text(subject_id)));
  if (!found) return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
  return absl::OkStatus();
}

}  // namespace throughcare::storage::pg_internal
