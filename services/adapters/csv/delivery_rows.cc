#include "services/adapters/csv/delivery_rows.h"

#include <iterator>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "services/adapters/csv/csv_writer.h"
#include "services/adapters/csv/decisions.h"

namespace throughcare::adapters::csv {
namespace {

enum Column {
  kMessageId, kKind, kSentAt, kSenderAgency, kPurpose, kCorrelationId,
  kNhsNumber, kNomsNumber, kCrn, kPncNumber, kLaReference,
  kRecordId, kRecordType, kRecordVersion, kDataClass, kRecordJson,
  kReferralId, kState, kReason, kAppointmentDate, kForRole,
  kAboutMessageId, kConsentId, kRecipientAgency,
  kColumnCount
};
constexpr const char* kColumnNames[kColumnCount] = {
    "message_id", "kind", "sent_at", "sender_agency", "purpose", "correlation_id",
    "nhs_number", "noms_number", "crn", "pnc_number", "la_reference",
    "record_id", "record_type", "record_version", "data_class", "record_json",
    "referral_id", "state", "reason", "appointment_date", "for_role",
    "about_message_id", "consent_id", "recipient_agency"};

using Row = std::vector<std::string>;

const char* KindName(v1::MessageKind kind) {
  switch (kind) {
    case v1::MESSAGE_KIND_RECORDS: return "records";
    case v1::MESSAGE_KIND_REPORT: return "report";
    case v1::MESSAGE_KIND_WITHDRAWAL_NOTICE: return "withdrawal_notice";
    case v1::MESSAGE_KIND_REFERRAL_UPDATE: return "referral_update";
    case v1::MESSAGE_KIND_ESCALATION: return "escalation";
    default: return nullptr;
  }
}

Column IdentifierColumn(v1::IdentifierKind kind) {
  switch (kind) {
    case v1::IDENTIFIER_KIND_NHS_NUMBER: return kNhsNumber;
    case v1::IDENTIFIER_KIND_NOMS: return kNomsNumber;
    case v1::IDENTIFIER_KIND_CRN: return kCrn;
    case v1::IDENTIFIER_KIND_PNC: return kPncNumber;
    case v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF: return kLaReference;
    default: return kColumnCount;
  }
}

// The columns every row of the delivery shares: the message and the person (several
// identifiers of one kind separated by a space).
Row CommonRow(const v1::Delivery& delivery, const v1::Subject& person) {
  Row row(kColumnCount);
  row[kMessageId] = delivery.message_id();
  row[kKind] = KindName(delivery.kind());
  if (delivery.has_sent_at()) {
    row[kSentAt] = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                                    absl::FromUnixSeconds(delivery.sent_at().seconds()),
                                    absl::UTCTimeZone());
  }
  row[kSenderAgency] = delivery.sender_agency();
  row[kPurpose] = delivery.purpose();
  row[kCorrelationId] = delivery.correlation_id();
  for (const v1::Identifier& identifier : person.identifiers()) {
    const Column column = IdentifierColumn(identifier.kind());
    if (column == kColumnCount) continue;
    if (!row[column].empty()) row[column] += ' ';
    row[column] += identifier.value();
  }
  return row;
}

absl::Status AddRecordRows(const v1::Delivery& delivery, const Row& common,
                           std::vector<Row>& rows) {
  for (const v1::Record& record : delivery.records()) {
    Row row = common;
    row[kRecordId] = record.record_id();
    row[kRecordType] = record.record_type();
    row[kRecordVersion] = absl::StrCat(record.version());
    row[kDataClass] = record.data_class();
    const auto status =
        google::protobuf::util::MessageToJsonString(record.body(), &row[kRecordJson]);
    if (!status.ok()) {
      return absl::InternalError(absl::StrCat("cannot print record ", record.record_id(),
                                              " as JSON"));
    }
    rows.push_back(std::move(row));
  }
  return absl::OkStatus();
}

void AddReferralUpdateRow(const v1::ReferralUpdate& update, Row row, std::vector<Row>& rows) {
  row[kReferralId] = update.referral_id();
  row[kState] = std::string(DecisionName(update.state()));
  row[kReason] = update.reason();
  // An appointment date travels at the start of the reason (decisions.h); give it its column.
  if (update.state() == v1::REFERRAL_STATE_APPOINTMENT_BOOKED) {
    if (auto split = SplitAppointment(update.reason())) {
      row[kAppointmentDate] = split->date;
      row[kReason] = split->reason;
    }
  }
  rows.push_back(std::move(row));
}

void AddOtherRows(const v1::Delivery& delivery, const Row& common, std::vector<Row>& rows) {
  Row row = common;
  if (delivery.kind() == v1::MESSAGE_KIND_ESCALATION) {
    row[kReferralId] = delivery.escalation().referral_id();
    row[kReason] = delivery.escalation().reason();
    row[kForRole] = delivery.escalation().for_role();
    rows.push_back(std::move(row));
  } else if (delivery.kind() == v1::MESSAGE_KIND_REPORT) {
    const v1::DeliveryReport& report = delivery.report();
    row[kAboutMessageId] = report.message_id();
    row[kRecipientAgency] = report.recipient_agency();
    const std::string& name = v1::DeliveryState_Name(report.state());
    absl::string_view state = name;
    absl::ConsumePrefix(&state, "DELIVERY_STATE_");
    row[kState] = absl::AsciiStrToLower(state);
    row[kReason] = report.reason();
    rows.push_back(std::move(row));
  } else {  // MESSAGE_KIND_WITHDRAWAL_NOTICE: a row per message received under the consent
    for (const std::string& message_id : delivery.withdrawal_notice().message_ids()) {
      Row withdrawn = common;
      withdrawn[kConsentId] = delivery.withdrawal_notice().consent_id();
      withdrawn[kAboutMessageId] = message_id;
      rows.push_back(std::move(withdrawn));
    }
  }
}

}  // namespace

absl::Span<const char* const> DeliveryColumns() { return kColumnNames; }

absl::StatusOr<std::string> EncodeDeliveryCsv(const v1::Delivery& delivery,
                                              const v1::Subject& person) {
  if (KindName(delivery.kind()) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "csv-files cannot carry a delivery of kind ", static_cast<int>(delivery.kind()),
        " (", v1::MessageKind_Name(delivery.kind()), ")"));
  }
  const Row common = CommonRow(delivery, person);
  std::vector<Row> rows;
  if (delivery.kind() == v1::MESSAGE_KIND_RECORDS) {
    const absl::Status status = AddRecordRows(delivery, common, rows);
    if (!status.ok()) return status;
  } else if (delivery.kind() == v1::MESSAGE_KIND_REFERRAL_UPDATE) {
    AddReferralUpdateRow(delivery.referral_update(), common, rows);
  } else {
    AddOtherRows(delivery, common, rows);
  }
  std::string file;
  AppendRow(Row(std::begin(kColumnNames), std::end(kColumnNames)), file);
  for (const Row& row : rows) AppendRow(row, file);
  return file;
}

}  // namespace throughcare::adapters::csv
