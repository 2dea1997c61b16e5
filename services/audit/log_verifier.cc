#include "services/audit/log_verifier.h"

#include "absl/strings/str_cat.h"
#include "services/audit/entry_encoding.h"

namespace throughcare::audit {

absl::Status LogVerifier::Add(const AuditEntry& entry) {
  if (!failure_.ok()) return failure_;
  const auto expected = static_cast<int64_t>(tree_.size()) + 1;
  if (entry.seq != expected) {
    failure_ = absl::DataLossError(absl::StrCat("audit entry ", entry.seq, ": expected entry ",
                                                expected, " here (entries missing or out of "
                                                "order)"));
    return failure_;
  }
  std::string leaf = LeafHashOf(entry);
  if (!entry.leaf_hash.empty() && entry.leaf_hash != leaf) {
    failure_ = absl::DataLossError(absl::StrCat(
        "audit entry ", entry.seq, ": its fields do not hash to the leaf hash it was served with"));
    return failure_;
  }
  tree_.Append(std::move(leaf));
  if (remember_ != 0 && tree_.size() == remember_) remembered_root_ = tree_.Root();
  return absl::OkStatus();
}

}  // namespace throughcare::audit
