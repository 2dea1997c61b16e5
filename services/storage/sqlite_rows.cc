#include "services/storage/internal/sqlite_rows.h"

#include <string>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

StoredRecord RecordFromRow(const Stmt& s) {
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
  r.sealed_body = s.Text(10);
  return r;
}

AuditEntry AuditFromRow(const Stmt& s, int first) {
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

Consent ConsentFromRow(const Stmt& s) {
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

Relationship RelationshipFromRow(const Stmt& s) {
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

ReviewItem ReviewItemFromRow(const Stmt& s) {
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

absl::StatusOr<Message> MessageFromRow(const Stmt& s) {
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


Delivery DeliveryFromRow(const Stmt& s) {
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

absl::StatusOr<std::vector<Delivery>> DeliveriesFromRows(Stmt& s) {
  std::vector<Delivery> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(DeliveryFromRow(s));
  }
  return out;
}

void BindDeliveryState(Stmt& s, int first, const Delivery& d) {
  s.Bind(first, static_cast<int64_t>(d.state))
      .Bind(first + 1, d.reason)
      .Bind(first + 2, static_cast<int64_t>(d.attempts))
      .Bind(first + 3, ToMicros(d.available_at))
      .Bind(first + 4, ToMicros(d.expires_at))
      .Bind(first + 5, d.lease_id)
      .Bind(first + 6, ToMicros(d.lease_expires_at))
      .Bind(first + 7, d.leased_to_user)
      .Bind(first + 8, absl::StrJoin(d.consent_ids, ","))
      .BindOptionalTime(first + 9, d.first_delivered_at)
      .BindOptionalTime(first + 10, d.acked_at)
      .BindOptionalTime(first + 11, d.ended_at)
      .Bind(first + 12, ToMicros(d.updated_at));
}

absl::StatusOr<Referral> ReferralFromRow(const Stmt& s) {
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

void BindReferralState(Stmt& s, int first, const Referral& r) {
  s.Bind(first, r.home_area)
      .Bind(first + 1, static_cast<int64_t>(r.state))
      .Bind(first + 2, r.reason)
      .Bind(first + 3, FormatEventDate(r.event_date))
      .Bind(first + 4, r.note)
      .Bind(first + 5, r.message_id)
      .Bind(first + 6, r.relationship_id)
      .Bind(first + 7, ToMicros(r.updated_at))
      .BindOptionalTime(first + 8, r.received_at)
      .BindOptionalTime(first + 9, r.accepted_at)
      .BindOptionalTime(first + 10, r.first_contact_at)
      .BindOptionalTime(first + 11, r.assessed_at)
      .BindOptionalTime(first + 12, r.engaged_at);
}

}  // namespace throughcare::storage::sqlite_internal
