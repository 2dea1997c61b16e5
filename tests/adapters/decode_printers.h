// GoogleTest printers for the adapters' result types, so that a failed expectation shows the
// error's place and reason rather than its bytes.
#ifndef THROUGHCARE_TESTS_ADAPTERS_DECODE_PRINTERS_H_
#define THROUGHCARE_TESTS_ADAPTERS_DECODE_PRINTERS_H_

#include <ostream>

#include "services/adapters/adapter.h"

namespace throughcare::adapters {

inline void PrintTo(const DecodeError& error, std::ostream* os) {
  *os << "{where: \"" << error.where << "\", reason: \"" << error.reason << "\"}";
}

inline void PrintTo(const Operation& operation, std::ostream* os) {
  *os << "{source: \"" << operation.source << "\", key: \"" << operation.idempotency_key
      << "\"}";
}

}  // namespace throughcare::adapters

#endif  // THROUGHCARE_TESTS_ADAPTERS_DECODE_PRINTERS_H_
