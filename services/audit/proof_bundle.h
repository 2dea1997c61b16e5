// Offline proof that an audit entry is in the log: the C2SP tlog-proof format
// (c2sp.org/tlog-proof@v1), with the entry's leaf input (services/audit/entry_encoding.h) as the
// base64 "extra" data, its zero-based leaf index (seq - 1), the inclusion proof, and the signed
// checkpoint (with any witness cosignatures) verbatim:
//
//   c2sp.org/tlog-proof@v1
//   extra <base64 leaf input>
//   index <seq - 1>
//   <base64 proof hash, from the leaf's sibling up, one a line>
//   <empty line>
//   <signed checkpoint>
//
// Anyone holding the log's verifier key can check it with no broker: the entry's fields, hashed,
// lead through the proof to the root the log signed.
#ifndef THROUGHCARE_SERVICES_AUDIT_PROOF_BUNDLE_H_
#define THROUGHCARE_SERVICES_AUDIT_PROOF_BUNDLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/audit/note.h"
#include "throughcare/audit.h"

namespace throughcare::audit {

inline constexpr absl::string_view kProofHeader = "c2sp.org/tlog-proof@v1";

std::string FormatProofBundle(absl::string_view leaf_input, uint64_t index,
                              const std::vector<std::string>& proof,
                              absl::string_view signed_checkpoint);

struct VerifiedProof {
  AuditEntry entry;
  OpenedCheckpoint checkpoint;
};

// Parses and checks a bundle against the log's key (and counts cosignatures by `witnesses`).
// InvalidArgument for a malformed bundle; Unauthenticated for a bad signature; DataLoss when the
// entry, its index or the proof do not lead to the signed root.
absl::StatusOr<VerifiedProof> VerifyProofBundle(absl::string_view bundle,
                                                const VerifierKey& log_key,
                                                const std::vector<VerifierKey>& witnesses = {});

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_PROOF_BUNDLE_H_
