#include "services/audit/entry_encoding.h"

#include <array>
#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/core/utf8.h"
#include "services/crypto/hash.h"

namespace throughcare::audit {
namespace {

constexpr std::array<absl::string_view, 18> kFieldNames = {
    "seq",      "time",           "agency_id",  "system_id", "user_id", "role",
    "action",   "subject_id",     "record_id",  "record_version", "purpose", "decision",
    "reason",   "policy_version", "request_id", "outcome",   "basis",   "break_glass_reason"};

void AppendField(std::string& out, absl::string_view field) {
  const uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(field.data(), field.size());
}

// A decimal with no sign, no leading zero (but "0"), that fits in int64.
bool ParseDecimal(absl::string_view text, int64_t& out) {
  if (text.empty() || text.size() > 19 || (text.size() > 1 && text[0] == '0')) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(text, &out);
}

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("audit leaf input: ", field, ": ", what));
}

}  // namespace

absl::string_view DecisionName(AuditDecision decision) {
  switch (decision) {
    case AuditDecision::kAllow:
      return "allow";
    case AuditDecision::kDeny:
      return "deny";
    case AuditDecision::kNone:
      break;
  }
  return "none";
}

namespace {

// Appends `first` (empty, or the leaf hash's 0x00) and the leaf input, in one allocation.
std::string LeafBytes(const AuditEntry& e, absl::string_view first) {
  std::string out;
  // The prefix, 18 length prefixes, the texts and room for the three numbers.
  size_t size = first.size() + kLeafPrefix.size() + 18 * 8 + 3 * 20;
  for (const std::string* text : {&e.agency_id, &e.system_id, &e.user_id, &e.role, &e.action,
                                  &e.subject_id, &e.record_id, &e.purpose, &e.reason,
                                  &e.policy_version, &e.request_id, &e.outcome, &e.basis,
                                  &e.break_glass_reason}) {
    size += text->size();
  }
  out.reserve(size);
  out.append(first.data(), first.size());
  out.append(kLeafPrefix.data(), kLeafPrefix.size());
  AppendField(out, absl::StrCat(e.seq));
  AppendField(out, absl::StrCat(absl::ToUnixMicros(e.time)));
  for (const std::string* text : {&e.agency_id, &e.system_id, &e.user_id, &e.role, &e.action,
                                  &e.subject_id, &e.record_id}) {
    AppendField(out, *text);
  }
  AppendField(out, absl::StrCat(e.record_version));
  AppendField(out, e.purpose);
  AppendField(out, DecisionName(e.decision));
  for (const std::string* text : {&e.reason, &e.policy_version, &e.request_id, &e.outcome,
                                  &e.basis, &e.break_glass_reason}) {
    AppendField(out, *text);
  }
  return out;
}

}  // namespace

std::string EncodeLeafInput(const AuditEntry& e) { return LeafBytes(e, ""); }

std::string LeafHashOf(const AuditEntry& e) {
  return crypto::Sha256(LeafBytes(e, absl::string_view("\x00", 1)));
}

absl::StatusOr<AuditEntry> DecodeLeafInput(absl::string_view in) {
  if (!absl::ConsumePrefix(&in, kLeafPrefix)) return Bad("prefix", "not throughcare.audit.v2");
  std::array<std::string, kFieldNames.size()> f;
  for (size_t i = 0; i < f.size(); ++i) {
    if (in.size() < 8) return Bad(kFieldNames[i], "truncated length");
    uint64_t n = 0;
    for (int k = 0; k < 8; ++k) n = (n << 8) | static_cast<uint8_t>(in[k]);
    in.remove_prefix(8);
    if (n > in.size()) return Bad(kFieldNames[i], "longer than what is left");
    f[i] = std::string(in.substr(0, n));
    in.remove_prefix(n);
    if (!IsValidUtf8(f[i])) return Bad(kFieldNames[i], "not UTF-8");
  }
  if (!in.empty()) return Bad("end", absl::StrCat(in.size(), " bytes after the last field"));
  AuditEntry e;
  int64_t micros = 0;
  if (!ParseDecimal(f[0], e.seq) || e.seq == 0) return Bad("seq", "not a positive decimal");
  if (!ParseDecimal(f[1], micros)) return Bad("time", "not a decimal of microseconds");
  e.time = absl::FromUnixMicros(micros);
  e.agency_id = f[2], e.system_id = f[3], e.user_id = f[4], e.role = f[5], e.action = f[6];
  e.subject_id = f[7], e.record_id = f[8];
  if (!ParseDecimal(f[9], e.record_version)) return Bad("record_version", "not a decimal");
  e.purpose = f[10];
  if (f[11] == "allow") {
    e.decision = AuditDecision::kAllow;
  } else if (f[11] == "deny") {
    e.decision = AuditDecision::kDeny;
  } else if (f[11] == "none") {
    e.decision = AuditDecision::kNone;
  } else {
    return Bad("decision", "not allow, deny or none");
  }
  e.reason = f[12], e.policy_version = f[13], e.request_id = f[14], e.outcome = f[15];
  e.basis = f[16], e.break_glass_reason = f[17];
  return e;
}

}  // namespace throughcare::audit
