// libFuzzer target over the "csv-files" codec (services/adapters/csv). Two properties besides
// crashes, sanitizer reports and slow inputs:
//  - decoding keeps its contract (adapter.h): every error names "line:column" (or the root for
//    an oversized file), every operation its line and a key the broker would take;
//  - writing and reading agree: the input as the reason of a referral update, encoded as an
//    outbound file and read back with the same reader, comes back byte for byte.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "services/adapters/csv/csv_files.h"
#include "services/adapters/csv/csv_reader.h"

namespace {

[[noreturn]] void Broken(const char* what, const std::string& detail) {
  std::fprintf(stderr, "csv_fuzzer: %s: %s\n", what, detail.c_str());
  std::abort();
}

// "N:M" with N, M >= 1.
bool IsLineColumn(const std::string& where) {
  const size_t colon = where.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == where.size()) return false;
  for (size_t i = 0; i < where.size(); ++i) {
    if (i != colon && (where[i] < '0' || where[i] > '9')) return false;
  }
  return where[0] != '0' && where[colon + 1] != '0';
}

void CheckDecode(absl::string_view input) {
  const auto decoded = throughcare::adapters::CsvFiles().Decode(input);
  for (const auto& error : decoded.errors) {
    if (!error.where.empty() && !IsLineColumn(error.where)) Broken("bad place", error.where);
  }
  for (const auto& operation : decoded.operations) {
    if (operation.source.rfind("line ", 0) != 0) Broken("bad source", operation.source);
    if (operation.idempotency_key.size() > 128) Broken("key too long", operation.idempotency_key);
  }
}

void CheckWriteThenRead(absl::string_view input) {
  namespace v1 = throughcare::v1;
  v1::Delivery delivery;
  delivery.set_kind(v1::MESSAGE_KIND_REFERRAL_UPDATE);
  delivery.mutable_referral_update()->set_state(v1::REFERRAL_STATE_DECLINED);
  delivery.mutable_referral_update()->set_reason(std::string(input));
  const auto encoded = throughcare::adapters::CsvFiles().Encode(delivery, v1::Subject());
  if (!encoded.ok()) Broken("encoding failed", encoded.status().ToString());
  const auto table = throughcare::adapters::csv::ReadCsv(*encoded, 10);
  if (table.error) Broken("own output unreadable", table.error->where + " " + table.error->reason);
  if (table.rows.size() != 2) Broken("rows", std::to_string(table.rows.size()));
  const auto& header = table.rows[0].fields;
  const auto& row = table.rows[1].fields;
  if (row.size() != header.size()) Broken("column count", std::to_string(row.size()));
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i].text == "reason" && row[i].text != input) Broken("reason changed", row[i].text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  CheckDecode(input);
  CheckWriteThenRead(input);
  return 0;
}
