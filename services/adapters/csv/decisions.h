// The inbound referral-decisions file of format "csv-files" (the columns are in csv_files.h and
// the README): each data row is one TransitionReferralRequest, decoded on its own.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_CSV_DECISIONS_H_
#define THROUGHCARE_SERVICES_ADAPTERS_CSV_DECISIONS_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::csv {

inline constexpr size_t kMaxFileBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxRows = 10000;  // data rows, the header not counted

// Decodes a decisions file: an operation per good row, errors (each "line:column") for the bad
// ones. Bad quoting stops the reading there (rows after it are neither decoded nor reported);
// a bad header, an empty file or a file over kMaxFileBytes gives errors only.
Decoded DecodeDecisions(absl::string_view file);

// The name a decision is written with in the file ("accepted", "appointment_booked"), or empty
// for states a file does not carry (UNSPECIFIED, and SENT, which only creating a referral makes).
absl::string_view DecisionName(v1::ReferralState state);

// The reason of a transition made from a row with an appointment date: the date first, so that
// it reaches the other side in the one free-text field a transition has.
std::string ReasonWithAppointment(absl::string_view date, absl::string_view reason);

// The inverse: splits such a reason into the date and the rest; nullopt when it has no date.
struct AppointmentReason {
  std::string date;
  std::string reason;
};
std::optional<AppointmentReason> SplitAppointment(absl::string_view reason);

}  // namespace throughcare::adapters::csv

#endif  // THROUGHCARE_SERVICES_ADAPTERS_CSV_DECISIONS_H_
