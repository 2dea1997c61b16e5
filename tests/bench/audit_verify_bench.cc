// How fast an auditor verifies an exported audit log, against the raw SHA-256 throughput of the
// same bytes measured in the same run (issue "Auditors can prove the log", Speed: at least 0.5x).
//
//   audit_verify_bench [ENTRIES]        (default 1,000,000)
//
// Builds ENTRIES synthetic entries shaped like the broker's (ids, actions, reasons of realistic
// length) in memory, then times, three rounds each, best of three:
//   baseline  SHA-256 over every entry's leaf input (the bytes a verifier hashes), one
//             digest per entry, as OpenSSL does it;
//   verify    services/audit/log_verifier.h on every entry: encode the fields, hash the leaf,
//             fold it into the tree, and take the root: what `throughcare audit verify` does
//             with each exported entry after it is received.
// and prints both as MB/s of leaf input and their ratio. Receiving the export over gRPC is not
// included (it is the network's speed, not the verifier's). Not a test: its figures depend on
// the machine; the README shows a run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/audit/entry_encoding.h"
#include "services/audit/log_verifier.h"
#include "services/crypto/hash.h"

namespace throughcare::audit {
namespace {

std::vector<AuditEntry> SyntheticLog(int64_t n) {
  std::vector<AuditEntry> log(n);
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  for (int64_t i = 0; i < n; ++i) {
    AuditEntry& e = log[i];
    e.seq = i + 1;
    e.time = start + absl::Milliseconds(i);
    e.agency_id = "probation-east";
    e.system_id = "probation-east-case-system";
    e.user_id = absl::StrCat("om-", i % 400);
    e.role = "offender_manager";
    e.action = i % 3 == 0 ? "record.read" : "message.deliver";
    e.subject_id = absl::StrCat("sub_", 10'000'000 + i % 100'000, "abcdefghijklmnop");
    e.record_id = absl::StrCat("rec_", 20'000'000 + i, "qrstuvwxyzabcdef");
    e.record_version = 1 + i % 4;
    e.purpose = "offender_management";
    e.decision = AuditDecision::kAllow;
    e.reason = "role rule 'probation-health' allowed; consent con_7fj2k3 v1 covers health";
    e.policy_version = "sha256:0123456789abcdef";
    e.request_id = absl::StrCat("req_", 30'000'000 + i, "ghijklmnopqrstuv");
    e.outcome = "OK";
    e.basis = "consent con_7fj2k3 v1";
  }
  return log;
}

template <typename F>
absl::Duration BestOfThree(F&& run) {
  absl::Duration best = absl::InfiniteDuration();
  for (int round = 0; round < 3; ++round) {
    const absl::Time start = absl::Now();
    run();
    best = std::min(best, absl::Now() - start);
  }
  return best;
}

double MegabytesPerSecond(int64_t bytes, absl::Duration d) {
  return static_cast<double>(bytes) / 1e6 / absl::ToDoubleSeconds(d);
}

int Run(int64_t n) {
  std::fprintf(stderr, "building %lld synthetic entries...\n", static_cast<long long>(n));
  const std::vector<AuditEntry> log = SyntheticLog(n);
  std::vector<std::string> inputs;
  inputs.reserve(n);
  int64_t bytes = 0;
  for (const AuditEntry& e : log) {
    inputs.push_back(EncodeLeafInput(e));
    bytes += static_cast<int64_t>(inputs.back().size());
  }

  std::string sink;
  const absl::Duration baseline = BestOfThree([&] {
    for (const std::string& input : inputs) sink = crypto::Sha256(input);
  });
  std::string root;
  const absl::Duration verify = BestOfThree([&] {
    LogVerifier verifier;
    for (const AuditEntry& e : log) {
      if (!verifier.Add(e).ok()) std::abort();
    }
    root = verifier.Root();
  });

  const double base_mbs = MegabytesPerSecond(bytes, baseline);
  const double verify_mbs = MegabytesPerSecond(bytes, verify);
  std::printf("entries                 %lld (%.1f MB of leaf input, %.0f bytes each)\n",
              static_cast<long long>(n), bytes / 1e6, static_cast<double>(bytes) / n);
  std::printf("baseline: SHA-256       %8.3f s  %7.1f MB/s\n", absl::ToDoubleSeconds(baseline),
              base_mbs);
  std::printf("verify: encode+tree     %8.3f s  %7.1f MB/s  %.0f entries/s\n",
              absl::ToDoubleSeconds(verify), verify_mbs,
              static_cast<double>(n) / absl::ToDoubleSeconds(verify));
  std::printf("verify / baseline       %.2fx (goal: at least 0.50x)\n", verify_mbs / base_mbs);
  return root.size() == 32 && !sink.empty() ? 0 : 1;
}

}  // namespace
}  // namespace throughcare::audit

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::strtoll(argv[1], nullptr, 10) : 1'000'000;
  if (n < 1) {
    std::fprintf(stderr, "usage: audit_verify_bench [ENTRIES]\n");
    return 2;
  }
  return throughcare::audit::Run(n);
}
