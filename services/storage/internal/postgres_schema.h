// Internal to services/storage: the PostgreSQL backend's schema and its migrations.
#ifndef THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_SCHEMA_H_
#define THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_SCHEMA_H_

#include "absl/status/status.h"
#include "services/storage/internal/postgres_connection.h"

namespace throughcare::storage::pg_internal {

// Creates the schema, or migrates it to the version this binary knows (PostgresSchemaVersion()),
// one migration per transaction, holding a session advisory lock so that of several replicas
// starting at once exactly one migrates and the others wait, then find nothing to do.
// FailedPrecondition if the database's schema is newer; a failed migration is rolled back and
// its error names the version it was migrating to.
absl::Status Migrate(Connection& conn);

}  // namespace throughcare::storage::pg_internal

#endif  // THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_SCHEMA_H_
