// How fast the fhir-r4 adapter decodes and encodes a Bundle, against the bare JSON parse of the
// same bytes with the same JSON library (nlohmann-json) in the same run (issue "Speed": adapter
// work at most 3x the bare parse).
//
//   fhir_adapter_bench [BUNDLES [ROUNDS]]        (default 2,000 Bundles a loop, 7 rounds)
//
// Builds, in memory, one transaction Bundle of 20 resources in the shapes the decoder accepts
// (tests/fuzz/corpus/fhir_bundle_fuzzer/health_summary.json): the Patient, the GP's
// Organization, 9 Conditions, 5 MedicationStatements and 4 MedicationRequests, written as
// compact JSON. Every loop below works on those same bytes:
//   baseline  nlohmann::json::parse of the bytes, nothing else;
//   decode    adapters::fhir::FhirR4().Decode of the bytes: the strict parse (duplicate keys,
//             depth, size), reading and checking every element, the RegisterSubjectRequest and
//             the health summary's PutRecordRequest;
//   encode    FhirR4().Encode of a MESSAGE_KIND_RECORDS Delivery holding the decoded health
//             summary: the collection Bundle a recipient gets, as bytes;
//   adapter   decode + encode of the same round.
// After one untimed warm-up loop of each, ROUNDS rounds each run the three loops in turn; the
// figures are the medians over the rounds (with the spread of the rounds), as MB/s of the input
// Bundle and Bundles/s by the wall clock, the thread's CPU time per Bundle beside them, and
// adapter/baseline as a ratio of times (wall clock, and CPU). Every result is checked and folded
// into a checksum that is printed, so that the compiler cannot drop the work. The machine's load
// is not controlled: the load average is printed before and after; other processes running at
// the same time slow both sides by the wall clock, so on a shared machine compare the CPU ratio.
// Not a test: its figures depend on the machine; the README shows runs.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "services/adapters/fhir/fhir_adapter.h"

namespace throughcare::adapters::fhir {
namespace {

using nlohmann::json;

constexpr int kConditions = 9;
constexpr int kStatements = 5;
constexpr int kRequests = 4;
constexpr int kResources = 2 + kConditions + kStatements + kRequests;
static_assert(kResources == 20, "the benchmark's Bundle has 20 resources");

std::string Url(int n) { return absl::StrFormat("urn:uuid:0b5e6f1a-3c3d-4f4e-9a51-%012d", n); }

json Entry(int n, json resource) {
  const std::string type = resource["resourceType"];
  return {{"fullUrl", Url(n)},
          {"resource", std::move(resource)},
          {"request", {{"method", "POST"}, {"url", type}}}};
}

json Dosage(const std::string& dose, const std::string& frequency) {
  return json::array({{{"text", dose}, {"timing", {{"code", {{"text", frequency}}}}}}});
}

// The 20-resource transaction Bundle, as compact JSON (what a sending system would post).
std::string HealthSummaryBundle() {
  const json patient_ref = {{"reference", Url(1)}};
  json entries = json::array();
  entries.push_back(Entry(
      1, {{"resourceType", "Patient"},
          {"identifier", json::array({{{"system", "https://fhir.nhs.uk/Id/nhs-number"},
                                       {"value", "9990000018"}}})},
          {"generalPractitioner", json::array({{{"reference", Url(2)}}})}}));
  entries.push_back(
      Entry(2, {{"resourceType", "Organization"},
                {"identifier", json::array({{{"system",
                                              "https://fhir.nhs.uk/Id/ods-organization-code"},
                                             {"value", "Y00001"}}})},
                {"name", "Example Lane Surgery"}}));
  const char* const conditions[kConditions] = {
      "Hepatitis C",         "Asthma",          "Type 2 diabetes mellitus",
      "Opioid dependence",   "Depressive episode", "Chronic obstructive pulmonary disease",
      "Essential hypertension", "Epilepsy",     "Post-traumatic stress disorder"};
  int n = 2;
  for (int i = 0; i < kConditions; ++i) {
    json condition = {{"resourceType", "Condition"},
                      {"code", {{"text", conditions[i]}}},
                      {"subject", patient_ref},
                      {"onsetDateTime", absl::StrFormat("20%02d-%02d-01", 10 + i, 1 + i)}};
    if (i % 2 == 0) {
      condition["clinicalStatus"] = {
          {"coding", json::array({{{"system",
                                    "http://terminology.hl7.org/CodeSystem/condition-clinical"},
                                   {"code", "active"}}})}};
    }
    entries.push_back(Entry(++n, std::move(condition)));
  }
  const char* const statements[kStatements] = {
      "Methadone oral solution 1 mg/ml", "Metformin 500 mg tablets", "Sertraline 50 mg tablets",
      "Amlodipine 5 mg tablets", "Levetiracetam 500 mg tablets"};
  for (int i = 0; i < kStatements; ++i) {
    entries.push_back(
        Entry(++n, {{"resourceType", "MedicationStatement"},
                    {"status", "active"},
                    {"medicationCodeableConcept", {{"text", statements[i]}}},
                    {"subject", patient_ref},
                    {"informationSource", {{"display", "Healthcare team, HMP Example"}}},
                    {"dosage", Dosage(i == 0 ? "60 ml" : "one tablet", "once daily")}}));
  }
  const char* const requests[kRequests] = {
      "Salbutamol 100 micrograms inhaler", "Beclometasone 100 micrograms inhaler",
      "Tiotropium 18 microgram inhalation powder capsules", "Naloxone 1.8 mg nasal spray"};
  for (int i = 0; i < kRequests; ++i) {
    entries.push_back(Entry(++n, {{"resourceType", "MedicationRequest"},
                                  {"status", "active"},
                                  {"intent", "order"},
                                  {"medicationCodeableConcept", {{"text", requests[i]}}},
                                  {"subject", patient_ref},
                                  {"requester", {{"display", "Example Lane Surgery"}}},
                                  {"dosageInstruction", Dosage("two puffs", "when required")}}));
  }
  json bundle = {
      {"resourceType", "Bundle"},
      {"meta",
       {{"security", json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v3-ActReason"},
                                   {"code", "TREAT"}}})}}},
      {"type", "transaction"},
      {"entry", std::move(entries)}};
  return bundle.dump();
}

// The health summary `decoded` puts, or nullptr.
const v1::PutRecordRequest* HealthSummaryPut(const Decoded& decoded) {
  for (const Operation& operation : decoded.operations) {
    const auto* put = std::get_if<v1::PutRecordRequest>(&operation.request);
    if (put != nullptr && put->body().has_health_summary()) return put;
  }
  return nullptr;
}

// What the broker would deliver of that record, and the person as the recipient may see them.
v1::Delivery DeliveryOf(const v1::PutRecordRequest& put) {
  v1::Delivery delivery;
  delivery.set_message_id("msg_01JBENCH000000000000000000");
  delivery.set_kind(v1::MESSAGE_KIND_RECORDS);
  delivery.set_subject_id("sub_01JBENCH000000000000000000");
  delivery.set_sender_agency("hmp-example");
  delivery.set_purpose(put.purpose());
  delivery.mutable_sent_at()->set_seconds(1767225600);
  v1::Record* record = delivery.add_records();
  record->set_record_id("rec_01JBENCH000000000000000000");
  record->set_version(1);
  record->set_data_class(put.data_class());
  *record->mutable_body() = put.body();
  return delivery;
}

// Folds a decode result into the checksum; 0 when it is not the expected one.
uint64_t Digest(const Decoded& decoded) {
  const v1::PutRecordRequest* put = HealthSummaryPut(decoded);
  if (!decoded.errors.empty() || decoded.operations.size() != 2 || put == nullptr) return 0;
  const v1::HealthSummary& summary = put->body().health_summary();
  return decoded.operations.size() + summary.conditions_size() + summary.prescriptions_size() +
         summary.gp().ods_code().size() + decoded.operations[0].person.value().size();
}

// One loop's time: by the wall clock, and on this thread's CPU (which leaves out the time the
// thread waited while other processes ran, though not their effect on the caches).
struct Timing {
  absl::Duration wall, cpu;
};

struct Round {
  Timing parse, decode, encode;
  Timing adapter() const { return {decode.wall + encode.wall, decode.cpu + encode.cpu}; }
};

absl::Duration ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return absl::DurationFromTimespec(ts);
}

template <typename F>
Timing Time(int bundles, F&& one) {
  const absl::Time start = absl::Now();
  const absl::Duration cpu_start = ThreadCpu();
  for (int i = 0; i < bundles; ++i) one();
  return {absl::Now() - start, ThreadCpu() - cpu_start};
}

absl::Duration Median(std::vector<absl::Duration> d) {
  std::sort(d.begin(), d.end());
  return d.size() % 2 == 1 ? d[d.size() / 2] : (d[d.size() / 2 - 1] + d[d.size() / 2]) / 2;
}

std::string LoadAverage() {
  double load[3];
  if (getloadavg(load, 3) != 3) return "unknown";
  return absl::StrFormat("%.2f %.2f %.2f", load[0], load[1], load[2]);
}

int Run(int bundles, int rounds) {
  const std::string bytes = HealthSummaryBundle();
  const std::string load_before = LoadAverage();

  // Check once that every side does the whole work on these bytes.
  const Decoded decoded = FhirR4().Decode(bytes);
  if (!decoded.errors.empty()) {
    std::fprintf(stderr, "the benchmark's Bundle does not decode: %s: %s\n",
                 decoded.errors[0].where.c_str(), decoded.errors[0].reason.c_str());
    return 1;
  }
  const v1::PutRecordRequest* put = HealthSummaryPut(decoded);
  if (Digest(decoded) == 0 || put->body().health_summary().conditions_size() != kConditions ||
      put->body().health_summary().prescriptions_size() != kStatements + kRequests ||
      json::parse(bytes)["entry"].size() != kResources) {
    std::fprintf(stderr, "the benchmark's Bundle did not decode to the expected summary\n");
    return 1;
  }
  v1::Subject person;
  person.set_subject_id("sub_01JBENCH000000000000000000");
  *person.add_identifiers() = decoded.operations[0].person;
  const v1::Delivery delivery = DeliveryOf(*put);
  const absl::StatusOr<std::string> encoded = FhirR4().Encode(delivery, person);
  if (!encoded.ok()) {
    std::fprintf(stderr, "encoding failed: %s\n", encoded.status().ToString().c_str());
    return 1;
  }

  uint64_t checksum = 0;
  bool all_ok = true;
  auto parse = [&] {
    json document = json::parse(bytes);
    checksum += document["entry"].size();
  };
  auto decode = [&] {
    const uint64_t digest = Digest(FhirR4().Decode(bytes));
    all_ok &= digest != 0;
    checksum += digest;
  };
  auto encode = [&] {
    absl::StatusOr<std::string> out = FhirR4().Encode(delivery, person);
    all_ok &= out.ok() && out->size() == encoded->size();
    checksum += out.ok() ? out->size() : 0;
  };

  std::fflush(stdout);
  std::fprintf(stderr, "warming up, then %d rounds of %d Bundles per loop...\n", rounds, bundles);
  Time(bundles, parse);
  Time(bundles, decode);
  Time(bundles, encode);
  std::vector<Round> results;
  for (int r = 0; r < rounds; ++r) {
    Round round;
    round.parse = Time(bundles, parse);
    round.decode = Time(bundles, decode);
    round.encode = Time(bundles, encode);
    results.push_back(round);
  }
  if (!all_ok) {
    std::fprintf(stderr, "a decode or encode in the timed loops failed\n");
    return 1;
  }

  using Of = Timing (*)(const Round&);
  auto median = [&](Of of, bool cpu) {
    std::vector<absl::Duration> d;
    for (const Round& round : results) d.push_back(cpu ? of(round).cpu : of(round).wall);
    return Median(d);
  };
  auto spread = [&](Of of) {
    absl::Duration lo = absl::InfiniteDuration(), hi = absl::ZeroDuration();
    for (const Round& round : results) {
      lo = std::min(lo, of(round).wall);
      hi = std::max(hi, of(round).wall);
    }
    return std::make_pair(lo, hi);
  };
  const double megabytes = static_cast<double>(bytes.size()) * bundles / 1e6;
  auto per_bundle = [&](absl::Duration d) { return absl::ToDoubleSeconds(d) * 1e6 / bundles; };
  auto line = [&](const char* name, Of of) {
    const absl::Duration wall = median(of, false);
    const absl::Duration cpu = median(of, true);
    const auto [lo, hi] = spread(of);
    const double s = absl::ToDoubleSeconds(wall);
    std::printf("%-24s %6.1f MB/s %7.0f Bundles/s %7.1f us/Bundle (rounds %.1f-%.1f)  "
                "cpu %7.1f us/Bundle\n",
                name, megabytes / s, bundles / s, per_bundle(wall), per_bundle(lo),
                per_bundle(hi), per_bundle(cpu));
    return Timing{wall, cpu};
  };

  std::printf("input                    one transaction Bundle, %d resources, %zu bytes (compact "
              "JSON); its encoded collection Bundle %zu bytes\n",
              kResources, bytes.size(), encoded->size());
  std::printf("runs                     %d rounds x %d Bundles per loop after a warm-up loop; "
              "medians over the rounds\n",
              rounds, bundles);
  std::printf("library                  nlohmann-json %d.%d.%d on both sides; %u hardware "
              "threads\n",
              NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
              NLOHMANN_JSON_VERSION_PATCH, std::thread::hardware_concurrency());
  std::printf("load average             before %s, after %s (NOT controlled: other work on the "
              "machine slows both sides)\n",
              load_before.c_str(), LoadAverage().c_str());
  std::printf("                         MB/s and Bundles/s of the input, wall clock; cpu: this "
              "thread's CPU time\n");
  const Timing base = line("baseline: json::parse", [](const Round& r) { return r.parse; });
  line("decode: FhirR4().Decode", [](const Round& r) { return r.decode; });
  line("encode: FhirR4().Encode", [](const Round& r) { return r.encode; });
  const Timing adapter = line("adapter: decode+encode", [](const Round& r) { return r.adapter(); });
  std::printf("adapter / baseline       %.2fx the time of the bare parse (cpu %.2fx; goal: at "
              "most 3x)\n",
              absl::FDivDuration(adapter.wall, base.wall),
              absl::FDivDuration(adapter.cpu, base.cpu));
  std::printf("checksum                 %llu (printed so that the work is not optimised away)\n",
              static_cast<unsigned long long>(checksum));
  return 0;
}

}  // namespace
}  // namespace throughcare::adapters::fhir

int main(int argc, char** argv) {
  const long bundles = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 2'000;
  const long rounds = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 7;
  if (argc > 3 || bundles < 1 || bundles > 10'000'000 || rounds < 1 || rounds > 1'000) {
    std::fprintf(stderr, "usage: fhir_adapter_bench [BUNDLES [ROUNDS]]\n");
    return 2;
  }
  return throughcare::adapters::fhir::Run(static_cast<int>(bundles), static_cast<int>(rounds));
}
