#include "services/server/convert.h"

#include "absl/strings/str_cat.h"
#include "services/records/erasure.h"
#include "services/referrals/report.h"

namespace throughcare::server {

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  int64_t us = absl::ToUnixMicros(t);
  int64_t seconds = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>((us - seconds * 1000000) * 1000));
}

void ToProto(const Subject& s, v1::Subject* out) {
  out->set_subject_id(s.id);
  out->set_home_area(s.home_area);
  out->set_registered_by_agency(s.registered_by_agency);
  ToProto(s.registered_at, out->mutable_registered_at());
  for (const Identifier& id : s.identifiers) {
    v1::Identifier* p = out->add_identifiers();
    p->set_kind(static_cast<v1::IdentifierKind>(id.kind));  // same numbering by design
    p->set_value(id.value);
    p->set_linked_by_agency(id.linked_by_agency);
    ToProto(id.linked_at, p->mutable_linked_at());
  }
}

void ToProto(const RecordHeader& h, v1::Record* out) {
  out->set_record_id(h.record_id);
  out->set_subject_id(h.subject_id);
  out->set_version(h.version);
  out->set_record_type(h.record_type);
  out->set_data_class(h.data_class);
  out->set_collected_for(h.collected_for);
  for (const std::string& l : h.labels) out->add_labels(l);
  out->set_owner_agency(h.owner_agency);
  out->set_author_user(h.author_user);
  ToProto(h.created_at, out->mutable_created_at());
}

void ToProto(const Record& r, v1::Record* out) {
  ToProto(r.header, out);
  // The body was validated and serialized by this broker; a parse failure means corruption,
  // which AES-GCM authentication already rules out.
  out->mutable_body()->ParseFromString(r.body);
  if (r.redact_victim_fields) {
    RedactVictimRelated(out->mutable_body());
    out->set_redacted(true);
  }
}

void RedactVictimRelated(google::protobuf::Message* message) {
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->options().GetExtension(v1::victim_related)) {
      reflection->ClearField(message, field);
    } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          RedactVictimRelated(reflection->MutableRepeatedMessage(message, field, i));
        }
      } else {
        RedactVictimRelated(reflection->MutableMessage(message, field));
      }
    }
  }
}

void ToProto(const std::vector<RecordHeader>& headers, v1::ListRecordsResponse* out) {
  for (const RecordHeader& h : headers) ToProto(h, out->add_records());
}

void ToProto(const Erasure& e, v1::Erasure* out) {
  out->set_erasure_id(e.id);
  out->set_subject_id(e.subject_id);
  out->set_record_id(e.record_id);
  out->set_record_type(e.record_type);
  out->set_data_class(e.data_class);
  ToProto(e.erased_at, out->mutable_erased_at());
  out->set_agency_id(e.agency_id);
  out->set_user_id(e.user_id);
  out->set_role(e.role);
  out->set_basis(e.basis);
  out->set_reason(e.reason);
  out->set_description(records::DescribeErasure(e));
}

void ToProto(const std::vector<Erasure>& erasures, v1::EraseSubjectResponse* out) {
  for (const Erasure& e : erasures) ToProto(e, out->add_erasures());
}

void ToProto(const records::ErasurePage& page, v1::ListErasuresResponse* out) {
  for (const Erasure& e : page.erasures) ToProto(e, out->add_erasures());
  if (page.more) out->set_next_page_token(absl::StrCat(page.erasures.back().id));
}

void ToProto(const Consent& c, absl::Time now, v1::Consent* out) {
  out->set_consent_id(c.consent_id);
  out->set_version(c.version);
  out->set_subject_id(c.subject_id);
  for (const auto& v : c.data_classes) out->add_data_classes(v);
  for (const auto& v : c.recipient_agencies) out->add_recipient_agencies(v);
  for (const auto& v : c.recipient_kinds) out->add_recipient_kinds(v);
  for (const auto& v : c.purposes) out->add_purposes(v);
  ToProto(c.valid_from, out->mutable_valid_from());
  ToProto(c.valid_until, out->mutable_valid_until());
  out->set_evidence(static_cast<v1::ConsentEvidence>(c.evidence));  // same numbering
  out->set_evidence_reference(c.evidence_reference);
  out->set_evidence_detail(c.evidence_detail);
  out->set_recorded_by_agency(c.recorded_by_agency);
  out->set_recorded_by_user(c.recorded_by_user);
  ToProto(c.recorded_at, out->mutable_recorded_at());
  if (c.withdrawn_at.has_value()) {
    ToProto(*c.withdrawn_at, out->mutable_withdrawn_at());
    out->set_withdrawn_by_agency(c.withdrawn_by_agency);
    out->set_withdrawn_by_user(c.withdrawn_by_user);
    out->set_withdrawal_reason(c.withdrawal_reason);
  }
  out->set_state(c.withdrawn_at.has_value() ? "WITHDRAWN"
                 : now < c.valid_from       ? "NOT_YET_VALID"
                 : now >= c.valid_until     ? "EXPIRED"
                                            : "ACTIVE");
}

void ToProto(const Relationship& r, v1::Relationship* out) {
  out->set_relationship_id(r.relationship_id);
  out->set_subject_id(r.subject_id);
  out->set_kind(static_cast<v1::RelationshipKind>(r.kind));  // same numbering
  out->set_agency_id(r.agency_id);
  out->set_user_id(r.user_id);
  ToProto(r.started_at, out->mutable_started_at());
  if (r.ended_at.has_value()) ToProto(*r.ended_at, out->mutable_ended_at());
  out->set_started_by_user(r.started_by_user);
  out->set_ended_by_user(r.ended_by_user);
  out->set_note(r.note);
}

void ToProto(const std::vector<Relationship>& rs, v1::ListRelationshipsResponse* out) {
  for (const Relationship& r : rs) ToProto(r, out->add_relationships());
}

void ToProto(const ReviewItem& item, v1::ReviewItem* out) {
  out->set_review_id(item.review_id);
  out->set_audit_seq(item.audit_seq);
  out->set_subject_id(item.subject_id);
  out->set_agency_id(item.agency_id);
  out->set_user_id(item.user_id);
  out->set_role(item.role);
  out->set_reason(item.reason);
  ToProto(item.opened_at, out->mutable_opened_at());
  switch (item.outcome) {
    case ReviewOutcome::kOpen:
      out->set_outcome(v1::REVIEW_OUTCOME_OPEN);
      break;
    case ReviewOutcome::kJustified:
      out->set_outcome(v1::REVIEW_OUTCOME_JUSTIFIED);
      break;
    case ReviewOutcome::kNotJustified:
      out->set_outcome(v1::REVIEW_OUTCOME_NOT_JUSTIFIED);
      break;
    case ReviewOutcome::kReferred:
      out->set_outcome(v1::REVIEW_OUTCOME_REFERRED);
      break;
  }
  out->set_closed_by_agency(item.closed_by_agency);
  out->set_closed_by_user(item.closed_by_user);
  if (item.closed_at.has_value()) ToProto(*item.closed_at, out->mutable_closed_at());
  out->set_note(item.note);
}

void ToProto(const consent::AccessExplanation& e, v1::CheckAccessResponse* out) {
  const policy::Decision& d = e.decision;
  out->set_allowed(d.allowed);
  out->set_rule_id(d.rule_id);
  out->set_reason(d.reason);
  out->set_basis(d.basis);
  out->set_answer_not_found(d.answer_not_found);
  out->set_break_glass(d.break_glass);
  out->set_redact_victim_fields(d.redact_victim_fields);
  for (const policy::Check& c : d.checks) {
    v1::AccessCheck* check = out->add_checks();
    check->set_name(c.name);
    check->set_passed(c.passed);
    check->set_detail(c.detail);
  }
  out->set_policy_version(e.policy_version);
}

void ToProto(const policy::ReloadResult& r, v1::ReloadPolicyResponse* out) {
  out->set_previous_version(r.previous_version);
  out->set_version(r.version);
}

void ToProto(const AuditEntry& e, v1::AuditEntry* out) {
  out->set_seq(e.seq);
  ToProto(e.time, out->mutable_time());
  out->set_agency_id(e.agency_id);
  out->set_system_id(e.system_id);
  out->set_user_id(e.user_id);
  out->set_role(e.role);
  out->set_action(e.action);
  out->set_subject_id(e.subject_id);
  out->set_record_id(e.record_id);
  out->set_record_version(e.record_version);
  out->set_purpose(e.purpose);
  out->set_decision(e.decision == AuditDecision::kAllow  ? v1::DECISION_ALLOW
                    : e.decision == AuditDecision::kDeny ? v1::DECISION_DENY
                                                         : v1::DECISION_NONE);
  out->set_reason(e.reason);
  out->set_policy_version(e.policy_version);
  out->set_request_id(e.request_id);
  out->set_outcome(e.outcome);
  out->set_basis(e.basis);
  out->set_break_glass_reason(e.break_glass_reason);
  out->set_leaf_hash(e.leaf_hash);
}

void ToProto(const audit::ServedCheckpoint& c, v1::SignedCheckpoint* out) {
  out->set_tree_size(c.checkpoint.size);
  out->set_root_hash(c.checkpoint.root);
  out->set_note(c.note);
  ToProto(c.checkpoint.issued_at, out->mutable_issued_at());
  for (const AuditCosignature& cs : c.cosignatures) out->add_cosigned_by(cs.witness);
}

void ToProto(const audit::ProofAnswer& p, v1::Proof* out) {
  out->set_index(p.index);
  out->set_tree_size(p.tree_size);
  for (const std::string& h : p.hashes) out->add_hashes(h);
}

void ToProto(const std::string& bundle, v1::ProofBundle* out) { out->set_text(bundle); }

void ToProto(const audit::SubjectReport& r, v1::SubjectAccessReport* out) {
  ToProto(r.subject, out->mutable_subject());
  for (const RecordHeader& h : r.records) {
    v1::RecordSummary* s = out->add_records();
    s->set_record_id(h.record_id);
    s->set_record_type(h.record_type);
    s->set_data_class(h.data_class);
    s->set_collected_for(h.collected_for);
    for (const std::string& l : h.labels) s->add_labels(l);
    s->set_owner_agency(h.owner_agency);
    s->set_versions(h.version);
    ToProto(h.created_at, s->mutable_last_changed());
  }
  for (const Consent& c : r.consents) ToProto(c, r.generated_at, out->add_consents());
  for (const audit::SubjectReport::Event& e : r.events) {
    v1::TimelineEvent* event = out->add_events();
    ToProto(e.entry, event->mutable_entry());
    event->set_summary(e.summary);
  }
  ToProto(r.generated_at, out->mutable_generated_at());
  out->set_truncated(r.truncated);
}

void ToProto(const AuditPage& page, v1::QueryAuditLogResponse* out) {
  for (const AuditEntry& e : page.entries) ToProto(e, out->add_entries());
  if (page.more && !page.entries.empty()) {
    out->set_next_page_token(absl::StrCat(page.entries.back().seq));
  }
}

v1::DeliveryState ToProto(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending:
      return v1::DELIVERY_STATE_PENDING;
    case DeliveryState::kLeased:
      return v1::DELIVERY_STATE_DELIVERED;
    case DeliveryState::kAcked:
      return v1::DELIVERY_STATE_ACKNOWLEDGED;
    case DeliveryState::kWithheld:
      return v1::DELIVERY_STATE_WITHHELD;
    case DeliveryState::kExpired:
      return v1::DELIVERY_STATE_EXPIRED;
    case DeliveryState::kDeadLettered:
      return v1::DELIVERY_STATE_DEAD_LETTERED;
  }
  return v1::DELIVERY_STATE_UNSPECIFIED;
}

void ToProto(const Delivery& d, v1::RecipientStatus* out) {
  out->set_agency_id(d.recipient_agency);
  out->set_state(ToProto(d.state));
  out->set_reason(d.reason);
  out->set_attempts(d.attempts);
  if (d.first_delivered_at) ToProto(*d.first_delivered_at, out->mutable_first_delivered_at());
  if (d.acked_at) ToProto(*d.acked_at, out->mutable_acknowledged_at());
  if (d.ended_at) ToProto(*d.ended_at, out->mutable_ended_at());
}

void ToProto(const messaging::SendResult& r, v1::SendResponse* out) {
  out->set_message_id(r.message.message_id);
  out->set_duplicate(r.duplicate);
  ToProto(r.message.expires_at, out->mutable_expires_at());
  for (const Delivery& d : r.deliveries) {
    v1::RecipientStatus* status = out->add_recipients();
    ToProto(d, status);
    ToProto(r.message.created_at, status->mutable_accepted_at());
  }
}

void ToProto(const messaging::Delivered& d, v1::Delivery* out) {
  const Message& m = d.message;
  out->set_lease_id(d.delivery.lease_id);
  ToProto(d.delivery.lease_expires_at, out->mutable_lease_expires_at());
  out->set_attempt(d.delivery.attempts);
  out->set_message_id(m.message_id);
  out->set_sender_agency(m.sender_agency);
  out->set_sender_user(m.sender_user);
  out->set_subject_id(m.subject_id);
  out->set_purpose(m.purpose);
  out->set_correlation_id(m.correlation_id);
  ToProto(m.created_at, out->mutable_sent_at());
  ToProto(m.expires_at, out->mutable_expires_at());
  switch (m.kind) {
    case MessageKind::kRecords:
      out->set_kind(v1::MESSAGE_KIND_RECORDS);
      for (const Record& r : d.records) ToProto(r, out->add_records());
      break;
    case MessageKind::kReport: {
      out->set_kind(v1::MESSAGE_KIND_REPORT);
      v1::DeliveryReport* report = out->mutable_report();
      report->set_message_id(m.notice_message_id);
      report->set_recipient_agency(m.notice_recipient);
      report->set_state(ToProto(m.notice_state));
      report->set_reason(m.notice_reason);
      break;
    }
    case MessageKind::kWithdrawalNotice: {
      out->set_kind(v1::MESSAGE_KIND_WITHDRAWAL_NOTICE);
      v1::WithdrawalNotice* notice = out->mutable_withdrawal_notice();
      notice->set_consent_id(m.notice_consent_id);
      for (const std::string& id : m.notice_message_ids) notice->add_message_ids(id);
      break;
    }
    case MessageKind::kReferralUpdate: {
      out->set_kind(v1::MESSAGE_KIND_REFERRAL_UPDATE);
      v1::ReferralUpdate* update = out->mutable_referral_update();
      update->set_referral_id(m.correlation_id);
      update->set_state(static_cast<v1::ReferralState>(m.notice_referral_state));
      update->set_reason(m.notice_reason);
      break;
    }
    case MessageKind::kEscalation: {
      out->set_kind(v1::MESSAGE_KIND_ESCALATION);
      v1::Escalation* escalation = out->mutable_escalation();
      escalation->set_referral_id(m.correlation_id);
      escalation->set_reason(m.notice_reason);
      escalation->set_for_role(m.notice_for_role);
      break;
    }
  }
}

void ToProto(const std::vector<messaging::Delivered>& ds, v1::ReceiveResponse* out) {
  for (const messaging::Delivered& d : ds) ToProto(d, out->add_deliveries());
}

void ToProto(const messaging::Settled& s, v1::SettlementResult* out) {
  out->set_lease_id(s.lease_id);
  out->set_message_id(s.message_id);
  out->set_state(ToProto(s.state));
}

void ToProto(const std::vector<messaging::Settled>& ss, v1::AckResponse* out) {
  for (const messaging::Settled& s : ss) ToProto(s, out->add_results());
}

void ToProto(const messaging::MessageStatus& s, v1::MessageStatus* out) {
  const Message& m = s.message;
  out->set_message_id(m.message_id);
  out->set_subject_id(m.subject_id);
  out->set_purpose(m.purpose);
  out->set_correlation_id(m.correlation_id);
  out->set_sender_user(m.sender_user);
  ToProto(m.created_at, out->mutable_sent_at());
  ToProto(m.expires_at, out->mutable_expires_at());
  for (const RecordRef& r : m.records) {
    v1::RecordReference* ref = out->add_records();
    ref->set_record_id(r.record_id);
    ref->set_version(r.version);
  }
  for (const Delivery& d : s.deliveries) {
    v1::RecipientStatus* status = out->add_recipients();
    ToProto(d, status);
    ToProto(m.created_at, status->mutable_accepted_at());
  }
}

void ToProto(const Referral& r, absl::Time now, v1::Referral* out) {
  out->set_referral_id(r.referral_id);
  out->set_referral_type(r.referral_type);
  out->set_subject_id(r.subject_id);
  out->set_home_area(r.home_area);
  out->set_referring_agency(r.referring_agency);
  out->set_referring_user(r.referring_user);
  out->set_receiving_agency(r.receiving_agency);
  out->set_contact(r.contact);
  out->set_state(static_cast<v1::ReferralState>(r.state));
  out->set_reason(r.reason);
  if (r.event_date) out->set_event_date(absl::FormatCivilTime(*r.event_date));
  out->set_note(r.note);
  out->set_message_id(r.message_id);
  for (const RecordRef& ref : r.records) {
    v1::RecordReference* rec = out->add_records();
    rec->set_record_id(ref.record_id);
    rec->set_version(ref.version);
  }
  ToProto(r.created_at, out->mutable_created_at());
  ToProto(r.updated_at, out->mutable_updated_at());
  for (const ReferralTransition& t : r.history) {
    v1::ReferralTransition* h = out->add_history();
    h->set_from(static_cast<v1::ReferralState>(t.from));
    h->set_to(static_cast<v1::ReferralState>(t.to));
    h->set_agency_id(t.agency_id);
    h->set_user_id(t.user_id);
    h->set_reason(t.reason);
    ToProto(t.at, h->mutable_at());
  }
  for (const ReferralDeadline& d : r.deadlines) {
    v1::ReferralDeadline* out_d = out->add_deadlines();
    out_d->set_name(d.name);
    out_d->set_reach(static_cast<v1::ReferralState>(d.reach));
    if (d.due_at) ToProto(*d.due_at, out_d->mutable_due_at());
    if (d.met_at) ToProto(*d.met_at, out_d->mutable_met_at());
    if (d.escalated_at) ToProto(*d.escalated_at, out_d->mutable_escalated_at());
    out_d->set_supervisor_role(d.supervisor_role);
  }
  out->set_overdue(referrals::IsOverdue(r, now));
}

void ToProto(const referrals::Recipient& r, v1::ResolveRecipientResponse* out) {
  out->set_agency_id(r.agency_id);
  out->set_agency_name(r.agency_name);
  out->set_contact(r.contact);
}

void ToProto(const referrals::FunnelRow& row, v1::FunnelRow* out) {
  out->set_referral_type(row.referral_type);
  out->set_group(row.group);
  for (const referrals::StageFigures& f : row.stages) {
    v1::FunnelStage* stage = out->add_stages();
    stage->set_stage(std::string(referrals::StageName(f.stage)));
    stage->set_count(f.count);
    stage->set_attrition_percent(f.attrition_percent);
    stage->set_median_hours(f.median_hours);
    stage->set_p90_hours(f.p90_hours);
    stage->set_suppressed(f.suppressed);
  }
  out->set_overdue(row.overdue);
  out->set_declined(row.declined);
  out->set_withdrawn(row.withdrawn);
  out->set_lost_contact(row.lost_contact);
  out->set_overdue_suppressed(row.overdue_suppressed);
  out->set_declined_suppressed(row.declined_suppressed);
  out->set_withdrawn_suppressed(row.withdrawn_suppressed);
  out->set_lost_contact_suppressed(row.lost_contact_suppressed);
}

}  // namespace throughcare::server
