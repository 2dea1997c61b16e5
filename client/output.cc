#include "client/output.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace throughcare::client {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsTimestamp(const FieldDescriptor& f) {
  return f.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         f.message_type()->full_name() == google::protobuf::Timestamp::descriptor()->full_name();
}

// Fields shown on one line: scalars, lists of scalars, and timestamps.
bool IsOneLine(const FieldDescriptor& f) {
  return f.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || IsTimestamp(f);
}

// The value of a one-line field; `index` is the element of a repeated field, or -1.
std::string ValueText(const Message& m, const FieldDescriptor& f, int index) {
  const Reflection& r = *m.GetReflection();
  const bool rep = f.is_repeated();
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r.GetRepeatedInt32(m, &f, index) : r.GetInt32(m, &f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r.GetRepeatedInt64(m, &f, index) : r.GetInt64(m, &f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r.GetRepeatedUInt32(m, &f, index) : r.GetUInt32(m, &f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r.GetRepeatedUInt64(m, &f, index) : r.GetUInt64(m, &f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(rep ? r.GetRepeatedDouble(m, &f, index) : r.GetDouble(m, &f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(rep ? r.GetRepeatedFloat(m, &f, index) : r.GetFloat(m, &f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r.GetRepeatedBool(m, &f, index) : r.GetBool(m, &f)) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = rep ? r.GetRepeatedEnumValue(m, &f, index) : r.GetEnumValue(m, &f);
      const auto* value = f.enum_type()->FindValueByNumber(number);
      return value != nullptr ? value->name() : absl::StrCat(number);
    }
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r.GetRepeatedString(m, &f, index) : r.GetString(m, &f);
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& sub = rep ? r.GetRepeatedMessage(m, &f, index) : r.GetMessage(m, &f);
      const auto* ts = google::protobuf::DynamicCastToGenerated<google::protobuf::Timestamp>(&sub);
      return ts != nullptr ? FormatTimestamp(*ts) : std::string("...");
    }
  }
  return "";
}

void AppendMessage(const Message& m, int indent, std::string& out) {
  const Reflection& r = *m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(m, &fields);
  size_t width = 0;
  for (const FieldDescriptor* f : fields) {
    if (IsOneLine(*f)) width = std::max(width, f->name().size());
  }
  const std::string pad(indent, ' ');
  for (const FieldDescriptor* f : fields) {
    if (IsOneLine(*f)) {
      std::string value;
      if (f->is_repeated()) {
        std::vector<std::string> items;
        for (int i = 0; i < r.FieldSize(m, f); ++i) items.push_back(ValueText(m, *f, i));
        value = absl::StrJoin(items, ", ");
      } else {
        value = ValueText(m, *f, -1);
      }
      // Continuation lines of multi-line text start under the value column.
      value = absl::StrReplaceAll(value, {{"\n", "\n" + std::string(indent + width + 2, ' ')}});
      absl::StrAppend(&out, pad, f->name(), std::string(width - f->name().size() + 2, ' '), value,
                      "\n");
    } else if (f->is_repeated()) {
      absl::StrAppend(&out, pad, f->name(), ":\n");
      for (int i = 0; i < r.FieldSize(m, f); ++i) {
        std::string item;
        AppendMessage(r.GetRepeatedMessage(m, f, i), 0, item);
        if (item.empty()) {
          absl::StrAppend(&out, pad, "  -\n");
          continue;
        }
        bool first = true;
        for (absl::string_view line : absl::StrSplit(item, '\n', absl::SkipEmpty())) {
          absl::StrAppend(&out, pad, first ? "  - " : "    ", line, "\n");
          first = false;
        }
      }
    } else {
      absl::StrAppend(&out, pad, f->name(), ":\n");
      AppendMessage(r.GetMessage(m, f), indent + 2, out);
    }
  }
}

}  // namespace

std::string FormatTimestamp(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  const absl::Time time = absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

std::string OrDash(absl::string_view s) { return s.empty() ? "-" : std::string(s); }

std::string IdentifierKindName(v1::IdentifierKind kind) {
  switch (kind) {
    case v1::IDENTIFIER_KIND_PNC:
      return "pnc";
    case v1::IDENTIFIER_KIND_NOMS:
      return "noms";
    case v1::IDENTIFIER_KIND_CRN:
      return "crn";
    case v1::IDENTIFIER_KIND_NHS_NUMBER:
      return "nhs";
    case v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF:
      return "la-ref";
    default:
      break;
  }
  return absl::StrCat("kind-", static_cast<int>(kind));
}

std::string Table::Render() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line(indent_, ' ');
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string RenderMessage(const google::protobuf::Message& message, int indent) {
  std::string out;
  AppendMessage(message, indent, out);
  return out;
}

std::string RenderSubject(const v1::Subject& subject) {
  Table fields;
  fields.AddRow({"subject_id", OrDash(subject.subject_id())});
  fields.AddRow({"home_area", OrDash(subject.home_area())});
  fields.AddRow({"registered_by", OrDash(subject.registered_by_agency())});
  fields.AddRow({"registered_at", FormatTimestamp(subject.registered_at())});
  std::string out = fields.Render();
  absl::StrAppend(&out, "identifiers:\n");
  Table ids(2);
  for (const v1::Identifier& id : subject.identifiers()) {
    ids.AddRow({IdentifierKindName(id.kind()), id.value(),
                absl::StrCat("linked by ", OrDash(id.linked_by_agency())),
                FormatTimestamp(id.linked_at())});
  }
  absl::StrAppend(&out, ids.empty() ? "  -\n" : ids.Render());
  return out;
}

std::string RenderRecord(const v1::Record& record) {
  Table fields;
  fields.AddRow({"record_id", OrDash(record.record_id())});
  fields.AddRow({"subject_id", OrDash(record.subject_id())});
  fields.AddRow({"version", absl::StrCat(record.version())});
  fields.AddRow({"record_type", OrDash(record.record_type())});
  fields.AddRow({"data_class", OrDash(record.data_class())});
  fields.AddRow({"collected_for", OrDash(record.collected_for())});
  fields.AddRow({"labels", OrDash(absl::StrJoin(record.labels(), ", "))});
  fields.AddRow({"owner_agency", OrDash(record.owner_agency())});
  fields.AddRow({"author_user", OrDash(record.author_user())});
  fields.AddRow({"created_at", FormatTimestamp(record.created_at())});
  std::string out = fields.Render();
  if (record.redacted()) absl::StrAppend(&out, "(victim-related fields redacted)\n");
  if (record.has_body()) {
    const v1::RecordBody& body = record.body();
    const FieldDescriptor* type = body.GetReflection()->GetOneofFieldDescriptor(
        body, v1::RecordBody::descriptor()->FindOneofByName("body"));
    if (type != nullptr) {
      absl::StrAppend(&out, "\n", type->name(), ":\n",
                      RenderMessage(body.GetReflection()->GetMessage(body, type), 2));
    }
  }
  return out;
}

std::string RenderRecordList(const google::protobuf::RepeatedPtrField<v1::Record>& records) {
  if (records.empty()) return "";
  Table table;
  table.AddRow(
      {"RECORD_ID", "VERSION", "TYPE", "DATA_CLASS", "OWNER", "AUTHOR", "CREATED", "LABELS"});
  for (const v1::Record& r : records) {
    table.AddRow({OrDash(r.record_id()), absl::StrCat(r.version()), OrDash(r.record_type()),
                  OrDash(r.data_class()), OrDash(r.owner_agency()), OrDash(r.author_user()),
                  FormatTimestamp(r.created_at()), OrDash(absl::StrJoin(r.labels(), ","))});
  }
  return table.Render();
}

std::string RenderAuditEntries(const google::protobuf::RepeatedPtrField<v1::AuditEntry>& entries) {
  if (entries.empty()) return "";
  Table table;
  table.AddRow({"SEQ", "TIME", "WHO", "ACTION", "SUBJECT", "RECORD", "PURPOSE", "DECISION",
                "OUTCOME", "BASIS", "REASON"});
  Table break_glass(2);
  for (const v1::AuditEntry& e : entries) {
    std::string who = OrDash(e.agency_id());
    if (!e.user_id().empty()) absl::StrAppend(&who, "/", e.user_id());
    if (!e.role().empty()) absl::StrAppend(&who, " (", e.role(), ")");
    std::string record = OrDash(e.record_id());
    if (!e.record_id().empty() && e.record_version() != 0) {
      absl::StrAppend(&record, "@v", e.record_version());
    }
    std::string decision = e.decision() == v1::DECISION_ALLOW  ? "allow"
                           : e.decision() == v1::DECISION_DENY ? "deny"
                                                               : "-";
    if (!e.break_glass_reason().empty()) {
      absl::StrAppend(&decision, " (break-glass)");
      break_glass.AddRow({absl::StrCat(e.seq()), e.break_glass_reason()});
    }
    table.AddRow({absl::StrCat(e.seq()), FormatTimestamp(e.time()), who, OrDash(e.action()),
                  OrDash(e.subject_id()), record, OrDash(e.purpose()), decision,
                  OrDash(e.outcome()), OrDash(e.basis()), OrDash(e.reason())});
  }
  std::string out = table.Render();
  if (!break_glass.empty()) {
    absl::StrAppend(&out, "\nbreak-glass reasons (each opened a review item), by SEQ:\n",
                    break_glass.Render());
  }
  return out;
}

std::string RelationshipKindName(v1::RelationshipKind kind) {
  switch (kind) {
    case v1::RELATIONSHIP_KIND_ALLOCATION:
      return "allocation";
    case v1::RELATIONSHIP_KIND_CUSTODY:
      return "custody";
    case v1::RELATIONSHIP_KIND_REFERRAL:
      return "referral";
    default:
      break;
  }
  return absl::StrCat("kind-", static_cast<int>(kind));
}

std::string ConsentEvidenceName(v1::ConsentEvidence evidence) {
  switch (evidence) {
    case v1::CONSENT_EVIDENCE_SIGNED_FORM:
      return "signed-form";
    case v1::CONSENT_EVIDENCE_VERBAL_WITNESSED:
      return "verbal-witnessed";
    case v1::CONSENT_EVIDENCE_REPRESENTATIVE:
      return "representative";
    default:
      break;
  }
  return absl::StrCat("evidence-", static_cast<int>(evidence));
}

std::string ReviewOutcomeName(v1::ReviewOutcome outcome) {
  switch (outcome) {
    case v1::REVIEW_OUTCOME_OPEN:
      return "open";
    case v1::REVIEW_OUTCOME_JUSTIFIED:
      return "justified";
    case v1::REVIEW_OUTCOME_NOT_JUSTIFIED:
      return "not-justified";
    case v1::REVIEW_OUTCOME_REFERRED:
      return "referred";
    default:
      break;
  }
  return absl::StrCat("outcome-", static_cast<int>(outcome));
}

namespace {

std::string JoinOrDash(const google::protobuf::RepeatedPtrField<std::string>& items) {
  return OrDash(absl::StrJoin(items, ","));
}

// "agency probation-east, kind cjit".
std::string Recipients(const v1::Consent& c) {
  std::vector<std::string> out;
  for (const std::string& a : c.recipient_agencies()) out.push_back(a);
  for (const std::string& k : c.recipient_kinds()) out.push_back(absl::StrCat("kind:", k));
  return OrDash(absl::StrJoin(out, ","));
}

std::string Who(absl::string_view agency, absl::string_view user) {
  std::string who = OrDash(agency);
  if (!user.empty()) absl::StrAppend(&who, "/", user);
  return who;
}

}  // namespace

std::string RenderConsent(const v1::Consent& c) {
  Table fields;
  fields.AddRow({"consent_id", OrDash(c.consent_id())});
  fields.AddRow({"version", absl::StrCat(c.version())});
  fields.AddRow({"state", OrDash(c.state())});
  fields.AddRow({"subject_id", OrDash(c.subject_id())});
  fields.AddRow({"data_classes", OrDash(absl::StrJoin(c.data_classes(), ", "))});
  fields.AddRow({"recipient_agencies", OrDash(absl::StrJoin(c.recipient_agencies(), ", "))});
  fields.AddRow({"recipient_kinds", OrDash(absl::StrJoin(c.recipient_kinds(), ", "))});
  fields.AddRow({"purposes", OrDash(absl::StrJoin(c.purposes(), ", "))});
  fields.AddRow({"valid_from", FormatTimestamp(c.valid_from())});
  fields.AddRow({"valid_until", FormatTimestamp(c.valid_until())});
  fields.AddRow({"evidence", ConsentEvidenceName(c.evidence())});
  if (!c.evidence_reference().empty()) {
    fields.AddRow({"evidence_reference", c.evidence_reference()});
  }
  if (!c.evidence_detail().empty()) fields.AddRow({"evidence_detail", c.evidence_detail()});
  fields.AddRow({"recorded_by", Who(c.recorded_by_agency(), c.recorded_by_user())});
  fields.AddRow({"recorded_at", FormatTimestamp(c.recorded_at())});
  if (c.has_withdrawn_at()) {
    fields.AddRow({"withdrawn_by", Who(c.withdrawn_by_agency(), c.withdrawn_by_user())});
    fields.AddRow({"withdrawn_at", FormatTimestamp(c.withdrawn_at())});
    fields.AddRow({"withdrawal_reason", OrDash(c.withdrawal_reason())});
  }
  return fields.Render();
}

std::string RenderConsentList(const google::protobuf::RepeatedPtrField<v1::Consent>& consents) {
  if (consents.empty()) return "";
  Table table;
  table.AddRow({"CONSENT_ID", "VERSION", "STATE", "DATA_CLASSES", "RECIPIENTS", "PURPOSES",
                "VALID_FROM", "VALID_UNTIL", "EVIDENCE", "RECORDED_BY"});
  for (const v1::Consent& c : consents) {
    table.AddRow({OrDash(c.consent_id()), absl::StrCat(c.version()), OrDash(c.state()),
                  JoinOrDash(c.data_classes()), Recipients(c), JoinOrDash(c.purposes()),
                  FormatTimestamp(c.valid_from()), FormatTimestamp(c.valid_until()),
                  ConsentEvidenceName(c.evidence()),
                  Who(c.recorded_by_agency(), c.recorded_by_user())});
  }
  return table.Render();
}

std::string RenderRelationship(const v1::Relationship& r) {
  Table fields;
  fields.AddRow({"relationship_id", OrDash(r.relationship_id())});
  fields.AddRow({"subject_id", OrDash(r.subject_id())});
  fields.AddRow({"kind", RelationshipKindName(r.kind())});
  fields.AddRow({"agency", OrDash(r.agency_id())});
  fields.AddRow({"user", r.user_id().empty() ? "- (the whole agency)" : r.user_id()});
  fields.AddRow({"state", r.has_ended_at() ? "ended" : "active"});
  fields.AddRow({"started", absl::StrCat(FormatTimestamp(r.started_at()), " by ",
                                         OrDash(r.started_by_user()))});
  if (r.has_ended_at()) {
    fields.AddRow(
        {"ended", absl::StrCat(FormatTimestamp(r.ended_at()), " by ", OrDash(r.ended_by_user()))});
  }
  if (!r.note().empty()) fields.AddRow({"note", r.note()});
  return fields.Render();
}

std::string RenderRelationshipList(
    const google::protobuf::RepeatedPtrField<v1::Relationship>& relationships) {
  if (relationships.empty()) return "";
  Table table;
  table.AddRow({"RELATIONSHIP_ID", "KIND", "AGENCY", "USER", "STATE", "STARTED", "ENDED", "NOTE"});
  for (const v1::Relationship& r : relationships) {
    table.AddRow({OrDash(r.relationship_id()), RelationshipKindName(r.kind()),
                  OrDash(r.agency_id()), OrDash(r.user_id()), r.has_ended_at() ? "ended" : "active",
                  FormatTimestamp(r.started_at()), FormatTimestamp(r.ended_at()),
                  OrDash(r.note())});
  }
  return table.Render();
}

std::string RenderReviewItem(const v1::ReviewItem& item) {
  Table fields;
  fields.AddRow({"review_id", OrDash(item.review_id())});
  fields.AddRow({"outcome", ReviewOutcomeName(item.outcome())});
  fields.AddRow({"audit_seq", absl::StrCat(item.audit_seq())});
  fields.AddRow({"subject_id", OrDash(item.subject_id())});
  fields.AddRow(
      {"who", absl::StrCat(Who(item.agency_id(), item.user_id()), " (", OrDash(item.role()), ")")});
  fields.AddRow({"reason", OrDash(item.reason())});
  fields.AddRow({"opened_at", FormatTimestamp(item.opened_at())});
  if (item.has_closed_at()) {
    fields.AddRow({"closed_by", Who(item.closed_by_agency(), item.closed_by_user())});
    fields.AddRow({"closed_at", FormatTimestamp(item.closed_at())});
    fields.AddRow({"note", OrDash(item.note())});
  }
  return fields.Render();
}

std::string RenderReviewItems(const google::protobuf::RepeatedPtrField<v1::ReviewItem>& items) {
  if (items.empty()) return "";
  Table table;
  table.AddRow({"REVIEW_ID", "OUTCOME", "AUDIT_SEQ", "OPENED", "WHO", "SUBJECT", "REASON",
                "CLOSED_BY", "NOTE"});
  for (const v1::ReviewItem& item : items) {
    table.AddRow(
        {OrDash(item.review_id()), ReviewOutcomeName(item.outcome()),
         absl::StrCat(item.audit_seq()), FormatTimestamp(item.opened_at()),
         absl::StrCat(Who(item.agency_id(), item.user_id()), " (", OrDash(item.role()), ")"),
         OrDash(item.subject_id()), OrDash(item.reason()),
         item.has_closed_at() ? Who(item.closed_by_agency(), item.closed_by_user()) : "-",
         OrDash(item.note())});
  }
  return table.Render();
}

std::string RenderCheckAccess(const v1::CheckAccessResponse& r) {
  std::vector<std::string> obligations;
  if (r.answer_not_found()) obligations.push_back("answer NOT_FOUND (no relationship)");
  if (r.break_glass()) obligations.push_back("break-glass: audited and queued for review");
  if (r.redact_victim_fields()) obligations.push_back("redact victim-related fields");
  Table fields;
  fields.AddRow({"decision", r.allowed() ? "allowed" : "denied"});
  fields.AddRow({"rule", OrDash(r.rule_id())});
  fields.AddRow({"reason", OrDash(r.reason())});
  fields.AddRow({"basis", OrDash(r.basis())});
  fields.AddRow({"obligations", obligations.empty() ? "none" : absl::StrJoin(obligations, "; ")});
  fields.AddRow({"policy_version", OrDash(r.policy_version())});
  std::string out = fields.Render();
  if (!r.checks().empty()) {
    Table checks;
    checks.AddRow({"CHECK", "PASSED", "DETAIL"});
    for (const v1::AccessCheck& c : r.checks()) {
      checks.AddRow({OrDash(c.name()), c.passed() ? "yes" : "no", OrDash(c.detail())});
    }
    absl::StrAppend(&out, "\n", checks.Render());
  }
  return out;
}

std::string DeliveryStateName(v1::DeliveryState state) {
  switch (state) {
    case v1::DELIVERY_STATE_PENDING:
      return "pending";
    case v1::DELIVERY_STATE_DELIVERED:
      return "delivered";
    case v1::DELIVERY_STATE_ACKNOWLEDGED:
      return "acknowledged";
    case v1::DELIVERY_STATE_WITHHELD:
      return "withheld";
    case v1::DELIVERY_STATE_EXPIRED:
      return "expired";
    case v1::DELIVERY_STATE_DEAD_LETTERED:
      return "dead-lettered";
    default:
      return "unknown";
  }
}

std::string RecordReferences(const google::protobuf::RepeatedPtrField<v1::RecordReference>& refs) {
  std::vector<std::string> out;
  for (const v1::RecordReference& r : refs) {
    out.push_back(absl::StrCat(r.record_id(), "@", r.version()));
  }
  return OrDash(absl::StrJoin(out, ", "));
}

namespace {

std::string RenderRecipients(
    const google::protobuf::RepeatedPtrField<v1::RecipientStatus>& recipients) {
  Table table(2);
  table.AddRow({"RECIPIENT", "STATE", "ATTEMPTS", "DELIVERED", "ACKNOWLEDGED", "ENDED", "REASON"});
  for (const v1::RecipientStatus& r : recipients) {
    table.AddRow({r.agency_id(), DeliveryStateName(r.state()), absl::StrCat(r.attempts()),
                  FormatTimestamp(r.first_delivered_at()), FormatTimestamp(r.acknowledged_at()),
                  FormatTimestamp(r.ended_at()), OrDash(r.reason())});
  }
  return table.Render();
}

}  // namespace

std::string RenderSendResponse(const v1::SendResponse& response) {
  Table fields;
  fields.AddRow({"message_id", response.message_id()});
  fields.AddRow({"duplicate", response.duplicate() ? "yes (an earlier send with this key)" : "no"});
  fields.AddRow({"expires_at", FormatTimestamp(response.expires_at())});
  return absl::StrCat(fields.Render(), "recipients:\n", RenderRecipients(response.recipients()));
}

std::string RenderDelivery(const v1::Delivery& d) {
  Table fields;
  fields.AddRow({"lease_id", d.lease_id()});
  fields.AddRow({"lease_expires_at", FormatTimestamp(d.lease_expires_at())});
  fields.AddRow({"attempt", absl::StrCat(d.attempt())});
  fields.AddRow({"message_id", d.message_id()});
  fields.AddRow(
      {"from", absl::StrCat(d.sender_agency(),
                            d.sender_user().empty() ? "" : " (" + d.sender_user() + ")")});
  fields.AddRow({"subject_id", OrDash(d.subject_id())});
  fields.AddRow({"purpose", OrDash(d.purpose())});
  fields.AddRow({"correlation_id", OrDash(d.correlation_id())});
  fields.AddRow({"sent_at", FormatTimestamp(d.sent_at())});
  fields.AddRow({"expires_at", FormatTimestamp(d.expires_at())});
  std::string out = fields.Render();
  switch (d.kind()) {
    case v1::MESSAGE_KIND_REPORT:
      absl::StrAppend(&out, "report: message ", d.report().message_id(), " to ",
                      d.report().recipient_agency(), " is ", DeliveryStateName(d.report().state()),
                      ": ", d.report().reason(), "\n");
      break;
    case v1::MESSAGE_KIND_WITHDRAWAL_NOTICE:
      absl::StrAppend(&out, "withdrawal notice: consent ", d.withdrawal_notice().consent_id(),
                      " was withdrawn; it covered message(s) ",
                      absl::StrJoin(d.withdrawal_notice().message_ids(), ", "), "\n");
      break;
    case v1::MESSAGE_KIND_REFERRAL_UPDATE:
      absl::StrAppend(&out, "referral update: ", d.referral_update().referral_id(), " is now ",
                      ReferralStateName(d.referral_update().state()),
                      d.referral_update().reason().empty() ? "" : ": ",
                      d.referral_update().reason(), "\n");
      break;
    case v1::MESSAGE_KIND_ESCALATION:
      absl::StrAppend(&out, "escalation for ", d.escalation().for_role(), ": referral ",
                      d.escalation().referral_id(), ": ", d.escalation().reason(), "\n");
      break;
    default:
      for (const v1::Record& r : d.records()) absl::StrAppend(&out, "\n", RenderRecord(r));
      break;
  }
  return out;
}

std::string RenderAckResponse(const v1::AckResponse& response) {
  Table table;
  table.AddRow({"LEASE_ID", "MESSAGE_ID", "STATE"});
  for (const v1::SettlementResult& r : response.results()) {
    table.AddRow({r.lease_id(), r.message_id(), DeliveryStateName(r.state())});
  }
  return table.Render();
}

std::string RenderMessageStatus(const v1::MessageStatus& status) {
  Table fields;
  fields.AddRow({"message_id", status.message_id()});
  fields.AddRow({"subject_id", status.subject_id()});
  fields.AddRow({"purpose", status.purpose()});
  fields.AddRow({"correlation_id", OrDash(status.correlation_id())});
  fields.AddRow({"sender_user", OrDash(status.sender_user())});
  fields.AddRow({"sent_at", FormatTimestamp(status.sent_at())});
  fields.AddRow({"expires_at", FormatTimestamp(status.expires_at())});
  fields.AddRow({"records", RecordReferences(status.records())});
  return absl::StrCat(fields.Render(), "recipients:\n", RenderRecipients(status.recipients()));
}

std::string CsvField(absl::string_view value) {
  if (value.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(value);
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\"", "\"\""}}), "\"");
}

}  // namespace throughcare::client
