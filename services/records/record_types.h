// The record types the API knows and the data classes each may be filed under. Apart from the
// record service so that the request validators (and the request fuzz target, which builds only
// what they need) can ask without linking storage, audit and encryption.
#ifndef THROUGHCARE_SERVICES_RECORDS_RECORD_TYPES_H_
#define THROUGHCARE_SERVICES_RECORDS_RECORD_TYPES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace throughcare::records {

// The data classes a record type may be filed under, or null for an unknown type.
const std::vector<std::string>* DataClassesFor(absl::string_view record_type);

}  // namespace throughcare::records

#endif  // THROUGHCARE_SERVICES_RECORDS_RECORD_TYPES_H_
