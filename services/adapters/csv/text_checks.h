// Checks of the text in CSV fields and the values the decisions file allows.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_CSV_TEXT_CHECKS_H_
#define THROUGHCARE_SERVICES_ADAPTERS_CSV_TEXT_CHECKS_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace throughcare::adapters::csv {

// Why `text` is not acceptable field text, or nullopt: it must be well-formed UTF-8 (no overlong
// forms, surrogates or code points past U+10FFFF) without control characters other than tab,
// CR and LF.
std::optional<std::string> TextProblem(absl::string_view text);

// The number of code points in well-formed UTF-8 `text`.
size_t CodePoints(absl::string_view text);

// Whether `text` is a real calendar date written "YYYY-MM-DD" (no other form).
bool IsCalendarDate(absl::string_view text);

// Whether `text` is an id the broker issued with `prefix`: "<prefix>_" then 26 of [a-z2-7].
bool IsBrokerId(absl::string_view text, absl::string_view prefix);

}  // namespace throughcare::adapters::csv

#endif  // THROUGHCARE_SERVICES_ADAPTERS_CSV_TEXT_CHECKS_H_
