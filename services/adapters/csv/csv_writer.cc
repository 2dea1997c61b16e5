#include "services/adapters/csv/csv_writer.h"

#include <csv.h>

#include "absl/strings/ascii.h"

namespace throughcare::adapters::csv {
namespace {

bool NeedsQuotes(const std::string& field) {
  if (field.find_first_of(",\"\r\n") != std::string::npos) return true;
  return !field.empty() && (absl::ascii_isspace(static_cast<unsigned char>(field.front())) ||
                            absl::ascii_isspace(static_cast<unsigned char>(field.back())));
}

void AppendField(const std::string& field, std::string& out) {
  if (!NeedsQuotes(field)) {
    out += field;
    return;
  }
  const size_t size = csv_write(nullptr, 0, field.data(), field.size());
  const size_t at = out.size();
  out.resize(at + size);
  csv_write(out.data() + at, size, field.data(), field.size());
}

}  // namespace

void AppendRow(const std::vector<std::string>& fields, std::string& out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    AppendField(fields[i], out);
  }
  out += "\r\n";
}

}  // namespace throughcare::adapters::csv
