// AuditService against the real broker: every access is logged with who, what, why and the
// decision; auditors query it; the log verifies against the checkpoints the broker signs, and a
// rewrite by someone holding the database and even the signing key is caught by an auditor or a
// witness holding an earlier checkpoint.

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/audit_verify.h"
#include "gmock/gmock.h"
#include "services/audit/proof_bundle.h"
#include "services/core/files.h"
#include "tests/integration/direct_database.h"
#include "tests/integration/audit_story.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class AuditTest : public AuditStoryTest {
 protected:
  // The latest signed checkpoint, as `throughcare audit checkpoint` prints it.
  std::string KeepCheckpoint() {
    std::unique_ptr<client::Connection> c = ClientConnection(kAuditor);
    absl::StatusOr<audit::OpenedCheckpoint> opened = client::FetchCheckpoint(*c, "audit", 0, Trust());
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? audit::FormatNote(opened->note) : "";
  }
  // One round of `throughcare audit witness` for `agency`, with `state` kept between rounds.
  absl::StatusOr<client::WitnessResult> Witness(const std::string& agency, std::string& state) {
    const Actor witness{agency, "witness-1", "witness", "audit"};
    std::unique_ptr<client::Connection> c = ClientConnection(witness);
    auto key = crypto::Ed25519PrivateKey::FromPem(
        ReadDevFile(absl::StrCat("keys/", agency, "-witness.pem")));
    EXPECT_TRUE(key.ok());
    absl::StatusOr<client::WitnessResult> r =
        client::WitnessOnce(*c, "audit", Trust(), state,
                            absl::StrCat("dev.throughcare.invalid/witness/", agency), **key,
                            clock_.Now());
    if (r.ok()) state = r->state;
    return r;
  }
  // What someone with the database file and the signing key can do: change the entries, then
  // have every leaf, subtree and checkpoint recomputed, so the new log is internally perfect.
  void RewriteLog(const std::string& sql) {
    ExecSql(absl::StrCat(sql, ";UPDATE audit_entries SET seq = NULL, leaf_hash = NULL;"
                              "DELETE FROM audit_tree_nodes;"
                              "UPDATE audit_tree_head SET size = 0, root = substr(root, 1, 0);"
                              "DELETE FROM audit_cosignatures; DELETE FROM audit_checkpoints;"));
  }

  void ExecSql(const std::string& sql) {
    StopBroker();
    ASSERT_THAT(DirectExec(config_, sql), IsOk());
    StartBroker();
  }

};

TEST_F(AuditTest, EveryAccessIsLoggedWithWhoWhatWhyAndTheDecision) {
  v1::QueryAuditLogRequest req;
  req.set_subject_id(subject_id_);
  v1::QueryAuditLogResponse resp;
  ASSERT_TRUE(Query(req, &resp).ok());
  std::vector<std::string> actions;
  for (const auto& e : resp.entries()) actions.push_back(e.action());
  EXPECT_THAT(actions, ElementsAre("subject.register", "relationship.write", "relationship.write",
                                   "record.write", "consent.write", "relationship.write",
                                   "relationship.write", "record.read", "record.read"));
  ASSERT_THAT(resp.entries(), SizeIs(9));

  const v1::AuditEntry& write = resp.entries(3);
  EXPECT_EQ(write.basis(), "own agency's record");

  const v1::AuditEntry& read = resp.entries(7);
  EXPECT_EQ(read.agency_id(), "probation-east");
  EXPECT_EQ(read.system_id(), "probation-east-system");
  EXPECT_EQ(read.user_id(), "om-1");
  EXPECT_EQ(read.role(), "offender_manager");
  EXPECT_EQ(read.record_id(), record_id_);
  EXPECT_EQ(read.record_version(), 1);
  EXPECT_EQ(read.purpose(), "offender_management");
  EXPECT_EQ(read.decision(), v1::DECISION_ALLOW);
  EXPECT_THAT(read.reason(), HasSubstr("rule"));
  EXPECT_EQ(read.basis(), absl::StrCat("consent ", consent_id_, " v1"));
  EXPECT_THAT(read.policy_version(), ::testing::StartsWith("sha256:"));
  EXPECT_THAT(read.request_id(), ::testing::StartsWith("req_"));
  EXPECT_EQ(read.outcome(), "OK");

  const v1::AuditEntry& refused = resp.entries(8);
  EXPECT_EQ(refused.agency_id(), "housing-east");
  EXPECT_EQ(refused.decision(), v1::DECISION_DENY);
  EXPECT_EQ(refused.outcome(), "PERMISSION_DENIED");
  EXPECT_THAT(refused.reason(), HasSubstr("housing_officer"));
  EXPECT_EQ(refused.basis(), "");
}

TEST_F(AuditTest, QueriesFilterAndPaginate) {
  v1::QueryAuditLogRequest deny;
  deny.set_decision(v1::DECISION_DENY);
  v1::QueryAuditLogResponse resp;
  ASSERT_TRUE(Query(deny, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));
  EXPECT_EQ(resp.entries(0).user_id(), "housing-officer-1");

  v1::QueryAuditLogRequest by_agency;
  by_agency.set_agency_id("probation-east");
  by_agency.set_action("record.read");
  ASSERT_TRUE(Query(by_agency, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));

  v1::QueryAuditLogRequest by_user;
  by_user.set_user_id("nurse-1");
  ASSERT_TRUE(Query(by_user, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(3));
  EXPECT_EQ(resp.entries(1).action(), "record.write");

  v1::QueryAuditLogRequest future;
  future.mutable_from_time()->set_seconds(absl::ToUnixSeconds(clock_.Now() + absl::Hours(1)));
  ASSERT_TRUE(Query(future, &resp).ok());
  EXPECT_THAT(resp.entries(), SizeIs(0));

  v1::QueryAuditLogRequest paged;
  paged.set_subject_id(subject_id_);
  paged.set_action("record.read");
  paged.mutable_page()->set_page_size(1);
  ASSERT_TRUE(Query(paged, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));
  EXPECT_EQ(resp.entries(0).decision(), v1::DECISION_ALLOW);
  ASSERT_FALSE(resp.next_page_token().empty());
  paged.mutable_page()->set_page_token(resp.next_page_token());
  ASSERT_TRUE(Query(paged, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));
  EXPECT_EQ(resp.entries(0).decision(), v1::DECISION_DENY);
  EXPECT_TRUE(resp.next_page_token().empty());

  // The auditor's queries about this person are themselves in the log, about the person.
  v1::QueryAuditLogRequest queries;
  queries.set_subject_id(subject_id_);
  queries.set_action("audit.query");
  ASSERT_TRUE(Query(queries, &resp).ok());
  EXPECT_THAT(resp.entries(), SizeIs(2));
}

TEST_F(AuditTest, QueriesAreThemselvesAuditedAndNeedTheAuditorRole) {
  v1::QueryAuditLogResponse resp;
  ASSERT_TRUE(Query(v1::QueryAuditLogRequest(), &resp).ok());
  v1::QueryAuditLogRequest by_auditor;
  by_auditor.set_user_id("auditor-1");
  ASSERT_TRUE(Query(by_auditor, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1)) << "the first query is logged before the second runs";
  EXPECT_EQ(resp.entries(0).action(), "audit.query");

  v1::QueryAuditLogRequest req;
  req.set_purpose("offender_management");
  grpc::Status s = Query(req, &resp, kOffenderManager);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("audit.read"));
}

TEST_F(AuditTest, BadQueryFieldsAreInvalidArgument) {
  v1::QueryAuditLogResponse resp;
  v1::QueryAuditLogRequest req;
  req.mutable_page()->set_page_size(5000);
  grpc::Status s = Query(req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("page.page_size"));
  req = v1::QueryAuditLogRequest();
  req.mutable_page()->set_page_token("yesterday");
  EXPECT_THAT(Query(req, &resp).error_message(), ::testing::StartsWith("page.page_token"));
  req = v1::QueryAuditLogRequest();
  req.mutable_from_time()->set_seconds(200);
  req.mutable_until_time()->set_seconds(100);
  EXPECT_THAT(Query(req, &resp).error_message(), ::testing::StartsWith("until_time"));
  req = v1::QueryAuditLogRequest();
  req.set_subject_id("someone");
  EXPECT_THAT(Query(req, &resp).error_message(), ::testing::StartsWith("subject_id"));
}

TEST_F(AuditTest, AnUntouchedLogVerifiesAgainstItsSignedCheckpoint) {
  ASSERT_OK_AND_ASSIGN(client::VerifyResult r, Verify());
  // The nine accesses; the verification's own calls are logged after the checkpoint it checks.
  EXPECT_EQ(r.checkpoint.checkpoint.size, 9u);
  const std::string kept = KeepCheckpoint();
  clock_.Advance(absl::Seconds(2));  // a new checkpoint, over the verification's own entries
  ASSERT_OK_AND_ASSIGN(r, Verify(kept));
  ASSERT_TRUE(r.earlier.has_value());
  EXPECT_GT(r.checkpoint.checkpoint.size, r.earlier->size);
}

TEST_F(AuditTest, ARewriteWithEveryHashRecomputedIsCaughtByAKeptCheckpoint) {
  const std::string kept = KeepCheckpoint();
  std::string state;
  ASSERT_THAT(Witness("probation-east", state), IsOk());
  // Delete the probation read of the health summary (entry 8), and turn housing's refusal
  // (entry 9) into an allowed read.
  RewriteLog("DELETE FROM audit_entries WHERE seq = 8;"
             "UPDATE audit_entries SET decision = 1, outcome = 'OK' WHERE seq = 9");
  // The rewritten log is consistent in itself: an auditor with no history is fooled ...
  ASSERT_THAT(Verify(), IsOk());
  // ... but not one holding a checkpoint from before, nor a witness.
  absl::StatusOr<client::VerifyResult> r = Verify(kept);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kDataLoss, HasSubstr("rewritten")));
  EXPECT_EQ(client::OriginOf(r.status()), client::ErrorOrigin::kVerification);
  absl::StatusOr<client::WitnessResult> w = Witness("probation-east", state);
  EXPECT_THAT(w, StatusIs(absl::StatusCode::kDataLoss, HasSubstr("refusing to cosign")));
}

TEST_F(AuditTest, CuttingOffTheNewestEntriesIsCaught) {
  const std::string kept = KeepCheckpoint();
  RewriteLog("DELETE FROM audit_entries WHERE seq > 5");
  EXPECT_THAT(Verify(kept), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("were removed")));
}

TEST_F(AuditTest, AnEditedEntryNoLongerHashesToTheSignedRoot) {
  ASSERT_THAT(Verify(), IsOk());
  ExecSql("UPDATE audit_entries SET user_id = 'someone-else' WHERE seq = 4");
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("audit entry 4")));
}

TEST_F(AuditTest, WitnessesCosignConsistentCheckpointsAndAuditorsCountThem) {
  std::string probation, cjit;
  ASSERT_OK_AND_ASSIGN(client::WitnessResult first, Witness("probation-east", probation));
  EXPECT_EQ(first.previous_size, -1);  // first use
  ASSERT_THAT(Witness("cjit-east", cjit), IsOk());
  RegisterPerson("B2345CD");  // the log grows
  clock_.Advance(absl::Seconds(2));
  ASSERT_OK_AND_ASSIGN(client::WitnessResult second, Witness("probation-east", probation));
  EXPECT_EQ(second.previous_size, static_cast<int64_t>(first.checkpoint.size));
  EXPECT_GT(second.checkpoint.size, first.checkpoint.size);
  ASSERT_THAT(Witness("cjit-east", cjit), IsOk());
  // The latest checkpoint now carries both cosignatures, if nothing was logged since.
  std::unique_ptr<client::Connection> c = ClientConnection(kAuditor);
  v1::GetCheckpointRequest req;
  req.set_purpose("audit");
  req.set_tree_size(static_cast<int64_t>(second.checkpoint.size));
  v1::SignedCheckpoint served;
  ASSERT_TRUE(Audit(kAuditor.agency)->GetCheckpoint(ContextFor(kAuditor).get(), req, &served).ok());
  EXPECT_THAT(served.cosigned_by(), ::testing::UnorderedElementsAre(
                                        "dev.throughcare.invalid/witness/cjit-east",
                                        "dev.throughcare.invalid/witness/probation-east"));
  ASSERT_OK_AND_ASSIGN(audit::OpenedCheckpoint opened,
                       audit::OpenCheckpoint(served.note(), Trust().log, Trust().witnesses));
  EXPECT_THAT(opened.cosignatures, SizeIs(2));
  // A practitioner is no witness, and an agency's witness may not sign as another's.
  v1::AddCosignatureRequest add;
  add.set_purpose("audit");
  add.set_tree_size(static_cast<int64_t>(second.checkpoint.size));
  add.set_signature_line(opened.note.signatures.back().name);
  v1::SignedCheckpoint ignored;
  EXPECT_EQ(Audit("cjit-east")->AddCosignature(ContextFor(kCjit).get(), add, &ignored).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  std::string line = audit::FormatSignatureLine(opened.note.signatures[1]);
  line.pop_back();
  add.set_signature_line(line);
  const Actor housing_witness{"housing-east", "witness-1", "witness", "audit"};
  grpc::Status s = Audit("housing-east")->AddCosignature(ContextFor(housing_witness).get(), add,
                                                          &ignored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("signature_line"));
}

TEST_F(AuditTest, AProofBundleVerifiesOfflineAndFailsWhenChanged) {
  v1::GetProofBundleRequest req;
  req.set_purpose("audit");
  req.set_seq(8);
  v1::ProofBundle bundle;
  ASSERT_TRUE(Audit(kAuditor.agency)->GetProofBundle(ContextFor(kAuditor).get(), req, &bundle).ok());
  StopBroker();  // offline
  ASSERT_OK_AND_ASSIGN(audit::VerifiedProof proof,
                       audit::VerifyProofBundle(bundle.text(), Trust().log));
  EXPECT_EQ(proof.entry.seq, 8);
  EXPECT_EQ(proof.entry.agency_id, "probation-east");
  EXPECT_EQ(proof.entry.record_id, record_id_);
  std::string changed = bundle.text();
  changed[changed.find("index 7") + 6] = '6';
  EXPECT_FALSE(audit::VerifyProofBundle(changed, Trust().log).ok());
  StartBroker();
}

TEST_F(AuditTest, ProofsAndCheckpointsNeedTheirRolesAndValidRequests) {
  v1::GetProofBundleRequest prove;
  prove.set_purpose("offender_management");
  prove.set_seq(1);
  v1::ProofBundle bundle;
  EXPECT_EQ(Audit(kOffenderManager.agency)
                ->GetProofBundle(ContextFor(kOffenderManager).get(), prove, &bundle)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  prove.set_purpose("audit");
  prove.set_seq(0);
  grpc::Status s = Audit(kAuditor.agency)->GetProofBundle(ContextFor(kAuditor).get(), prove, &bundle);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("seq"));
  v1::GetConsistencyProofRequest consistency;
  consistency.set_purpose("audit");
  consistency.set_from_size(9);
  consistency.set_to_size(3);
  v1::Proof proof;
  s = Audit(kAuditor.agency)->GetConsistencyProof(ContextFor(kAuditor).get(), consistency, &proof);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::GetCheckpointRequest checkpoint;
  checkpoint.set_purpose("audit");
  checkpoint.set_tree_size(1'000'000'000);  // a size this test's log never reaches
  v1::SignedCheckpoint served;
  s = Audit(kAuditor.agency)->GetCheckpoint(ContextFor(kAuditor).get(), checkpoint, &served);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuditTest, AnAuditorStartsFromAnAgencyIdentifierAndTheLookupIsAudited) {
  v1::ResolveIdentifierRequest resolve;
  resolve.set_purpose("audit");
  resolve.mutable_identifier()->set_kind(v1::IDENTIFIER_KIND_NOMS);
  resolve.mutable_identifier()->set_value("A1234BC");
  v1::Subject person;
  grpc::Status s =
      Subjects(kAuditor.agency)->ResolveIdentifier(ContextFor(kAuditor).get(), resolve, &person);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(person.subject_id(), subject_id_);
  v1::QueryAuditLogRequest req;
  req.set_user_id(kAuditor.user);
  req.set_subject_id(subject_id_);
  v1::QueryAuditLogResponse resp;
  ASSERT_TRUE(Query(req, &resp).ok());
  ASSERT_GE(resp.entries_size(), 1);
  EXPECT_EQ(resp.entries(0).purpose(), "audit");
  EXPECT_EQ(resp.entries(0).decision(), v1::DECISION_ALLOW);
  EXPECT_THAT(resp.entries(0).reason(), HasSubstr("identity-audit"));
}

TEST_F(AuditTest, AuditorsFilterByRecordPurposeBasisAndSystem) {
  v1::QueryAuditLogRequest req;
  req.set_record_id(record_id_);
  v1::QueryAuditLogResponse resp;
  ASSERT_TRUE(Query(req, &resp).ok());
  EXPECT_THAT(resp.entries(), SizeIs(3));  // written, read, refused
  req = v1::QueryAuditLogRequest();
  req.set_access_purpose("resettlement");
  ASSERT_TRUE(Query(req, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(2));  // housing's relationship and refused read
  req = v1::QueryAuditLogRequest();
  req.set_basis_prefix("consent");
  ASSERT_TRUE(Query(req, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));
  EXPECT_EQ(resp.entries(0).user_id(), "om-1");
  req = v1::QueryAuditLogRequest();
  req.set_system_id("housing-east-system");
  req.set_outcome("PERMISSION_DENIED");
  ASSERT_TRUE(Query(req, &resp).ok());
  ASSERT_THAT(resp.entries(), SizeIs(1));
  req = v1::QueryAuditLogRequest();
  req.set_break_glass_only(true);
  ASSERT_TRUE(Query(req, &resp).ok());
  EXPECT_THAT(resp.entries(), SizeIs(0));
  req = v1::QueryAuditLogRequest();
  req.set_outcome("NOT_A_CODE");
  EXPECT_THAT(Query(req, &resp).error_message(), ::testing::StartsWith("outcome"));
}

}  // namespace
}  // namespace throughcare::testing
