#include "services/adapters/csv/decisions.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "services/adapters/csv/csv_reader.h"
#include "services/adapters/csv/text_checks.h"
#include "services/crypto/hash.h"

namespace throughcare::adapters::csv {
namespace {

enum Column { kReferralId, kDecision, kReason, kAppointmentDate, kPurpose, kColumnCount };
constexpr std::array<absl::string_view, kColumnCount> kColumnNames = {
    "referral_id", "decision", "reason", "appointment_date", "purpose"};
constexpr bool kRequired[kColumnCount] = {true, true, false, false, false};

struct Decision {
  v1::ReferralState state;
  absl::string_view name;
  bool needs_reason;
};
// The states a receiving agency moves a referral to (WITHDRAWN is the referrer's, SENT the
// creation's). Reasons are required where the broker requires them.
constexpr Decision kDecisions[] = {
    {v1::REFERRAL_STATE_RECEIVED, "received", false},
    {v1::REFERRAL_STATE_ACCEPTED, "accepted", false},
    {v1::REFERRAL_STATE_DECLINED, "declined", true},
    {v1::REFERRAL_STATE_APPOINTMENT_BOOKED, "appointment_booked", false},
    {v1::REFERRAL_STATE_FIRST_CONTACT, "first_contact", false},
    {v1::REFERRAL_STATE_DID_NOT_ATTEND, "did_not_attend", false},
    {v1::REFERRAL_STATE_ASSESSED, "assessed", false},
    {v1::REFERRAL_STATE_ENGAGED, "engaged", false},
    {v1::REFERRAL_STATE_CLOSED, "closed", true},
    {v1::REFERRAL_STATE_LOST_CONTACT, "lost_contact", true},
};
constexpr size_t kMaxReason = 2000;
constexpr absl::string_view kAppointmentPrefix = "appointment ";

const Decision* FindDecision(absl::string_view name) {
  for (const Decision& decision : kDecisions) {
    if (decision.name == name) return &decision;
  }
  return nullptr;
}

std::string Where(size_t line, size_t column) { return absl::StrCat(line, ":", column); }

// Which column each position of the header holds; errors (on line 1) when a name is unknown,
// given twice or missing.
struct Header {
  std::vector<Column> columns;                        // by position
  std::array<std::optional<size_t>, kColumnCount> at;  // position by column
};

Header ReadHeader(const CsvRow& row, std::vector<DecodeError>& errors) {
  Header header;
  for (size_t i = 0; i < row.field_count; ++i) {
    const absl::string_view name =
        i < row.fields.size() ? absl::string_view(row.fields[i].text) : absl::string_view();
    size_t c = 0;
    while (c < kColumnCount && kColumnNames[c] != name) ++c;
    if (c == kColumnCount) {
      errors.push_back({Where(row.line, i + 1),
                        absl::StrCat("unknown column (expected ",
                                     absl::StrJoin(kColumnNames, ", "), ")")});
    } else if (header.at[c]) {
      errors.push_back({Where(row.line, i + 1), "the column is named twice"});
    } else {
      header.at[c] = i;
      header.columns.push_back(static_cast<Column>(c));
    }
  }
  for (size_t c = 0; c < kColumnCount; ++c) {
    if (kRequired[c] && !header.at[c]) {
      errors.push_back({Where(row.line, 1),
                        absl::StrCat("the header has no column ", kColumnNames[c])});
    }
  }
  return header;
}

// Builds one row's request, or records its errors.
class RowDecoder {
 public:
  RowDecoder(const Header& header, const CsvRow& row, std::vector<DecodeError>& errors)
      : header_(header), row_(row), errors_(errors) {}

  std::optional<v1::TransitionReferralRequest> Decode() {
    if (row_.field_count != header_.columns.size()) {
      const size_t column = std::min(row_.field_count, header_.columns.size()) + 1;
      Error(column, absl::StrCat("expected ", header_.columns.size(), " columns, found ",
                                 row_.field_count));
      return std::nullopt;
    }
    for (size_t i = 0; i < row_.fields.size(); ++i) {
      if (auto problem = TextProblem(row_.fields[i].text)) Error(i + 1, *problem);
    }
    if (failed_) return std::nullopt;
    v1::TransitionReferralRequest request;
    ReadReferralId(request);
    ReadPurpose(request);
    const Decision* decision = ReadDecision(request);
    ReadReason(decision, request);
    if (failed_) return std::nullopt;
    return request;
  }

 private:
  absl::string_view Text(Column c) const {
    return header_.at[c] ? absl::string_view(row_.fields[*header_.at[c]].text) : "";
  }
  size_t ColumnOf(Column c) const { return *header_.at[c] + 1; }
  // At the line where the field starts (a field after a multi-line one starts below its row's
  // first line), or the row's line for a column it does not have.
  void Error(size_t column, std::string reason) {
    const size_t line = column <= row_.fields.size() ? row_.fields[column - 1].line : row_.line;
    errors_.push_back({Where(line, column), std::move(reason)});
    failed_ = true;
  }

  void ReadReferralId(v1::TransitionReferralRequest& request) {
    if (!IsBrokerId(Text(kReferralId), "ref")) {
      Error(ColumnOf(kReferralId),
            "not a referral id (\"ref_\" and 26 of a-z and 2-7, as the referral's delivery "
            "gave it)");
      return;
    }
    request.set_referral_id(std::string(Text(kReferralId)));
  }

  void ReadPurpose(v1::TransitionReferralRequest& request) {
    const absl::string_view purpose = Text(kPurpose);
    for (char c : purpose) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') ||
          purpose.size() > 64) {
        Error(ColumnOf(kPurpose), "a purpose is 1-64 of [a-z0-9_], e.g. resettlement");
        return;
      }
    }
    request.set_purpose(std::string(purpose));
  }

  const Decision* ReadDecision(v1::TransitionReferralRequest& request) {
    const Decision* decision = FindDecision(Text(kDecision));
    if (decision == nullptr) {
      Error(ColumnOf(kDecision),
            absl::StrCat("unknown decision (expected one of ",
                         absl::StrJoin(kDecisions, ", ",
                                       [](std::string* out, const Decision& d) {
                                         absl::StrAppend(out, d.name);
                                       }),
                         ")"));
      return nullptr;
    }
    request.set_to(decision->state);
    return decision;
  }

  void ReadReason(const Decision* decision, v1::TransitionReferralRequest& request) {
    const absl::string_view reason = Text(kReason);
    const absl::string_view date = Text(kAppointmentDate);
    if (CodePoints(reason) > kMaxReason) {
      Error(ColumnOf(kReason), "longer than 2000 characters");
    } else if (reason.empty() && decision != nullptr && decision->needs_reason) {
      Error(header_.at[kReason] ? ColumnOf(kReason) : ColumnOf(kDecision),
            absl::StrCat("a reason is required with ", decision->name));
    }
    const bool booked = decision != nullptr && decision->state ==
                                                   v1::REFERRAL_STATE_APPOINTMENT_BOOKED;
    if (!date.empty() && !IsCalendarDate(date)) {
      Error(ColumnOf(kAppointmentDate), "not a real date written YYYY-MM-DD");
    } else if (!date.empty() && decision != nullptr && !booked) {
      Error(ColumnOf(kAppointmentDate), "an appointment date goes only with appointment_booked");
    } else if (date.empty() && booked) {
      Error(header_.at[kAppointmentDate] ? ColumnOf(kAppointmentDate) : ColumnOf(kDecision),
            "appointment_booked needs an appointment_date");
    }
    request.set_reason(date.empty() ? std::string(reason) : ReasonWithAppointment(date, reason));
  }

  const Header& header_;
  const CsvRow& row_;
  std::vector<DecodeError>& errors_;
  bool failed_ = false;
};

}  // namespace

absl::string_view DecisionName(v1::ReferralState state) {
  if (state == v1::REFERRAL_STATE_WITHDRAWN) return "withdrawn";
  for (const Decision& decision : kDecisions) {
    if (decision.state == state) return decision.name;
  }
  return "";
}

std::string ReasonWithAppointment(absl::string_view date, absl::string_view reason) {
  return reason.empty() ? absl::StrCat(kAppointmentPrefix, date)
                        : absl::StrCat(kAppointmentPrefix, date, ": ", reason);
}

std::optional<AppointmentReason> SplitAppointment(absl::string_view reason) {
  if (!absl::ConsumePrefix(&reason, kAppointmentPrefix) || reason.size() < 10 ||
      !IsCalendarDate(reason.substr(0, 10))) {
    return std::nullopt;
  }
  AppointmentReason split{std::string(reason.substr(0, 10)), ""};
  reason.remove_prefix(10);
  if (reason.empty()) return split;
  if (!absl::ConsumePrefix(&reason, ": ")) return std::nullopt;
  split.reason = std::string(reason);
  return split;
}

Decoded DecodeDecisions(absl::string_view file) {
  Decoded decoded;
  if (file.size() > kMaxFileBytes) {
    decoded.errors.push_back({"", absl::StrCat("a file is at most ", kMaxFileBytes, " bytes")});
    return decoded;
  }
  CsvTable table = ReadCsv(file, kMaxRows + 1);
  if (table.rows.empty()) {
    decoded.errors.push_back(table.error ? *table.error
                                         : DecodeError{"1:1", "empty: expected a header row"});
    return decoded;
  }
  const Header header = ReadHeader(table.rows[0], decoded.errors);
  if (!decoded.errors.empty()) return decoded;
  // Rows are independent, but their keys are not: the same file twice gives the same keys.
  const std::string file_key = crypto::Sha256Hex(file).substr(0, 32);
  for (size_t r = 1; r < table.rows.size(); ++r) {
    const CsvRow& row = table.rows[r];
    auto request = RowDecoder(header, row, decoded.errors).Decode();
    if (!request) continue;
    decoded.operations.push_back({absl::StrCat("line ", row.line), v1::Identifier(),
                                  *std::move(request),
                                  absl::StrCat("csv:", file_key, ":", row.line)});
  }
  if (table.error) decoded.errors.push_back(*table.error);
  return decoded;
}

}  // namespace throughcare::adapters::csv
