#include "tests/storage/conformance.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "gmock/gmock.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

Subject MakeSubject(const std::string& id) {
  Subject s;
  s.id = id;
  s.home_area = "E99999001";
  s.registered_by_agency = "prison-a";
  s.registered_at = kT0;
  return s;
}

StoredRecord MakeRecord(const std::string& id, int64_t version, const std::string& subject) {
  StoredRecord r;
  r.header.record_id = id;
  r.header.version = version;
  r.header.subject_id = subject;
  r.header.record_type = "health_summary";
  r.header.data_class = "health";
  r.header.collected_for = "direct_care";
  r.header.labels = {"mappa", "not_convicted"};
  r.header.owner_agency = "healthcare-a";
  r.header.author_user = "nurse-1";
  r.header.created_at = kT0 + absl::Seconds(version);
  r.sealed_body = absl::StrCat("sealed-", id, "-", version, std::string("\0\x01\xff", 3));
  return r;
}

AuditEntry MakeAudit(int64_t seq, const std::string& subject, const std::string& agency) {
  AuditEntry e;
  e.seq = seq;
  e.time = kT0 + absl::Seconds(seq);
  e.agency_id = agency;
  e.system_id = agency + "-system";
  e.user_id = "user-" + agency;
  e.role = "role";
  e.action = seq % 2 == 0 ? "record.read" : "record.write";
  e.subject_id = subject;
  e.purpose = "direct_care";
  e.decision = seq % 3 == 0 ? AuditDecision::kDeny : AuditDecision::kAllow;
  e.reason = "because";
  e.policy_version = "sha256:0";
  e.request_id = absl::StrCat("req-", seq);
  e.outcome = "OK";
  e.prev_hash = "p";
  e.hash = absl::StrCat("h", seq);
  return e;
}

}  // namespace

void StorageConformanceTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = absl::StrCat(GetParam().name, "_", info->name());
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              absl::StrCat("tc-conformance-", getpid(), "-", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  location_ = dir.string();
  ASSERT_OK_AND_ASSIGN(storage_, GetParam().open(location_));
}

void StorageConformanceTest::TearDown() {
  if (storage_ != nullptr) storage_->Close();
  storage_.reset();
  std::filesystem::remove_all(location_);
}

std::unique_ptr<Storage> StorageConformanceTest::Reopen() {
  storage_->Close();
  storage_.reset();
  auto reopened = GetParam().open(location_);
  EXPECT_THAT(reopened, IsOk());
  return reopened.ok() ? std::move(reopened).value() : nullptr;
}

TEST_P(StorageConformanceTest, SubjectsInsertGetAndDuplicate) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s1")); }),
              IsOk());
  EXPECT_THAT(storage_->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("s1")); }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    auto s = tx.GetSubject("s1");
    EXPECT_THAT(s, IsOk());
    if (s.ok()) {
      EXPECT_EQ(s->home_area, "E99999001");
      EXPECT_EQ(s->registered_by_agency, "prison-a");
      EXPECT_EQ(s->registered_at, kT0);
      EXPECT_THAT(s->identifiers, SizeIs(0));
    }
    EXPECT_THAT(tx.GetSubject("nobody"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, IdentifiersLinkFindUnlink) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s2")), IsOk());
    EXPECT_THAT(tx.LinkIdentifier("s1", {IdentifierKind::kNoms, "A1234BC", "prison-a", kT0}),
                IsOk());
    EXPECT_THAT(tx.LinkIdentifier("s1", {IdentifierKind::kCrn, "X123456", "probation", kT0}),
                IsOk());
    // The same value under another kind is a different identifier.
    EXPECT_THAT(tx.LinkIdentifier("s2", {IdentifierKind::kCrn, "A1234BC", "probation", kT0}),
                IsOk());
    EXPECT_THAT(tx.LinkIdentifier("s2", {IdentifierKind::kNoms, "A1234BC", "prison-b", kT0}),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.LinkIdentifier("s1", {IdentifierKind::kNoms, "A1234BC", "prison-a", kT0}),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.LinkIdentifier("nobody", {IdentifierKind::kPnc, "01/0000001Z", "p", kT0}),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.FindSubjectByIdentifier(IdentifierKind::kNoms, "A1234BC"),
                ::testing::Eq(absl::StatusOr<std::string>("s1")));
    EXPECT_THAT(tx.FindSubjectByIdentifier(IdentifierKind::kCrn, "A1234BC"),
                ::testing::Eq(absl::StatusOr<std::string>("s2")));
    EXPECT_THAT(tx.FindSubjectByIdentifier(IdentifierKind::kNhsNumber, "9990000018"),
                StatusIs(absl::StatusCode::kNotFound));
    auto s = tx.GetSubject("s1");
    EXPECT_THAT(s, IsOk());
    if (s.ok()) {
      EXPECT_THAT(s->identifiers, SizeIs(2));
      EXPECT_EQ(s->identifiers[0].kind, IdentifierKind::kNoms);
      EXPECT_EQ(s->identifiers[1].value, "X123456");
      EXPECT_EQ(s->identifiers[1].linked_by_agency, "probation");
    }
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.UnlinkIdentifier("s2", IdentifierKind::kNoms, "A1234BC"),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.UnlinkIdentifier("s1", IdentifierKind::kNoms, "A1234BC"), IsOk());
    // Once unlinked, the identifier can be linked to someone else.
    EXPECT_THAT(tx.LinkIdentifier("s2", {IdentifierKind::kNoms, "A1234BC", "prison-b", kT0}),
                IsOk());
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, HomeAreaAndSubjectKeys) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.SetHomeArea("s1", "W99999002"), IsOk());
    EXPECT_THAT(tx.SetHomeArea("nobody", "W99999002"), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.PutWrappedSubjectKey("s1", std::string("k\0ey", 4)), IsOk());
    EXPECT_THAT(tx.PutWrappedSubjectKey("s1", "other"), StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.PutWrappedSubjectKey("nobody", "k"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_EQ(tx.GetSubject("s1")->home_area, "W99999002");
    EXPECT_THAT(tx.GetWrappedSubjectKey("s1"),
                ::testing::Eq(absl::StatusOr<std::string>(std::string("k\0ey", 4))));
    EXPECT_THAT(tx.GetWrappedSubjectKey("s2"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, RecordVersionsAreOptimisticallyConcurrent) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 1, "s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 1, "s1")),
                StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 3, "s1")),
                StatusIs(absl::StatusCode::kAborted, HasSubstr("version 1")));
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 2, "s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 2, "s1")),
                StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r2", 1, "s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r3", 1, "nobody")),
                StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    auto latest = tx.GetRecord("r1", 0);
    EXPECT_THAT(latest, IsOk());
    if (latest.ok()) {
      EXPECT_EQ(latest->header.version, 2);
      EXPECT_EQ(latest->sealed_body, MakeRecord("r1", 2, "s1").sealed_body);
      EXPECT_THAT(latest->header.labels, ElementsAre("mappa", "not_convicted"));
      EXPECT_EQ(latest->header.created_at, kT0 + absl::Seconds(2));
    }
    EXPECT_EQ(tx.GetRecord("r1", 1)->header.version, 1);
    EXPECT_THAT(tx.GetRecord("r1", 9), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.GetRecord("none", 0), StatusIs(absl::StatusCode::kNotFound));
    auto list = tx.ListLatestRecords("s1");
    EXPECT_THAT(list, IsOk());
    if (list.ok()) {
      EXPECT_THAT(*list, SizeIs(2));
      EXPECT_EQ((*list)[0].header.record_id, "r1");
      EXPECT_EQ((*list)[0].header.version, 2);
      EXPECT_EQ((*list)[1].header.record_id, "r2");
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AuditAppendQueryAndScan) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.LastAuditEntry(), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(tx.AppendAudit(MakeAudit(2, "s1", "a")),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    for (int64_t seq = 1; seq <= 10; ++seq) {
      EXPECT_THAT(tx.AppendAudit(MakeAudit(seq, seq <= 6 ? "s1" : "s2", seq % 2 ? "a" : "b")),
                  IsOk());
    }
    EXPECT_THAT(tx.AppendAudit(MakeAudit(10, "s1", "a")),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_EQ(tx.LastAuditEntry()->seq, 10);
    EXPECT_EQ(tx.LastAuditEntry()->hash, "h10");

    AuditQuery q;
    q.subject_id = "s1";
    q.limit = 4;
    auto page = tx.QueryAudit(q);
    EXPECT_THAT(page, IsOk());
    EXPECT_THAT(page->entries, SizeIs(4));
    EXPECT_TRUE(page->more);
    q.after_seq = page->entries.back().seq;
    page = tx.QueryAudit(q);
    EXPECT_THAT(page->entries, SizeIs(2));
    EXPECT_FALSE(page->more);
    EXPECT_EQ(page->entries.back().seq, 6);

    AuditQuery by_agency;
    by_agency.agency_id = "b";
    by_agency.action = "record.read";
    by_agency.decision = AuditDecision::kDeny;
    page = tx.QueryAudit(by_agency);
    // Even seqs are agency b and record.read; multiples of 3 are denials: 6.
    EXPECT_THAT(page->entries, SizeIs(1));
    EXPECT_EQ(page->entries[0].seq, 6);
    EXPECT_EQ(page->entries[0].request_id, "req-6");
    EXPECT_EQ(page->entries[0].system_id, "b-system");

    AuditQuery by_time;
    by_time.from = kT0 + absl::Seconds(3);
    by_time.until = kT0 + absl::Seconds(5);
    by_time.user_id = "user-a";
    page = tx.QueryAudit(by_time);
    EXPECT_THAT(page->entries, SizeIs(1));
    EXPECT_EQ(page->entries[0].seq, 3);

    std::vector<int64_t> seen;
    EXPECT_THAT(tx.ScanAudit(7, [&](const AuditEntry& e) {
      seen.push_back(e.seq);
      return e.seq < 9;
    }), IsOk());
    EXPECT_THAT(seen, ElementsAre(8, 9));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, FailedClosureLeavesNothingAndOthersInTheBatchCommit) {
  constexpr int kWriters = 64;
  absl::BlockingCounter finished(kWriters);
  std::vector<absl::Status> results(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    storage_->Write(
        [i](WriteTx& tx) -> absl::Status {
          absl::Status s = tx.InsertSubject(MakeSubject(absl::StrCat("s", i)));
          if (!s.ok()) return s;
          if (i % 4 == 0) return absl::InvalidArgumentError("refused after writing");
          return absl::OkStatus();
        },
        [&, i](absl::Status s) {
          results[i] = std::move(s);
          finished.DecrementCount();
        });
  }
  finished.Wait();
  StorageStats stats = storage_->Stats();
  EXPECT_LT(stats.commits, kWriters) << "concurrent writes should share commits";
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([&](ReadTx& tx) -> absl::Status {
    for (int i = 0; i < kWriters; ++i) {
      if (i % 4 == 0) {
        EXPECT_THAT(results[i], StatusIs(absl::StatusCode::kInvalidArgument));
        EXPECT_THAT(tx.GetSubject(absl::StrCat("s", i)), StatusIs(absl::StatusCode::kNotFound));
      } else {
        EXPECT_THAT(results[i], IsOk());
        EXPECT_THAT(tx.GetSubject(absl::StrCat("s", i)), IsOk());
      }
    }
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, AtomicallyUndoesOnlyItsOwnWrites) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("kept-before")), IsOk());
    EXPECT_THAT(tx.Atomically([](WriteTx& t) -> absl::Status {
      EXPECT_THAT(t.InsertSubject(MakeSubject("undone")), IsOk());
      return absl::AbortedError("changed my mind");
    }), StatusIs(absl::StatusCode::kAborted));
    EXPECT_THAT(tx.Atomically([](WriteTx& t) { return t.InsertSubject(MakeSubject("kept-inner")); }),
                IsOk());
    EXPECT_THAT(tx.InsertSubject(MakeSubject("kept-after")), IsOk());
    return absl::OkStatus();
  }), IsOk());
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetSubject("kept-before"), IsOk());
    EXPECT_THAT(tx.GetSubject("kept-inner"), IsOk());
    EXPECT_THAT(tx.GetSubject("kept-after"), IsOk());
    EXPECT_THAT(tx.GetSubject("undone"), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, CommittedWritesSurviveReopen) {
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    EXPECT_THAT(tx.InsertSubject(MakeSubject("s1")), IsOk());
    EXPECT_THAT(tx.InsertRecordVersion(MakeRecord("r1", 1, "s1")), IsOk());
    return tx.AppendAudit(MakeAudit(1, "s1", "a"));
  }), IsOk());
  storage_ = Reopen();
  ASSERT_NE(storage_, nullptr);
  ASSERT_THAT(storage_->Read([](ReadTx& tx) -> absl::Status {
    EXPECT_THAT(tx.GetSubject("s1"), IsOk());
    EXPECT_THAT(tx.GetRecord("r1", 1), IsOk());
    EXPECT_EQ(tx.LastAuditEntry()->seq, 1);
    return absl::OkStatus();
  }), IsOk());
}

TEST_P(StorageConformanceTest, ConcurrentReadersSeeOnlyCommittedState) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop.load()) {
      absl::Status s = storage_->Read([&](ReadTx& tx) -> absl::Status {
        // Subjects are written in pairs in one closure: a reader must never see half a pair.
        auto a = tx.GetSubject("pair-a");
        auto b = tx.GetSubject("pair-b");
        if (a.ok() != b.ok()) bad.fetch_add(1);
        return absl::OkStatus();
      });
      if (!s.ok()) bad.fetch_add(1);
    }
  });
  ASSERT_THAT(storage_->WriteAndWait([](WriteTx& tx) -> absl::Status {
    absl::Status s = tx.InsertSubject(MakeSubject("pair-a"));
    if (!s.ok()) return s;
    return tx.InsertSubject(MakeSubject("pair-b"));
  }), IsOk());
  absl::SleepFor(absl::Milliseconds(20));
  stop.store(true);
  reader.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_P(StorageConformanceTest, WritesAfterCloseAreRefused) {
  storage_->Close();
  EXPECT_THAT(storage_->WriteAndWait([](WriteTx& tx) { return tx.InsertSubject(MakeSubject("x")); }),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace throughcare::testing
