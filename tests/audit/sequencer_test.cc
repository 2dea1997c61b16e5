// The audit sequencer and the one-time chain migration, on a real SQLite file: entries written in
// separate transactions get consecutive seqs in commit order, the stored tree is the RFC 6962
// tree over their leaf inputs, checkpoints are signed when the tree grows and the interval has
// passed, and an old hash chain is verified before it becomes a tree.
#include "services/audit/sequencer.h"

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "services/audit/entry_encoding.h"
#include "services/audit/legacy_chain.h"
#include "services/audit/merkle.h"
#include "services/audit/migrate_chain.h"
#include "services/crypto/pki.h"
#include "services/storage/sqlite_storage.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::throughcare::testing::IsOk;
using ::throughcare::testing::StatusIs;

constexpr char kOrigin[] = "test.throughcare.invalid/audit";
const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 11, 2, 9, 0, 0),
                                       absl::UTCTimeZone());

AuditEntry Access(int n) {
  AuditEntry e;
  e.time = kT0 + absl::Seconds(n);
  e.agency_id = "cjit-east";
  e.user_id = absl::StrCat("worker-", n);
  e.action = "record.read";
  e.subject_id = "sub_aaaaaaaaaaaaaaaaaaaaaaaaaa";
  e.decision = AuditDecision::kAllow;
  e.reason = "rule";
  e.request_id = absl::StrCat("req-", n);
  e.outcome = "OK";
  return e;
}

class SequencerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("tc-sequencer-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Open();
    key_pem_ = crypto::GenerateEd25519KeyPair()->private_key_pem;
    sequencer_ = std::make_unique<Sequencer>(
        clock_, *crypto::Ed25519PrivateKey::FromPem(key_pem_), kOrigin, absl::Seconds(2));
  }
  void TearDown() override {
    storage_->Close();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    storage::SqliteOptions options;
    options.path = (dir_ / "audit.db").string();
    storage_ = *storage::OpenSqliteStorage(options);
  }
  void Append(int from, int to) {
    ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
      for (int n = from; n <= to; ++n) RETURN_IF_ERROR(tx.AppendAudit(Access(n)).status());
      return absl::OkStatus();
    }), IsOk());
  }
  std::vector<AuditEntry> All() {
    std::vector<AuditEntry> out;
    EXPECT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
      AuditQuery q;
      q.limit = 1000;
      ASSIGN_OR_RETURN(AuditPage page, tx.QueryAudit(q));
      out = page.entries;
      return absl::OkStatus();
    }), IsOk());
    return out;
  }
  void Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "audit.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::filesystem::path dir_;
  FakeClock clock_{kT0};
  std::unique_ptr<Storage> storage_;
  std::string key_pem_;
  std::unique_ptr<Sequencer> sequencer_;
};

TEST_F(SequencerTest, EntriesGetConsecutiveSeqsInCommitOrderAndTheRfcTree) {
  Append(1, 3);
  Append(4, 4);
  ASSERT_OK_AND_ASSIGN(AuditTreeHead head, sequencer_->RunOnce(*storage_));
  EXPECT_EQ(head.size, 4);
  Append(5, 9);
  ASSERT_OK_AND_ASSIGN(head, sequencer_->RunOnce(*storage_));
  EXPECT_EQ(head.size, 9);

  // Recomputed here from what the log serves, with nothing of the sequencer's.
  std::vector<AuditEntry> entries = All();
  ASSERT_THAT(entries, SizeIs(9));
  merkle::TreeBuilder tree;
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(entries[i].seq, i + 1);
    EXPECT_EQ(entries[i].request_id, absl::StrCat("req-", i + 1));
    const std::string leaf = merkle::LeafHash(EncodeLeafInput(entries[i]));
    EXPECT_EQ(entries[i].leaf_hash, leaf);
    tree.Append(leaf);
  }
  EXPECT_EQ(head.root, tree.Root());
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    for (int64_t size : {1, 4, 7, 9}) {
      ASSIGN_OR_RETURN(std::string root, StoredRoot(tx, size));
      merkle::TreeBuilder prefix;
      for (int i = 0; i < size; ++i) prefix.Append(entries[i].leaf_hash);
      EXPECT_EQ(root, prefix.Root()) << size;
    }
    return absl::OkStatus();
  }), IsOk());
  // Nothing pending: a run changes nothing.
  ASSERT_OK_AND_ASSIGN(AuditTreeHead again, sequencer_->RunOnce(*storage_));
  EXPECT_EQ(again.size, 9);
  EXPECT_EQ(again.root, head.root);
}

TEST_F(SequencerTest, CheckpointsFollowTheTreeAtMostOncePerInterval) {
  ASSERT_THAT(sequencer_->RunOnce(*storage_), IsOk());  // the empty tree's checkpoint
  Append(1, 2);
  ASSERT_THAT(sequencer_->RunOnce(*storage_), IsOk());
  auto latest = [&] {
    AuditCheckpoint c;
    EXPECT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(c, tx.GetAuditCheckpoint(0));
      return absl::OkStatus();
    }), IsOk());
    return c;
  };
  EXPECT_EQ(latest().size, 0);  // grown, but the interval has not passed
  clock_.Advance(absl::Seconds(2));
  ASSERT_THAT(sequencer_->RunOnce(*storage_), IsOk());
  AuditCheckpoint c = latest();
  EXPECT_EQ(c.size, 2);
  EXPECT_EQ(c.issued_at, clock_.Now());
  ASSERT_OK_AND_ASSIGN(OpenedCheckpoint opened, OpenCheckpoint(c.note, sequencer_->log_key()));
  EXPECT_EQ(opened.checkpoint.root, c.root);
  clock_.Advance(absl::Seconds(5));
  ASSERT_THAT(sequencer_->RunOnce(*storage_), IsOk());
  EXPECT_EQ(latest().issued_at, c.issued_at);  // not grown: no new checkpoint

  Append(3, 3);
  ASSERT_THAT(storage_->WriteAndWait([&](WriteTx& tx) -> absl::Status {
    RETURN_IF_ERROR(sequencer_->SequencePending(tx).status());
    ASSIGN_OR_RETURN(AuditCheckpoint now, sequencer_->Checkpoint(tx, /*now=*/true));
    EXPECT_EQ(now.size, 3);  // asked for at once, the interval does not apply
    return absl::OkStatus();
  }), IsOk());
}

// A log written by a broker before the Merkle tree, as the schema migration leaves it: the
// entries waiting unsequenced, their chain hashes beside them.
class MigrationTest : public SequencerTest {
 protected:
  void WriteLegacyChain(int n) {
    std::string prev(64, '0');
    std::string sql = "BEGIN;";
    for (int i = 1; i <= n; ++i) {
      AuditEntry e = Access(i);
      e.seq = i;
      e.decision = AuditDecision::kAllow;
      const std::string hash = ComputeEntryHash(e, prev);
      absl::StrAppend(&sql, "INSERT INTO audit_entries (id, time, agency_id, system_id, user_id, "
                            "role, action, subject_id, record_id, record_version, purpose, "
                            "decision, reason, policy_version, request_id, outcome, basis, "
                            "break_glass_reason) VALUES (", i, ", ", absl::ToUnixMicros(e.time),
                      ", 'cjit-east', '', '", e.user_id, "', '', 'record.read', '", e.subject_id,
                      "', '', 0, '', 1, 'rule', '', '", e.request_id, "', 'OK', '', '');",
                      "INSERT INTO audit_chain_v1 VALUES (", i, ", '", prev, "', '", hash, "');");
      prev = hash;
    }
    storage_->Close();
    Exec(sql + "COMMIT;");
    Open();
  }
};

TEST_F(MigrationTest, AVerifiedChainBecomesTheTreeWithItsSeqs) {
  WriteLegacyChain(5);
  ASSERT_OK_AND_ASSIGN(int64_t migrated, MigrateLegacyChain(*storage_, *sequencer_));
  EXPECT_EQ(migrated, 5);
  std::vector<AuditEntry> entries = All();
  ASSERT_THAT(entries, SizeIs(5));
  EXPECT_EQ(entries[2].seq, 3);
  EXPECT_EQ(entries[2].request_id, "req-3");
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(*tx.ListLegacyAuditChain(0, 10), SizeIs(0));  // forgotten
    ASSIGN_OR_RETURN(AuditCheckpoint c, tx.GetAuditCheckpoint(0));
    EXPECT_EQ(c.size, 5);
    return absl::OkStatus();
  }), IsOk());
  // Running it again finds nothing to do.
  ASSERT_OK_AND_ASSIGN(migrated, MigrateLegacyChain(*storage_, *sequencer_));
  EXPECT_EQ(migrated, 0);
}

TEST_F(MigrationTest, AnAlteredChainIsRefusedNamingTheEntry) {
  WriteLegacyChain(5);
  storage_->Close();
  Exec("UPDATE audit_entries SET user_id = 'someone-else' WHERE id = 4");
  Open();
  EXPECT_THAT(MigrateLegacyChain(*storage_, *sequencer_),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("audit entry 4")));
  EXPECT_THAT(All(), SizeIs(0));  // nothing was sequenced
}

}  // namespace
}  // namespace throughcare::audit
