// Checking the broker's audit log from the auditor's or witness's own machine, trusting only the
// log's public key (and the witnesses' keys): the flows of `throughcare audit verify` and
// `throughcare audit witness`, shared with the tests that play an auditor or a witness.
//
// Every error that means "the log is not what was signed" (a bad signature, entries that do not
// hash to the signed root, a checkpoint inconsistent with an earlier one) is marked
// ErrorOrigin::kVerification, so the CLI exits 3.
#ifndef THROUGHCARE_CLIENT_AUDIT_VERIFY_H_
#define THROUGHCARE_CLIENT_AUDIT_VERIFY_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/connection.h"
#include "services/audit/note.h"
#include "services/crypto/ed25519.h"

namespace throughcare::client {

// The keys an auditor trusts.
struct AuditTrust {
  audit::VerifierKey log;
  std::vector<audit::VerifierKey> witnesses;
};
// `log_vkey` is the log's verifier key; `witness_file` (optional) holds witnesses' verifier keys,
// one a line ('#' starts a comment). InvalidArgument naming what is wrong.
absl::StatusOr<AuditTrust> LoadAuditTrust(const std::string& log_vkey,
                                          const std::string& witness_file);

// The checkpoint of `tree_size` (0: the latest), its signature and cosignatures checked.
absl::StatusOr<audit::OpenedCheckpoint> FetchCheckpoint(const Connection& connection,
                                                        const std::string& purpose,
                                                        int64_t tree_size,
                                                        const AuditTrust& trust);

struct VerifyResult {
  audit::OpenedCheckpoint checkpoint;       // the latest, which the export was checked against
  std::optional<audit::Checkpoint> earlier;  // the earlier checkpoint also checked, if any
};

// Exports the log up to the latest checkpoint and recomputes its root, which must be the signed
// one; the checkpoint must carry at least `required_witnesses` valid cosignatures. With
// `earlier_note` (a checkpoint kept from before), also checks that the log is an extension of
// it: a consistency proof from the broker, and the first entries of the export hashing to its
// root. Progress lines go to `progress` when it is not null.
absl::StatusOr<VerifyResult> VerifyAuditLog(const Connection& connection,
                                            const std::string& purpose, const AuditTrust& trust,
                                            const std::string& earlier_note,
                                            int required_witnesses, absl::Duration timeout,
                                            std::ostream* progress);

struct WitnessResult {
  audit::Checkpoint checkpoint;  // the checkpoint cosigned
  int64_t previous_size = -1;    // the size accepted before (-1: none, first use)
  std::string state;             // the note to keep as the witness's state
};

// One witness step: fetches the latest checkpoint, checks it is consistent with `state` (the
// checkpoint accepted last time; empty on first use), cosigns it as `name` with `key` at `now`
// and sends the cosignature. Refuses (kVerification) a checkpoint smaller than, forked from or
// inconsistent with the one in `state`, saying what it saw.
absl::StatusOr<WitnessResult> WitnessOnce(const Connection& connection,
                                          const std::string& purpose, const AuditTrust& trust,
                                          const std::string& state, const std::string& name,
                                          const crypto::Ed25519PrivateKey& key, absl::Time now);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_AUDIT_VERIFY_H_
