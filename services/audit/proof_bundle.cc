#include "services/audit/proof_bundle.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/audit/entry_encoding.h"
#include "services/audit/merkle.h"
#include "throughcare/status_macros.h"

namespace throughcare::audit {
namespace {

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("proof bundle: ", what));
}

// The next line of `in` (without its newline), or nullopt when there is no complete line.
std::optional<absl::string_view> NextLine(absl::string_view& in) {
  const size_t end = in.find('\n');
  if (end == absl::string_view::npos) return std::nullopt;
  absl::string_view line = in.substr(0, end);
  in.remove_prefix(end + 1);
  return line;
}

bool Base64Of(absl::string_view text, std::string& out) {
  return absl::Base64Unescape(text, &out) && absl::Base64Escape(out) == text;
}

}  // namespace

std::string FormatProofBundle(absl::string_view leaf_input, uint64_t index,
                              const std::vector<std::string>& proof,
                              absl::string_view signed_checkpoint) {
  std::string out = absl::StrCat(kProofHeader, "\nextra ", absl::Base64Escape(leaf_input),
                                 "\nindex ", index, "\n");
  for (const std::string& hash : proof) absl::StrAppend(&out, absl::Base64Escape(hash), "\n");
  absl::StrAppend(&out, "\n", signed_checkpoint);
  return out;
}

absl::StatusOr<VerifiedProof> VerifyProofBundle(absl::string_view bundle,
                                                const VerifierKey& log_key,
                                                const std::vector<VerifierKey>& witnesses) {
  std::optional<absl::string_view> line = NextLine(bundle);
  if (!line || *line != kProofHeader) return Malformed("the first line is not c2sp.org/tlog-proof@v1");
  line = NextLine(bundle);
  std::string leaf_input;
  if (!line || !absl::ConsumePrefix(&*line, "extra ") || !Base64Of(*line, leaf_input)) {
    return Malformed("no 'extra' line with the entry (base64)");
  }
  line = NextLine(bundle);
  uint64_t index = 0;
  if (!line || !absl::ConsumePrefix(&*line, "index ") || line->empty() ||
      (line->size() > 1 && (*line)[0] == '0') || !absl::SimpleAtoi(*line, &index) ||
      line->find_first_not_of("0123456789") != absl::string_view::npos) {
    return Malformed("no 'index' line with a decimal leaf index");
  }
  std::vector<std::string> proof;
  for (line = NextLine(bundle); line && !line->empty(); line = NextLine(bundle)) {
    std::string hash;
    if (!Base64Of(*line, hash) || hash.size() != merkle::kHashSize || proof.size() == 64) {
      return Malformed(absl::StrCat("proof line ", proof.size() + 1, " is not base64 of 32 bytes"));
    }
    proof.push_back(std::move(hash));
  }
  if (!line) return Malformed("no empty line before the checkpoint");
  VerifiedProof out;
  ASSIGN_OR_RETURN(out.checkpoint, OpenCheckpoint(bundle, log_key, witnesses));
  ASSIGN_OR_RETURN(out.entry, DecodeLeafInput(leaf_input));
  if (static_cast<uint64_t>(out.entry.seq) != index + 1) {
    return absl::DataLossError(absl::StrCat("the entry is seq ", out.entry.seq,
                                            " but the bundle proves leaf index ", index));
  }
  out.entry.leaf_hash = merkle::LeafHash(leaf_input);
  RETURN_IF_ERROR(merkle::VerifyInclusion(index, out.checkpoint.checkpoint.size,
                                          out.entry.leaf_hash, proof,
                                          out.checkpoint.checkpoint.root));
  return out;
}

}  // namespace throughcare::audit
