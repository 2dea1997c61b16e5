#include "services/adapters/csv/csv_files.h"

#include "services/adapters/csv/decisions.h"
#include "services/adapters/csv/delivery_rows.h"

namespace throughcare::adapters {
namespace {

class CsvFilesAdapter final : public Adapter {
 public:
  FormatInfo Describe() const override {
    return {"csv-files", "text/csv; charset=utf-8; header=present", "RFC 4180"};
  }
  Decoded Decode(absl::string_view native) const override {
    return csv::DecodeDecisions(native);
  }
  absl::StatusOr<std::string> Encode(const v1::Delivery& delivery,
                                     const v1::Subject& person) const override {
    return csv::EncodeDeliveryCsv(delivery, person);
  }
};

}  // namespace

const Adapter& CsvFiles() {
  static const CsvFilesAdapter* const adapter = new CsvFilesAdapter;
  return *adapter;
}

}  // namespace throughcare::adapters
