#include "services/adapters/csv/csv_reader.h"

#include <csv.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace throughcare::adapters::csv {
namespace {

constexpr absl::string_view kByteOrderMark = "\xEF\xBB\xBF";

std::string Where(size_t line, size_t column) { return absl::StrCat(line, ":", column); }

// Feeds libcsv one byte at a time, so that the line of each field's first byte is known when
// libcsv hands the field over (it reports fields and rows, not positions).
class Reader {
 public:
  Reader(absl::string_view text, size_t max_rows) : text_(text), max_rows_(max_rows) {
    // Strict RFC 4180: a stray quote is an error, also in a last field never closed. No white
    // space is trimmed (libcsv trims spaces and tabs around unquoted fields unless told).
    csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_space_func(&parser_, [](unsigned char) { return 0; });
  }
  ~Reader() { csv_free(&parser_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  CsvTable Read() && {
    for (size_t i = 0; i < text_.size() && !table_.error; ++i) Feed(i);
    if (!table_.error && csv_fini(&parser_, OnField, OnRow, this) != 0) {
      Fail(field_line_, "a quoted field is not closed (a '\"' is missing)");
    }
    return std::move(table_);
  }

 private:
  static void OnField(void* data, size_t size, void* self) {
    auto* reader = static_cast<Reader*>(self);
    CsvRow& row = reader->row_;
    if (row.fields.size() < kMaxKeptFields) {
      row.fields.push_back({std::string(static_cast<const char*>(data), size), reader->field_line_});
    }
    ++row.field_count;
    reader->field_started_ = false;
  }

  static void OnRow(int, void* self) {
    auto* reader = static_cast<Reader*>(self);
    reader->in_row_ = false;
    if (reader->table_.rows.size() == reader->max_rows_) {
      reader->Fail(reader->row_.line,
                   absl::StrCat("more than ", reader->max_rows_, " rows in one file"),
                   /*column=*/1);
      return;
    }
    reader->table_.rows.push_back(std::move(reader->row_));
    reader->row_ = CsvRow();
  }

  void Feed(size_t i) {
    const char c = text_[i];
    const bool line_break = c == '\r' || c == '\n';
    if (!field_started_ && (in_row_ || !line_break)) {
      field_started_ = true;
      field_line_ = line_;
      if (!in_row_) {
        in_row_ = true;
        row_.line = line_;
      }
    }
    if (csv_parse(&parser_, &c, 1, OnField, OnRow, this) != 1) {
      Fail(line_, csv_error(&parser_) == CSV_EPARSE
                      ? "bad quoting: a '\"' inside an unquoted field, or text after a closing "
                        "'\"' (quote the field and double each '\"' in it)"
                      : "the parser ran out of memory");
      return;
    }
    if (c == '\n' || (c == '\r' && (i + 1 == text_.size() || text_[i + 1] != '\n'))) ++line_;
  }

  // An error in the field being read (or, with `column`, elsewhere).
  void Fail(size_t line, absl::string_view reason, size_t column = 0) {
    if (table_.error) return;
    table_.error = DecodeError{
        Where(line, column == 0 ? row_.field_count + 1 : column),
        absl::StrCat(reason, "; the file was not read past this point")};
  }

  absl::string_view text_;
  size_t max_rows_;
  csv_parser parser_;
  CsvTable table_;
  CsvRow row_;
  bool in_row_ = false;
  bool field_started_ = false;
  size_t field_line_ = 1;
  size_t line_ = 1;
};

}  // namespace

CsvTable ReadCsv(absl::string_view text, size_t max_rows) {
  if (absl::StartsWith(text, kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  return Reader(text, max_rows).Read();
}

}  // namespace throughcare::adapters::csv
