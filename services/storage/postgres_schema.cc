#include "services/storage/internal/postgres_schema.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/postgres_storage.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage {
namespace pg_internal {
namespace {

// The session advisory lock held while migrating ("tcmg" in ASCII).
constexpr int64_t kMigrationLock = 0x74636d67;

// Schema migrations, applied in order; entry i brings the schema to version i + 1. Never edit a
// released entry: add a new one.
//
// Version 1 is the SQLite schema at its version 8, as PostgreSQL writes it: text compared and
// sorted bytewise (the domain tc_text, collation "C"), as SQLite does, whatever the database's
// locale; times as Unix microseconds; byte strings as BYTEA; positions (mailbox seqs, audit
// handles, erasure ids) from identity sequences, which are unique and increasing but not
// commit-ordered, as the contract allows. Records and relationships get a `pos` for "in the
// order they were inserted", which SQLite reads from its rowid. There was never a hash chain on
// PostgreSQL: audit_chain_v1 stays empty, so that the contract's legacy-chain calls answer.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE DOMAIN tc_text AS text COLLATE "C";
CREATE TABLE subjects (
  id            tc_text PRIMARY KEY,
  home_area     tc_text NOT NULL,
  registered_by tc_text NOT NULL,
  registered_at BIGINT NOT NULL
);
CREATE TABLE subject_identifiers (
  kind       BIGINT NOT NULL,
  value      tc_text NOT NULL,
  subject_id tc_text NOT NULL REFERENCES subjects(id),
  linked_by  tc_text NOT NULL,
  linked_at  BIGINT NOT NULL,
  PRIMARY KEY (kind, value)
);
CREATE INDEX subject_identifiers_by_subject ON subject_identifiers(subject_id);
CREATE TABLE subject_keys (
  subject_id  tc_text PRIMARY KEY REFERENCES subjects(id),
  wrapped_key BYTEA NOT NULL
);
CREATE TABLE records (
  pos           BIGINT GENERATED ALWAYS AS IDENTITY,
  record_id     tc_text NOT NULL,
  version       BIGINT NOT NULL,
  subject_id    tc_text NOT NULL REFERENCES subjects(id),
  record_type   tc_text NOT NULL,
  data_class    tc_text NOT NULL,
  collected_for tc_text NOT NULL,
  labels        tc_text NOT NULL,
  owner_agency  tc_text NOT NULL,
  author_user   tc_text NOT NULL,
  created_at    BIGINT NOT NULL,
  sealed_body   BYTEA NOT NULL,
  PRIMARY KEY (record_id, version)
);
CREATE INDEX records_by_subject ON records(subject_id);
CREATE INDEX records_by_class ON records(data_class, created_at);
CREATE TABLE record_keys (
  record_id   tc_text PRIMARY KEY,
  subject_id  tc_text NOT NULL REFERENCES subjects(id),
  wrapped_key BYTEA NOT NULL
);
CREATE INDEX record_keys_by_subject ON record_keys(subject_id);
CREATE TABLE erasures (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject_id  tc_text NOT NULL REFERENCES subjects(id),
  record_id   tc_text,
  record_type tc_text NOT NULL,
  data_class  tc_text NOT NULL,
  erased_at   BIGINT NOT NULL,
  agency_id   tc_text NOT NULL,
  user_id     tc_text NOT NULL,
  role        tc_text NOT NULL,
  basis       tc_text NOT NULL,
  reason      tc_text NOT NULL
);
CREATE UNIQUE INDEX erasures_by_record ON erasures(subject_id, COALESCE(record_id, ''));
CREATE INDEX erasures_by_time ON erasures(erased_at, id);
CREATE TABLE consents (
  consent_id          tc_text NOT NULL,
  version             BIGINT NOT NULL,
  subject_id          tc_text NOT NULL REFERENCES subjects(id),
  data_classes        tc_text NOT NULL,
  recipient_agencies  tc_text NOT NULL,
  recipient_kinds     tc_text NOT NULL,
  purposes            tc_text NOT NULL,
  valid_from          BIGINT NOT NULL,
  valid_until         BIGINT NOT NULL,
  evidence            BIGINT NOT NULL,
  evidence_reference  tc_text NOT NULL,
  evidence_detail     tc_text NOT NULL,
  recorded_by_agency  tc_text NOT NULL,
  recorded_by_user    tc_text NOT NULL,
  recorded_at         BIGINT NOT NULL,
  withdrawn_at        BIGINT,
  withdrawn_by_agency tc_text NOT NULL,
  withdrawn_by_user   tc_text NOT NULL,
  withdrawal_reason   tc_text NOT NULL,
  superseded          BOOLEAN NOT NULL DEFAULT false,
  PRIMARY KEY (consent_id, version)
);
CREATE INDEX consents_current_by_subject
  ON consents(subject_id, superseded, recorded_at, consent_id);
CREATE TABLE relationships (
  pos               BIGINT GENERATED ALWAYS AS IDENTITY,
  relationship_id   tc_text PRIMARY KEY,
  subject_id        tc_text NOT NULL REFERENCES subjects(id),
  kind              BIGINT NOT NULL,
  agency_id         tc_text NOT NULL,
  user_id           tc_text NOT NULL,
  started_at        BIGINT NOT NULL,
  ended_at          BIGINT,
  started_by_agency tc_text NOT NULL,
  started_by_user   tc_text NOT NULL,
  ended_by_user     tc_text NOT NULL,
  note              tc_text NOT NULL
);
CREATE INDEX relationships_by_subject ON relationships(subject_id, started_at, pos);
CREATE TABLE review_items (
  review_id        tc_text PRIMARY KEY,
  audit_entry      BIGINT NOT NULL,
  subject_id       tc_text NOT NULL,
  agency_id        tc_text NOT NULL,
  user_id          tc_text NOT NULL,
  role             tc_text NOT NULL,
  reason           tc_text NOT NULL,
  opened_at        BIGINT NOT NULL,
  outcome          BIGINT NOT NULL,
  closed_by_agency tc_text NOT NULL,
  closed_by_user   tc_text NOT NULL,
  closed_at        BIGINT,
  note             tc_text NOT NULL
);
CREATE INDEX review_items_by_entry ON review_items(audit_entry, review_id);
CREATE INDEX review_items_by_outcome ON review_items(outcome, audit_entry, review_id);
CREATE TABLE messages (
  message_id            tc_text PRIMARY KEY,
  kind                  BIGINT NOT NULL,
  sender_agency         tc_text NOT NULL,
  sender_system         tc_text NOT NULL,
  sender_user           tc_text NOT NULL,
  sender_role           tc_text NOT NULL,
  subject_id            tc_text NOT NULL,
  purpose               tc_text NOT NULL,
  correlation_id        tc_text NOT NULL,
  idempotency_key       tc_text NOT NULL,
  content_hash          tc_text NOT NULL,
  records               tc_text NOT NULL,
  notice_message_id     tc_text NOT NULL,
  notice_recipient      tc_text NOT NULL,
  notice_state          BIGINT NOT NULL,
  notice_reason         tc_text NOT NULL,
  notice_consent_id     tc_text NOT NULL,
  notice_message_ids    tc_text NOT NULL,
  created_at            BIGINT NOT NULL,
  expires_at            BIGINT NOT NULL,
  notice_referral_state BIGINT NOT NULL,
  notice_for_role       tc_text NOT NULL
);
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages(sender_agency, idempotency_key)
  WHERE idempotency_key <> '';
CREATE TABLE deliveries (
  mailbox_seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id         tc_text NOT NULL REFERENCES messages(message_id),
  recipient_agency   tc_text NOT NULL,
  sender_agency      tc_text NOT NULL,
  state              BIGINT NOT NULL,
  reason             tc_text NOT NULL,
  attempts           BIGINT NOT NULL,
  available_at       BIGINT NOT NULL,
  expires_at         BIGINT NOT NULL,
  lease_id           tc_text,
  lease_expires_at   BIGINT NOT NULL,
  leased_to_user     tc_text NOT NULL,
  consent_ids        tc_text NOT NULL,
  first_delivered_at BIGINT,
  acked_at           BIGINT,
  ended_at           BIGINT,
  updated_at         BIGINT NOT NULL,
  UNIQUE (message_id, recipient_agency)
);
CREATE UNIQUE INDEX deliveries_by_lease ON deliveries(lease_id) WHERE lease_id IS NOT NULL;
CREATE INDEX deliveries_by_mailbox ON deliveries(recipient_agency, state, mailbox_seq);
CREATE INDEX deliveries_by_expiry ON deliveries(state, expires_at);
CREATE INDEX deliveries_by_lease_expiry ON deliveries(state, lease_expires_at);
CREATE INDEX deliveries_by_sender ON deliveries(recipient_agency, sender_agency, state);
CREATE TABLE delivery_consents (
  consent_id  tc_text NOT NULL,
  mailbox_seq BIGINT NOT NULL REFERENCES deliveries(mailbox_seq),
  PRIMARY KEY (consent_id, mailbox_seq)
);
CREATE TABLE referrals (
  referral_id      tc_text PRIMARY KEY,
  referral_type    tc_text NOT NULL,
  subject_id       tc_text NOT NULL REFERENCES subjects(id),
  referring_agency tc_text NOT NULL,
  referring_user   tc_text NOT NULL,
  receiving_agency tc_text NOT NULL,
  contact          tc_text NOT NULL,
  records          tc_text NOT NULL,
  idempotency_key  tc_text NOT NULL,
  created_at       BIGINT NOT NULL,
  home_area        tc_text NOT NULL,
  state            BIGINT NOT NULL,
  reason           tc_text NOT NULL,
  event_date       tc_text,
  note             tc_text NOT NULL,
  message_id       tc_text NOT NULL,
  relationship_id  tc_text NOT NULL,
  updated_at       BIGINT NOT NULL,
  received_at      BIGINT,
  accepted_at      BIGINT,
  first_contact_at BIGINT,
  assessed_at      BIGINT,
  engaged_at       BIGINT
);
CREATE UNIQUE INDEX referrals_by_idempotency_key ON referrals(referring_agency, idempotency_key)
  WHERE idempotency_key <> '';
CREATE INDEX referrals_by_referring_agency
  ON referrals(referring_agency, created_at, referral_id);
CREATE INDEX referrals_by_receiving_agency
  ON referrals(receiving_agency, created_at, referral_id);
CREATE INDEX referrals_by_subject ON referrals(subject_id, created_at, referral_id);
CREATE INDEX referrals_by_creation ON referrals(created_at, referral_id);
CREATE TABLE referral_transitions (
  referral_id tc_text NOT NULL REFERENCES referrals(referral_id),
  seq         BIGINT NOT NULL,
  from_state  BIGINT NOT NULL,
  to_state    BIGINT NOT NULL,
  agency_id   tc_text NOT NULL,
  user_id     tc_text NOT NULL,
  reason      tc_text NOT NULL,
  at          BIGINT NOT NULL,
  PRIMARY KEY (referral_id, seq)
);
CREATE TABLE referral_deadlines (
  referral_id     tc_text NOT NULL REFERENCES referrals(referral_id),
  position        BIGINT NOT NULL,
  name            tc_text NOT NULL,
  reach           BIGINT NOT NULL,
  due_at          BIGINT,
  met_at          BIGINT,
  escalated_at    BIGINT,
  supervisor_role tc_text NOT NULL,
  PRIMARY KEY (referral_id, name)
);
CREATE INDEX referral_deadlines_due ON referral_deadlines(due_at)
  WHERE met_at IS NULL AND escalated_at IS NULL;
CREATE TABLE audit_entries (
  id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  seq                BIGINT UNIQUE,
  leaf_hash          BYTEA,
  time               BIGINT NOT NULL,
  agency_id          tc_text NOT NULL,
  system_id          tc_text NOT NULL,
  user_id            tc_text NOT NULL,
  role               tc_text NOT NULL,
  action             tc_text NOT NULL,
  subject_id         tc_text NOT NULL,
  record_id          tc_text NOT NULL,
  record_version     BIGINT NOT NULL,
  purpose            tc_text NOT NULL,
  decision           BIGINT NOT NULL,
  reason             tc_text NOT NULL,
  policy_version     tc_text NOT NULL,
  request_id         tc_text NOT NULL,
  outcome            tc_text NOT NULL,
  basis              tc_text NOT NULL,
  break_glass_reason tc_text NOT NULL
);
CREATE INDEX audit_pending ON audit_entries(id) WHERE seq IS NULL;
CREATE INDEX audit_by_subject ON audit_entries(subject_id, seq);
CREATE INDEX audit_by_agency ON audit_entries(agency_id, seq);
CREATE INDEX audit_by_user ON audit_entries(user_id, seq);
CREATE INDEX audit_by_record ON audit_entries(record_id, seq);
CREATE INDEX audit_by_time ON audit_entries(time);
CREATE TABLE audit_chain_v1 (
  seq       BIGINT PRIMARY KEY,
  prev_hash tc_text NOT NULL,
  hash      tc_text NOT NULL
);
CREATE TABLE audit_tree_nodes (
  level BIGINT NOT NULL,
  idx   BIGINT NOT NULL,
  hash  BYTEA NOT NULL,
  PRIMARY KEY (level, idx)
);
CREATE TABLE audit_tree_head (
  id   BIGINT PRIMARY KEY CHECK (id = 1),
  size BIGINT NOT NULL,
  root BYTEA NOT NULL
);
INSERT INTO audit_tree_head (id, size, root) VALUES (1, 0, '\x'::bytea);
CREATE TABLE audit_checkpoints (
  size      BIGINT PRIMARY KEY,
  root      BYTEA NOT NULL,
  note      tc_text NOT NULL,
  issued_at BIGINT NOT NULL
);
CREATE TABLE audit_cosignatures (
  size           BIGINT NOT NULL REFERENCES audit_checkpoints(size),
  witness        tc_text NOT NULL,
  agency_id      tc_text NOT NULL,
  signature_line tc_text NOT NULL,
  signed_at      BIGINT NOT NULL,
  received_at    BIGINT NOT NULL,
  PRIMARY KEY (size, witness)
);
)sql",
    // 2: receipts of adapters' inputs (an event, a Bundle entry, a CSV row), written in the
    // transaction that carries the input out, so that the same input twice changes nothing
    // (SQLite's version 9); and the row Storage::CheckWritable writes, which nothing reads.
    R"sql(
CREATE TABLE receipts (
  agency_id   tc_text NOT NULL,
  key         tc_text NOT NULL,
  request_id  tc_text NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (agency_id, key)
);
CREATE TABLE heartbeat (
  id    BIGINT PRIMARY KEY CHECK (id = 1),
  beats BIGINT NOT NULL
);
INSERT INTO heartbeat (id, beats) VALUES (1, 0);
)sql",
};

constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

absl::StatusOr<int64_t> CurrentVersion(Connection& conn) {
  RETURN_IF_ERROR(conn.Run(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
      "applied_at BIGINT NOT NULL)"));
  ASSIGN_OR_RETURN(Result r,
                   conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return r.Int(0, 0);
}

absl::Status ApplyMigration(Connection& conn, int64_t version) {
  RETURN_IF_ERROR(conn.Run("BEGIN"));
  absl::Status status = conn.Run(kMigrations[version - 1]);
  if (status.ok()) {
    status = conn.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                       Params().Int(version).Time(absl::Now()))
                 .status();
  }
  if (status.ok()) status = conn.Run("COMMIT");
  if (!status.ok()) {
    conn.Run("ROLLBACK").IgnoreError();
    return absl::Status(status.code(), absl::StrCat("schema migration to version ", version,
                                                    ": ", status.message()));
  }
  return absl::OkStatus();
}

absl::Status MigrateLocked(Connection& conn) {
  ASSIGN_OR_RETURN(int64_t current, CurrentVersion(conn));
  if (current > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("database schema version ", current, " is newer than this broker's (",
                     kSchemaVersion, "); upgrade the broker"));
  }
  for (int64_t v = current + 1; v <= kSchemaVersion; ++v) {
    RETURN_IF_ERROR(ApplyMigration(conn, v));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Migrate(Connection& conn) {
  RETURN_IF_ERROR(conn.Run(absl::StrCat("SELECT pg_advisory_lock(", kMigrationLock, ")")));
  absl::Status status = MigrateLocked(conn);
  absl::Status unlock =
      conn.Run(absl::StrCat("SELECT pg_advisory_unlock(", kMigrationLock, ")"));
  return status.ok() ? unlock : status;
}

}  // namespace pg_internal

int PostgresSchemaVersion() { return pg_internal::kSchemaVersion; }

}  // namespace throughcare::storage
