// AuditService: signed checkpoints, proofs, proof bundles and witnesses' cosignatures.
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/audit/audit_service.h"
#include "services/audit/entry_encoding.h"
#include "services/audit/internal/authorize_audit.h"
#include "services/audit/merkle.h"
#include "services/audit/proof_bundle.h"
#include "throughcare/status_macros.h"
#include "throughcare/audit_actions.h"

namespace throughcare::audit {
namespace {

// A cosignature may say it was made at most this far in the future (clock skew).
constexpr absl::Duration kCosignatureSkew = absl::Minutes(10);

// A node source over `tx`, to pass straight to a merkle function (which borrows it).
auto Nodes(ReadTx& tx) {
  return [&tx](int level, uint64_t index) {
    return tx.GetAuditTreeNode(level, static_cast<int64_t>(index));
  };
}

// The checkpoint of `size`, or for 0 the latest (a new one if the log has grown and the interval
// has passed: witnesses asking at about the same time see the same checkpoint).
absl::StatusOr<AuditCheckpoint> CheckpointOf(WriteTx& tx, const Sequencer& sequencer,
                                             int64_t size) {
  ASSIGN_OR_RETURN(AuditTreeHead head, sequencer.SequencePending(tx));
  if (size == 0) return sequencer.Checkpoint(tx, /*now=*/false);
  absl::StatusOr<AuditCheckpoint> c = tx.GetAuditCheckpoint(size);
  if (absl::IsNotFound(c.status())) {
    return absl::NotFoundError(absl::StrCat("tree_size: no checkpoint of size ", size,
                                            " was issued (the log has ", head.size, ")"));
  }
  return c;
}

absl::StatusOr<AuditEntry> EntryAt(ReadTx& tx, int64_t seq) {
  AuditQuery q;
  q.after_seq = seq - 1;
  q.limit = 1;
  ASSIGN_OR_RETURN(AuditPage page, tx.QueryAudit(q));
  if (page.entries.empty() || page.entries[0].seq != seq) {
    return absl::NotFoundError(absl::StrCat("seq: no audit entry ", seq));
  }
  return page.entries[0];
}

absl::Status NotYetCheckpointed(int64_t seq, int64_t size) {
  return absl::FailedPreconditionError(absl::StrCat(
      "seq: entry ", seq, " is not in a signed checkpoint yet (the latest has ", size,
      " entries; one is signed every few seconds while the log grows)"));
}

ProofAnswer Answer(int64_t index, int64_t size, std::vector<std::string> hashes) {
  return ProofAnswer{index, size, std::move(hashes)};
}

}  // namespace

absl::StatusOr<ServedCheckpoint> AuditService::Serve(ReadTx& tx, AuditCheckpoint c) const {
  ServedCheckpoint out;
  ASSIGN_OR_RETURN(out.cosignatures, tx.ListAuditCosignatures(c.size));
  out.note = c.note;
  for (const AuditCosignature& cs : out.cosignatures) {
    absl::StrAppend(&out.note, cs.signature_line, "\n");
  }
  out.checkpoint = std::move(c);
  return out;
}

void AuditService::GetCheckpoint(const CallContext& ctx, int64_t tree_size,
                                 Reply<ServedCheckpoint> reply) {
  RunAudited<ServedCheckpoint>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kAuditCheckpoint),
      [this, policy = policies_.Current(), ctx, tree_size](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<ServedCheckpoint> {
        RETURN_IF_ERROR(internal::AuthorizeReadOrWitness(*policy, ctx, clock_.Now(), e));
        ASSIGN_OR_RETURN(AuditCheckpoint c, CheckpointOf(tx, sequencer_, tree_size));
        return Serve(tx, std::move(c));
      },
      std::move(reply));
}

void AuditService::GetInclusionProof(const CallContext& ctx, int64_t seq, int64_t tree_size,
                                     Reply<ProofAnswer> reply) {
  RunAudited<ProofAnswer>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kAuditProve),
      [this, policy = policies_.Current(), ctx, seq, tree_size](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<ProofAnswer> {
        RETURN_IF_ERROR(internal::AuthorizeRead(*policy, ctx, clock_.Now(), e));
        ASSIGN_OR_RETURN(AuditCheckpoint c, CheckpointOf(tx, sequencer_, tree_size));
        if (seq > c.size) return NotYetCheckpointed(seq, c.size);
        ASSIGN_OR_RETURN(AuditEntry proven, EntryAt(tx, seq));
        e.subject_id = proven.subject_id;
        e.reason = absl::StrCat(e.reason, "; proved audit entry ", seq);
        ASSIGN_OR_RETURN(std::vector<std::string> hashes,
                         merkle::InclusionProof(seq - 1, c.size, Nodes(tx)));
        return Answer(seq - 1, c.size, std::move(hashes));
      },
      std::move(reply));
}

void AuditService::GetConsistencyProof(const CallContext& ctx, int64_t from_size,
                                       int64_t to_size, Reply<ProofAnswer> reply) {
  RunAudited<ProofAnswer>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kAuditConsistency),
      [this, policy = policies_.Current(), ctx, from_size, to_size](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<ProofAnswer> {
        RETURN_IF_ERROR(internal::AuthorizeReadOrWitness(*policy, ctx, clock_.Now(), e));
        ASSIGN_OR_RETURN(AuditCheckpoint c, CheckpointOf(tx, sequencer_, to_size));
        if (from_size > c.size) {
          return absl::InvalidArgumentError(absl::StrCat(
              "from_size: ", from_size, " is larger than the tree of ", c.size));
        }
        ASSIGN_OR_RETURN(std::vector<std::string> hashes,
                         merkle::ConsistencyProof(from_size, c.size, Nodes(tx)));
        return Answer(from_size, c.size, std::move(hashes));
      },
      std::move(reply));
}

void AuditService::GetProofBundle(const CallContext& ctx, int64_t seq, Reply<std::string> reply) {
  RunAudited<std::string>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kAuditProve),
      [this, policy = policies_.Current(), ctx, seq](WriteTx& tx,
                                                     AuditEntry& e) -> absl::StatusOr<std::string> {
        RETURN_IF_ERROR(internal::AuthorizeRead(*policy, ctx, clock_.Now(), e));
        ASSIGN_OR_RETURN(AuditCheckpoint c, CheckpointOf(tx, sequencer_, 0));
        if (seq > c.size) return NotYetCheckpointed(seq, c.size);
        ASSIGN_OR_RETURN(AuditEntry proven, EntryAt(tx, seq));
        e.subject_id = proven.subject_id;
        e.reason = absl::StrCat(e.reason, "; proved audit entry ", seq);
        ASSIGN_OR_RETURN(std::vector<std::string> hashes,
                         merkle::InclusionProof(seq - 1, c.size, Nodes(tx)));
        ASSIGN_OR_RETURN(ServedCheckpoint served, Serve(tx, std::move(c)));
        return FormatProofBundle(EncodeLeafInput(proven), seq - 1, hashes, served.note);
      },
      std::move(reply));
}

void AuditService::AddCosignature(const CallContext& ctx, int64_t tree_size,
                                  std::string signature_line, Reply<ServedCheckpoint> reply) {
  RunAudited<ServedCheckpoint>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kAuditCosign),
      [this, policy = policies_.Current(), ctx, tree_size, line = std::move(signature_line)](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<ServedCheckpoint> {
        RETURN_IF_ERROR(internal::AuthorizeWitness(*policy, ctx, clock_.Now(), e));
        auto key = agencies_.witnesses.find(ctx.principal.agency_id);
        if (key == agencies_.witnesses.end()) {
          return absl::PermissionDeniedError(absl::StrCat(
              "agency '", ctx.principal.agency_id, "' has no witness key in the broker's config"));
        }
        absl::StatusOr<NoteSignature> sig = ParseSignatureLine(line);
        if (!sig.ok()) return absl::InvalidArgumentError(absl::StrCat("signature_line: ",
                                                                      sig.status().message()));
        ASSIGN_OR_RETURN(AuditCheckpoint c, CheckpointOf(tx, sequencer_, tree_size));
        absl::StatusOr<absl::Time> at = VerifyCosignature(c.note.substr(0, c.note.find("\n\n") + 1),
                                                          *sig, key->second);
        if (!at.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("signature_line: ", at.status().message(),
                                                         " over the checkpoint of size ", c.size));
        }
        if (*at > clock_.Now() + kCosignatureSkew) {
          return absl::InvalidArgumentError("signature_line: the cosignature's time is in the future");
        }
        RETURN_IF_ERROR(tx.PutAuditCosignature(AuditCosignature{
            c.size, sig->name, ctx.principal.agency_id, line, *at, clock_.Now()}));
        e.reason = absl::StrCat(e.reason, "; cosigned the checkpoint of size ", c.size, " as ",
                                sig->name);
        return Serve(tx, std::move(c));
      },
      std::move(reply));
}

}  // namespace throughcare::audit
