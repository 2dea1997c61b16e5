// How the CLI prints responses: proto JSON (--json) or aligned text for people.
#ifndef THROUGHCARE_CLIENT_OUTPUT_H_
#define THROUGHCARE_CLIENT_OUTPUT_H_

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_field.h>
#include <google/protobuf/timestamp.pb.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/json.h"
#include "throughcare/v1/audit.pb.h"
#include "throughcare/v1/common.pb.h"
#include "throughcare/v1/consent.pb.h"
#include "throughcare/v1/messaging.pb.h"
#include "throughcare/v1/records.pb.h"
#include "throughcare/v1/referrals.pb.h"
#include "throughcare/v1/subjects.pb.h"

namespace throughcare::client {

// RFC 3339 in UTC to the second, e.g. "2024-05-01T09:30:00Z"; "-" if unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& t);

// `s`, or "-" if it is empty, so that columns never collapse.
std::string OrDash(absl::string_view s);
// Record references as "rec_a@1, rec_b@2", or "-" when there are none.
std::string RecordReferences(const google::protobuf::RepeatedPtrField<v1::RecordReference>& refs);

// The CLI's name for an identifier kind: "pnc", "noms", "crn", "nhs", "la-ref".
std::string IdentifierKindName(v1::IdentifierKind kind);

// Rows of cells printed as left-aligned columns two spaces apart.
class Table final {
 public:
  explicit Table(int indent = 0) : indent_(indent) {}
  void AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }
  // One line per row, each ending in a newline, without trailing spaces.
  std::string Render() const;

 private:
  int indent_;
  std::vector<std::vector<std::string>> rows_;
};

// Any message as indented "name  value" lines (nested messages and lists indented below their
// field name). Only fields that are set are shown.
std::string RenderMessage(const google::protobuf::Message& message, int indent = 0);

std::string RenderSubject(const v1::Subject& subject);
// The record's header fields; "(victim-related fields redacted)" when the broker redacted the
// body; the body (if any) as RenderMessage under its type's name.
std::string RenderRecord(const v1::Record& record);
// One line per record with a header line; "" when there are none.
std::string RenderRecordList(const google::protobuf::RepeatedPtrField<v1::Record>& records);
// One line per entry with a header line, with the basis of each decision; break-glass entries
// are marked in the decision column and their reasons listed below the table. "" when there are
// none.
std::string RenderAuditEntries(const google::protobuf::RepeatedPtrField<v1::AuditEntry>& entries);

// The CLI's names for enum values: "allocation", "signed-form", "not-justified", ...
std::string RelationshipKindName(v1::RelationshipKind kind);
std::string ConsentEvidenceName(v1::ConsentEvidence evidence);
std::string ReviewOutcomeName(v1::ReviewOutcome outcome);

std::string RenderConsent(const v1::Consent& consent);
// One line per consent (version) with its state; "" when there are none.
std::string RenderConsentList(const google::protobuf::RepeatedPtrField<v1::Consent>& consents);

std::string RenderRelationship(const v1::Relationship& relationship);
// One line per relationship, active or ended; "" when there are none.
std::string RenderRelationshipList(
    const google::protobuf::RepeatedPtrField<v1::Relationship>& relationships);

std::string RenderReviewItem(const v1::ReviewItem& item);
// One line per item; "" when there are none.
std::string RenderReviewItems(const google::protobuf::RepeatedPtrField<v1::ReviewItem>& items);

// The decision (allowed or denied), rule, reason, basis, obligations and policy version, then
// one line per check: name, passed, detail.
std::string RenderCheckAccess(const v1::CheckAccessResponse& response);

// Messages: "pending", "delivered", "acknowledged", "withheld", "expired", "dead-lettered".
std::string DeliveryStateName(v1::DeliveryState state);
// The message id, then one line per recipient with its state and reason.
std::string RenderSendResponse(const v1::SendResponse& response);
// The delivery's lease, attempt and message fields, then its records (as RenderRecord), report
// or withdrawal notice.
std::string RenderDelivery(const v1::Delivery& delivery);
std::string RenderAckResponse(const v1::AckResponse& response);
std::string RenderMessageStatus(const v1::MessageStatus& status);

// Referrals: "sent", "received", "accepted", "appointment_booked", ... (the API's names).
std::string ReferralStateName(v1::ReferralState state);
std::string RenderRecipient(const v1::ResolveRecipientResponse& recipient);
// The referral's fields, then its deadlines (due, met, escalated) and its history.
std::string RenderReferral(const v1::Referral& referral);
// One line per referral with a header line; "" when there are none.
std::string RenderReferralList(const google::protobuf::RepeatedPtrField<v1::Referral>& referrals);
// Per referral type and group: a table of the funnel's stages (count, attrition, median and
// 90th percentile hours), then the overdue, declined, withdrawn and lost counts. Counts the
// broker withheld show as "<5" (its reporting.min_count), and the figures derived from them as
// "-"; a note under the report says why.
std::string RenderReferralReport(const v1::ReferralReport& report);
// The report as CSV (RFC 4180), one line per type and group: referral_type, group, then for
// each stage <stage>, <stage>_attrition_percent, <stage>_median_hours, <stage>_p90_hours, then
// overdue, declined, withdrawn, lost_contact. Withheld counts are "<5", their derived figures
// empty.
std::string ReferralReportCsv(const v1::ReferralReport& report);

// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, with quotes
// doubled. Records end in CRLF.
std::string CsvField(absl::string_view value);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_OUTPUT_H_
