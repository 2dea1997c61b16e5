// Internal to services/storage: the SQLite backend's schema and its migrations.
#ifndef THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_SCHEMA_H_
#define THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_SCHEMA_H_

#include "absl/status/status.h"
#include "services/storage/internal/sqlite_statement.h"

namespace throughcare::storage::sqlite_internal {

// Creates the schema, or migrates it to the version this binary knows (SqliteSchemaVersion()),
// one migration per transaction. FailedPrecondition if the file's schema is newer; a failed
// migration is rolled back and its error names the version it was migrating to.
absl::Status Migrate(Connection& conn);

}  // namespace throughcare::storage::sqlite_internal

#endif  // THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_SCHEMA_H_
