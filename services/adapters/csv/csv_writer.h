// Writing CSV rows as RFC 4180 says: CRLF after every row, a field quoted (by libcsv) when it
// holds a comma, a quote, CR or LF, or starts or ends with white space, and quotes in it doubled.
#ifndef THROUGHCARE_SERVICES_ADAPTERS_CSV_CSV_WRITER_H_
#define THROUGHCARE_SERVICES_ADAPTERS_CSV_CSV_WRITER_H_

#include <string>
#include <vector>

namespace throughcare::adapters::csv {

// Appends one row to `out`.
void AppendRow(const std::vector<std::string>& fields, std::string& out);

}  // namespace throughcare::adapters::csv

#endif  // THROUGHCARE_SERVICES_ADAPTERS_CSV_CSV_WRITER_H_
