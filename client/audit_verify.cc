#include "client/audit_verify.h"

#include <utility>

#include "services/core/files.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/audit_entry.h"
#include "services/audit/log_verifier.h"
#include "services/audit/merkle.h"
#include "throughcare/status_macros.h"
#include "throughcare/v1/audit.grpc.pb.h"

namespace throughcare::client {
namespace {

constexpr int64_t kProgressEvery = 100000;

absl::Status Failed(absl::Status status) {
  return MarkOrigin(std::move(status), ErrorOrigin::kVerification);
}

// A status from checking signed data: a bad signature or inconsistency is a verification
// failure; anything else (a malformed answer) is the server's.
absl::Status Checked(absl::Status status) {
  if (absl::IsDataLoss(status) || absl::IsUnauthenticated(status)) return Failed(status);
  return MarkOrigin(std::move(status), ErrorOrigin::kServer);
}

absl::StatusOr<std::vector<std::string>> ConsistencyProof(const Connection& connection,
                                                          const std::string& purpose,
                                                          int64_t from, int64_t to) {
  auto stub = v1::AuditService::NewStub(connection.channel());
  v1::GetConsistencyProofRequest req;
  req.set_purpose(purpose);
  req.set_from_size(from);
  req.set_to_size(to);
  ASSIGN_OR_RETURN(v1::Proof proof, MakeUnaryCall<v1::Proof>(connection, [&](auto* c, auto* o) {
                     return stub->GetConsistencyProof(c, req, o);
                   }));
  return std::vector<std::string>(proof.hashes().begin(), proof.hashes().end());
}

// Recomputes the tree over the export of the first `size` entries.
absl::Status VerifyExport(const Connection& connection, const std::string& purpose,
                          uint64_t size, audit::LogVerifier& verifier, absl::Duration timeout,
                          std::ostream* progress) {
  auto stub = v1::AuditService::NewStub(connection.channel());
  ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context, connection.NewContext(timeout));
  v1::ExportAuditLogRequest req;
  req.set_purpose(purpose);
  req.set_tree_size(static_cast<int64_t>(size));
  std::unique_ptr<grpc::ClientReader<v1::AuditEntry>> reader =
      stub->ExportAuditLog(context.get(), req);
  v1::AuditEntry proto;
  absl::Status result;
  while (result.ok() && reader->Read(&proto)) {
    absl::StatusOr<AuditEntry> entry = AuditEntryFromProto(proto);
    result = entry.ok() ? verifier.Add(*entry) : entry.status();
    if (result.ok() && progress != nullptr && verifier.size() % kProgressEvery == 0) {
      *progress << "verified " << verifier.size() << " entries\n";
    }
  }
  if (!result.ok()) {
    context->TryCancel();
    reader->Finish().IgnoreError();
    return Failed(result);
  }
  return connection.Finish(*context, reader->Finish());
}

// Checks `earlier` against the log whose latest checkpoint is `latest`, with the root the export
// gave at the earlier size.
absl::Status CheckEarlier(const Connection& connection, const std::string& purpose,
                          const audit::Checkpoint& earlier, const audit::Checkpoint& latest,
                          const std::optional<std::string>& export_root) {
  if (earlier.size > latest.size) {
    return Failed(absl::DataLossError(absl::StrCat(
        "the log has ", latest.size, " entries, fewer than the ", earlier.size,
        " of the checkpoint kept from before: its newest entries were removed")));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> proof,
                   ConsistencyProof(connection, purpose, earlier.size, latest.size));
  absl::Status consistent =
      audit::merkle::VerifyConsistency(earlier.size, latest.size, proof, earlier.root, latest.root);
  if (!consistent.ok()) {
    return Failed(absl::DataLossError(absl::StrCat(
        "the checkpoint kept from before (", earlier.size, " entries) is not a prefix of the "
        "log's latest (", latest.size, "): the log was rewritten (", consistent.message(), ")")));
  }
  if (earlier.size > 0 && export_root != earlier.root) {
    return Failed(absl::DataLossError(absl::StrCat(
        "entries 1 to ", earlier.size, " as exported do not hash to the root signed at size ",
        earlier.size, ": an entry was changed, removed or reordered since")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AuditTrust> LoadAuditTrust(const std::string& log_vkey,
                                          const std::string& witness_file) {
  if (log_vkey.empty()) {
    return absl::FailedPreconditionError(
        "the log's verifier key is missing: give --log-key (or 'audit_log_key:' in the profile)");
  }
  AuditTrust trust;
  absl::StatusOr<audit::VerifierKey> log = audit::ParseVerifierKey(log_vkey);
  if (!log.ok()) return absl::InvalidArgumentError(absl::StrCat("--log-key: ", log.status().message()));
  trust.log = *log;
  if (witness_file.empty()) return trust;
  ASSIGN_OR_RETURN(std::string text, ReadFile(witness_file));
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    absl::StatusOr<audit::VerifierKey> key = audit::ParseVerifierKey(line);
    if (!key.ok() || key->type != audit::kCosignatureEd25519) {
      return absl::InvalidArgumentError(absl::StrCat(
          witness_file, ":", line_number, ": not a witness verifier key (cosignature type 0x04)",
          key.ok() ? "" : absl::StrCat(": ", key.status().message())));
    }
    trust.witnesses.push_back(*key);
  }
  return trust;
}

absl::StatusOr<audit::OpenedCheckpoint> FetchCheckpoint(const Connection& connection,
                                                        const std::string& purpose,
                                                        int64_t tree_size,
                                                        const AuditTrust& trust) {
  auto stub = v1::AuditService::NewStub(connection.channel());
  v1::GetCheckpointRequest req;
  req.set_purpose(purpose);
  req.set_tree_size(tree_size);
  ASSIGN_OR_RETURN(v1::SignedCheckpoint served,
                   MakeUnaryCall<v1::SignedCheckpoint>(connection, [&](auto* c, auto* o) {
                     return stub->GetCheckpoint(c, req, o);
                   }));
  absl::StatusOr<audit::OpenedCheckpoint> opened =
      audit::OpenCheckpoint(served.note(), trust.log, trust.witnesses);
  if (!opened.ok()) return Checked(opened.status());
  return opened;
}

absl::StatusOr<VerifyResult> VerifyAuditLog(const Connection& connection,
                                            const std::string& purpose, const AuditTrust& trust,
                                            const std::string& earlier_note,
                                            int required_witnesses, absl::Duration timeout,
                                            std::ostream* progress) {
  VerifyResult result;
  if (!earlier_note.empty()) {
    absl::StatusOr<audit::OpenedCheckpoint> earlier =
        audit::OpenCheckpoint(earlier_note, trust.log, {});
    if (!earlier.ok()) {
      return Failed(absl::Status(earlier.status().code(),
                                 absl::StrCat("--checkpoint: ", earlier.status().message())));
    }
    result.earlier = earlier->checkpoint;
  }
  ASSIGN_OR_RETURN(result.checkpoint, FetchCheckpoint(connection, purpose, 0, trust));
  const audit::Checkpoint& latest = result.checkpoint.checkpoint;
  if (static_cast<int>(result.checkpoint.cosignatures.size()) < required_witnesses) {
    return Failed(absl::UnauthenticatedError(absl::StrCat(
        "the checkpoint of ", latest.size, " entries has ", result.checkpoint.cosignatures.size(),
        " valid witness cosignatures, fewer than the ", required_witnesses, " required")));
  }
  audit::LogVerifier verifier;
  if (result.earlier.has_value()) verifier.RememberRootAt(result.earlier->size);
  RETURN_IF_ERROR(VerifyExport(connection, purpose, latest.size, verifier, timeout, progress));
  if (verifier.size() != latest.size) {
    return Failed(absl::DataLossError(absl::StrCat("the export ended after ", verifier.size(),
                                                   " entries, but the checkpoint signs ",
                                                   latest.size)));
  }
  if (verifier.Root() != latest.root) {
    return Failed(absl::DataLossError(absl::StrCat(
        "the ", latest.size, " entries exported do not hash to the root the log signed: an "
        "entry was changed, removed or reordered")));
  }
  if (result.earlier.has_value()) {
    RETURN_IF_ERROR(CheckEarlier(connection, purpose, *result.earlier, latest,
                                 result.earlier->size == 0 ? audit::merkle::EmptyRoot()
                                                           : verifier.remembered_root()));
  }
  return result;
}

absl::StatusOr<WitnessResult> WitnessOnce(const Connection& connection,
                                          const std::string& purpose, const AuditTrust& trust,
                                          const std::string& state, const std::string& name,
                                          const crypto::Ed25519PrivateKey& key, absl::Time now) {
  WitnessResult result;
  ASSIGN_OR_RETURN(audit::OpenedCheckpoint latest, FetchCheckpoint(connection, purpose, 0, trust));
  result.checkpoint = latest.checkpoint;
  if (!state.empty()) {
    absl::StatusOr<audit::OpenedCheckpoint> accepted = audit::OpenCheckpoint(state, trust.log, {});
    if (!accepted.ok()) {
      return absl::Status(accepted.status().code(),
                          absl::StrCat("witness state: ", accepted.status().message()));
    }
    const audit::Checkpoint& before = accepted->checkpoint;
    result.previous_size = static_cast<int64_t>(before.size);
    absl::Status consistent;
    if (latest.checkpoint.size < before.size) {
      consistent = absl::DataLossError(absl::StrCat("the log went back from ", before.size,
                                                    " to ", latest.checkpoint.size, " entries"));
    } else if (latest.checkpoint.size > before.size && before.size > 0) {
      ASSIGN_OR_RETURN(std::vector<std::string> proof,
                       ConsistencyProof(connection, purpose, before.size, latest.checkpoint.size));
      consistent = audit::merkle::VerifyConsistency(before.size, latest.checkpoint.size, proof,
                                                    before.root, latest.checkpoint.root);
    } else if (latest.checkpoint.size == before.size && latest.checkpoint.root != before.root) {
      consistent = absl::DataLossError("two different roots for the same size: a fork");
    }
    if (!consistent.ok()) {
      return Failed(absl::DataLossError(absl::StrCat(
          "refusing to cosign: the log's checkpoint of ", latest.checkpoint.size,
          " entries is not consistent with the checkpoint of ", before.size,
          " entries this witness accepted (", consistent.message(), ")")));
    }
  }
  ASSIGN_OR_RETURN(audit::NoteSignature cosignature, audit::Cosign(latest.text, name, key, now));
  std::string line = audit::FormatSignatureLine(cosignature);
  line.pop_back();  // the newline
  auto stub = v1::AuditService::NewStub(connection.channel());
  v1::AddCosignatureRequest req;
  req.set_purpose(purpose);
  req.set_tree_size(static_cast<int64_t>(latest.checkpoint.size));
  req.set_signature_line(line);
  RETURN_IF_ERROR(MakeUnaryCall<v1::SignedCheckpoint>(connection, [&](auto* c, auto* o) {
                    return stub->AddCosignature(c, req, o);
                  }).status());
  result.state = audit::FormatNote(audit::Note{latest.text, {latest.note.signatures.front()}});
  for (const audit::NoteSignature& s : latest.note.signatures) {
    if (s.name == trust.log.name && s.key_id == trust.log.key_id) {
      result.state = audit::FormatNote(audit::Note{latest.text, {s}});
    }
  }
  return result;
}

}  // namespace throughcare::client
