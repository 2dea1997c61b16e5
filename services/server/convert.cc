#include "services/server/convert.h"

#include "absl/strings/str_cat.h"

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
}

void ToProto(const std::vector<RecordHeader>& headers, v1::ListRecordsResponse* out) {
  for (const RecordHeader& h : headers) ToProto(h, out->add_records());
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
  out->set_decision(e.decision == AuditDecision::kAllow ? v1::DECISION_ALLOW : v1::DECISION_DENY);
  out->set_reason(e.reason);
  out->set_policy_version(e.policy_version);
  out->set_request_id(e.request_id);
  out->set_outcome(e.outcome);
  out->set_prev_hash(e.prev_hash);
  out->set_hash(e.hash);
}

void ToProto(const AuditPage& page, v1::QueryAuditLogResponse* out) {
  for (const AuditEntry& e : page.entries) ToProto(e, out->add_entries());
  if (page.more && !page.entries.empty()) {
    out->set_next_page_token(absl::StrCat(page.entries.back().seq));
  }
}

}  // namespace throughcare::server
