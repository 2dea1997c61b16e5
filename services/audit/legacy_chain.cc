#include "services/audit/legacy_chain.h"

#include "absl/strings/str_cat.h"
#include "services/crypto/hash.h"

namespace throughcare::audit {
namespace {

void AppendField(std::string& out, absl::string_view field) {
  uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(field.data(), field.size());
}

}  // namespace

const char kGenesisHash[] = "0000000000000000000000000000000000000000000000000000000000000000";

std::string ComputeEntryHash(const AuditEntry& e, absl::string_view prev_hash) {
  std::string buf = "throughcare.audit.v1";
  AppendField(buf, prev_hash);
  AppendField(buf, absl::StrCat(e.seq));
  AppendField(buf, absl::StrCat(absl::ToUnixMicros(e.time)));
  AppendField(buf, e.agency_id);
  AppendField(buf, e.system_id);
  AppendField(buf, e.user_id);
  AppendField(buf, e.role);
  AppendField(buf, e.action);
  AppendField(buf, e.subject_id);
  AppendField(buf, e.record_id);
  AppendField(buf, absl::StrCat(e.record_version));
  AppendField(buf, e.purpose);
  AppendField(buf, e.decision == AuditDecision::kAllow ? "allow" : "deny");  // no "none" then
  AppendField(buf, e.reason);
  AppendField(buf, e.policy_version);
  AppendField(buf, e.request_id);
  AppendField(buf, e.outcome);
  // Added fields are hashed only when set, so entries written before they existed still verify.
  if (!e.basis.empty() || !e.break_glass_reason.empty()) {
    AppendField(buf, e.basis);
    AppendField(buf, e.break_glass_reason);
  }
  return crypto::Sha256Hex(buf);
}

absl::Status ChainVerifier::Add(const LegacyChainEntry& link) {
  const AuditEntry& entry = link.entry;
  if (!failure_.ok()) return failure_;
  const int64_t expected_seq = verified_ + 1;
  if (entry.seq != expected_seq) {
    failure_ = absl::DataLossError(absl::StrCat("audit entry ", entry.seq, ": expected entry ",
                                                expected_seq, " here (entries missing or out of "
                                                "order)"));
  } else if (link.prev_hash != head_hash_) {
    failure_ = absl::DataLossError(absl::StrCat(
        "audit entry ", entry.seq,
        ": prev_hash does not match the hash of the entry before it (an entry was changed, "
        "removed or reordered)"));
  } else if (ComputeEntryHash(entry, link.prev_hash) != link.hash) {
    failure_ = absl::DataLossError(
        absl::StrCat("audit entry ", entry.seq, ": hash does not match its contents (the entry "
                     "was altered)"));
  }
  if (!failure_.ok()) return failure_;
  ++verified_;
  head_hash_ = link.hash;
  return absl::OkStatus();
}

}  // namespace throughcare::audit
