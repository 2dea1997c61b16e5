#include "services/adapters/csv/text_checks.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace throughcare::adapters::csv {
namespace {

// The length of the UTF-8 sequence at `text[i]`, or 0 when it is not well-formed (RFC 3629).
size_t SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length;
  uint32_t min;
  uint32_t code;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

std::optional<std::string> TextProblem(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = SequenceLength(text, i);
    if (length == 0) return absl::StrCat("not valid UTF-8 (at byte ", i + 1, " of the field)");
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (length == 1 && (c < 0x20 || c == 0x7F) && c != '\t' && c != '\r' && c != '\n') {
      return absl::StrCat("a control character (byte ", i + 1, " of the field)");
    }
    i += length;
  }
  return std::nullopt;
}

size_t CodePoints(absl::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

bool IsCalendarDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  absl::CivilDay day;
  // absl normalises "2026-02-30" to 2 March: a date is real when it prints back the same.
  return absl::ParseCivilTime(text, &day) && absl::FormatCivilTime(day) == text;
}

bool IsBrokerId(absl::string_view text, absl::string_view prefix) {
  if (text.size() != prefix.size() + 27 || text.substr(0, prefix.size()) != prefix ||
      text[prefix.size()] != '_') {
    return false;
  }
  for (char c : text.substr(prefix.size() + 1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) return false;
  }
  return true;
}

}  // namespace throughcare::adapters::csv
