#include "services/storage/internal/sqlite_schema.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/sqlite_storage.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage {
namespace sqlite_internal {
namespace {

// Schema migrations, applied in order; entry i brings the schema to version i + 1. Never edit a
// released entry: add a new one.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE subjects (
  id            TEXT PRIMARY KEY,
  home_area     TEXT NOT NULL,
  registered_by TEXT NOT NULL,
  registered_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE subject_identifiers (
  kind       INTEGER NOT NULL,
  value      TEXT NOT NULL,
  subject_id TEXT NOT NULL REFERENCES subjects(id),
  linked_by  TEXT NOT NULL,
  linked_at  INTEGER NOT NULL,
  PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE INDEX subject_identifiers_by_subject ON subject_identifiers(subject_id);
CREATE TABLE subject_keys (
  subject_id  TEXT PRIMARY KEY REFERENCES subjects(id),
  wrapped_key BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE records (
  record_id     TEXT NOT NULL,
  version       INTEGER NOT NULL,
  subject_id    TEXT NOT NULL REFERENCES subjects(id),
  record_type   TEXT NOT NULL,
  data_class    TEXT NOT NULL,
  collected_for TEXT NOT NULL,
  labels        TEXT NOT NULL,
  owner_agency  TEXT NOT NULL,
  author_user   TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  sealed_body   BLOB NOT NULL,
  PRIMARY KEY (record_id, version)
);
CREATE INDEX records_by_subject ON records(subject_id);
CREATE TABLE audit_log (
  seq            INTEGER PRIMARY KEY,
  time           INTEGER NOT NULL,
  agency_id      TEXT NOT NULL,
  system_id      TEXT NOT NULL,
  user_id        TEXT NOT NULL,
  role           TEXT NOT NULL,
  action         TEXT NOT NULL,
  subject_id     TEXT NOT NULL,
  record_id      TEXT NOT NULL,
  record_version INTEGER NOT NULL,
  purpose        TEXT NOT NULL,
  decision       INTEGER NOT NULL,
  reason         TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  request_id     TEXT NOT NULL,
  outcome        TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  hash           TEXT NOT NULL
);
CREATE INDEX audit_by_subject ON audit_log(subject_id, seq);
CREATE INDEX audit_by_agency ON audit_log(agency_id, seq);
CREATE INDEX audit_by_user ON audit_log(user_id, seq);
CREATE INDEX audit_by_time ON audit_log(time);
)sql",
    // 2: consents, legitimate relationships, break-glass review items; audit basis.
    R"sql(
CREATE TABLE consents (
  consent_id          TEXT NOT NULL,
  version             INTEGER NOT NULL,
  subject_id          TEXT NOT NULL REFERENCES subjects(id),
  data_classes        TEXT NOT NULL,
  recipient_agencies  TEXT NOT NULL,
  recipient_kinds     TEXT NOT NULL,
  purposes            TEXT NOT NULL,
  valid_from          INTEGER NOT NULL,
  valid_until         INTEGER NOT NULL,
  evidence            INTEGER NOT NULL,
  evidence_reference  TEXT NOT NULL,
  evidence_detail     TEXT NOT NULL,
  recorded_by_agency  TEXT NOT NULL,
  recorded_by_user    TEXT NOT NULL,
  recorded_at         INTEGER NOT NULL,
  withdrawn_at        INTEGER,
  withdrawn_by_agency TEXT NOT NULL,
  withdrawn_by_user   TEXT NOT NULL,
  withdrawal_reason   TEXT NOT NULL,
  PRIMARY KEY (consent_id, version)
);
CREATE INDEX consents_by_subject ON consents(subject_id);
CREATE TABLE relationships (
  relationship_id   TEXT PRIMARY KEY,
  subject_id        TEXT NOT NULL REFERENCES subjects(id),
  kind              INTEGER NOT NULL,
  agency_id         TEXT NOT NULL,
  user_id           TEXT NOT NULL,
  started_at        INTEGER NOT NULL,
  ended_at          INTEGER,
  started_by_agency TEXT NOT NULL,
  started_by_user   TEXT NOT NULL,
  ended_by_user     TEXT NOT NULL,
  note              TEXT NOT NULL
);
CREATE INDEX relationships_by_subject ON relationships(subject_id, started_at);
CREATE TABLE review_items (
  review_id        TEXT PRIMARY KEY,
  audit_seq        INTEGER NOT NULL,
  subject_id       TEXT NOT NULL,
  agency_id        TEXT NOT NULL,
  user_id          TEXT NOT NULL,
  role             TEXT NOT NULL,
  reason           TEXT NOT NULL,
  opened_at        INTEGER NOT NULL,
  outcome          INTEGER NOT NULL,
  closed_by_agency TEXT NOT NULL,
  closed_by_user   TEXT NOT NULL,
  closed_at        INTEGER,
  note             TEXT NOT NULL
);
CREATE INDEX review_items_by_seq ON review_items(audit_seq);
CREATE INDEX review_items_by_outcome ON review_items(outcome, audit_seq);
ALTER TABLE audit_log ADD COLUMN basis TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN break_glass_reason TEXT NOT NULL DEFAULT '';
)sql",
    // 3: the current version of each consent is marked, so a decision reads a person's consents
    // with one index lookup instead of grouping all their versions.
    R"sql(
ALTER TABLE consents ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;
UPDATE consents SET superseded = 1
  WHERE version < (SELECT MAX(version) FROM consents c2 WHERE c2.consent_id = consents.consent_id);
CREATE INDEX consents_current_by_subject
  ON consents(subject_id, superseded, recorded_at, consent_id);
)sql",
    // 4: store-and-forward messaging. A message has one delivery per recipient agency; the
    // deliveries are the mailboxes, in mailbox_seq order (AUTOINCREMENT: a seq is never given
    // twice). delivery_consents indexes each delivery's consent_ids, so that a withdrawal finds
    // the deliveries made under a consent with one index lookup. Idempotency keys are unique per
    // sender agency where they are set (broker messages have none); a lease id is unique while
    // set. Delivery states appear in the queries as their numbers.
    R"sql(
CREATE TABLE messages (
  message_id         TEXT PRIMARY KEY,
  kind               INTEGER NOT NULL,
  sender_agency      TEXT NOT NULL,
  sender_system      TEXT NOT NULL,
  sender_user        TEXT NOT NULL,
  sender_role        TEXT NOT NULL,
  subject_id         TEXT NOT NULL,
  purpose            TEXT NOT NULL,
  correlation_id     TEXT NOT NULL,
  idempotency_key    TEXT NOT NULL,
  content_hash       TEXT NOT NULL,
  records            TEXT NOT NULL,
  notice_message_id  TEXT NOT NULL,
  notice_recipient   TEXT NOT NULL,
  notice_state       INTEGER NOT NULL,
  notice_reason      TEXT NOT NULL,
  notice_consent_id  TEXT NOT NULL,
  notice_message_ids TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_by_idempotency_key ON messages(sender_agency, idempotency_key)
  WHERE idempotency_key != '';
CREATE TABLE deliveries (
  mailbox_seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id         TEXT NOT NULL REFERENCES messages(message_id),
  recipient_agency   TEXT NOT NULL,
  state              INTEGER NOT NULL,
  reason             TEXT NOT NULL,
  attempts           INTEGER NOT NULL,
  available_at       INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL,
  lease_id           TEXT,
  lease_expires_at   INTEGER NOT NULL,
  leased_to_user     TEXT NOT NULL,
  consent_ids        TEXT NOT NULL,
  first_delivered_at INTEGER,
  acked_at           INTEGER,
  ended_at           INTEGER,
  updated_at         INTEGER NOT NULL,
  UNIQUE (message_id, recipient_agency)
);
CREATE UNIQUE INDEX deliveries_by_lease ON deliveries(lease_id) WHERE lease_id IS NOT NULL;
CREATE INDEX deliveries_by_mailbox ON deliveries(recipient_agency, state, mailbox_seq);
CREATE INDEX deliveries_by_expiry ON deliveries(state, expires_at);
CREATE INDEX deliveries_by_lease_expiry ON deliveries(state, lease_expires_at);
CREATE TABLE delivery_consents (
  consent_id  TEXT NOT NULL,
  mailbox_seq INTEGER NOT NULL REFERENCES deliveries(mailbox_seq),
  PRIMARY KEY (consent_id, mailbox_seq)
) WITHOUT ROWID;
)sql",
    // 5: referrals. The columns from home_area on are the ones UpdateReferral replaces. The event
    // date is "YYYY-MM-DD", NULL while unknown. A referral's history is referral_transitions in
    // seq order (from 1); its deadlines are referral_deadlines in position order (insertion),
    // one per name. The agency, subject and creation indexes end with referral_id so that they
    // give the lists' order, ties included. referral_deadlines_due holds only the deadlines still
    // pending. Idempotency keys are unique per referring agency where they are set. The final
    // states (declined 4, closed 10, withdrawn 11, lost contact 12) appear in the queries as
    // their numbers. Messages gain the referral notices' fields (referral updates, escalations).
    R"sql(
ALTER TABLE messages ADD COLUMN notice_referral_state INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN notice_for_role TEXT NOT NULL DEFAULT '';
CREATE TABLE referrals (
  referral_id      TEXT PRIMARY KEY,
  referral_type    TEXT NOT NULL,
  subject_id       TEXT NOT NULL REFERENCES subjects(id),
  referring_agency TEXT NOT NULL,
  referring_user   TEXT NOT NULL,
  receiving_agency TEXT NOT NULL,
  contact          TEXT NOT NULL,
  records          TEXT NOT NULL,
  idempotency_key  TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  home_area        TEXT NOT NULL,
  state            INTEGER NOT NULL,
  reason           TEXT NOT NULL,
  event_date       TEXT,
  note             TEXT NOT NULL,
  message_id       TEXT NOT NULL,
  relationship_id  TEXT NOT NULL,
  updated_at       INTEGER NOT NULL,
  received_at      INTEGER,
  accepted_at      INTEGER,
  first_contact_at INTEGER,
  assessed_at      INTEGER,
  engaged_at       INTEGER
);
CREATE UNIQUE INDEX referrals_by_idempotency_key ON referrals(referring_agency, idempotency_key)
  WHERE idempotency_key != '';
CREATE INDEX referrals_by_referring_agency
  ON referrals(referring_agency, created_at, referral_id);
CREATE INDEX referrals_by_receiving_agency
  ON referrals(receiving_agency, created_at, referral_id);
CREATE INDEX referrals_by_subject ON referrals(subject_id, created_at, referral_id);
CREATE INDEX referrals_by_creation ON referrals(created_at, referral_id);
CREATE TABLE referral_transitions (
  referral_id TEXT NOT NULL REFERENCES referrals(referral_id),
  seq         INTEGER NOT NULL,
  from_state  INTEGER NOT NULL,
  to_state    INTEGER NOT NULL,
  agency_id   TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  reason      TEXT NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (referral_id, seq)
) WITHOUT ROWID;
CREATE TABLE referral_deadlines (
  referral_id     TEXT NOT NULL REFERENCES referrals(referral_id),
  position        INTEGER NOT NULL,
  name            TEXT NOT NULL,
  reach           INTEGER NOT NULL,
  due_at          INTEGER,
  met_at          INTEGER,
  escalated_at    INTEGER,
  supervisor_role TEXT NOT NULL,
  PRIMARY KEY (referral_id, name)
) WITHOUT ROWID;
CREATE INDEX referral_deadlines_due ON referral_deadlines(due_at)
  WHERE met_at IS NULL AND escalated_at IS NULL;
)sql",
    // 6: each delivery knows its message's sender, so that a sender's share of a recipient's
    // mailbox is counted with one index range (CountOpenDeliveriesFrom).
    R"sql(
ALTER TABLE deliveries ADD COLUMN sender_agency TEXT NOT NULL DEFAULT '';
UPDATE deliveries SET sender_agency =
  (SELECT m.sender_agency FROM messages m WHERE m.message_id = deliveries.message_id);
CREATE INDEX deliveries_by_sender ON deliveries(recipient_agency, sender_agency, state);
)sql",
    // 7: the audit log becomes a Merkle tree. Entries are written without a place in the log
    // (seq NULL) and numbered by the sequencer; the tree's complete subtrees, its head, signed
    // checkpoints and witnesses' cosignatures are kept. The old entries keep their order (their id
    // is their old seq) and wait, with the old chain's hashes, for the broker to verify the chain
    // once and sequence them (services/audit/migrate_chain.h).
    R"sql(
CREATE TABLE audit_entries (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  seq                INTEGER UNIQUE,
  leaf_hash          BLOB,
  time               INTEGER NOT NULL,
  agency_id          TEXT NOT NULL,
  system_id          TEXT NOT NULL,
  user_id            TEXT NOT NULL,
  role               TEXT NOT NULL,
  action             TEXT NOT NULL,
  subject_id         TEXT NOT NULL,
  record_id          TEXT NOT NULL,
  record_version     INTEGER NOT NULL,
  purpose            TEXT NOT NULL,
  decision           INTEGER NOT NULL,
  reason             TEXT NOT NULL,
  policy_version     TEXT NOT NULL,
  request_id         TEXT NOT NULL,
  outcome            TEXT NOT NULL,
  basis              TEXT NOT NULL,
  break_glass_reason TEXT NOT NULL
);
INSERT INTO audit_entries (id, time, agency_id, system_id, user_id, role, action, subject_id,
    record_id, record_version, purpose, decision, reason, policy_version, request_id, outcome,
    basis, break_glass_reason)
  SELECT seq, time, agency_id, system_id, user_id, role, action, subject_id, record_id,
    record_version, purpose, decision, reason, policy_version, request_id, outcome, basis,
    break_glass_reason FROM audit_log ORDER BY seq;
CREATE TABLE audit_chain_v1 (
  seq       INTEGER PRIMARY KEY,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
INSERT INTO audit_chain_v1 SELECT seq, prev_hash, hash FROM audit_log;
DROP TABLE audit_log;
CREATE INDEX audit_pending ON audit_entries(id) WHERE seq IS NULL;
CREATE INDEX audit_by_subject ON audit_entries(subject_id, seq);
CREATE INDEX audit_by_agency ON audit_entries(agency_id, seq);
CREATE INDEX audit_by_user ON audit_entries(user_id, seq);
CREATE INDEX audit_by_record ON audit_entries(record_id, seq);
CREATE INDEX audit_by_time ON audit_entries(time);
CREATE TABLE audit_tree_nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE audit_tree_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  root BLOB NOT NULL
);
INSERT INTO audit_tree_head (id, size, root) VALUES (1, 0, x'');
CREATE TABLE audit_checkpoints (
  size      INTEGER PRIMARY KEY,
  root      BLOB NOT NULL,
  note      TEXT NOT NULL,
  issued_at INTEGER NOT NULL
);
CREATE TABLE audit_cosignatures (
  size           INTEGER NOT NULL REFERENCES audit_checkpoints(size),
  witness        TEXT NOT NULL,
  agency_id      TEXT NOT NULL,
  signature_line TEXT NOT NULL,
  signed_at      INTEGER NOT NULL,
  received_at    INTEGER NOT NULL,
  PRIMARY KEY (size, witness)
) WITHOUT ROWID;
ALTER TABLE review_items RENAME COLUMN audit_seq TO audit_entry;
)sql",
    // 8: erasure. Each record gets its own data key (wrapped by its subject's key), so one
    // record or one person can be erased by destroying keys; an erasure is kept as a row (the
    // person's with record_id NULL). Records stored earlier keep their subject's key.
    R"sql(
CREATE TABLE record_keys (
  record_id   TEXT PRIMARY KEY,
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  wrapped_key BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX record_keys_by_subject ON record_keys(subject_id);
CREATE TABLE erasures (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  record_id   TEXT,
  record_type TEXT NOT NULL,
  data_class  TEXT NOT NULL,
  erased_at   INTEGER NOT NULL,
  agency_id   TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  role        TEXT NOT NULL,
  basis       TEXT NOT NULL,
  reason      TEXT NOT NULL
);
CREATE UNIQUE INDEX erasures_by_record ON erasures(subject_id, IFNULL(record_id, ''));
CREATE INDEX erasures_by_time ON erasures(erased_at, id);
CREATE INDEX records_by_class ON records(data_class, created_at);
)sql",
    // 9: receipts of adapters' inputs (an event, a Bundle entry, a CSV row), written in the
    // transaction that carries the input out, so that the same input twice changes nothing.
    R"sql(
CREATE TABLE receipts (
  agency_id   TEXT NOT NULL,
  key         TEXT NOT NULL,
  request_id  TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (agency_id, key)
) WITHOUT ROWID;
)sql",
};

constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

}  // namespace

absl::Status Migrate(Connection& conn) {
  RETURN_IF_ERROR(conn.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at INTEGER NOT NULL)"));
  int64_t current = 0;
  {
    ASSIGN_OR_RETURN(auto s,
                     conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) current = s->Int(0);
  }
  if (current > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("database schema version ", current, " is newer than this broker's (",
                     kSchemaVersion, "); upgrade the broker"));
  }
  for (int64_t v = current + 1; v <= kSchemaVersion; ++v) {
    RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
    absl::Status status = conn.Exec(kMigrations[v - 1]);
    if (status.ok()) {
      ASSIGN_OR_RETURN(auto s, conn.Prepare(
          "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
      s->Bind(1, v).Bind(2, ToMicros(absl::Now()));
      status = s->ExecStatus();
    }
    if (status.ok()) status = conn.Exec("COMMIT");
    if (!status.ok()) {
      conn.Exec("ROLLBACK").IgnoreError();
      return absl::Status(status.code(),
                          absl::StrCat("schema migration to version ", v, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace sqlite_internal

int SqliteSchemaVersion() { return sqlite_internal::kSchemaVersion; }

}  // namespace throughcare::storage
