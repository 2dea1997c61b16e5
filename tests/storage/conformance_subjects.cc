// Storage contract tests (tests/storage/conformance.h): Subjects, identifiers, subject keys and record versions.
// Written against include/throughcare/storage.h only; every backend must pass them.
#include <atomic>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "tests/storage/conformance.h"
#include "tests/storage/conformance_values.h"
#include "tests/testing/status_matchers.h"
#include "throughcare/status_macros.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using namespace conformance_values;  // NOLINT: the suite's value builders

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
}  // namespace
}  // namespace throughcare::testing
