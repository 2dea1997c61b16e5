// The worked examples of deploy/examples/ (README, "HMPPS-style events" and "CSV files") are
// what the codecs take and give: inbound examples decode without errors, and outbound examples
// are exactly what encoding their delivery gives. After a deliberate change of the outbound
// format, rewrite them with THROUGHCARE_WRITE_EXAMPLES=1.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/adapters/csv/csv_files.h"
#include "services/adapters/hmpps/hmpps_events.h"
#include "tests/adapters/decode_printers.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::adapters {
namespace {

using ::testing::IsEmpty;

std::string Path(const std::string& name) { return std::string(TC_EXAMPLES_DIR) + "/" + name; }

std::string Read(const std::string& name) {
  std::ifstream in(Path(name), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares `encoded` with the example file, or writes it when asked to.
void ExpectExample(const std::string& name, const std::string& encoded) {
  const char* write = std::getenv("THROUGHCARE_WRITE_EXAMPLES");
  if (write != nullptr && std::string(write) == "1") {
    std::ofstream(Path(name), std::ios::binary) << encoded;
  }
  EXPECT_EQ(Read(name), encoded) << name << " is out of date (THROUGHCARE_WRITE_EXAMPLES=1)";
}

v1::Subject Person() {
  v1::Subject person;
  person.set_subject_id("sub_00000000000000000000000000");
  auto* noms = person.add_identifiers();
  noms->set_kind(v1::IDENTIFIER_KIND_NOMS);
  noms->set_value("Z9999ZZ");
  auto* la = person.add_identifiers();
  la->set_kind(v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF);
  la->set_value("E06000018/HX-0001");
  return person;
}

// A prison's accommodation referral to a housing team, as the team receives it.
v1::Delivery AccommodationReferral() {
  v1::Delivery delivery;
  delivery.set_lease_id("lease_00000000000000000000000001");
  delivery.set_attempt(1);
  delivery.set_message_id("msg_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  delivery.set_kind(v1::MESSAGE_KIND_RECORDS);
  delivery.set_sender_agency("hmp-northgate");
  delivery.set_sender_user("resettlement.officer.1");
  delivery.set_subject_id("sub_00000000000000000000000000");
  delivery.set_purpose("resettlement");
  delivery.set_correlation_id("ref_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  delivery.mutable_sent_at()->set_seconds(1796029200);  // 2026-11-30T09:00:00Z
  v1::Record* record = delivery.add_records();
  record->set_record_id("rec_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  record->set_subject_id("sub_00000000000000000000000000");
  record->set_version(2);
  record->set_record_type("accommodation_need");
  record->set_data_class("accommodation");
  record->set_owner_agency("hmp-northgate");
  auto* need = record->mutable_body()->mutable_accommodation_need();
  need->set_current_status("no fixed abode");
  need->set_need_by_date("2026-12-14");
  need->set_local_authority("E06000018");
  need->set_notes("Release on 14 December; needs a ground-floor room, \"step-free\".");
  return delivery;
}

TEST(ExamplesTest, TheEventDecodes) {
  const Decoded decoded = HmppsEvents().Decode(Read("hmpps-event-prisoner-released.json"));
  EXPECT_THAT(decoded.errors, IsEmpty());
  ASSERT_EQ(decoded.operations.size(), 1u);
  EXPECT_EQ(std::get<v1::RecordReleaseRequest>(decoded.operations[0].request).release_date(),
            "2026-11-30");
}

TEST(ExamplesTest, TheDecisionsFileDecodes) {
  const Decoded decoded = CsvFiles().Decode(Read("referral-decisions.csv"));
  EXPECT_THAT(decoded.errors, IsEmpty());
  EXPECT_EQ(decoded.operations.size(), 4u);
}

TEST(ExamplesTest, TheOutboundCsvIsWhatEncodingGives) {
  ASSERT_OK_AND_ASSIGN(const std::string encoded,
                       CsvFiles().Encode(AccommodationReferral(), Person()));
  ExpectExample("outbox-accommodation-referral.csv", encoded);
}

TEST(ExamplesTest, TheOutboundEventIsWhatEncodingGives) {
  ASSERT_OK_AND_ASSIGN(const std::string encoded,
                       HmppsEvents().Encode(AccommodationReferral(), Person()));
  ExpectExample("hmpps-event-delivery.json", encoded);
}

}  // namespace
}  // namespace throughcare::adapters
