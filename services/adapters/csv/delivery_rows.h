// The outbound file of format "csv-files": a delivery as CSV rows under one header (the columns
// are in csv_files.h and the README).
#ifndef THROUGHCARE_SERVICES_ADAPTERS_CSV_DELIVERY_ROWS_H_
#define THROUGHCARE_SERVICES_ADAPTERS_CSV_DELIVERY_ROWS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/adapters/adapter.h"

namespace throughcare::adapters::csv {

// The header's column names, in order.
absl::Span<const char* const> DeliveryColumns();

// The file for `delivery` about `person`: the header, then a row per record (RECORDS), per
// message withdrawn (WITHDRAWAL_NOTICE), or one row (REFERRAL_UPDATE, ESCALATION, REPORT).
// FailedPrecondition for a kind it does not know; Internal if protobuf cannot print a record.
absl::StatusOr<std::string> EncodeDeliveryCsv(const v1::Delivery& delivery,
                                              const v1::Subject& person);

}  // namespace throughcare::adapters::csv

#endif  // THROUGHCARE_SERVICES_ADAPTERS_CSV_DELIVERY_ROWS_H_
