// Reading CSV (RFC 4180) with libcsv in its strict mode, keeping where each row and field starts
// so that errors can name "line:column". Lines are the file's physical lines, 1-based (a quoted
// field may span several); a column is the 1-based position of a field in its row.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_CSV_CSV_READER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_CSV_CSV_READER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::csv {

// A row keeps at most this many fields; more are counted but not kept.
inline constexpr size_t kMaxKeptFields = 64;

struct CsvField {
  std::string text;  // unquoted, as the bytes were (not yet checked for UTF-8)
  size_t line = 0;   // where the field starts
};

struct CsvRow {
  size_t line = 0;  // where the row starts
  std::vector<CsvField> fields;  // the first kMaxKeptFields
  size_t field_count = 0;        // all of them
};

struct CsvTable {
  std::vector<CsvRow> rows;  // blank lines are not rows
  // Bad quoting (a quote inside an unquoted field, text after a closing quote, a quoted field
  // never closed) or a row over max_rows: reading stopped there, and `rows` holds the rows that
  // ended before it.
  std::optional<DecodeError> error;
};

// Reads `text`: fields separated by commas, rows by CRLF (LF or CR alone are taken too), fields
// with commas, quotes or line breaks quoted with '"' and quotes doubled. White space is data (not
// trimmed); a UTF-8 byte order mark at the start is skipped. Stops with an error after
// `max_rows` rows.
CsvTable ReadCsv(absl::string_view text, size_t max_rows);

}  // namespace throughcare::adapters::csv

#endif  // THROUGHCARE_SERVICES_ADAPTERS_CSV_CSV_READER_H_
