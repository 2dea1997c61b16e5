// The decision-speed benchmark for issue 3 ("Speed"): with 100,000 people, their consents and
// allocations loaded, a decision's p99 must stay under 20 microseconds, and a withdrawal or an
// expiry must count from the next call on. The broker keeps no cache: each call reads the
// person's relationships and consents in its own storage transaction (LoadPersonContext) and asks
// the pure Policy::Decide. This program measures both halves against the demo policy
// (deploy/policy.yaml) and a real SQLite file filled through the Storage interface.
//
// Reproduce (Release build; the load of 100,000 people takes a while and prints progress):
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-bench --target decision_bench -j2
//   ./build-bench/tests/bench/decision_bench
//
// Flags, taken before Google Benchmark's own (--benchmark_filter, --benchmark_format=json, ...):
//   --people=N     how many people to load (default 100000; or TC_BENCH_PEOPLE=N)
//   --policy=PATH  the policy file (default: deploy/policy.yaml in the source tree)
// The database lives in a fresh directory under $TMPDIR (or /tmp), removed at exit.
//
// Every iteration is timed on its own with std::chrono::steady_clock; the percentiles are user
// counters in microseconds (p50_us, p90_us, p99_us, p999_us). Each sample includes the cost of
// one clock read (printed with the summary table after the benchmarks, which also gives each
// p99's ratio to the role-only baseline and PASS/FAIL against the goal).
//
// The benchmarks:
//   BM_RoleOnlyBaseline                    Decide with person_scoped=false: the role check alone.
//   BM_DecidePure/...                      Decide on a prepared request, the person's context
//                                          (5 relationships, 5 consents) in memory.
//   BM_DecideWithContextFromStorage/...    a random person of the N: LoadPersonContext, then
//                                          MakeRequest and Decide, as the broker does.
//       shared_txn_64      64 decisions per Storage::Read, each timed on its own: the context
//                          reads and the decision inside an open transaction, as in the broker,
//                          where a call's decision runs inside the write transaction that also
//                          appends its audit entry (that transaction is the call's cost, paid
//                          once whatever the call decides). The goal applies to this row.
//       txn_per_decision   one Storage::Read opened and closed around each decision, timed
//                          whole: what a standalone reader would pay (shown for information).
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "services/policy/authorize.h"
#include "services/policy/policy.h"
#include "services/storage/sqlite_storage.h"
#include "throughcare/consent.h"
#include "throughcare/principal.h"
#include "throughcare/record.h"
#include "throughcare/status_macros.h"
#include "throughcare/storage.h"
#include "throughcare/subject.h"

namespace throughcare::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kDefaultPeople = 100000;
constexpr int64_t kPeoplePerWrite = 1000;
constexpr double kGoalP99Micros = 20.0;  // issue 3, "Speed"
constexpr int64_t kPureIterations = 1000000;
constexpr int64_t kStorageIterations = 200000;
constexpr int kSharedTxnDecisions = 64;  // divides kStorageIterations

// The demo agencies (as in the integration tests).
constexpr char kPrison[] = "hmp-northgate";
constexpr char kHealthcare[] = "hmp-northgate-healthcare";
constexpr char kProbation[] = "probation-east";
constexpr char kCjit[] = "cjit-east";
constexpr char kHousing[] = "housing-east";
constexpr int kOffenderManagers = 20;  // probation-east's om-1 ... om-20

// ---------------------------------------------------------------------------------------------
// The people.

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A well-formed opaque id ("sub_" and 26 base32 characters) that is a function of (prefix, n)
// alone, so person n can be named without keeping 100,000 ids. Distinct n give distinct ids
// (SplitMix64 is a bijection and its whole output is encoded), scattered over the key space as
// the broker's random ids are.
std::string BenchId(absl::string_view prefix, uint64_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string id = absl::StrCat(prefix, "_");
  uint64_t a = SplitMix64(n);
  uint64_t b = SplitMix64(a ^ 0x5bd1e995ULL);
  for (int i = 0; i < 13; ++i, a >>= 5) id += kAlphabet[a & 31];
  for (int i = 0; i < 13; ++i, b >>= 5) id += kAlphabet[b & 31];
  return id;
}

enum class ConsentState { kNone, kActive, kExpired, kWithdrawn };

// Who works with person n and what they agreed to, drawn from n alone, so the benchmark knows
// which offender manager to call as without reading storage.
struct Profile {
  bool released = false;         // custody at the prison ended
  bool healthcare = false;       // allocated to prison healthcare (ended on release)
  bool probation = false;        // allocated to probation
  bool probation_ended = false;  // ... and the allocation ended
  int offender_manager = 0;      // 0: allocated to the whole agency; k: to om-k only
  ConsentState health = ConsentState::kNone;         // health to probation, offender management
  ConsentState drugs = ConsentState::kNone;          // drugs to CJIT (by kind), direct care
  ConsentState mental_health = ConsentState::kNone;  // mental health to prison healthcare
};

// On average 2.45 relationships and 2.2 consents (plus a withdrawal version for 7% of them).
Profile ProfileOf(int64_t n) {
  uint64_t h = SplitMix64(static_cast<uint64_t>(n) ^ 0xdecafbadULL);
  auto percent = [&h] {
    const int value = static_cast<int>(h % 100);
    h = SplitMix64(h);
    return value;
  };
  auto consent = [&percent](int none, int expired, int withdrawn) {
    const int value = percent();
    if (value < none) return ConsentState::kNone;
    if (value < none + expired) return ConsentState::kExpired;
    if (value < none + expired + withdrawn) return ConsentState::kWithdrawn;
    return ConsentState::kActive;
  };
  Profile p;
  p.released = percent() < 40;
  p.healthcare = percent() < 60;
  p.probation = percent() < 85;
  p.probation_ended = percent() < 10;
  p.offender_manager = percent() < 50 ? 0 : 1 + percent() % kOffenderManagers;
  p.health = consent(10, 7, 8);
  p.drugs = consent(30, 10, 10);
  p.mental_health = consent(40, 5, 5);
  return p;
}

// The offender manager who may see person n (anyone at probation-east if allocated to all).
std::string OffenderManagerFor(const Profile& p) {
  return absl::StrCat("om-", p.offender_manager == 0 ? 1 : p.offender_manager);
}

// One person as written to storage: consent versions in insertion order.
struct Person {
  Subject subject;
  std::vector<Relationship> relationships;
  std::vector<Consent> consent_versions;
};

Relationship MakeRelationship(const std::string& subject_id, uint64_t id_seed,
                              RelationshipKind kind, const char* agency, std::string user,
                              absl::Time started, std::optional<absl::Time> ended) {
  Relationship r;
  r.relationship_id = BenchId("rel", id_seed);
  r.subject_id = subject_id;
  r.kind = kind;
  r.agency_id = agency;
  r.user_id = std::move(user);
  r.started_at = started;
  r.ended_at = ended;
  r.started_by_agency = agency;
  r.started_by_user = "bench-loader";
  if (ended.has_value()) r.ended_by_user = "bench-loader";
  r.note = "loaded by decision_bench";
  return r;
}

// Appends version 1 of a consent (and a withdrawal version 2 when withdrawn).
void AddConsent(Person& person, uint64_t id_seed, ConsentState state, const char* data_class,
                std::vector<std::string> agencies, std::vector<std::string> kinds,
                const char* purpose, const char* recorded_by, absl::Time t0) {
  if (state == ConsentState::kNone) return;
  Consent c;
  c.consent_id = BenchId("con", id_seed);
  c.subject_id = person.subject.id;
  c.data_classes = {data_class};
  c.recipient_agencies = std::move(agencies);
  c.recipient_kinds = std::move(kinds);
  c.purposes = {purpose};
  c.valid_from = t0 - absl::Hours(24 * 200);
  c.valid_until =
      state == ConsentState::kExpired ? t0 - absl::Hours(24 * 20) : t0 + absl::Hours(24 * 365);
  c.evidence = ConsentEvidence::kSignedForm;
  c.evidence_reference = absl::StrCat("consent-form-", id_seed);
  c.recorded_by_agency = recorded_by;
  c.recorded_by_user = "bench-loader";
  c.recorded_at = c.valid_from;
  person.consent_versions.push_back(c);
  if (state == ConsentState::kWithdrawn) {
    c.version = 2;
    c.withdrawn_at = t0 - absl::Hours(24 * 10);
    c.withdrawn_by_agency = recorded_by;
    c.withdrawn_by_user = "bench-loader";
    c.withdrawal_reason = "the person withdrew consent";
    person.consent_versions.push_back(std::move(c));
  }
}

Person MakePerson(int64_t n, const Profile& p, absl::Time t0) {
  Person person;
  person.subject.id = BenchId("sub", static_cast<uint64_t>(n));
  person.subject.home_area = "E07000001";
  person.subject.registered_by_agency = kPrison;
  person.subject.registered_at = t0 - absl::Hours(24 * 500);
  const std::string& id = person.subject.id;
  const uint64_t seed = static_cast<uint64_t>(n) * 8;
  const absl::Time released = t0 - absl::Hours(24 * 30);
  auto ended_if = [](bool ended, absl::Time when) {
    return ended ? std::optional<absl::Time>(when) : std::nullopt;
  };
  person.relationships.push_back(
      MakeRelationship(id, seed, RelationshipKind::kCustody, kPrison, "",
                       t0 - absl::Hours(24 * (400 + n % 300)), ended_if(p.released, released)));
  if (p.healthcare) {
    person.relationships.push_back(MakeRelationship(id, seed + 1, RelationshipKind::kAllocation,
                                                    kHealthcare, "", t0 - absl::Hours(24 * 380),
                                                    ended_if(p.released, released)));
  }
  if (p.probation) {
    person.relationships.push_back(MakeRelationship(
        id, seed + 2, RelationshipKind::kAllocation, kProbation,
        p.offender_manager == 0 ? "" : absl::StrCat("om-", p.offender_manager),
        t0 - absl::Hours(24 * 200), ended_if(p.probation_ended, released)));
  }
  AddConsent(person, seed, p.health, "health", {kProbation}, {}, "offender_management",
             kHealthcare, t0);
  AddConsent(person, seed + 1, p.drugs, "drugs", {kPrison}, {"cjit"}, "direct_care", kPrison,
             t0);
  AddConsent(person, seed + 2, p.mental_health, "mental_health", {kHealthcare}, {},
             "direct_care", kHealthcare, t0);
  return person;
}

absl::Status InsertPerson(WriteTx& tx, const Person& person) {
  RETURN_IF_ERROR(tx.InsertSubject(person.subject));
  for (const Relationship& r : person.relationships) RETURN_IF_ERROR(tx.InsertRelationship(r));
  for (const Consent& c : person.consent_versions) RETURN_IF_ERROR(tx.InsertConsentVersion(c));
  return absl::OkStatus();
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Writes people 0 .. people-1, kPeoplePerWrite in each write transaction.
absl::Status LoadPeople(Storage& storage, int64_t people, absl::Time t0) {
  const Clock::time_point start = Clock::now();
  int64_t relationships = 0;
  int64_t consent_versions = 0;
  for (int64_t first = 0; first < people; first += kPeoplePerWrite) {
    const int64_t end = std::min(people, first + kPeoplePerWrite);
    std::vector<Person> batch;
    batch.reserve(static_cast<size_t>(end - first));
    for (int64_t n = first; n < end; ++n) {
      batch.push_back(MakePerson(n, ProfileOf(n), t0));
      relationships += static_cast<int64_t>(batch.back().relationships.size());
      consent_versions += static_cast<int64_t>(batch.back().consent_versions.size());
    }
    RETURN_IF_ERROR(storage.WriteAndWait([batch = std::move(batch)](WriteTx& tx) {
      for (const Person& person : batch) RETURN_IF_ERROR(InsertPerson(tx, person));
      return absl::OkStatus();
    }));
    if (end == people || (end / kPeoplePerWrite) % 10 == 0) {
      const double elapsed = Seconds(Clock::now() - start);
      std::fprintf(stderr, "loading: %lld / %lld people, %.1f s (%.0f people/s)\n",
                   static_cast<long long>(end), static_cast<long long>(people), elapsed,
                   static_cast<double>(end) / std::max(elapsed, 1e-9));
    }
  }
  std::fprintf(stderr,
               "loaded %lld people, %lld relationships, %lld consent versions in %.1f s\n",
               static_cast<long long>(people), static_cast<long long>(relationships),
               static_cast<long long>(consent_versions), Seconds(Clock::now() - start));
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// The requests.

CallContext OffenderManagerCall(std::string user) {
  CallContext ctx;
  ctx.principal = {kProbation, "probation", "probation-east-case-system", std::move(user),
                   "offender_manager"};
  ctx.purpose = "offender_management";
  ctx.request_id = "bench";
  return ctx;
}

CallContext HousingOfficerCall() {
  CallContext ctx;
  ctx.principal = {kHousing, "housing", "housing-east-system", "housing-officer-1",
                   "housing_officer"};
  ctx.purpose = "resettlement";
  ctx.request_id = "bench";
  return ctx;
}

// Prison healthcare's health summary, collected for direct care: an offender manager may read it
// for offender management only with the person's consent (purposes incompatible, class
// consent-based).
RecordHeader HealthSummary(const std::string& subject_id) {
  RecordHeader r;
  r.record_id = BenchId("rec", 1);
  r.subject_id = subject_id;
  r.version = 1;
  r.record_type = "health_summary";
  r.data_class = "health";
  r.collected_for = "direct_care";
  r.owner_agency = kHealthcare;
  r.author_user = "nurse-1";
  return r;
}

// The prison's accommodation plan about an unconvicted person: shared outside the prison only
// with consent, which nobody gave to housing, so the denial lists every consent and why it does
// not cover (the longest reason Decide builds without explaining).
RecordHeader UnconvictedAccommodationPlan(const std::string& subject_id) {
  RecordHeader r;
  r.record_id = BenchId("rec", 2);
  r.subject_id = subject_id;
  r.version = 1;
  r.record_type = "accommodation_plan";
  r.data_class = "accommodation";
  r.collected_for = "resettlement";
  r.labels = {"not_convicted"};
  r.owner_agency = kPrison;
  r.author_user = "resettlement-officer-1";
  return r;
}

// A busy person's context: 5 relationships and 5 consents, the ones that decide the offender
// manager's and the housing officer's requests placed late so Decide scans past the others.
std::string BusyPersonId() { return BenchId("sub", ~uint64_t{0}); }

policy::PersonContext BusyPersonContext(absl::Time t0) {
  Person p;
  p.subject.id = BusyPersonId();
  const std::string& id = p.subject.id;
  const absl::Time ended = t0 - absl::Hours(24 * 30);
  policy::PersonContext context;
  context.relationships = {
      MakeRelationship(id, 1, RelationshipKind::kCustody, kPrison, "", t0 - absl::Hours(24 * 400),
                       ended),
      MakeRelationship(id, 2, RelationshipKind::kAllocation, kHealthcare, "",
                       t0 - absl::Hours(24 * 380), ended),
      MakeRelationship(id, 3, RelationshipKind::kReferral, kCjit, "", t0 - absl::Hours(24 * 40),
                       std::nullopt),
      MakeRelationship(id, 4, RelationshipKind::kAllocation, kHousing, "",
                       t0 - absl::Hours(24 * 35), std::nullopt),
      MakeRelationship(id, 5, RelationshipKind::kAllocation, kProbation, "om-1",
                       t0 - absl::Hours(24 * 200), std::nullopt),
  };
  AddConsent(p, 1, ConsentState::kWithdrawn, "drugs", {kPrison}, {"cjit"}, "direct_care", kPrison,
             t0);
  AddConsent(p, 2, ConsentState::kActive, "mental_health", {kHealthcare}, {}, "direct_care",
             kHealthcare, t0);
  AddConsent(p, 3, ConsentState::kExpired, "drugs", {kPrison}, {"cjit"}, "direct_care", kPrison,
             t0);
  AddConsent(p, 4, ConsentState::kActive, "health", {kProbation}, {}, "direct_care", kHealthcare,
             t0);  // the wrong purpose for offender management
  AddConsent(p, 5, ConsentState::kActive, "health", {kProbation}, {}, "offender_management",
             kHealthcare, t0);
  for (const Consent& c : p.consent_versions) {  // latest versions only, as ListConsents gives
    if (!context.consents.empty() && context.consents.back().consent_id == c.consent_id) {
      context.consents.back() = c;
    } else {
      context.consents.push_back(c);
    }
  }
  return context;
}

// ---------------------------------------------------------------------------------------------
// Timing and percentiles.

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;  // microseconds
};

// Nearest-rank percentiles of `ns` (sorted in place).
Percentiles Summarize(std::vector<int64_t>& ns) {
  Percentiles p;
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&ns](double q) {
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(ns.size())));
    rank = std::clamp<size_t>(rank, 1, ns.size());
    return static_cast<double>(ns[rank - 1]) / 1000.0;
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(ns.back()) / 1000.0;
  return p;
}

class Samples {
 public:
  explicit Samples(int64_t expected) { ns_.reserve(static_cast<size_t>(expected)); }

  template <typename Fn>
  void Time(Fn&& fn) {
    const Clock::time_point start = Clock::now();
    fn();
    const Clock::time_point end = Clock::now();
    ns_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
  }

  std::vector<int64_t>& ns() { return ns_; }

 private:
  std::vector<int64_t> ns_;
};

// What the benchmarks share, and what they found (by benchmark name, in run order).
struct Bench {
  std::shared_ptr<const policy::Policy> policy;
  Storage* storage = nullptr;
  int64_t people = 0;
  absl::Time t0;
  std::vector<std::pair<std::string, Percentiles>> results;
};

void Report(benchmark::State& state, const std::string& name, Samples& samples, Bench& bench) {
  const Percentiles p = Summarize(samples.ns());
  state.counters["p50_us"] = p.p50;
  state.counters["p90_us"] = p.p90;
  state.counters["p99_us"] = p.p99;
  state.counters["p999_us"] = p.p999;
  bench.results.emplace_back(name, p);
}

// ---------------------------------------------------------------------------------------------
// The benchmarks.

void RoleOnlyBaseline(benchmark::State& state, const std::string& name, Bench& bench) {
  policy::Target target;
  target.action = std::string(policy::kSubjectRead);
  target.data_class = std::string(policy::kIdentityDataClass);
  const policy::AccessRequest request =
      policy::MakeRequest(OffenderManagerCall("om-1"), target, bench.t0);
  if (request.person_scoped || !bench.policy->Decide(request).allowed) {
    state.SkipWithError("the baseline request is not an allowed role-only decision");
    return;
  }
  Samples samples(state.max_iterations);
  for (auto _ : state) {
    samples.Time([&] {
      policy::Decision d = bench.policy->Decide(request);
      benchmark::DoNotOptimize(d.allowed);
    });
  }
  Report(state, name, samples, bench);
}

enum class PureCase { kAllowedByConsent, kAllowedByConsentExplained, kDeniedHousing };

void DecidePure(benchmark::State& state, const std::string& name, Bench& bench, PureCase which) {
  const policy::PersonContext person = BusyPersonContext(bench.t0);
  const bool housing = which == PureCase::kDeniedHousing;
  const RecordHeader record = housing ? UnconvictedAccommodationPlan(BusyPersonId())
                                      : HealthSummary(BusyPersonId());
  policy::Target target;
  target.action = std::string(policy::kRecordRead);
  target.data_class = record.data_class;
  target.person = &person;
  target.record = &record;
  const CallContext ctx = housing ? HousingOfficerCall() : OffenderManagerCall("om-1");
  const policy::AccessRequest request = policy::MakeRequest(ctx, target, bench.t0);
  const bool explain = which == PureCase::kAllowedByConsentExplained;

  const policy::Decision check = bench.policy->Decide(request, explain);
  if (check.allowed == housing || (!housing && !absl::StrContains(check.basis, "consent"))) {
    state.SkipWithError(absl::StrCat("unexpected decision (has the policy changed?): ",
                                     check.reason).c_str());
    return;
  }
  Samples samples(state.max_iterations);
  for (auto _ : state) {
    samples.Time([&] {
      policy::Decision d = bench.policy->Decide(request, explain);
      benchmark::DoNotOptimize(d.allowed);
    });
  }
  state.counters["reason_chars"] = static_cast<double>(check.reason.size());
  Report(state, name, samples, bench);
}

// A random person's offender manager reads their health summary: load the person's context in
// a read transaction, build the request as the broker does, decide. About 57% are allowed; the
// rest are denied for an ended or missing allocation, a withdrawn, expired or missing consent.
void DecideFromStorage(benchmark::State& state, const std::string& name, Bench& bench,
                       int decisions_per_txn) {
  std::mt19937_64 rng(20240603);
  std::uniform_int_distribution<int64_t> pick(0, bench.people - 1);
  policy::Target target;
  target.action = std::string(policy::kRecordRead);
  target.data_class = "health";
  int64_t allowed = 0;
  int64_t decisions = 0;
  absl::Status status;

  // One decision about `subject_id` inside `tx`.
  auto decide = [&](ReadTx& tx, const CallContext& ctx, const RecordHeader& record,
                    const std::string& subject_id) -> absl::Status {
    ASSIGN_OR_RETURN(policy::PersonContext person, policy::LoadPersonContext(tx, subject_id));
    target.person = &person;
    target.record = &record;
    const policy::Decision d = bench.policy->Decide(policy::MakeRequest(ctx, target, absl::Now()));
    target.person = nullptr;
    allowed += d.allowed ? 1 : 0;
    ++decisions;
    return absl::OkStatus();
  };

  Samples samples(state.max_iterations);
  if (decisions_per_txn == 1) {
    for (auto _ : state) {
      const int64_t n = pick(rng);
      const std::string subject_id = BenchId("sub", static_cast<uint64_t>(n));
      const CallContext ctx = OffenderManagerCall(OffenderManagerFor(ProfileOf(n)));
      const RecordHeader record = HealthSummary(subject_id);
      samples.Time([&] {
        status = bench.storage->Read(
            [&](ReadTx& tx) { return decide(tx, ctx, record, subject_id); });
      });
      if (!status.ok()) break;
    }
  } else {
    struct Call {
      int64_t n;
      std::string subject_id;
      CallContext ctx;
      RecordHeader record;
    };
    std::vector<Call> calls(static_cast<size_t>(decisions_per_txn));
    while (status.ok() && state.KeepRunningBatch(decisions_per_txn)) {
      for (Call& call : calls) {
        call.n = pick(rng);
        call.subject_id = BenchId("sub", static_cast<uint64_t>(call.n));
        call.ctx = OffenderManagerCall(OffenderManagerFor(ProfileOf(call.n)));
        call.record = HealthSummary(call.subject_id);
      }
      status = bench.storage->Read([&](ReadTx& tx) {
        for (const Call& call : calls) {
          absl::Status one;
          samples.Time([&] { one = decide(tx, call.ctx, call.record, call.subject_id); });
          RETURN_IF_ERROR(one);
        }
        return absl::OkStatus();
      });
    }
  }
  if (!status.ok()) {
    state.SkipWithError(status.ToString().c_str());
    return;
  }
  state.counters["allowed_pct"] =
      100.0 * static_cast<double>(allowed) / static_cast<double>(std::max<int64_t>(decisions, 1));
  Report(state, name, samples, bench);
}

// ---------------------------------------------------------------------------------------------
// No stale cache: there is no cache, but show it. A person (beyond the sampled ones) whose
// offender manager is allowed by consent; the consent expires at its exact instant; after a
// withdrawal the very next decision is denied.
absl::Status CheckNoStaleCache(Bench& bench) {
  Profile profile;
  profile.probation = true;
  profile.health = ConsentState::kActive;
  const Person person = MakePerson(bench.people, profile, bench.t0);
  RETURN_IF_ERROR(bench.storage->WriteAndWait(
      [&person](WriteTx& tx) { return InsertPerson(tx, person); }));
  const Consent& consent = person.consent_versions.front();
  const CallContext ctx = OffenderManagerCall(OffenderManagerFor(profile));
  const RecordHeader record = HealthSummary(person.subject.id);

  auto decide = [&](absl::Time now) -> absl::StatusOr<policy::Decision> {
    policy::Decision d;
    RETURN_IF_ERROR(bench.storage->Read([&](ReadTx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(policy::PersonContext context,
                       policy::LoadPersonContext(tx, person.subject.id));
      policy::Target target;
      target.action = std::string(policy::kRecordRead);
      target.data_class = "health";
      target.person = &context;
      target.record = &record;
      d = bench.policy->Decide(policy::MakeRequest(ctx, target, now));
      return absl::OkStatus();
    }));
    return d;
  };
  auto expect = [](const policy::Decision& d, bool allowed, const char* when) -> absl::Status {
    if (d.allowed == allowed) return absl::OkStatus();
    return absl::InternalError(absl::StrCat("no-stale-cache check: ", when, ": expected ",
                                            allowed ? "allow" : "deny", ", got: ", d.reason));
  };
  ASSIGN_OR_RETURN(policy::Decision before, decide(bench.t0));
  RETURN_IF_ERROR(expect(before, true, "with an active consent"));
  ASSIGN_OR_RETURN(policy::Decision last, decide(consent.valid_until - absl::Microseconds(1)));
  RETURN_IF_ERROR(expect(last, true, "1 us before expiry"));
  ASSIGN_OR_RETURN(policy::Decision expired, decide(consent.valid_until));
  RETURN_IF_ERROR(expect(expired, false, "at the instant of expiry"));

  Consent withdrawal = consent;
  withdrawal.version = 2;
  withdrawal.withdrawn_at = bench.t0;
  withdrawal.withdrawn_by_agency = kHealthcare;
  withdrawal.withdrawn_by_user = "nurse-1";
  withdrawal.withdrawal_reason = "the person withdrew consent";
  RETURN_IF_ERROR(bench.storage->WriteAndWait(
      [&withdrawal](WriteTx& tx) { return tx.InsertConsentVersion(withdrawal); }));
  ASSIGN_OR_RETURN(policy::Decision after, decide(bench.t0));
  RETURN_IF_ERROR(expect(after, false, "on the next call after the withdrawal"));
  std::fprintf(stderr,
               "no-stale-cache check: allowed with consent; denied at the exact expiry instant; "
               "denied on the next call after withdrawal (\"%s\")\n",
               after.reason.c_str());
  return absl::OkStatus();
}

// The cost of one steady_clock read, which every sample includes once.
double ClockOverheadMicros() {
  std::vector<int64_t> ns;
  ns.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    const Clock::time_point a = Clock::now();
    const Clock::time_point b = Clock::now();
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count());
  }
  return Summarize(ns).p50;
}

void PrintSummary(const Bench& bench) {
  const Percentiles* baseline = nullptr;
  for (const auto& [name, p] : bench.results) {
    if (name == "BM_RoleOnlyBaseline") baseline = &p;
  }
  std::printf("\nDecision latency with %lld people (microseconds; goal: p99 < %.0f us)\n",
              static_cast<long long>(bench.people), kGoalP99Micros);
  std::printf("%-50s %9s %9s %9s %10s  %s\n", "benchmark", "p50", "p99", "p99.9",
              "p99/base", "goal");
  for (const auto& [name, p] : bench.results) {
    const bool is_baseline = &p == baseline;
    char ratio[32] = "-";
    if (baseline != nullptr && baseline->p99 > 0) {
      std::snprintf(ratio, sizeof(ratio), "%.1fx", p.p99 / baseline->p99);
    }
    const bool informational = absl::StrContains(name, "txn_per_decision");
    const bool met = p.p99 < kGoalP99Micros;
    const char* goal = is_baseline     ? "(baseline)"
                       : informational ? (met ? "(info) pass" : "(info) over, incl. BEGIN/COMMIT")
                       : met           ? "PASS"
                                       : "FAIL";
    std::printf("%-50s %9.3f %9.3f %9.3f %10s  %s\n", name.c_str(), p.p50, p.p99, p.p999, ratio,
                goal);
  }
  std::printf("Each sample includes one steady_clock read: %.3f us (median).\n",
              ClockOverheadMicros());
}

// ---------------------------------------------------------------------------------------------

class TempDir {
 public:
  static absl::StatusOr<std::unique_ptr<TempDir>> Create() {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string pattern = (base / "tc-decision-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::UnavailableError(absl::StrCat("cannot create a directory like ", pattern));
    }
    return std::unique_ptr<TempDir>(new TempDir(pattern));
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Takes --people=N and --policy=PATH out of argv (before Google Benchmark sees it).
absl::Status ParseFlags(int& argc, char** argv, int64_t& people, std::string& policy_path) {
  if (const char* env = std::getenv("TC_BENCH_PEOPLE"); env != nullptr && *env != '\0') {
    if (!absl::SimpleAtoi(env, &people)) {
      return absl::InvalidArgumentError(absl::StrCat("TC_BENCH_PEOPLE: not a number: ", env));
    }
  }
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (absl::StartsWith(arg, "--people=")) {
      if (!absl::SimpleAtoi(arg.substr(9), &people)) {
        return absl::InvalidArgumentError(absl::StrCat("--people: not a number: ", arg));
      }
    } else if (absl::StartsWith(arg, "--policy=")) {
      policy_path = std::string(arg.substr(9));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  if (people < 1) return absl::InvalidArgumentError("--people must be at least 1");
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  int64_t people = kDefaultPeople;
  std::string policy_path = TC_SOURCE_DIR "/deploy/policy.yaml";
  if (absl::Status s = ParseFlags(argc, argv, people, policy_path); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  Bench bench;
  bench.people = people;
  bench.t0 = absl::Now();
  absl::StatusOr<std::shared_ptr<const policy::Policy>> policy =
      policy::Policy::LoadFile(policy_path);
  if (!policy.ok()) {
    std::fprintf(stderr, "%s\n", policy.status().ToString().c_str());
    return 1;
  }
  bench.policy = *std::move(policy);
  std::fprintf(stderr, "policy %s (%s)\n", policy_path.c_str(), bench.policy->version().c_str());

  absl::StatusOr<std::unique_ptr<TempDir>> dir = TempDir::Create();
  if (!dir.ok()) {
    std::fprintf(stderr, "%s\n", dir.status().ToString().c_str());
    return 1;
  }
  storage::SqliteOptions options;
  options.path = (*dir)->path() + "/decision_bench.db";
  absl::StatusOr<std::unique_ptr<Storage>> storage = storage::OpenSqliteStorage(options);
  if (!storage.ok()) {
    std::fprintf(stderr, "%s\n", storage.status().ToString().c_str());
    return 1;
  }
  bench.storage = storage->get();
  std::fprintf(stderr, "database %s\n", options.path.c_str());

  absl::Status loaded = LoadPeople(*bench.storage, people, bench.t0);
  if (loaded.ok()) loaded = CheckNoStaleCache(bench);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.ToString().c_str());
    (*storage)->Close();
    return 1;
  }
  std::error_code ec;
  const auto size = [&ec](const std::string& path) {
    const uintmax_t bytes = std::filesystem::file_size(path, ec);
    return ec ? 0.0 : static_cast<double>(bytes) / (1 << 20);
  };
  std::fprintf(stderr, "database size: %.1f MiB (+ %.1f MiB write-ahead log)\n",
               size(options.path), size(options.path + "-wal"));

  // Wired here rather than by static registration (STYLE.md); each benchmark runs once with a
  // fixed number of iterations, every one of them a sample.
  auto add = [&bench](const std::string& name, int64_t iterations, auto fn) {
    benchmark::RegisterBenchmark(name.c_str(),
                                 [&bench, name, fn](benchmark::State& state) {
                                   fn(state, name, bench);
                                 })
        ->Iterations(iterations)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  };
  add("BM_RoleOnlyBaseline", kPureIterations, RoleOnlyBaseline);
  for (const auto& [suffix, which] :
       {std::pair{"allowed_by_consent", PureCase::kAllowedByConsent},
        std::pair{"denied_housing_no_consent", PureCase::kDeniedHousing},
        std::pair{"allowed_by_consent_explain", PureCase::kAllowedByConsentExplained}}) {
    const PureCase c = which;
    add(absl::StrCat("BM_DecidePure/", suffix), kPureIterations,
        [c](benchmark::State& state, const std::string& name, Bench& b) {
          DecidePure(state, name, b, c);
        });
  }
  add("BM_DecideWithContextFromStorage/txn_per_decision", kStorageIterations,
      [](benchmark::State& state, const std::string& name, Bench& b) {
        DecideFromStorage(state, name, b, 1);
      });
  add(absl::StrCat("BM_DecideWithContextFromStorage/shared_txn_", kSharedTxnDecisions),
      kStorageIterations, [](benchmark::State& state, const std::string& name, Bench& b) {
        DecideFromStorage(state, name, b, kSharedTxnDecisions);
      });

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  PrintSummary(bench);
  (*storage)->Close();
  return 0;
}

}  // namespace
}  // namespace throughcare::bench

int main(int argc, char** argv) { return throughcare::bench::Main(argc, argv); }
