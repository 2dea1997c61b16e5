// The project's two status macros (Debian 12's Abseil has none of its own).
//
//   RETURN_IF_ERROR(expr);            returns the status of `expr` when it is not OK.
//   ASSIGN_OR_RETURN(lhs, expr);      evaluates an absl::StatusOr<T>; returns its status when not OK,
//                                     otherwise moves the value into `lhs` (which may be a declaration).
//
// These are the only macros in the project that hide control flow.
#ifndef THROUGHCARE_STATUS_MACROS_H_
#define THROUGHCARE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TC_STATUS_CONCAT_INNER_(a, b) a##b
#define TC_STATUS_CONCAT_(a, b) TC_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                         \
  do {                                                \
    ::absl::Status tc_status_ = (expr);               \
    if (!tc_status_.ok()) return tc_status_;          \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, expr) \
  TC_ASSIGN_OR_RETURN_IMPL_(TC_STATUS_CONCAT_(tc_statusor_, __LINE__), lhs, expr)

#define TC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // THROUGHCARE_STATUS_MACROS_H_
