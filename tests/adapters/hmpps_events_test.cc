// The "hmpps-events" codec: each mapped event type, strict decoding with JSON pointers, and
// deliveries encoded in the same envelope. Synthetic identifiers only.
#include "services/adapters/hmpps/hmpps_events.h"

#include <functional>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/adapters/decode_printers.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::adapters {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using throughcare::testing::StatusIs;

json Released() {
  return {
      {"id", "evt-0001"},
      {"eventType", "prison-offender-events.prisoner.released"},
      {"version", 1},
      {"occurredAt", "2026-11-30T09:15:00.123456+00:00"},
      {"description", "A prisoner has been released from prison"},
      {"detailUrl", "https://prison.example.test/prisoner/Z9999ZZ"},
      {"personReference", {{"identifiers", {{{"type", "NOMS"}, {"value", "Z9999ZZ"}}}}}},
      {"additionalInformation",
       {{"nomsNumber", "Z9999ZZ"}, {"reason", "RELEASED"}, {"prisonId", "XNG"}}},
  };
}

json Received() {
  json event = Released();
  event["eventType"] = "prison-offender-events.prisoner.received";
  event["additionalInformation"]["reason"] = "ADMISSION";
  return event;
}

json EngagementCreated() {
  return {
      {"id", "evt-0003"},
      {"eventType", "probation-case.engagement.created"},
      {"version", 1},
      {"occurredAt", "2026-11-30T10:00:00Z"},
      {"personReference", {{"identifiers", {{{"type", "CRN"}, {"value", "X900001"}}}}}},
  };
}

Decoded Decode(const json& event) { return HmppsEvents().Decode(event.dump()); }

TEST(HmppsEventsTest, IsRegisteredUnderItsName) {
  EXPECT_EQ(Registry::Find("hmpps-events"), &HmppsEvents());
  EXPECT_EQ(HmppsEvents().Describe().content_type, "application/json");
}

TEST(HmppsEventsTest, ReleasedRecordsTheReleaseOnItsLondonDate) {
  const Decoded decoded = Decode(Released());
  ASSERT_THAT(decoded.errors, IsEmpty());
  ASSERT_EQ(decoded.operations.size(), 1u);
  const Operation& op = decoded.operations[0];
  EXPECT_EQ(op.person.kind(), v1::IDENTIFIER_KIND_NOMS);
  EXPECT_EQ(op.person.value(), "Z9999ZZ");
  EXPECT_EQ(op.idempotency_key, "hmpps:evt-0001");
  ASSERT_TRUE(std::holds_alternative<v1::RecordReleaseRequest>(op.request));
  const auto& release = std::get<v1::RecordReleaseRequest>(op.request);
  EXPECT_EQ(release.release_date(), "2026-11-30");
  EXPECT_EQ(release.subject_id(), "");
}

TEST(HmppsEventsTest, ReleaseDateIsTheDateInLondonNotInUtc) {
  json summer = Released();
  summer["occurredAt"] = "2026-06-30T23:30:00Z";  // 00:30 BST on 1 July
  json winter = Released();
  winter["occurredAt"] = "2026-12-31T23:30:00Z";  // GMT: still 31 December
  json offset = Released();
  offset["occurredAt"] = "2026-07-01T01:30:00+02:00";  // 23:30 UTC, 00:30 BST
  const auto date = [](const json& event) {
    const Decoded decoded = Decode(event);
    EXPECT_THAT(decoded.errors, IsEmpty());
    return decoded.operations.empty()
               ? std::string()
               : std::get<v1::RecordReleaseRequest>(decoded.operations[0].request)
                     .release_date();
  };
  EXPECT_EQ(date(summer), "2026-07-01");
  EXPECT_EQ(date(winter), "2026-12-31");
  EXPECT_EQ(date(offset), "2026-07-01");
}

TEST(HmppsEventsTest, MovementsThatAreNotReleasesOrAdmissionsChangeNothing) {
  for (const char* reason : {"SENT_TO_COURT", "TEMPORARY_ABSENCE_RELEASE", "TRANSFERRED"}) {
    json event = Released();
    event["additionalInformation"]["reason"] = reason;
    const Decoded decoded = Decode(event);
    EXPECT_THAT(decoded.errors, IsEmpty()) << reason;
    EXPECT_THAT(decoded.operations, IsEmpty()) << reason;
  }
  json back = Received();
  back["additionalInformation"]["reason"] = "RETURN_FROM_COURT";
  EXPECT_THAT(Decode(back).operations, IsEmpty());
}

TEST(HmppsEventsTest, ReceivedStartsCustody) {
  const Decoded decoded = Decode(Received());
  ASSERT_THAT(decoded.errors, IsEmpty());
  ASSERT_EQ(decoded.operations.size(), 1u);
  const Operation& op = decoded.operations[0];
  EXPECT_EQ(op.person.value(), "Z9999ZZ");
  const auto& start = std::get<v1::StartRelationshipRequest>(op.request);
  EXPECT_EQ(start.kind(), v1::RELATIONSHIP_KIND_CUSTODY);
  EXPECT_THAT(start.note(), HasSubstr("XNG"));
}

TEST(HmppsEventsTest, EngagementCreatedStartsTheCaseAllocation) {
  const Decoded decoded = Decode(EngagementCreated());
  ASSERT_THAT(decoded.errors, IsEmpty());
  ASSERT_EQ(decoded.operations.size(), 1u);
  const Operation& op = decoded.operations[0];
  EXPECT_EQ(op.person.kind(), v1::IDENTIFIER_KIND_CRN);
  EXPECT_EQ(op.person.value(), "X900001");
  EXPECT_EQ(std::get<v1::StartRelationshipRequest>(op.request).kind(),
            v1::RELATIONSHIP_KIND_ALLOCATION);
  EXPECT_EQ(op.idempotency_key, "hmpps:evt-0003");
}

TEST(HmppsEventsTest, TheSameEventTwiceHasTheSameKey) {
  const Decoded first = Decode(Released());
  const Decoded again = HmppsEvents().Decode(Released().dump(2));  // other white space
  ASSERT_EQ(first.operations.size(), 1u);
  ASSERT_EQ(again.operations.size(), 1u);
  EXPECT_EQ(first.operations[0].idempotency_key, again.operations[0].idempotency_key);
}

// One malformed input, and where its error must point.
struct Malformed {
  std::string name;
  std::function<std::string()> input;
  std::string where;
  std::string reason;  // a part of the reason
};

std::string Edited(json (*make)(), const std::function<void(json&)>& edit) {
  json event = make();
  edit(event);
  return event.dump();
}

std::vector<Malformed> MalformedInputs() {
  return {
      {"UnknownEventType",
       [] { return Edited(Released, [](json& e) { e["eventType"] = "prisoner.escaped"; }); },
       "/eventType", "unknown event type"},
      {"UnknownMember", [] { return Edited(Released, [](json& e) { e["extra"] = true; }); },
       "/extra", "unknown member"},
      {"UnknownMemberEscaped",
       [] { return Edited(Released, [](json& e) { e["a/b~c"] = 1; }); }, "/a~1b~0c",
       "unknown member"},
      {"WrongTypeVersion",
       [] { return Edited(Released, [](json& e) { e["version"] = "1"; }); }, "/version",
       "must be an integer, not a string"},
      {"UnknownVersion", [] { return Edited(Released, [](json& e) { e["version"] = 2; }); },
       "/version", "only version 1"},
      {"MissingId", [] { return Edited(Released, [](json& e) { e.erase("id"); }); }, "/id",
       "required"},
      {"BadId", [] { return Edited(Released, [](json& e) { e["id"] = "a b"; }); }, "/id",
       "[A-Za-z0-9._:-]"},
      {"BadNoms",
       [] {
         return Edited(Released, [](json& e) {
           e["personReference"]["identifiers"][0]["value"] = "Z99999Z";
         });
       },
       "/personReference/identifiers/0/value", "NOMS number"},
      {"BadCrn",
       [] {
         return Edited(EngagementCreated, [](json& e) {
           e["personReference"]["identifiers"][0]["value"] = "X90000";
         });
       },
       "/personReference/identifiers/0/value", "CRN"},
      {"UnknownIdentifierType",
       [] {
         return Edited(Released, [](json& e) {
           e["personReference"]["identifiers"][0]["type"] = "PASSPORT";
         });
       },
       "/personReference/identifiers/0/type", "unknown identifier type"},
      {"NoOffset",
       [] { return Edited(Released, [](json& e) { e["occurredAt"] = "2026-11-30T09:15:00"; }); },
       "/occurredAt", "no offset"},
      {"ImpossibleDate",
       [] {
         return Edited(Released, [](json& e) { e["occurredAt"] = "2026-02-30T09:15:00Z"; });
       },
       "/occurredAt", "not a valid date-time"},
      {"TrailingSpace",
       [] { return Edited(Released, [](json& e) { e["occurredAt"] = "2026-11-30T09:15:00Z "; }); },
       "/occurredAt", "white space"},
      {"DateOnly",
       [] { return Edited(Released, [](json& e) { e["occurredAt"] = "2026-11-30"; }); },
       "/occurredAt", "not YYYY-MM-DDTHH:MM:SS"},
      {"MissingPersonReference",
       [] { return Edited(Released, [](json& e) { e.erase("personReference"); }); },
       "/personReference", "required"},
      {"NomsNumberDiffers",
       [] {
         return Edited(Released,
                       [](json& e) { e["additionalInformation"]["nomsNumber"] = "Z9999ZY"; });
       },
       "/additionalInformation/nomsNumber", "differs"},
      {"UnknownReason",
       [] {
         return Edited(Released, [](json& e) { e["additionalInformation"]["reason"] = "ESCAPED"; });
       },
       "/additionalInformation/reason", "unknown reason"},
      {"UnknownAdditionalMember",
       [] {
         return Edited(Released, [](json& e) { e["additionalInformation"]["bedNumber"] = "4"; });
       },
       "/additionalInformation/bedNumber", "unknown member"},
      {"PrisonerEventWithoutNoms",
       [] {
         return Edited(Released, [](json& e) {
           e["personReference"]["identifiers"][0] = {{"type", "CRN"}, {"value", "X900001"}};
         });
       },
       "/personReference/identifiers", "NOMS"},
      {"DuplicateKey",
       [] {
         std::string text = Released().dump();
         return text.insert(1, "\"id\":\"evt-other\",");
       },
       "", "appears twice"},
      {"NotJson", [] { return std::string("{\"id\": "); }, "", "syntax error"},
      {"NumberOutOfRange", [] { return std::string("{\"version\": 1e400}"); }, "",
       "out of range"},
      {"NotAnObject", [] { return std::string("[1, 2]"); }, "", "a JSON object"},
      {"InvalidUtf8",
       [] { return Edited(Released, [](json&) {}).replace(9, 1, "\xC3\x28"); }, "",
       "not valid JSON"},
      {"Oversized",
       [] {
         return Edited(Released, [](json& e) { e["description"] = std::string(70000, 'x'); });
       },
       "", "at most 65536 bytes"},
      {"TooDeep",
       [] { return std::string(40, '[') + std::string(40, ']'); }, "", "nested deeper"},
  };
}

class HmppsMalformedTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(HmppsMalformedTest, IsRefusedWithItsPointer) {
  const Decoded decoded = HmppsEvents().Decode(GetParam().input());
  EXPECT_THAT(decoded.operations, IsEmpty());
  ASSERT_FALSE(decoded.errors.empty());
  EXPECT_EQ(decoded.errors[0].where, GetParam().where);
  EXPECT_THAT(decoded.errors[0].reason, HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(Inputs, HmppsMalformedTest, ::testing::ValuesIn(MalformedInputs()),
                         [](const auto& info) { return info.param.name; });

v1::Subject Person() {
  v1::Subject person;
  person.set_subject_id("sub_00000000000000000000000000");
  auto* noms = person.add_identifiers();
  noms->set_kind(v1::IDENTIFIER_KIND_NOMS);
  noms->set_value("Z9999ZZ");
  auto* crn = person.add_identifiers();
  crn->set_kind(v1::IDENTIFIER_KIND_CRN);
  crn->set_value("X900001");
  return person;
}

v1::Delivery ReleaseDelivery(const std::string& date) {
  v1::Delivery delivery;
  delivery.set_lease_id("lease-1");
  delivery.set_message_id("msg_00000000000000000000000001");
  delivery.set_kind(v1::MESSAGE_KIND_RECORDS);
  delivery.set_sender_agency("hmp-example");
  delivery.set_subject_id("sub_00000000000000000000000000");
  delivery.set_purpose("resettlement");
  delivery.mutable_sent_at()->set_seconds(1796000000);
  v1::Record* record = delivery.add_records();
  record->set_record_id("rec_00000000000000000000000001");
  record->set_subject_id("sub_00000000000000000000000000");
  record->set_record_type("release_notification");
  record->set_data_class("custody");
  auto* release = record->mutable_body()->mutable_release_notification();
  release->set_release_date(date);
  release->set_releasing_establishment("HMP Example");
  return delivery;
}

// Reads additionalInformation back into a Delivery.
v1::Delivery ReadBack(const json& event) {
  v1::Delivery back;
  const auto status =
      google::protobuf::util::JsonStringToMessage(event["additionalInformation"].dump(), &back);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return back;
}

TEST(HmppsEventsTest, ReleaseRoundTripsThroughARecordsDelivery) {
  const Decoded decoded = Decode(Released());
  ASSERT_EQ(decoded.operations.size(), 1u);
  const std::string date =
      std::get<v1::RecordReleaseRequest>(decoded.operations[0].request).release_date();
  ASSERT_OK_AND_ASSIGN(const std::string encoded,
                       HmppsEvents().Encode(ReleaseDelivery(date), Person()));
  const json event = json::parse(encoded);
  EXPECT_EQ(event["eventType"], "throughcare.delivery.records");
  EXPECT_EQ(event["id"], "msg_00000000000000000000000001");
  EXPECT_EQ(event["version"], 1);
  EXPECT_EQ(event["personReference"]["identifiers"][0],
            (json{{"type", "NOMS"}, {"value", decoded.operations[0].person.value()}}));
  EXPECT_EQ(event["additionalInformation"]["records"][0]["body"]["releaseNotification"]
                 ["releaseDate"],
            date);
}

TEST(HmppsEventsTest, EncodedDeliveryReadsBackWithoutLeaseOrSubjectIds) {
  const v1::Delivery delivery = ReleaseDelivery("2026-11-30");
  ASSERT_OK_AND_ASSIGN(const std::string encoded, HmppsEvents().Encode(delivery, Person()));
  const json event = json::parse(encoded);
  EXPECT_EQ(encoded.find("sub_"), std::string::npos);
  EXPECT_EQ(encoded.find("lease-1"), std::string::npos);
  v1::Delivery expected = delivery;
  expected.clear_lease_id();
  expected.clear_subject_id();
  expected.mutable_records(0)->clear_subject_id();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(ReadBack(event), expected));
}

TEST(HmppsEventsTest, EveryDeliveryKindRoundTrips) {
  v1::Delivery update;
  update.set_message_id("msg_00000000000000000000000002");
  update.set_kind(v1::MESSAGE_KIND_REFERRAL_UPDATE);
  update.set_correlation_id("ref_00000000000000000000000001");
  update.mutable_referral_update()->set_referral_id("ref_00000000000000000000000001");
  update.mutable_referral_update()->set_state(v1::REFERRAL_STATE_DECLINED);
  update.mutable_referral_update()->set_reason("no capacity this month");
  v1::Delivery escalation;
  escalation.set_kind(v1::MESSAGE_KIND_ESCALATION);
  escalation.mutable_escalation()->set_referral_id("ref_00000000000000000000000001");
  escalation.mutable_escalation()->set_for_role("team_manager");
  v1::Delivery report;
  report.set_kind(v1::MESSAGE_KIND_REPORT);
  report.mutable_report()->set_message_id("msg_00000000000000000000000003");
  report.mutable_report()->set_state(v1::DELIVERY_STATE_DEAD_LETTERED);
  v1::Delivery notice;
  notice.set_kind(v1::MESSAGE_KIND_WITHDRAWAL_NOTICE);
  notice.mutable_withdrawal_notice()->set_consent_id("con_00000000000000000000000001");
  notice.mutable_withdrawal_notice()->add_message_ids("msg_00000000000000000000000004");
  for (const v1::Delivery& delivery : {update, escalation, report, notice}) {
    ASSERT_OK_AND_ASSIGN(const std::string encoded, HmppsEvents().Encode(delivery, Person()));
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(ReadBack(json::parse(encoded)),
                                                           delivery))
        << encoded;
  }
}

TEST(HmppsEventsTest, UnknownDeliveryKindIsFailedPrecondition) {
  v1::Delivery delivery;
  EXPECT_THAT(HmppsEvents().Encode(delivery, Person()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("MESSAGE_KIND_UNSPECIFIED")));
}

}  // namespace
}  // namespace throughcare::adapters
