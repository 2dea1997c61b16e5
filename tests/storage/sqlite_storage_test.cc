#include "services/storage/sqlite_storage.h"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "tests/storage/conformance.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// A fresh, empty directory for one test.
std::string TestDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Runs `sql` on the database file with a raw connection; returns the first column of each row.
std::optional<std::vector<std::string>> RawQuery(const std::string& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open((dir + "/throughcare.db").c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return std::nullopt;
  }
  std::vector<std::string> rows;
  char* err = nullptr;
  int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int, char** values, char**) {
        static_cast<std::vector<std::string>*>(out)->push_back(values[0] ? values[0] : "NULL");
        return 0;
      },
      &rows, &err);
  if (rc != SQLITE_OK) ADD_FAILURE() << sql << ": " << (err ? err : "") << " (" << rc << ")";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK) return std::nullopt;
  return rows;
}

// Schema version 1 exactly as released, to test upgrading a database written by that broker.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
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
INSERT INTO schema_migrations VALUES (1, 0);
)sql";

absl::StatusOr<std::unique_ptr<Storage>> OpenSqlite(const std::string& dir,
                                                    Notifier* notifier = nullptr) {
  storage::SqliteOptions options;
  options.path = dir + "/throughcare.db";
  options.notifier = notifier;
  return storage::OpenSqliteStorage(options);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StorageConformanceTest,
                         ::testing::Values(StorageFactory{
                             "sqlite",
                             [](const std::string& dir, Notifier& notifier) {
                               return OpenSqlite(dir, &notifier);
                             }}),
                         StorageFactoryName);

TEST(SqliteStorageTest, RefusesADatabaseFromANewerBroker) {
  std::string dir = ::testing::TempDir() + "/tc-sqlite-newer";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
    s->Close();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/throughcare.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (999, 0)", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_THAT(OpenSqlite(dir), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        ::testing::HasSubstr("newer")));
}

// A file damaged where its tables are (as a failing disk or a copy made mid-write leaves it) is
// found by PRAGMA quick_check as it is opened, and refused naming the file.
TEST(SqliteStorageTest, RefusesToOpenACorruptDatabaseNamingTheFile) {
  const std::string dir = TestDir("tc-sqlite-corrupt");
  const std::string path = dir + "/throughcare.db";
  {
    ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
    for (int i = 0; i < 500; ++i) {
      ASSERT_THAT(s->WriteAndWait([i](WriteTx& tx) {
        Subject subject;
        subject.id = absl::StrCat("sub_", i);
        subject.home_area = "E99999001";
        return tx.InsertSubject(subject);
      }), IsOk());
    }
    s->Close();
  }
  // The last connection closed checkpointed the log into the file; damage its last pages.
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 8 * 4096u);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size - 3 * 4096));
    const std::string junk(2 * 4096, '\xa5');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  EXPECT_THAT(OpenSqlite(dir),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(path), HasSubstr("quick_check"), HasSubstr("corrupt"))));
}

TEST(SqliteStorageTest, RefusesAFileThatIsNotADatabaseNamingIt) {
  const std::string dir = TestDir("tc-sqlite-not-a-database");
  const std::string path = dir + "/throughcare.db";
  {
    std::ofstream file(path);
    for (int i = 0; i < 1000; ++i) file << "these are not the pages of a database\n";
  }
  EXPECT_THAT(OpenSqlite(dir), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(path)));
}

// synchronous=FULL is a per-connection setting and cannot be seen from another connection;
// the journal mode is stored in the file.
TEST(SqliteStorageTest, UsesWriteAheadLog) {
  std::string dir = ::testing::TempDir() + "/tc-sqlite-pragmas";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
  s->Close();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/throughcare.db").c_str(), &db), SQLITE_OK);
  std::string mode;
  sqlite3_exec(
      db, "PRAGMA journal_mode",
      [](void* out, int, char** values, char**) {
        *static_cast<std::string*>(out) = values[0];
        return 0;
      },
      &mode, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(mode, "wal");
}

TEST(SqliteStorageTest, SchemaVersionIsNine) { EXPECT_EQ(storage::SqliteSchemaVersion(), 9); }

TEST(SqliteStorageTest, MigratesAVersionOneDatabase) {
  std::string dir = TestDir("tc-sqlite-migrate-v1");
  const absl::Time t = absl::FromUnixSeconds(1'800'000'000);
  {
    std::string v1 = std::string(kSchemaV1) + absl::StrCat(
        "INSERT INTO subjects VALUES ('s1', 'E99999001', 'prison-a', ", absl::ToUnixMicros(t),
        "); INSERT INTO audit_log VALUES (1, ", absl::ToUnixMicros(t),
        ", 'a', 'a-sys', 'u', 'role', 'record.read', 's1', 'r1', 2, 'direct_care', 1, "
        "'because', 'sha256:0', 'req-1', 'OK', 'prev', 'hash1');");
    ASSERT_TRUE(RawQuery(dir, v1).has_value());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
    // The entry written before the migration waits, with its chain hashes, for the broker to
    // verify the chain and sequence it: empty basis and reason, every other field where it was.
    ASSERT_THAT(s->Read([&](ReadTx& tx) -> absl::Status {
      EXPECT_EQ(tx.GetAuditTreeHead()->size, 0);
      auto chain = tx.ListLegacyAuditChain(0, 10);
      EXPECT_THAT(chain, IsOk());
      if (chain.ok() && chain->size() == 1) {
        const AuditEntry& e = (*chain)[0].entry;
        EXPECT_EQ(e.seq, 1);
        EXPECT_EQ(e.time, t);
        EXPECT_EQ(e.record_version, 2);
        EXPECT_EQ(e.outcome, "OK");
        EXPECT_EQ(e.basis, "");
        EXPECT_EQ(e.break_glass_reason, "");
        EXPECT_EQ((*chain)[0].prev_hash, "prev");
        EXPECT_EQ((*chain)[0].hash, "hash1");
      } else {
        ADD_FAILURE() << "expected the one chained entry";
      }
      return absl::OkStatus();
    }), IsOk());
    ASSERT_THAT(s->WriteAndWait([&](WriteTx& tx) -> absl::Status {
      AuditEntry e;
      e.seq = 2;
      e.time = t;
      e.decision = AuditDecision::kAllow;
      e.basis = "role rule";
      e.break_glass_reason = "emergency";
      ASSIGN_OR_RETURN(int64_t entry, tx.AppendAudit(e));
      Consent c;
      c.consent_id = "con_1";
      c.subject_id = "s1";
      c.valid_from = t;
      c.valid_until = t + absl::Hours(1);
      c.recorded_at = t;
      RETURN_IF_ERROR(tx.InsertConsentVersion(c));
      Relationship r;
      r.relationship_id = "rel_1";
      r.subject_id = "s1";
      r.started_at = t;
      RETURN_IF_ERROR(tx.InsertRelationship(r));
      ReviewItem item;
      item.review_id = "rev_1";
      item.audit_entry = entry;
      item.opened_at = t;
      RETURN_IF_ERROR(tx.InsertReviewItem(item));
      Message m;
      m.message_id = "msg_1";
      m.subject_id = "s1";
      m.idempotency_key = "key-1";
      RETURN_IF_ERROR(tx.InsertMessage(m));
      Delivery d;
      d.message_id = "msg_1";
      d.recipient_agency = "probation-a";
      d.consent_ids = {"con_1"};
      RETURN_IF_ERROR(tx.InsertDelivery(d).status());
      Referral ref;
      ref.referral_id = "ref_1";
      ref.subject_id = "s1";
      ref.idempotency_key = "key-1";
      ref.event_date = absl::CivilDay(2027, 1, 29);
      ref.history = {{ReferralState::kSent, ReferralState::kReceived, "housing-b", "u", "", t}};
      ref.deadlines = {{"acknowledged", ReferralState::kReceived, t, std::nullopt, std::nullopt,
                        "duty-manager"}};
      return tx.InsertReferral(ref);
    }), IsOk());
    s->Close();
  }
  EXPECT_THAT(RawQuery(dir, "SELECT MAX(version) FROM schema_migrations"),
              ::testing::Optional(::testing::ElementsAre(
                  std::to_string(storage::SqliteSchemaVersion()))));
  EXPECT_THAT(RawQuery(dir, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                            "('consents', 'relationships', 'review_items', 'messages', "
                            "'deliveries', 'delivery_consents', 'referrals', "
                            "'referral_transitions', 'referral_deadlines') ORDER BY name"),
              ::testing::Optional(::testing::ElementsAre(
                  "consents", "deliveries", "delivery_consents", "messages", "referral_deadlines",
                  "referral_transitions", "referrals", "relationships", "review_items")));
  EXPECT_THAT(RawQuery(dir, "SELECT referral_id || ':' || event_date || ':' || "
                            "(SELECT COUNT(*) FROM referral_transitions) || ':' || "
                            "(SELECT COUNT(*) FROM referral_deadlines) FROM referrals"),
              ::testing::Optional(::testing::ElementsAre("ref_1:2027-01-29:1:1")));
  EXPECT_THAT(RawQuery(dir, "SELECT id || ':' || basis || ':' || break_glass_reason "
                            "FROM audit_entries ORDER BY id"),
              ::testing::Optional(::testing::ElementsAre("1::", "2:role rule:emergency")));
  // Foreign keys hold on the new tables (the contract's NotFound for unknown subjects).
  EXPECT_THAT(RawQuery(dir, "PRAGMA foreign_key_check"),
              ::testing::Optional(::testing::IsEmpty()));
  // Opening a migrated database again applies nothing twice.
  ASSERT_OK_AND_ASSIGN(auto again, OpenSqlite(dir));
  again->Close();
  EXPECT_THAT(RawQuery(dir, "SELECT COUNT(*) FROM schema_migrations"),
              ::testing::Optional(
                  ::testing::ElementsAre(absl::StrCat(storage::SqliteSchemaVersion()))));
}

TEST(SqliteStorageTest, FreshDatabaseHasTheLatestSchema) {
  std::string dir = TestDir("tc-sqlite-fresh-schema");
  {
    ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
    s->Close();
  }
  EXPECT_THAT(RawQuery(dir, "SELECT version FROM schema_migrations ORDER BY version"),
              ::testing::Optional(
                  ::testing::ElementsAre("1", "2", "3", "4", "5", "6", "7", "8", "9")));
  EXPECT_THAT(RawQuery(dir, "SELECT name FROM pragma_index_list('deliveries') "
                            "WHERE name = 'deliveries_by_sender'"),
              ::testing::Optional(::testing::ElementsAre("deliveries_by_sender")));
  EXPECT_THAT(RawQuery(dir, "SELECT name FROM pragma_table_info('audit_entries') "
                            "WHERE name IN ('seq', 'leaf_hash', 'basis') ORDER BY name"),
              ::testing::Optional(::testing::ElementsAre("basis", "leaf_hash", "seq")));
  EXPECT_THAT(RawQuery(dir, "SELECT size FROM audit_tree_head"),
              ::testing::Optional(::testing::ElementsAre("0")));
}

TEST(SqliteStorageTest, RefusesIdListsTheEncodingCannotHold) {
  std::string dir = TestDir("tc-sqlite-id-lists");
  ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
  Subject subject;
  subject.id = "s1";
  ASSERT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertSubject(subject); }), IsOk());
  Consent c;
  c.consent_id = "con_1";
  c.subject_id = "s1";
  c.purposes = {"direct_care,research"};
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertConsentVersion(c); }),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("purposes")));
  c.purposes = {};
  c.data_classes = {""};
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertConsentVersion(c); }),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("data_classes")));

  Message m;
  m.message_id = "msg_1";
  m.records = {{"rec_1", 1}, {"rec_2,rec_3", 1}};
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertMessage(m); }),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("records")));
  m.records = {{"", 1}};
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertMessage(m); }),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("records")));
  m.records = {};
  m.notice_message_ids = {"msg_a,msg_b"};
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertMessage(m); }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("notice_message_ids")));
  m.notice_message_ids = {};
  ASSERT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertMessage(m); }), IsOk());
  Delivery d;
  d.message_id = "msg_1";
  d.recipient_agency = "probation-a";
  d.consent_ids = {"con_1,con_2"};
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertDelivery(d).status(); }),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("consent_ids")));
  d.consent_ids = {"con_1"};
  ASSERT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertDelivery(d).status(); }),
              IsOk());
  d.consent_ids = {"con_1", ""};
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.UpdateDelivery(d); }),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("consent_ids")));
  Referral ref;
  ref.referral_id = "ref_1";
  ref.subject_id = "s1";
  ref.records = {{"rec_1", 1}, {"rec_2,rec_3", 1}};
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertReferral(ref); }),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("records")));
  ref.records = {{"", 1}};
  EXPECT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertReferral(ref); }),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("records")));
  // The refused writes left nothing behind.
  ASSERT_THAT(s->Read([](ReadTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Message got, tx.GetMessage("msg_1"));
    EXPECT_THAT(got.records, ::testing::IsEmpty());
    ASSIGN_OR_RETURN(std::vector<Delivery> deliveries, tx.ListDeliveries("msg_1"));
    EXPECT_THAT(deliveries, ::testing::SizeIs(1));
    if (deliveries.size() == 1) {
      EXPECT_THAT(deliveries[0].consent_ids, ::testing::ElementsAre("con_1"));
    }
    EXPECT_THAT(tx.GetReferral("ref_1"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  s->Close();
}

// Deadlines are kept and updated by name (one row per referral and name): two of one name are
// refused before anything is written.
TEST(SqliteStorageTest, RefusesReferralDeadlinesOfOneName) {
  std::string dir = TestDir("tc-sqlite-deadline-names");
  ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
  Subject subject;
  subject.id = "s1";
  ASSERT_THAT(s->WriteAndWait([&](WriteTx& tx) { return tx.InsertSubject(subject); }), IsOk());
  Referral ref;
  ref.referral_id = "ref_1";
  ref.subject_id = "s1";
  ref.history = {{ReferralState::kSent, ReferralState::kReceived, "housing-b", "u", "", {}}};
  ref.deadlines = {{"acknowledged", ReferralState::kReceived, std::nullopt, std::nullopt,
                    std::nullopt, "a"},
                   {"accepted", ReferralState::kAccepted, std::nullopt, std::nullopt,
                    std::nullopt, "b"},
                   {"acknowledged", ReferralState::kReceived, std::nullopt, std::nullopt,
                    std::nullopt, "c"}};
  ASSERT_THAT(s->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertReferral(ref), StatusIs(absl::StatusCode::kInvalidArgument,
                                                 ::testing::HasSubstr("'acknowledged'")));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(s->Read([](ReadTx& tx) {
    EXPECT_THAT(tx.GetReferral("ref_1"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  s->Close();
  EXPECT_THAT(RawQuery(dir, "SELECT (SELECT COUNT(*) FROM referrals) + "
                            "(SELECT COUNT(*) FROM referral_transitions) + "
                            "(SELECT COUNT(*) FROM referral_deadlines)"),
              ::testing::Optional(::testing::ElementsAre("0")));
}

TEST(SqliteStorageTest, InfiniteTimesRoundTrip) {
  std::string dir = TestDir("tc-sqlite-infinite");
  ASSERT_OK_AND_ASSIGN(auto s, OpenSqlite(dir));
  Subject subject;
  subject.id = "s1";
  Consent c;
  c.consent_id = "con_1";
  c.subject_id = "s1";
  c.valid_from = absl::InfinitePast();
  c.valid_until = absl::InfiniteFuture();
  ASSERT_THAT(s->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.InsertSubject(subject));
    return tx.InsertConsentVersion(c);
  }), IsOk());
  ASSERT_THAT(s->Read([](ReadTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Consent got, tx.GetConsent("con_1"));
    EXPECT_EQ(got.valid_from, absl::InfinitePast());
    EXPECT_EQ(got.valid_until, absl::InfiniteFuture());
    return absl::OkStatus();
  }), IsOk());
  s->Close();
}

}  // namespace
}  // namespace throughcare::testing
