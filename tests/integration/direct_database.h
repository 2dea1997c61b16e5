// Direct access to a test broker's database, as someone who holds the database (not the broker)
// has it: to inject faults, to tamper with the log, and to look at what is stored. SQLite or
// PostgreSQL, as the broker's config says; statements are written in SQL both accept.
#ifndef THROUGHCARE_TESTS_INTEGRATION_DIRECT_DATABASE_H_
#define THROUGHCARE_TESTS_INTEGRATION_DIRECT_DATABASE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/server/config.h"

namespace throughcare::testing {

// Runs `sql` (one or more statements, in one transaction on PostgreSQL).
absl::Status DirectExec(const server::BrokerConfig& config, const std::string& sql);

// The first column of the first row of `sql` as stored (a blob's bytes, a number's digits); ""
// when there is no row.
absl::StatusOr<std::string> DirectQuery(const server::BrokerConfig& config,
                                        const std::string& sql);

// Makes every insert into audit_entries fail, as a failing audit store would.
absl::Status BreakAuditInserts(const server::BrokerConfig& config);

// Every byte of the files the broker's data is kept in: SQLite's file and its WAL; on
// PostgreSQL, after a checkpoint has written every change out, the files of the broker's
// database (its tables and indexes). Not PostgreSQL's WAL: it keeps every change until its
// segment is recycled, erased keys included (README, "When one machine is not enough"). Call it
// with the broker stopped or idle.
absl::StatusOr<std::string> StoredBytes(const server::BrokerConfig& config);

}  // namespace throughcare::testing

#endif  // THROUGHCARE_TESTS_INTEGRATION_DIRECT_DATABASE_H_
