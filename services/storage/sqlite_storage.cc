#include "services/storage/sqlite_storage.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage {
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
};

constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

// ToUnixMicros saturates the infinite times to the int64 limits; map those back so that an
// open-ended time (e.g. a consent valid until InfiniteFuture) survives a round trip.
int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t us) {
  if (us == INT64_MAX) return absl::InfiniteFuture();
  if (us == INT64_MIN) return absl::InfinitePast();
  return absl::FromUnixMicros(us);
}

// Id lists are stored comma-joined. Ids never contain commas; refuse rather than corrupt if one
// does, and refuse empty ids, which the encoding could not tell apart from an empty list.
absl::Status CheckIdList(absl::string_view field, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    if (id.empty() || id.find(',') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ids must be non-empty and must not contain ','"));
    }
  }
  return absl::OkStatus();
}
std::vector<std::string> SplitIdList(const std::string& joined) {
  if (joined.empty()) return {};
  return absl::StrSplit(joined, ',');
}

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  std::string message = absl::StrCat("sqlite: ", what, ": ", sqlite3_errstr(rc));
  if (db != nullptr && sqlite3_errcode(db) == rc) {
    absl::StrAppend(&message, " (", sqlite3_errmsg(db), ")");
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return absl::UnavailableError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    default:
      return absl::InternalError(message);
  }
}

// A prepared statement borrowed from a connection's cache; reset and unbound when it goes out of
// scope. Columns and parameters are 0- and 1-based as in SQLite.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Stmt() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, absl::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, absl::string_view bytes) {
    sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t value) {
    sqlite3_bind_int64(stmt_, i, value);
    return *this;
  }
  // NULL when unset.
  Stmt& BindOptionalTime(int i, const std::optional<absl::Time>& t) {
    if (t.has_value()) {
      sqlite3_bind_int64(stmt_, i, ToMicros(*t));
    } else {
      sqlite3_bind_null(stmt_, i);
    }
    return *this;
  }

  // True if a row is available, false when done.
  absl::StatusOr<bool> Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteError(db_, rc, sqlite3_sql(stmt_));
  }
  // Runs a statement that returns no rows; returns the raw result code on failure for callers
  // that map constraint violations themselves.
  int Exec() {
    int rc;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
    }
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  absl::Status ExecStatus() {
    int rc = Exec();
    return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(db_, rc, sqlite3_sql(stmt_));
  }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  absl::Time Time(int col) const { return FromMicros(Int(col)); }
  std::optional<absl::Time> OptionalTime(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return Time(col);
  }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, col));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One SQLite connection with its statement cache. Not thread-safe.
class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool create) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    auto conn = std::unique_ptr<Connection>(new Connection(db));
    if (rc != SQLITE_OK) return SqliteError(db, rc, absl::StrCat("open ", path));
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    RETURN_IF_ERROR(conn->Exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
        // Savepoints (one per closure) journal the pages they touch: in memory, not in a file.
        "PRAGMA temp_store=MEMORY; "
        // Decisions read a person's rows at random across the file: keep it mapped, and a
        // larger page cache per connection.
        "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-32768;"));
    return conn;
  }
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  absl::Status Exec(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return absl::OkStatus();
    absl::Status status = SqliteError(db_, rc, err != nullptr ? err : sql);
    sqlite3_free(err);
    return status;
  }

  // Exec for a statement run often (BEGIN, COMMIT): prepared once. `sql` must be a literal.
  absl::Status ExecCached(const char* sql) {
    absl::StatusOr<std::unique_ptr<Stmt>> s = Prepare(sql);
    if (!s.ok()) return s.status();
    return (*s)->ExecStatus();
  }

  // `sql` must be a string literal: the cache is keyed by its address.
  absl::StatusOr<std::unique_ptr<Stmt>> Prepare(const char* sql) {
    sqlite3_stmt*& stmt = cache_[sql];
    if (stmt == nullptr) {
      int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) {
        cache_.erase(sql);
        return SqliteError(db_, rc, sql);
      }
    }
    return std::make_unique<Stmt>(db_, stmt);
  }

  sqlite3* db() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  absl::flat_hash_map<const char*, sqlite3_stmt*> cache_;
};

constexpr const char* kRecordColumns =
    "record_id, version, subject_id, record_type, data_class, collected_for, labels, "
    "owner_agency, author_user, created_at, sealed_body";

StoredRecord RecordFromRow(const Stmt& s) {
  StoredRecord r;
  r.header.record_id = s.Text(0);
  r.header.version = s.Int(1);
  r.header.subject_id = s.Text(2);
  r.header.record_type = s.Text(3);
  r.header.data_class = s.Text(4);
  r.header.collected_for = s.Text(5);
  std::string labels = s.Text(6);
  if (!labels.empty()) r.header.labels = absl::StrSplit(labels, ',');
  r.header.owner_agency = s.Text(7);
  r.header.author_user = s.Text(8);
  r.header.created_at = FromMicros(s.Int(9));
  r.sealed_body = s.Text(10);
  return r;
}

#define TC_AUDIT_COLUMNS                                                                    \
  "seq, time, agency_id, system_id, user_id, role, action, subject_id, record_id, "         \
  "record_version, purpose, decision, reason, policy_version, request_id, outcome, basis, "  \
  "break_glass_reason, prev_hash, hash"

AuditEntry AuditFromRow(const Stmt& s) {
  AuditEntry e;
  e.seq = s.Int(0);
  e.time = s.Time(1);
  e.agency_id = s.Text(2);
  e.system_id = s.Text(3);
  e.user_id = s.Text(4);
  e.role = s.Text(5);
  e.action = s.Text(6);
  e.subject_id = s.Text(7);
  e.record_id = s.Text(8);
  e.record_version = s.Int(9);
  e.purpose = s.Text(10);
  e.decision = static_cast<AuditDecision>(s.Int(11));
  e.reason = s.Text(12);
  e.policy_version = s.Text(13);
  e.request_id = s.Text(14);
  e.outcome = s.Text(15);
  e.basis = s.Text(16);
  e.break_glass_reason = s.Text(17);
  e.prev_hash = s.Text(18);
  e.hash = s.Text(19);
  return e;
}

#define TC_CONSENT_COLUMNS                                                                  \
  "consent_id, version, subject_id, data_classes, recipient_agencies, recipient_kinds, "    \
  "purposes, valid_from, valid_until, evidence, evidence_reference, evidence_detail, "      \
  "recorded_by_agency, recorded_by_user, recorded_at, withdrawn_at, withdrawn_by_agency, "  \
  "withdrawn_by_user, withdrawal_reason"

Consent ConsentFromRow(const Stmt& s) {
  Consent c;
  c.consent_id = s.Text(0);
  c.version = s.Int(1);
  c.subject_id = s.Text(2);
  c.data_classes = SplitIdList(s.Text(3));
  c.recipient_agencies = SplitIdList(s.Text(4));
  c.recipient_kinds = SplitIdList(s.Text(5));
  c.purposes = SplitIdList(s.Text(6));
  c.valid_from = s.Time(7);
  c.valid_until = s.Time(8);
  c.evidence = static_cast<ConsentEvidence>(s.Int(9));
  c.evidence_reference = s.Text(10);
  c.evidence_detail = s.Text(11);
  c.recorded_by_agency = s.Text(12);
  c.recorded_by_user = s.Text(13);
  c.recorded_at = s.Time(14);
  c.withdrawn_at = s.OptionalTime(15);
  c.withdrawn_by_agency = s.Text(16);
  c.withdrawn_by_user = s.Text(17);
  c.withdrawal_reason = s.Text(18);
  return c;
}

#define TC_RELATIONSHIP_COLUMNS                                                             \
  "relationship_id, subject_id, kind, agency_id, user_id, started_at, ended_at, "           \
  "started_by_agency, started_by_user, ended_by_user, note"

Relationship RelationshipFromRow(const Stmt& s) {
  Relationship r;
  r.relationship_id = s.Text(0);
  r.subject_id = s.Text(1);
  r.kind = static_cast<RelationshipKind>(s.Int(2));
  r.agency_id = s.Text(3);
  r.user_id = s.Text(4);
  r.started_at = s.Time(5);
  r.ended_at = s.OptionalTime(6);
  r.started_by_agency = s.Text(7);
  r.started_by_user = s.Text(8);
  r.ended_by_user = s.Text(9);
  r.note = s.Text(10);
  return r;
}

#define TC_REVIEW_COLUMNS                                                                   \
  "review_id, audit_seq, subject_id, agency_id, user_id, role, reason, opened_at, outcome, " \
  "closed_by_agency, closed_by_user, closed_at, note"

ReviewItem ReviewItemFromRow(const Stmt& s) {
  ReviewItem r;
  r.review_id = s.Text(0);
  r.audit_seq = s.Int(1);
  r.subject_id = s.Text(2);
  r.agency_id = s.Text(3);
  r.user_id = s.Text(4);
  r.role = s.Text(5);
  r.reason = s.Text(6);
  r.opened_at = s.Time(7);
  r.outcome = static_cast<ReviewOutcome>(s.Int(8));
  r.closed_by_agency = s.Text(9);
  r.closed_by_user = s.Text(10);
  r.closed_at = s.OptionalTime(11);
  r.note = s.Text(12);
  return r;
}

// Record refs are stored comma-joined as "record_id:version". Record ids follow the id list
// rules; the version is what follows the last ':', so a record id may itself contain ':'.
absl::StatusOr<std::string> JoinRecordRefs(const std::vector<RecordRef>& refs) {
  std::vector<std::string> ids;
  for (const RecordRef& r : refs) ids.push_back(r.record_id);
  RETURN_IF_ERROR(CheckIdList("records", ids));
  return absl::StrJoin(refs, ",", [](std::string* out, const RecordRef& r) {
    absl::StrAppend(out, r.record_id, ":", r.version);
  });
}
absl::StatusOr<std::vector<RecordRef>> SplitRecordRefs(const std::string& joined) {
  std::vector<RecordRef> refs;
  for (const std::string& ref : SplitIdList(joined)) {
    size_t colon = ref.rfind(':');
    RecordRef r;
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(absl::string_view(ref).substr(colon + 1), &r.version)) {
      return absl::DataLossError(absl::StrCat("malformed stored record reference '", ref, "'"));
    }
    r.record_id = ref.substr(0, colon);
    refs.push_back(std::move(r));
  }
  return refs;
}

#define TC_MESSAGE_COLUMNS                                                                  \
  "message_id, kind, sender_agency, sender_system, sender_user, sender_role, subject_id, "  \
  "purpose, correlation_id, idempotency_key, content_hash, records, notice_message_id, "    \
  "notice_recipient, notice_state, notice_reason, notice_consent_id, notice_message_ids, "  \
  "created_at, expires_at, notice_referral_state, notice_for_role"

absl::StatusOr<Message> MessageFromRow(const Stmt& s) {
  Message m;
  m.message_id = s.Text(0);
  m.kind = static_cast<MessageKind>(s.Int(1));
  m.sender_agency = s.Text(2);
  m.sender_system = s.Text(3);
  m.sender_user = s.Text(4);
  m.sender_role = s.Text(5);
  m.subject_id = s.Text(6);
  m.purpose = s.Text(7);
  m.correlation_id = s.Text(8);
  m.idempotency_key = s.Text(9);
  m.content_hash = s.Text(10);
  ASSIGN_OR_RETURN(m.records, SplitRecordRefs(s.Text(11)));
  m.notice_message_id = s.Text(12);
  m.notice_recipient = s.Text(13);
  m.notice_state = static_cast<DeliveryState>(s.Int(14));
  m.notice_reason = s.Text(15);
  m.notice_consent_id = s.Text(16);
  m.notice_message_ids = SplitIdList(s.Text(17));
  m.created_at = s.Time(18);
  m.expires_at = s.Time(19);
  m.notice_referral_state = static_cast<ReferralState>(s.Int(20));
  m.notice_for_role = s.Text(21);
  return m;
}

// The columns from state on are the mutable ones (UpdateDelivery), bound by BindDeliveryState.
#define TC_DELIVERY_COLUMNS                                                                 \
  "message_id, recipient_agency, mailbox_seq, state, reason, attempts, available_at, "      \
  "expires_at, lease_id, lease_expires_at, leased_to_user, consent_ids, first_delivered_at, " \
  "acked_at, ended_at, updated_at"

Delivery DeliveryFromRow(const Stmt& s) {
  Delivery d;
  d.message_id = s.Text(0);
  d.recipient_agency = s.Text(1);
  d.mailbox_seq = s.Int(2);
  d.state = static_cast<DeliveryState>(s.Int(3));
  d.reason = s.Text(4);
  d.attempts = static_cast<int>(s.Int(5));
  d.available_at = s.Time(6);
  d.expires_at = s.Time(7);
  d.lease_id = s.Text(8);  // NULL when there is no lease
  d.lease_expires_at = s.Time(9);
  d.leased_to_user = s.Text(10);
  d.consent_ids = SplitIdList(s.Text(11));
  d.first_delivered_at = s.OptionalTime(12);
  d.acked_at = s.OptionalTime(13);
  d.ended_at = s.OptionalTime(14);
  d.updated_at = s.Time(15);
  return d;
}

absl::StatusOr<std::vector<Delivery>> DeliveriesFromRows(Stmt& s) {
  std::vector<Delivery> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(DeliveryFromRow(s));
  }
  return out;
}

// Binds the mutable fields of a delivery, state through updated_at, to the 13 parameters from
// `first` on. The lease id's parameter must be written NULLIF(?, ''): no lease is NULL, so that
// the unique index on lease ids holds only the leases.
void BindDeliveryState(Stmt& s, int first, const Delivery& d) {
  s.Bind(first, static_cast<int64_t>(d.state))
      .Bind(first + 1, d.reason)
      .Bind(first + 2, static_cast<int64_t>(d.attempts))
      .Bind(first + 3, ToMicros(d.available_at))
      .Bind(first + 4, ToMicros(d.expires_at))
      .Bind(first + 5, d.lease_id)
      .Bind(first + 6, ToMicros(d.lease_expires_at))
      .Bind(first + 7, d.leased_to_user)
      .Bind(first + 8, absl::StrJoin(d.consent_ids, ","))
      .BindOptionalTime(first + 9, d.first_delivered_at)
      .BindOptionalTime(first + 10, d.acked_at)
      .BindOptionalTime(first + 11, d.ended_at)
      .Bind(first + 12, ToMicros(d.updated_at));
}

// Event dates are stored as "YYYY-MM-DD", NULL when unknown: an unknown one is bound as "" to a
// parameter written NULLIF(?, '').
std::string FormatEventDate(const std::optional<absl::CivilDay>& day) {
  return day.has_value() ? absl::FormatCivilTime(*day) : "";
}
absl::StatusOr<std::optional<absl::CivilDay>> ParseEventDate(const std::string& text) {
  if (text.empty()) return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day)) {
    return absl::DataLossError(absl::StrCat("malformed stored event date '", text, "'"));
  }
  return day;
}

// The columns from home_area on are the ones UpdateReferral replaces, bound by
// BindReferralState. History and deadlines are in tables of their own.
#define TC_REFERRAL_COLUMNS                                                                 \
  "referral_id, referral_type, subject_id, referring_agency, referring_user, "              \
  "receiving_agency, contact, records, idempotency_key, created_at, home_area, state, "     \
  "reason, event_date, note, message_id, relationship_id, updated_at, received_at, "        \
  "accepted_at, first_contact_at, assessed_at, engaged_at"

// The referral's row, without its history and deadlines.
absl::StatusOr<Referral> ReferralFromRow(const Stmt& s) {
  Referral r;
  r.referral_id = s.Text(0);
  r.referral_type = s.Text(1);
  r.subject_id = s.Text(2);
  r.referring_agency = s.Text(3);
  r.referring_user = s.Text(4);
  r.receiving_agency = s.Text(5);
  r.contact = s.Text(6);
  ASSIGN_OR_RETURN(r.records, SplitRecordRefs(s.Text(7)));
  r.idempotency_key = s.Text(8);
  r.created_at = s.Time(9);
  r.home_area = s.Text(10);
  r.state = static_cast<ReferralState>(s.Int(11));
  r.reason = s.Text(12);
  ASSIGN_OR_RETURN(r.event_date, ParseEventDate(s.Text(13)));
  r.note = s.Text(14);
  r.message_id = s.Text(15);
  r.relationship_id = s.Text(16);
  r.updated_at = s.Time(17);
  r.received_at = s.OptionalTime(18);
  r.accepted_at = s.OptionalTime(19);
  r.first_contact_at = s.OptionalTime(20);
  r.assessed_at = s.OptionalTime(21);
  r.engaged_at = s.OptionalTime(22);
  return r;
}

// Binds the fields UpdateReferral replaces, home_area through engaged_at, to the 13 parameters
// from `first` on. The event date's parameter must be written NULLIF(?, '').
void BindReferralState(Stmt& s, int first, const Referral& r) {
  s.Bind(first, r.home_area)
      .Bind(first + 1, static_cast<int64_t>(r.state))
      .Bind(first + 2, r.reason)
      .Bind(first + 3, FormatEventDate(r.event_date))
      .Bind(first + 4, r.note)
      .Bind(first + 5, r.message_id)
      .Bind(first + 6, r.relationship_id)
      .Bind(first + 7, ToMicros(r.updated_at))
      .BindOptionalTime(first + 8, r.received_at)
      .BindOptionalTime(first + 9, r.accepted_at)
      .BindOptionalTime(first + 10, r.first_contact_at)
      .BindOptionalTime(first + 11, r.assessed_at)
      .BindOptionalTime(first + 12, r.engaged_at);
}

// A referral's deadline names in the order ORDER BY name gives (bytewise).
std::vector<std::string> SortedDeadlineNames(const std::vector<ReferralDeadline>& deadlines) {
  std::vector<std::string> names;
  for (const ReferralDeadline& d : deadlines) names.push_back(d.name);
  std::sort(names.begin(), names.end());
  return names;
}

class SqliteTx final : public WriteTx {
 public:
  // `commit_number` is that of the batch a write runs in; reads are part of no commit.
  SqliteTx(Connection* conn, int64_t commit_number)
      : conn_(conn), commit_number_(commit_number) {}

  absl::StatusOr<Subject> GetSubject(absl::string_view subject_id) override {
    Subject subject;
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "SELECT id, home_area, registered_by, registered_at FROM subjects WHERE id = ?"));
      s->Bind(1, subject_id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
      subject.id = s->Text(0);
      subject.home_area = s->Text(1);
      subject.registered_by_agency = s->Text(2);
      subject.registered_at = FromMicros(s->Int(3));
    }
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT kind, value, linked_by, linked_at FROM subject_identifiers "
        "WHERE subject_id = ? ORDER BY kind, value"));
    s->Bind(1, subject_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      subject.identifiers.push_back(Identifier{static_cast<IdentifierKind>(s->Int(0)),
                                               s->Text(1), s->Text(2), FromMicros(s->Int(3))});
    }
    return subject;
  }

  absl::StatusOr<std::string> FindSubjectByIdentifier(IdentifierKind kind,
                                                      absl::string_view value) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT subject_id FROM subject_identifiers WHERE kind = ? AND value = ?"));
    s->Bind(1, static_cast<int64_t>(kind)).Bind(2, value);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError("identifier is not linked to any subject");
    return s->Text(0);
  }

  absl::StatusOr<std::string> GetWrappedSubjectKey(absl::string_view subject_id) override {
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare("SELECT wrapped_key FROM subject_keys WHERE subject_id = ?"));
    s->Bind(1, subject_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no data key for subject ", subject_id));
    return s->Text(0);
  }

  absl::StatusOr<StoredRecord> GetRecord(absl::string_view record_id, int64_t version) override {
    static const std::string kLatest =
        absl::StrCat("SELECT ", kRecordColumns,
                     " FROM records WHERE record_id = ? ORDER BY version DESC LIMIT 1");
    static const std::string kExact =
        absl::StrCat("SELECT ", kRecordColumns, " FROM records WHERE record_id = ? AND version = ?");
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(version == 0 ? kLatest.c_str() : kExact.c_str()));
    s->Bind(1, record_id);
    if (version != 0) s->Bind(2, version);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) {
      return absl::NotFoundError(version == 0
                                     ? absl::StrCat("no record ", record_id)
                                     : absl::StrCat("no version ", version, " of record ",
                                                    record_id));
    }
    return RecordFromRow(*s);
  }

  absl::StatusOr<std::vector<StoredRecord>> ListLatestRecords(
      absl::string_view subject_id) override {
    static const std::string kSql = absl::StrCat(
        "SELECT ", kRecordColumns,
        " FROM records r JOIN (SELECT record_id AS id, MAX(version) AS latest, MIN(rowid) AS "
        "first FROM records WHERE subject_id = ? GROUP BY record_id) h "
        "ON r.record_id = h.id AND r.version = h.latest ORDER BY h.first");
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(kSql.c_str()));
    s->Bind(1, subject_id);
    std::vector<StoredRecord> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      out.push_back(RecordFromRow(*s));
    }
    return out;
  }

  absl::StatusOr<Consent> GetConsent(absl::string_view consent_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_CONSENT_COLUMNS " FROM consents WHERE consent_id = ? "
        "ORDER BY version DESC LIMIT 1"));
    s->Bind(1, consent_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no consent ", consent_id));
    return ConsentFromRow(*s);
  }

  absl::StatusOr<std::vector<Consent>> ListConsents(absl::string_view subject_id) override {
    // The current versions. This is on every decision's path: one index range and a sort of a
    // handful of rows.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_CONSENT_COLUMNS " FROM consents WHERE subject_id = ? AND superseded = 0 "
        "ORDER BY recorded_at, consent_id"));
    s->Bind(1, subject_id);
    std::vector<Consent> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      out.push_back(ConsentFromRow(*s));
    }
    return out;
  }

  absl::StatusOr<std::vector<Consent>> ConsentHistory(absl::string_view consent_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_CONSENT_COLUMNS " FROM consents WHERE consent_id = ? ORDER BY version"));
    s->Bind(1, consent_id);
    std::vector<Consent> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      out.push_back(ConsentFromRow(*s));
    }
    if (out.empty()) return absl::NotFoundError(absl::StrCat("no consent ", consent_id));
    return out;
  }

  absl::StatusOr<Relationship> GetRelationship(absl::string_view relationship_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_RELATIONSHIP_COLUMNS " FROM relationships WHERE relationship_id = ?"));
    s->Bind(1, relationship_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no relationship ", relationship_id));
    return RelationshipFromRow(*s);
  }

  absl::StatusOr<std::vector<Relationship>> ListRelationships(
      absl::string_view subject_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_RELATIONSHIP_COLUMNS " FROM relationships WHERE subject_id = ? "
        "ORDER BY started_at, rowid"));
    s->Bind(1, subject_id);
    std::vector<Relationship> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      out.push_back(RelationshipFromRow(*s));
    }
    return out;
  }

  absl::StatusOr<ReviewItem> GetReviewItem(absl::string_view review_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_REVIEW_COLUMNS " FROM review_items WHERE review_id = ?"));
    s->Bind(1, review_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no review item ", review_id));
    return ReviewItemFromRow(*s);
  }

  absl::StatusOr<std::vector<ReviewItem>> ListReviewItems(bool open_only, int64_t after_audit_seq,
                                                          int limit) override {
    // Two statements rather than one with an "?1 OR ..." filter, so that each uses its index.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        open_only ? "SELECT " TC_REVIEW_COLUMNS " FROM review_items WHERE outcome = ?3 "
                    "AND audit_seq > ?1 ORDER BY audit_seq, review_id LIMIT ?2"
                  : "SELECT " TC_REVIEW_COLUMNS " FROM review_items WHERE audit_seq > ?1 "
                    "ORDER BY audit_seq, review_id LIMIT ?2"));
    // SQLite reads a negative LIMIT as "no limit"; a non-positive one returns nothing here.
    s->Bind(1, after_audit_seq).Bind(2, static_cast<int64_t>(limit > 0 ? limit : 0));
    if (open_only) s->Bind(3, static_cast<int64_t>(ReviewOutcome::kOpen));
    std::vector<ReviewItem> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      out.push_back(ReviewItemFromRow(*s));
    }
    return out;
  }

  absl::StatusOr<Message> GetMessage(absl::string_view message_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_MESSAGE_COLUMNS " FROM messages WHERE message_id = ?"));
    s->Bind(1, message_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no message ", message_id));
    return MessageFromRow(*s);
  }

  absl::StatusOr<Message> FindMessageByIdempotencyKey(absl::string_view sender_agency,
                                                      absl::string_view key) override {
    // The unique index holds only the non-empty keys; the query states that condition so that it
    // may use it (and so that an empty key, which many messages share, finds nothing).
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_MESSAGE_COLUMNS " FROM messages WHERE sender_agency = ? "
        "AND idempotency_key = ? AND idempotency_key != ''"));
    s->Bind(1, sender_agency).Bind(2, key);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) {
      return absl::NotFoundError(
          absl::StrCat(sender_agency, " sent no message with idempotency key '", key, "'"));
    }
    return MessageFromRow(*s);
  }

  absl::StatusOr<std::vector<Delivery>> ListDeliveries(absl::string_view message_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE message_id = ? "
        "ORDER BY mailbox_seq"));
    s->Bind(1, message_id);
    return DeliveriesFromRows(*s);
  }

  absl::StatusOr<Delivery> GetDeliveryByLease(absl::string_view lease_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE lease_id = ?"));
    s->Bind(1, lease_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no delivery holds lease ", lease_id));
    return DeliveryFromRow(*s);
  }

  absl::StatusOr<std::vector<Delivery>> ListLeasable(absl::string_view recipient_agency,
                                                     absl::Time now, int skip,
                                                     int limit) override {
    // Pending (state 1) deliveries, from the mailbox's index range in seq order (named, as the
    // planner would rather take a range of the expiry index across all mailboxes). SQLite reads
    // a negative LIMIT as "no limit" (and a negative OFFSET as none): a non-positive limit
    // returns nothing here.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries INDEXED BY deliveries_by_mailbox "
        "WHERE recipient_agency = ?1 "
        "AND state = 1 AND available_at <= ?2 AND expires_at > ?2 "
        "ORDER BY mailbox_seq LIMIT ?4 OFFSET ?3"));
    s->Bind(1, recipient_agency)
        .Bind(2, ToMicros(now))
        .Bind(3, static_cast<int64_t>(skip))
        .Bind(4, static_cast<int64_t>(limit > 0 ? limit : 0));
    return DeliveriesFromRows(*s);
  }

  absl::StatusOr<int64_t> CountOpenDeliveries(absl::string_view recipient_agency,
                                              int64_t cap) override {
    // Pending or leased (states 1 and 2); the inner LIMIT stops the count at `cap`.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE recipient_agency = ? "
        "AND state IN (1, 2) LIMIT ?)"));
    s->Bind(1, recipient_agency).Bind(2, cap > 0 ? cap : 0);
    ASSIGN_OR_RETURN(bool row, s->Step());
    return row ? s->Int(0) : 0;
  }

  absl::StatusOr<std::vector<Delivery>> ListDueDeliveries(absl::Time now, int limit) override {
    // Open (states 1 and 2) past the message's expiry, or leased (2) past the lease's: one index
    // range each. UNION drops a delivery that is both.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE state IN (1, 2) "
        "AND expires_at <= ?1 "
        "UNION SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE state = 2 "
        "AND lease_expires_at <= ?1 "
        "ORDER BY mailbox_seq LIMIT ?2"));
    s->Bind(1, ToMicros(now)).Bind(2, static_cast<int64_t>(limit > 0 ? limit : 0));
    return DeliveriesFromRows(*s);
  }

  absl::StatusOr<std::vector<Delivery>> ListDeliveredUnderConsent(
      absl::string_view consent_id) override {
    // Delivered at least once, whatever the state now.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE mailbox_seq IN "
        "(SELECT mailbox_seq FROM delivery_consents WHERE consent_id = ?) "
        "AND first_delivered_at IS NOT NULL ORDER BY recipient_agency, mailbox_seq"));
    s->Bind(1, consent_id);
    return DeliveriesFromRows(*s);
  }

  absl::StatusOr<Referral> GetReferral(absl::string_view referral_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE referral_id = ?"));
    s->Bind(1, referral_id);
    ASSIGN_OR_RETURN(std::vector<Referral> found, ReferralsFromRows(*s));
    if (found.empty()) return absl::NotFoundError(absl::StrCat("no referral ", referral_id));
    return std::move(found[0]);
  }

  absl::StatusOr<Referral> FindReferralByIdempotencyKey(absl::string_view referring_agency,
                                                        absl::string_view key) override {
    // As for messages: the condition on the key lets the query use the partial unique index, and
    // makes an empty key find nothing.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE referring_agency = ? "
        "AND idempotency_key = ? AND idempotency_key != ''"));
    s->Bind(1, referring_agency).Bind(2, key);
    ASSIGN_OR_RETURN(std::vector<Referral> found, ReferralsFromRows(*s));
    if (found.empty()) {
      return absl::NotFoundError(
          absl::StrCat(referring_agency, " made no referral with idempotency key '", key, "'"));
    }
    return std::move(found[0]);
  }

  absl::StatusOr<std::vector<Referral>> ListReferralsForAgency(const ReferralQuery& q) override {
    // The filters every branch shares: open only (?2), overdue at ?5 (as IsOverdue decides),
    // after the cursor (?6, ?7).
#define TC_REFERRAL_FILTERS                                                                  \
  "AND (?2 = 0 OR state NOT IN (4, 10, 11, 12)) "                                          \
  "AND (?5 IS NULL OR EXISTS (SELECT 1 FROM referral_deadlines d "                         \
  "WHERE d.referral_id = referrals.referral_id AND (d.escalated_at IS NOT NULL OR "        \
  "(d.met_at IS NULL AND d.due_at <= ?5 AND referrals.state NOT IN (4, 10, 11, 12))))) "   \
  "AND (?6 IS NULL OR created_at < ?6 OR (created_at = ?6 AND referral_id < ?7)) "
    // Two statements rather than one with an "?4 = '' OR ..." filter, so that each uses its
    // index: the agency's two ranges (made; received from others, as an agency may refer to
    // itself), merged newest first; or, about one person, that person's range.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        q.subject_id.empty()
            ? "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE referring_agency = ?1 "
              TC_REFERRAL_FILTERS
              "UNION ALL SELECT " TC_REFERRAL_COLUMNS " FROM referrals "
              "WHERE receiving_agency = ?1 AND referring_agency != ?1 " TC_REFERRAL_FILTERS
              "ORDER BY created_at DESC, referral_id DESC LIMIT ?3"
            : "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE subject_id = ?4 "
              "AND (referring_agency = ?1 OR receiving_agency = ?1) " TC_REFERRAL_FILTERS
              "ORDER BY created_at DESC, referral_id DESC LIMIT ?3"));
#undef TC_REFERRAL_FILTERS
    // SQLite reads a negative LIMIT as "no limit"; a non-positive one returns nothing here.
    s->Bind(1, q.agency_id)
        .Bind(2, int64_t{q.open_only})
        .Bind(3, static_cast<int64_t>(q.limit > 0 ? q.limit : 0))
        .Bind(4, q.subject_id)
        .BindOptionalTime(5, q.overdue_at)
        .BindOptionalTime(6, q.after ? std::optional<absl::Time>(q.after->created_at)
                                     : std::nullopt)
        .Bind(7, q.after ? q.after->referral_id : std::string());
    return ReferralsFromRows(*s);
  }

  absl::StatusOr<std::vector<Referral>> ListOpenReferralsOfSubject(
      absl::string_view subject_id) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE subject_id = ? "
        "AND state NOT IN (4, 10, 11, 12) ORDER BY created_at, referral_id"));
    s->Bind(1, subject_id);
    return ReferralsFromRows(*s);
  }

  absl::StatusOr<std::vector<Referral>> ListReferralsWithDueDeadlines(absl::Time now,
                                                                     int limit) override {
    // The pending deadlines due are a range of their partial index; their referrals are kept
    // if open. Oldest first is by creation.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE referral_id IN "
        "(SELECT referral_id FROM referral_deadlines WHERE due_at <= ?1 "
        "AND met_at IS NULL AND escalated_at IS NULL) "
        "AND state NOT IN (4, 10, 11, 12) ORDER BY created_at, referral_id LIMIT ?2"));
    s->Bind(1, ToMicros(now)).Bind(2, static_cast<int64_t>(limit > 0 ? limit : 0));
    return ReferralsFromRows(*s);
  }

  absl::StatusOr<std::vector<OpenReferralCount>> CountOpenReferrals(absl::Time now) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT referral_type, COUNT(*), SUM(EXISTS (SELECT 1 FROM referral_deadlines d "
        "WHERE d.referral_id = referrals.referral_id AND (d.escalated_at IS NOT NULL OR "
        "(d.met_at IS NULL AND d.due_at <= ?1)))) FROM referrals "
        "WHERE state NOT IN (4, 10, 11, 12) GROUP BY referral_type ORDER BY referral_type"));
    s->Bind(1, ToMicros(now));
    std::vector<OpenReferralCount> counts;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      counts.push_back({s->Text(0), s->Int(1), s->Int(2)});
    }
    return counts;
  }

  absl::StatusOr<std::vector<Referral>> ListReferralsCreatedBetween(
      absl::Time from, absl::Time until, absl::string_view referral_type) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE created_at >= ?1 "
        "AND created_at < ?2 AND (?3 = '' OR referral_type = ?3) "
        "ORDER BY created_at, referral_id"));
    s->Bind(1, ToMicros(from)).Bind(2, ToMicros(until)).Bind(3, referral_type);
    return ReferralsFromRows(*s);
  }

  absl::StatusOr<AuditEntry> LastAuditEntry() override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_AUDIT_COLUMNS " FROM audit_log ORDER BY seq DESC LIMIT 1"));
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError("the audit log is empty");
    return AuditFromRow(*s);
  }

  absl::StatusOr<AuditPage> QueryAudit(const AuditQuery& q) override {
    // Every filter is written so that an unset one matches everything; the query plan still
    // uses the (column, seq) indexes for the set ones.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT " TC_AUDIT_COLUMNS " FROM audit_log WHERE seq > ?1 "
        "AND (?2 = '' OR subject_id = ?2) AND (?3 = '' OR agency_id = ?3) "
        "AND (?4 = '' OR user_id = ?4) AND (?5 = '' OR action = ?5) "
        "AND (?6 = 0 OR decision = ?6) AND time >= ?7 AND time < ?8 "
        "ORDER BY seq LIMIT ?9"));
    s->Bind(1, q.after_seq)
        .Bind(2, q.subject_id)
        .Bind(3, q.agency_id)
        .Bind(4, q.user_id)
        .Bind(5, q.action)
        .Bind(6, q.decision.has_value() ? static_cast<int64_t>(*q.decision) : int64_t{0})
        .Bind(7, q.from.has_value() ? ToMicros(*q.from) : INT64_MIN)
        .Bind(8, q.until.has_value() ? ToMicros(*q.until) : INT64_MAX)
        .Bind(9, static_cast<int64_t>(q.limit) + 1);
    AuditPage page;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      if (static_cast<int>(page.entries.size()) == q.limit) {
        page.more = true;
        break;
      }
      page.entries.push_back(AuditFromRow(*s));
    }
    return page;
  }

  absl::Status InsertSubject(const Subject& subject) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO subjects (id, home_area, registered_by, registered_at) VALUES (?, ?, ?, ?)"));
    s->Bind(1, subject.id)
        .Bind(2, subject.home_area)
        .Bind(3, subject.registered_by_agency)
        .Bind(4, ToMicros(subject.registered_at));
    int rc = s->Exec();
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
      return absl::AlreadyExistsError(absl::StrCat("subject ", subject.id, " already exists"));
    }
    return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert subject");
  }

  absl::Status SetHomeArea(absl::string_view subject_id, absl::string_view home_area) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE subjects SET home_area = ? WHERE id = ?"));
    s->Bind(1, home_area).Bind(2, subject_id);
    RETURN_IF_ERROR(s->ExecStatus());
    if (sqlite3_changes(conn_->db()) == 0) {
      return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
    }
    return absl::OkStatus();
  }

  absl::Status LinkIdentifier(absl::string_view subject_id,
                              const Identifier& identifier) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO subject_identifiers (kind, value, subject_id, linked_by, linked_at) "
        "VALUES (?, ?, ?, ?, ?)"));
    s->Bind(1, static_cast<int64_t>(identifier.kind))
        .Bind(2, identifier.value)
        .Bind(3, subject_id)
        .Bind(4, identifier.linked_by_agency)
        .Bind(5, ToMicros(identifier.linked_at));
    int rc = s->Exec();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return absl::AlreadyExistsError("identifier is already linked to a subject");
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
    }
    return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "link identifier");
  }

  absl::Status UnlinkIdentifier(absl::string_view subject_id, IdentifierKind kind,
                                absl::string_view value) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "DELETE FROM subject_identifiers WHERE subject_id = ? AND kind = ? AND value = ?"));
    s->Bind(1, subject_id).Bind(2, static_cast<int64_t>(kind)).Bind(3, value);
    RETURN_IF_ERROR(s->ExecStatus());
    if (sqlite3_changes(conn_->db()) == 0) {
      return absl::NotFoundError("identifier is not linked to this subject");
    }
    return absl::OkStatus();
  }

  absl::Status PutWrappedSubjectKey(absl::string_view subject_id,
                                    absl::string_view wrapped_key) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO subject_keys (subject_id, wrapped_key) VALUES (?, ?)"));
    s->Bind(1, subject_id).BindBlob(2, wrapped_key);
    int rc = s->Exec();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return absl::AlreadyExistsError(absl::StrCat("subject ", subject_id, " already has a key"));
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
    }
    return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "put subject key");
  }

  absl::Status InsertRecordVersion(const StoredRecord& record) override {
    const RecordHeader& h = record.header;
    if (h.version < 1) return absl::InvalidArgumentError("record version must be at least 1");
    for (const std::string& label : h.labels) {
      if (label.empty() || label.find(',') != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("record label '", label, "' is empty or contains ','"));
      }
    }
    if (h.version > 1) {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "SELECT MAX(version) FROM records WHERE record_id = ?"));
      s->Bind(1, h.record_id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      int64_t latest = row ? s->Int(0) : 0;
      if (latest != h.version - 1) {
        return absl::AbortedError(absl::StrCat("record ", h.record_id, " is at version ", latest,
                                               ", not ", h.version - 1));
      }
    }
    static const std::string kSql =
        absl::StrCat("INSERT INTO records (", kRecordColumns,
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(kSql.c_str()));
    s->Bind(1, h.record_id)
        .Bind(2, h.version)
        .Bind(3, h.subject_id)
        .Bind(4, h.record_type)
        .Bind(5, h.data_class)
        .Bind(6, h.collected_for)
        .Bind(7, absl::StrJoin(h.labels, ","))
        .Bind(8, h.owner_agency)
        .Bind(9, h.author_user)
        .Bind(10, ToMicros(h.created_at))
        .BindBlob(11, record.sealed_body);
    int rc = s->Exec();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return h.version == 1 ? absl::AlreadyExistsError(
                                  absl::StrCat("record ", h.record_id, " already exists"))
                            : absl::AbortedError(absl::StrCat("record ", h.record_id,
                                                              " changed concurrently"));
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return absl::NotFoundError(absl::StrCat("no subject ", h.subject_id));
    }
    return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert record");
  }

  absl::Status InsertConsentVersion(const Consent& c) override {
    if (c.version < 1) return absl::InvalidArgumentError("consent version must be at least 1");
    RETURN_IF_ERROR(CheckIdList("data_classes", c.data_classes));
    RETURN_IF_ERROR(CheckIdList("recipient_agencies", c.recipient_agencies));
    RETURN_IF_ERROR(CheckIdList("recipient_kinds", c.recipient_kinds));
    RETURN_IF_ERROR(CheckIdList("purposes", c.purposes));
    if (c.version > 1) {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "SELECT COALESCE(MAX(version), 0) FROM consents WHERE consent_id = ?"));
      s->Bind(1, c.consent_id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      int64_t latest = row ? s->Int(0) : 0;
      if (latest != c.version - 1) {
        return absl::AbortedError(absl::StrCat("consent ", c.consent_id, " is at version ",
                                               latest, ", not ", c.version - 1));
      }
    }
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO consents (" TC_CONSENT_COLUMNS ") VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    s->Bind(1, c.consent_id)
        .Bind(2, c.version)
        .Bind(3, c.subject_id)
        .Bind(4, absl::StrJoin(c.data_classes, ","))
        .Bind(5, absl::StrJoin(c.recipient_agencies, ","))
        .Bind(6, absl::StrJoin(c.recipient_kinds, ","))
        .Bind(7, absl::StrJoin(c.purposes, ","))
        .Bind(8, ToMicros(c.valid_from))
        .Bind(9, ToMicros(c.valid_until))
        .Bind(10, static_cast<int64_t>(c.evidence))
        .Bind(11, c.evidence_reference)
        .Bind(12, c.evidence_detail)
        .Bind(13, c.recorded_by_agency)
        .Bind(14, c.recorded_by_user)
        .Bind(15, ToMicros(c.recorded_at))
        .BindOptionalTime(16, c.withdrawn_at)
        .Bind(17, c.withdrawn_by_agency)
        .Bind(18, c.withdrawn_by_user)
        .Bind(19, c.withdrawal_reason);
    int rc = s->Exec();
    if (rc == SQLITE_OK && c.version > 1) {
      ASSIGN_OR_RETURN(auto mark, conn_->Prepare(
          "UPDATE consents SET superseded = 1 WHERE consent_id = ? AND version = ?"));
      mark->Bind(1, c.consent_id).Bind(2, c.version - 1);
      RETURN_IF_ERROR(mark->ExecStatus());
    }
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return c.version == 1 ? absl::AlreadyExistsError(
                                  absl::StrCat("consent ", c.consent_id, " already exists"))
                            : absl::AbortedError(absl::StrCat("consent ", c.consent_id,
                                                              " changed concurrently"));
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return absl::NotFoundError(absl::StrCat("no subject ", c.subject_id));
    }
    return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert consent");
  }

  absl::Status InsertRelationship(const Relationship& r) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO relationships (" TC_RELATIONSHIP_COLUMNS ") VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    s->Bind(1, r.relationship_id)
        .Bind(2, r.subject_id)
        .Bind(3, static_cast<int64_t>(r.kind))
        .Bind(4, r.agency_id)
        .Bind(5, r.user_id)
        .Bind(6, ToMicros(r.started_at))
        .BindOptionalTime(7, r.ended_at)
        .Bind(8, r.started_by_agency)
        .Bind(9, r.started_by_user)
        .Bind(10, r.ended_by_user)
        .Bind(11, r.note);
    int rc = s->Exec();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return absl::AlreadyExistsError(
          absl::StrCat("relationship ", r.relationship_id, " already exists"));
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return absl::NotFoundError(absl::StrCat("no subject ", r.subject_id));
    }
    return rc == SQLITE_OK ? absl::OkStatus()
                           : SqliteError(conn_->db(), rc, "insert relationship");
  }

  absl::Status EndRelationship(absl::string_view relationship_id, absl::Time ended_at,
                               absl::string_view ended_by_user) override {
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "UPDATE relationships SET ended_at = ?, ended_by_user = ? "
          "WHERE relationship_id = ? AND ended_at IS NULL"));
      s->Bind(1, ToMicros(ended_at)).Bind(2, ended_by_user).Bind(3, relationship_id);
      RETURN_IF_ERROR(s->ExecStatus());
      if (sqlite3_changes(conn_->db()) == 1) return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(auto s,
                     conn_->Prepare("SELECT 1 FROM relationships WHERE relationship_id = ?"));
    s->Bind(1, relationship_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no relationship ", relationship_id));
    return absl::FailedPreconditionError(
        absl::StrCat("relationship ", relationship_id, " has already ended"));
  }

  absl::Status InsertReviewItem(const ReviewItem& item) override {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO review_items (" TC_REVIEW_COLUMNS ") VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    s->Bind(1, item.review_id)
        .Bind(2, item.audit_seq)
        .Bind(3, item.subject_id)
        .Bind(4, item.agency_id)
        .Bind(5, item.user_id)
        .Bind(6, item.role)
        .Bind(7, item.reason)
        .Bind(8, ToMicros(item.opened_at))
        .Bind(9, static_cast<int64_t>(item.outcome))
        .Bind(10, item.closed_by_agency)
        .Bind(11, item.closed_by_user)
        .BindOptionalTime(12, item.closed_at)
        .Bind(13, item.note);
    int rc = s->Exec();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return absl::AlreadyExistsError(
          absl::StrCat("review item ", item.review_id, " already exists"));
    }
    return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert review item");
  }

  absl::Status CloseReviewItem(const ReviewItem& closed) override {
    if (closed.outcome == ReviewOutcome::kOpen) {
      return absl::InvalidArgumentError("a review item cannot be closed with outcome open");
    }
    if (!closed.closed_at.has_value()) {
      return absl::InvalidArgumentError("closing a review item needs closed_at");
    }
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "UPDATE review_items SET outcome = ?, closed_by_agency = ?, closed_by_user = ?, "
          "closed_at = ?, note = ? WHERE review_id = ? AND outcome = ?"));
      s->Bind(1, static_cast<int64_t>(closed.outcome))
          .Bind(2, closed.closed_by_agency)
          .Bind(3, closed.closed_by_user)
          .BindOptionalTime(4, closed.closed_at)
          .Bind(5, closed.note)
          .Bind(6, closed.review_id)
          .Bind(7, static_cast<int64_t>(ReviewOutcome::kOpen));
      RETURN_IF_ERROR(s->ExecStatus());
      if (sqlite3_changes(conn_->db()) == 1) return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM review_items WHERE review_id = ?"));
    s->Bind(1, closed.review_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no review item ", closed.review_id));
    return absl::FailedPreconditionError(
        absl::StrCat("review item ", closed.review_id, " is already closed"));
  }

  absl::Status InsertMessage(const Message& m) override {
    RETURN_IF_ERROR(CheckIdList("notice_message_ids", m.notice_message_ids));
    ASSIGN_OR_RETURN(std::string records, JoinRecordRefs(m.records));
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO messages (" TC_MESSAGE_COLUMNS ") VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    s->Bind(1, m.message_id)
        .Bind(2, static_cast<int64_t>(m.kind))
        .Bind(3, m.sender_agency)
        .Bind(4, m.sender_system)
        .Bind(5, m.sender_user)
        .Bind(6, m.sender_role)
        .Bind(7, m.subject_id)
        .Bind(8, m.purpose)
        .Bind(9, m.correlation_id)
        .Bind(10, m.idempotency_key)
        .Bind(11, m.content_hash)
        .Bind(12, records)
        .Bind(13, m.notice_message_id)
        .Bind(14, m.notice_recipient)
        .Bind(15, static_cast<int64_t>(m.notice_state))
        .Bind(16, m.notice_reason)
        .Bind(17, m.notice_consent_id)
        .Bind(18, absl::StrJoin(m.notice_message_ids, ","))
        .Bind(19, ToMicros(m.created_at))
        .Bind(20, ToMicros(m.expires_at))
        .Bind(21, static_cast<int64_t>(m.notice_referral_state))
        .Bind(22, m.notice_for_role);
    int rc = s->Exec();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return absl::AlreadyExistsError(absl::StrCat("message ", m.message_id, " already exists"));
    }
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      return absl::AlreadyExistsError(absl::StrCat(
          m.sender_agency, " already sent a message with idempotency key '", m.idempotency_key,
          "'"));
    }
    return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert message");
  }

  absl::StatusOr<int64_t> InsertDelivery(const Delivery& d) override {
    RETURN_IF_ERROR(CheckIdList("consent_ids", d.consent_ids));
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM messages WHERE message_id = ?"));
      s->Bind(1, d.message_id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return absl::NotFoundError(absl::StrCat("no message ", d.message_id));
    }
    int64_t mailbox_seq;
    {
      // A NULL mailbox_seq takes the next one.
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "INSERT INTO deliveries (" TC_DELIVERY_COLUMNS ") VALUES "
          "(?, ?, NULL, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?)"));
      s->Bind(1, d.message_id).Bind(2, d.recipient_agency);
      BindDeliveryState(*s, 3, d);
      int rc = s->Exec();
      if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        // The recipient already has a delivery of the message, or the lease id is taken;
        // SQLite's message names the constraint.
        return absl::AlreadyExistsError(absl::StrCat("delivery of ", d.message_id, " to ",
                                                     d.recipient_agency, ": ",
                                                     sqlite3_errmsg(conn_->db())));
      }
      if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "insert delivery");
      mailbox_seq = sqlite3_last_insert_rowid(conn_->db());
    }
    RETURN_IF_ERROR(IndexDeliveryConsents(mailbox_seq, {}, d.consent_ids));
    return mailbox_seq;
  }

  absl::Status UpdateDelivery(const Delivery& d) override {
    RETURN_IF_ERROR(CheckIdList("consent_ids", d.consent_ids));
    int64_t mailbox_seq;
    std::vector<std::string> old_consent_ids;
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "SELECT mailbox_seq, consent_ids FROM deliveries "
          "WHERE message_id = ? AND recipient_agency = ?"));
      s->Bind(1, d.message_id).Bind(2, d.recipient_agency);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) {
        return absl::NotFoundError(
            absl::StrCat("no delivery of ", d.message_id, " to ", d.recipient_agency));
      }
      mailbox_seq = s->Int(0);
      old_consent_ids = SplitIdList(s->Text(1));
    }
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "UPDATE deliveries SET state = ?, reason = ?, attempts = ?, available_at = ?, "
          "expires_at = ?, lease_id = NULLIF(?, ''), lease_expires_at = ?, leased_to_user = ?, "
          "consent_ids = ?, first_delivered_at = ?, acked_at = ?, ended_at = ?, updated_at = ? "
          "WHERE mailbox_seq = ?"));
      BindDeliveryState(*s, 1, d);
      s->Bind(14, mailbox_seq);
      int rc = s->Exec();
      if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        return absl::AlreadyExistsError(
            absl::StrCat("lease ", d.lease_id, " is held by another delivery"));
      }
      if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "update delivery");
    }
    return IndexDeliveryConsents(mailbox_seq, old_consent_ids, d.consent_ids);
  }

  absl::Status InsertReferral(const Referral& r) override {
    // Everything that can refuse the referral is checked before its row is written, and the
    // row's insert is the last step that can: a refused insert leaves nothing behind.
    ASSIGN_OR_RETURN(std::string records, JoinRecordRefs(r.records));
    std::vector<std::string> names = SortedDeadlineNames(r.deadlines);
    auto twice = std::adjacent_find(names.begin(), names.end());
    if (twice != names.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("referral ", r.referral_id, " has two deadlines named '", *twice, "'"));
    }
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM subjects WHERE id = ?"));
      s->Bind(1, r.subject_id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return absl::NotFoundError(absl::StrCat("no subject ", r.subject_id));
    }
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "INSERT INTO referrals (" TC_REFERRAL_COLUMNS ") VALUES "
          "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
      s->Bind(1, r.referral_id)
          .Bind(2, r.referral_type)
          .Bind(3, r.subject_id)
          .Bind(4, r.referring_agency)
          .Bind(5, r.referring_user)
          .Bind(6, r.receiving_agency)
          .Bind(7, r.contact)
          .Bind(8, records)
          .Bind(9, r.idempotency_key)
          .Bind(10, ToMicros(r.created_at));
      BindReferralState(*s, 11, r);
      int rc = s->Exec();
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(
            absl::StrCat("referral ", r.referral_id, " already exists"));
      }
      if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        return absl::AlreadyExistsError(absl::StrCat(
            r.referring_agency, " already made a referral with idempotency key '",
            r.idempotency_key, "'"));
      }
      if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "insert referral");
    }
    RETURN_IF_ERROR(AppendTransitions(r, 0));
    for (size_t i = 0; i < r.deadlines.size(); ++i) {
      const ReferralDeadline& d = r.deadlines[i];
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "INSERT INTO referral_deadlines (referral_id, position, name, reach, due_at, met_at, "
          "escalated_at, supervisor_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
      s->Bind(1, r.referral_id)
          .Bind(2, static_cast<int64_t>(i))
          .Bind(3, d.name)
          .Bind(4, static_cast<int64_t>(d.reach))
          .BindOptionalTime(5, d.due_at)
          .BindOptionalTime(6, d.met_at)
          .BindOptionalTime(7, d.escalated_at)
          .Bind(8, d.supervisor_role);
      RETURN_IF_ERROR(s->ExecStatus());
    }
    return absl::OkStatus();
  }

  absl::Status UpdateReferral(const Referral& r) override {
    // Checked before anything is written, so that a refused update changes nothing.
    int64_t stored_history;
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "SELECT (SELECT COUNT(*) FROM referral_transitions t "
          "WHERE t.referral_id = r.referral_id) FROM referrals r WHERE r.referral_id = ?"));
      s->Bind(1, r.referral_id);
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return absl::NotFoundError(absl::StrCat("no referral ", r.referral_id));
      stored_history = s->Int(0);
    }
    if (static_cast<int64_t>(r.history.size()) < stored_history) {
      return absl::FailedPreconditionError(
          absl::StrCat("referral ", r.referral_id, " has ", stored_history,
                       " transitions stored but the update holds ", r.history.size(),
                       ": history is append-only"));
    }
    std::vector<std::string> stored_names;
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "SELECT name FROM referral_deadlines WHERE referral_id = ? ORDER BY name"));
      s->Bind(1, r.referral_id);
      while (true) {
        ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        stored_names.push_back(s->Text(0));
      }
    }
    if (SortedDeadlineNames(r.deadlines) != stored_names) {
      return absl::FailedPreconditionError(
          absl::StrCat("referral ", r.referral_id, " has the deadlines [",
                       absl::StrJoin(stored_names, ", "), "]; their names cannot change"));
    }
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "UPDATE referrals SET home_area = ?, state = ?, reason = ?, "
          "event_date = NULLIF(?, ''), note = ?, message_id = ?, relationship_id = ?, "
          "updated_at = ?, received_at = ?, accepted_at = ?, first_contact_at = ?, "
          "assessed_at = ?, engaged_at = ? WHERE referral_id = ?"));
      BindReferralState(*s, 1, r);
      s->Bind(14, r.referral_id);
      RETURN_IF_ERROR(s->ExecStatus());
    }
    RETURN_IF_ERROR(AppendTransitions(r, static_cast<size_t>(stored_history)));
    for (const ReferralDeadline& d : r.deadlines) {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "UPDATE referral_deadlines SET due_at = ?, met_at = ?, escalated_at = ? "
          "WHERE referral_id = ? AND name = ?"));
      s->BindOptionalTime(1, d.due_at)
          .BindOptionalTime(2, d.met_at)
          .BindOptionalTime(3, d.escalated_at)
          .Bind(4, r.referral_id)
          .Bind(5, d.name);
      RETURN_IF_ERROR(s->ExecStatus());
    }
    return absl::OkStatus();
  }

  absl::Status AppendAudit(const AuditEntry& e) override {
    int64_t last = 0;
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM audit_log"));
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (row) last = s->Int(0);
    }
    if (e.seq != last + 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("audit seq ", e.seq, " does not follow the last seq ", last));
    }
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO audit_log (" TC_AUDIT_COLUMNS ") VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    s->Bind(1, e.seq)
        .Bind(2, ToMicros(e.time))
        .Bind(3, e.agency_id)
        .Bind(4, e.system_id)
        .Bind(5, e.user_id)
        .Bind(6, e.role)
        .Bind(7, e.action)
        .Bind(8, e.subject_id)
        .Bind(9, e.record_id)
        .Bind(10, e.record_version)
        .Bind(11, e.purpose)
        .Bind(12, static_cast<int64_t>(e.decision))
        .Bind(13, e.reason)
        .Bind(14, e.policy_version)
        .Bind(15, e.request_id)
        .Bind(16, e.outcome)
        .Bind(17, e.basis)
        .Bind(18, e.break_glass_reason)
        .Bind(19, e.prev_hash)
        .Bind(20, e.hash);
    return s->ExecStatus();
  }

  absl::Status Atomically(absl::FunctionRef<absl::Status(WriteTx&)> fn) override {
    std::string name = absl::StrCat("nested", ++depth_);
    absl::Status status = conn_->Exec(absl::StrCat("SAVEPOINT ", name).c_str());
    if (status.ok()) {
      status = fn(*this);
      if (!status.ok()) {
        conn_->Exec(absl::StrCat("ROLLBACK TO ", name).c_str()).IgnoreError();
      }
      absl::Status release = conn_->Exec(absl::StrCat("RELEASE ", name).c_str());
      if (status.ok()) status = release;
    }
    --depth_;
    return status;
  }

  int64_t commit_number() const override { return commit_number_; }

 private:
  // Keeps delivery_consents in step with a delivery's consent_ids, which change from `before`
  // to `after`.
  absl::Status IndexDeliveryConsents(int64_t mailbox_seq, const std::vector<std::string>& before,
                                     const std::vector<std::string>& after) {
    if (before == after) return absl::OkStatus();
    for (const std::string& consent_id : before) {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "DELETE FROM delivery_consents WHERE consent_id = ? AND mailbox_seq = ?"));
      s->Bind(1, consent_id).Bind(2, mailbox_seq);
      RETURN_IF_ERROR(s->ExecStatus());
    }
    for (const std::string& consent_id : after) {
      // OR IGNORE: a consent listed twice is indexed once.
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "INSERT OR IGNORE INTO delivery_consents (consent_id, mailbox_seq) VALUES (?, ?)"));
      s->Bind(1, consent_id).Bind(2, mailbox_seq);
      RETURN_IF_ERROR(s->ExecStatus());
    }
    return absl::OkStatus();
  }

  // Decodes each row of `s` (selecting TC_REFERRAL_COLUMNS) with its history and deadlines.
  absl::StatusOr<std::vector<Referral>> ReferralsFromRows(Stmt& s) {
    std::vector<Referral> out;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(Referral r, ReferralFromRow(s));
      RETURN_IF_ERROR(LoadHistoryAndDeadlines(r));
      out.push_back(std::move(r));
    }
    return out;
  }

  // Fills in a referral's history (by seq) and deadlines (by position).
  absl::Status LoadHistoryAndDeadlines(Referral& r) {
    {
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "SELECT from_state, to_state, agency_id, user_id, reason, at "
          "FROM referral_transitions WHERE referral_id = ? ORDER BY seq"));
      s->Bind(1, r.referral_id);
      while (true) {
        ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        r.history.push_back(ReferralTransition{static_cast<ReferralState>(s->Int(0)),
                                               static_cast<ReferralState>(s->Int(1)),
                                               s->Text(2), s->Text(3), s->Text(4), s->Time(5)});
      }
    }
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT name, reach, due_at, met_at, escalated_at, supervisor_role "
        "FROM referral_deadlines WHERE referral_id = ? ORDER BY position"));
    s->Bind(1, r.referral_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      r.deadlines.push_back(ReferralDeadline{s->Text(0), static_cast<ReferralState>(s->Int(1)),
                                             s->OptionalTime(2), s->OptionalTime(3),
                                             s->OptionalTime(4), s->Text(5)});
    }
    return absl::OkStatus();
  }

  // Inserts the entries of `r.history` from index `from` on; an entry's seq is its index + 1.
  absl::Status AppendTransitions(const Referral& r, size_t from) {
    for (size_t i = from; i < r.history.size(); ++i) {
      const ReferralTransition& t = r.history[i];
      ASSIGN_OR_RETURN(auto s, conn_->Prepare(
          "INSERT INTO referral_transitions (referral_id, seq, from_state, to_state, agency_id, "
          "user_id, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
      s->Bind(1, r.referral_id)
          .Bind(2, static_cast<int64_t>(i + 1))
          .Bind(3, static_cast<int64_t>(t.from))
          .Bind(4, static_cast<int64_t>(t.to))
          .Bind(5, t.agency_id)
          .Bind(6, t.user_id)
          .Bind(7, t.reason)
          .Bind(8, ToMicros(t.at));
      RETURN_IF_ERROR(s->ExecStatus());
    }
    return absl::OkStatus();
  }

  Connection* conn_;
  const int64_t commit_number_;
  int depth_ = 0;
};

#undef TC_REFERRAL_COLUMNS
#undef TC_DELIVERY_COLUMNS
#undef TC_MESSAGE_COLUMNS
#undef TC_REVIEW_COLUMNS
#undef TC_RELATIONSHIP_COLUMNS
#undef TC_CONSENT_COLUMNS
#undef TC_AUDIT_COLUMNS

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

class SqliteStorage final : public Storage {
 public:
  SqliteStorage(SqliteOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_conn_(std::move(writer)) {
    writer_thread_ = std::thread([this] { WriterLoop(); });
    completion_thread_ = std::thread([this] { CompletionLoop(); });
  }
  ~SqliteStorage() override { Close(); }

  void Write(WriteFn fn, DoneFn done) override {
    absl::Status refused;
    {
      absl::MutexLock lock(&mu_);
      if (closing_) {
        refused = absl::UnavailableError("storage is closed");
      } else if (static_cast<int>(queue_.size()) >= options_.max_queue) {
        refused = absl::ResourceExhaustedError(absl::StrCat(
            "storage write queue is full (", options_.max_queue, " waiting); retry later"));
      } else {
        queue_.push_back(Pending{std::move(fn), std::move(done)});
        return;
      }
    }
    done(std::move(refused));
  }

  absl::Status Read(ReadFn fn) override {
    ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, BorrowReader());
    absl::Status status = conn->ExecCached("BEGIN");
    if (status.ok()) {
      SqliteTx tx(conn.get(), /*commit_number=*/0);
      status = fn(tx);
      conn->ExecCached("COMMIT").IgnoreError();  // read-only: nothing to lose
    }
    ReturnReader(std::move(conn));
    return status;
  }

  void Close() override {
    {
      absl::MutexLock lock(&mu_);
      if (closing_) return;
      closing_ = true;
    }
    writer_thread_.join();  // commits what was queued and hands over its completions
    {
      absl::MutexLock lock(&completions_mu_);
      completions_closing_ = true;
    }
    completion_thread_.join();  // calls them
  }

  StorageStats Stats() const override {
    absl::MutexLock lock(&mu_);
    return stats_;
  }

 private:
  struct Pending {
    WriteFn fn;
    DoneFn done;
  };
  struct Completion {
    DoneFn done;
    absl::Status status;
  };

  // Calls `done` callbacks in commit order, off the writer thread, so a slow reply (logging,
  // finishing a gRPC call, a read that follows the commit) never delays the next commit.
  void CompletionLoop() {
    while (true) {
      std::deque<Completion> ready;
      {
        absl::MutexLock lock(&completions_mu_);
        completions_mu_.Await(absl::Condition(
            +[](SqliteStorage* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->completions_mu_) {
              return self->completions_closing_ || !self->completions_.empty();
            },
            this));
        if (completions_.empty()) return;  // closing and drained
        ready.swap(completions_);
      }
      for (Completion& c : ready) c.done(std::move(c.status));
    }
  }

  void WriterLoop() {
    while (true) {
      std::vector<Pending> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](SqliteStorage* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
              return self->closing_ || !self->queue_.empty();
            },
            this));
        if (queue_.empty()) return;  // closing and drained
        while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      CommitBatch(batch);
    }
  }

  void CommitBatch(std::vector<Pending>& batch) {
    std::vector<absl::Status> results(batch.size());
    Connection& conn = *writer_conn_;
    ++commit_number_;
    absl::Status commit = conn.Exec("BEGIN IMMEDIATE");
    if (commit.ok()) {
      SqliteTx tx(&conn, commit_number_);
      for (size_t i = 0; i < batch.size() && commit.ok(); ++i) {
        results[i] = tx.Atomically([&](WriteTx& t) { return batch[i].fn(t); });
        // Some errors (disk full, I/O, out of memory) make SQLite roll the whole transaction
        // back by itself. Running more closures would then commit each on its own, so the batch
        // fails as a whole instead.
        if (sqlite3_get_autocommit(conn.db()) != 0) {
          commit = absl::UnavailableError(absl::StrCat(
              "storage transaction was rolled back by the database: ", results[i].message()));
        }
      }
      if (commit.ok() && options_.unsafe_reply_before_commit) {
        Complete(batch, results, commit);
        absl::SleepFor(absl::Milliseconds(100));
      }
      if (commit.ok()) commit = conn.Exec("COMMIT");
      if (!commit.ok() && sqlite3_get_autocommit(conn.db()) == 0) {
        conn.Exec("ROLLBACK").IgnoreError();
      }
    }
    {
      absl::MutexLock lock(&mu_);
      stats_.commits += 1;
      stats_.transactions += static_cast<int64_t>(batch.size());
    }
    if (!options_.unsafe_reply_before_commit) Complete(batch, results, commit);
  }

  // Hands each closure's result (or the commit's failure) to the completion thread.
  void Complete(std::vector<Pending>& batch, std::vector<absl::Status>& results,
                const absl::Status& commit) {
    absl::MutexLock lock(&completions_mu_);
    for (size_t i = 0; i < batch.size(); ++i) {
      completions_.push_back(
          Completion{std::move(batch[i].done), commit.ok() ? std::move(results[i]) : commit});
    }
  }

  absl::StatusOr<std::unique_ptr<Connection>> BorrowReader() {
    {
      absl::MutexLock lock(&readers_mu_);
      if (!readers_.empty()) {
        auto conn = std::move(readers_.back());
        readers_.pop_back();
        return conn;
      }
    }
    return Connection::Open(options_.path, /*create=*/false);
  }
  void ReturnReader(std::unique_ptr<Connection> conn) {
    absl::MutexLock lock(&readers_mu_);
    if (readers_.size() < 8) readers_.push_back(std::move(conn));
  }

  const SqliteOptions options_;
  std::unique_ptr<Connection> writer_conn_;  // used only by the writer thread
  int64_t commit_number_ = 0;                // the current or last batch's; writer thread only
  std::thread writer_thread_;

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  StorageStats stats_ ABSL_GUARDED_BY(mu_);

  std::thread completion_thread_;
  absl::Mutex completions_mu_;
  std::deque<Completion> completions_ ABSL_GUARDED_BY(completions_mu_);
  bool completions_closing_ ABSL_GUARDED_BY(completions_mu_) = false;

  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_ ABSL_GUARDED_BY(readers_mu_);
};

}  // namespace

int SqliteSchemaVersion() { return kSchemaVersion; }

absl::StatusOr<std::unique_ptr<Storage>> OpenSqliteStorage(const SqliteOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("storage path is empty");
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                   Connection::Open(options.path, /*create=*/true));
  RETURN_IF_ERROR(Migrate(*writer));
  return std::unique_ptr<Storage>(new SqliteStorage(options, std::move(writer)));
}

}  // namespace throughcare::storage
