// The "csv-files" codec: decisions files row by row with line:column errors, idempotency keys,
// and deliveries as CSV. Synthetic referral ids and identifiers only.
#include "services/adapters/csv/csv_files.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/adapters/csv/csv_reader.h"
#include "tests/adapters/decode_printers.h"
#include "tests/testing/status_matchers.h"

namespace throughcare::adapters {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using throughcare::testing::StatusIs;

const std::string kRefA = "ref_aaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kRefB = "ref_bbbbbbbbbbbbbbbbbbbbbbbbbb";
const std::string kRefC = "ref_cccccccccccccccccccccccccc";

const v1::TransitionReferralRequest& Transition(const Operation& op) {
  return std::get<v1::TransitionReferralRequest>(op.request);
}

std::vector<std::string> Wheres(const Decoded& decoded) {
  std::vector<std::string> wheres;
  for (const DecodeError& e : decoded.errors) wheres.push_back(e.where);
  return wheres;
}

TEST(CsvFilesTest, IsRegisteredUnderItsName) {
  EXPECT_EQ(Registry::Find("csv-files"), &CsvFiles());
}

TEST(CsvFilesTest, EachRowIsATransition) {
  const Decoded decoded = CsvFiles().Decode(
      "referral_id,decision,reason,appointment_date,purpose\r\n" +
      kRefA + ",accepted,,,resettlement\r\n" +
      kRefB + ",declined,\"no capacity, try the county team\",,\r\n" +
      kRefC + ",appointment_booked,at the hub,2026-12-10,\r\n");
  ASSERT_THAT(decoded.errors, IsEmpty());
  ASSERT_EQ(decoded.operations.size(), 3u);
  EXPECT_EQ(Transition(decoded.operations[0]).referral_id(), kRefA);
  EXPECT_EQ(Transition(decoded.operations[0]).to(), v1::REFERRAL_STATE_ACCEPTED);
  EXPECT_EQ(Transition(decoded.operations[0]).purpose(), "resettlement");
  EXPECT_EQ(Transition(decoded.operations[1]).to(), v1::REFERRAL_STATE_DECLINED);
  EXPECT_EQ(Transition(decoded.operations[1]).reason(), "no capacity, try the county team");
  EXPECT_EQ(Transition(decoded.operations[2]).to(), v1::REFERRAL_STATE_APPOINTMENT_BOOKED);
  EXPECT_EQ(Transition(decoded.operations[2]).reason(), "appointment 2026-12-10: at the hub");
  EXPECT_EQ(decoded.operations[1].source, "line 3");
  EXPECT_EQ(decoded.operations[1].person.kind(), v1::IDENTIFIER_KIND_UNSPECIFIED);
}

TEST(CsvFilesTest, ColumnsMayComeInAnyOrderAndOptionalOnesMayBeLeftOut) {
  const Decoded decoded =
      CsvFiles().Decode("decision,referral_id\n" "received," + kRefA + "\n");
  ASSERT_THAT(decoded.errors, IsEmpty());
  ASSERT_EQ(decoded.operations.size(), 1u);
  EXPECT_EQ(Transition(decoded.operations[0]).to(), v1::REFERRAL_STATE_RECEIVED);
}

TEST(CsvFilesTest, AByteOrderMarkIsSkipped) {
  const Decoded decoded =
      CsvFiles().Decode("\xEF\xBB\xBFreferral_id,decision\r\n" + kRefA + ",accepted\r\n");
  EXPECT_THAT(decoded.errors, IsEmpty());
  EXPECT_EQ(decoded.operations.size(), 1u);
}

TEST(CsvFilesTest, GoodRowsDecodeAndBadRowsEachGetTheirLineAndColumn) {
  const std::string file =
      "referral_id,decision,reason,appointment_date\r\n"     // line 1
      + kRefA + ",accepted,,\r\n"                             // 2: good
      + kRefB + ",maybe,,\r\n"                                // 3: unknown decision
      + kRefC + ",declined,\"two\r\nlines\",\r\n"             // 4-5: good, reason on two lines
      "ref_x,accepted,,\r\n"                                  // 6: bad referral id
      + kRefA + ",appointment_booked,,2026-02-30\r\n"         // 7: impossible date
      + kRefA + ",accepted,\r\n"                              // 8: 3 columns of 4
      + kRefB + ",closed,done,,extra\r\n"                     // 9: 5 columns of 4
      + kRefB + ",declined,,\r\n"                             // 10: declined without reason
      + kRefC + ",accepted,bad \xC3\x28 byte,\r\n"            // 11: invalid UTF-8
      + kRefC + ",engaged,,\r\n";                             // 12: good
  const Decoded decoded = CsvFiles().Decode(file);
  EXPECT_THAT(Wheres(decoded),
              ElementsAre("3:2", "6:1", "7:4", "8:4", "9:5", "10:3", "11:3"));
  std::vector<std::string> sources;
  for (const Operation& op : decoded.operations) sources.push_back(op.source);
  EXPECT_THAT(sources, ElementsAre("line 2", "line 4", "line 12"));
  EXPECT_EQ(Transition(decoded.operations[1]).reason(), "two\r\nlines");
}

TEST(CsvFilesTest, TheSameFileTwiceGivesTheSameKeys) {
  const std::string file = "referral_id,decision\r\n" + kRefA + ",accepted\r\n" + kRefB +
                           ",received\r\n";
  const Decoded first = CsvFiles().Decode(file);
  const Decoded again = CsvFiles().Decode(file);
  const Decoded other = CsvFiles().Decode(file + kRefC + ",received\r\n");
  ASSERT_EQ(first.operations.size(), 2u);
  std::set<std::string> keys;
  for (size_t i = 0; i < 2; ++i) {
    const std::string& key = first.operations[i].idempotency_key;
    EXPECT_EQ(key, again.operations[i].idempotency_key);
    EXPECT_NE(key, other.operations[i].idempotency_key);
    EXPECT_LE(key.size(), 128u);
    EXPECT_EQ(key.find_first_not_of(
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-"),
              std::string::npos);
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_THAT(first.operations[1].idempotency_key, ::testing::EndsWith(":3"));
}

struct Malformed {
  std::string name;
  std::string file;
  std::vector<std::string> wheres;
  std::string reason;  // a part of the first error's reason
  size_t operations = 0;
};

std::vector<Malformed> MalformedFiles() {
  const std::string header = "referral_id,decision,reason,appointment_date\r\n";
  return {
      {"Empty", "", {"1:1"}, "expected a header row"},
      {"UnknownHeader", "referral_id,decision,colour\r\n", {"1:3"}, "unknown column"},
      {"HeaderTwice", "referral_id,decision,decision\r\n", {"1:3"}, "named twice"},
      {"MissingColumn", "referral_id,reason\r\n" + kRefA + ",x\r\n", {"1:1"}, "no column decision"},
      {"TooFewColumns", header + kRefA + ",accepted\r\n", {"2:3"}, "expected 4 columns, found 2"},
      {"TooManyColumns", header + kRefA + ",accepted,,,\r\n", {"2:5"}, "found 5"},
      {"QuoteInUnquotedField", header + kRefA + ",accepted,say \"no\",\r\n" + kRefB +
           ",accepted,,\r\n",
       {"2:3"}, "bad quoting"},
      {"TextAfterClosingQuote", header + kRefA + ",accepted,\"a\"b,\r\n", {"2:3"}, "bad quoting"},
      {"QuoteNeverClosed", header + kRefA + ",accepted,,\"2026-12-10\r\n", {"2:4"},
       "not closed"},
      {"StopsAtBadQuotingKeepingEarlierRows",
       header + kRefA + ",accepted,,\r\n" + kRefB + ",\"accepted\"x,,\r\n" + kRefC +
           ",accepted,,\r\n",
       {"3:2"}, "not read past this point", 1},
      {"InvalidUtf8", header + kRefA + ",accepted,\xFF,\r\n", {"2:3"}, "not valid UTF-8"},
      {"Overlong", header + kRefA + ",accepted,\xC0\xAF,\r\n", {"2:3"}, "not valid UTF-8"},
      {"ControlCharacter", header + kRefA + ",accepted,a\x01" "b,\r\n", {"2:3"},
       "control character"},
      {"BadDateForm", header + kRefA + ",appointment_booked,,10/12/2026\r\n", {"2:4"},
       "YYYY-MM-DD"},
      {"ImpossibleDate", header + kRefA + ",appointment_booked,,2026-13-01\r\n", {"2:4"},
       "real date"},
      {"FieldAfterAMultiLineField",
       header + kRefA + ",appointment_booked,\"room 2\r\nfirst floor\",2026-13-01\r\n", {"3:4"},
       "real date"},
      {"DateWithoutBooking", header + kRefA + ",accepted,,2026-12-10\r\n", {"2:4"},
       "only with appointment_booked"},
      {"BookingWithoutDate", header + kRefA + ",appointment_booked,,\r\n", {"2:4"},
       "needs an appointment_date"},
      {"UnknownDecision", header + kRefA + ",Accepted,,\r\n", {"2:2"}, "unknown decision"},
      {"WithdrawnIsTheReferrers", header + kRefA + ",withdrawn,gone,\r\n", {"2:2"},
       "unknown decision"},
      {"ReasonRequired", header + kRefA + ",lost_contact,,\r\n", {"2:3"},
       "reason is required"},
      {"ReasonTooLong", header + kRefA + ",closed," + std::string(2001, 'x') + ",\r\n",
       {"2:3"}, "longer than 2000"},
      {"BadReferralId", header + "REF_AAAAAAAAAAAAAAAAAAAAAAAAAA,accepted,,\r\n", {"2:1"},
       "not a referral id"},
      {"BadPurpose", "referral_id,decision,purpose\r\n" + kRefA + ",accepted,Direct Care\r\n",
       {"2:3"}, "purpose"},
      {"Oversized", header + std::string(4 * 1024 * 1024, 'x'), {""}, "at most"},
  };
}

class CsvMalformedTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(CsvMalformedTest, IsRefusedWithItsLineAndColumn) {
  const Decoded decoded = CsvFiles().Decode(GetParam().file);
  EXPECT_EQ(Wheres(decoded), GetParam().wheres);
  ASSERT_FALSE(decoded.errors.empty());
  EXPECT_THAT(decoded.errors[0].reason, HasSubstr(GetParam().reason));
  EXPECT_EQ(decoded.operations.size(), GetParam().operations);
}

INSTANTIATE_TEST_SUITE_P(Files, CsvMalformedTest, ::testing::ValuesIn(MalformedFiles()),
                         [](const auto& info) { return info.param.name; });

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

// The encoded file read back: the header, then each row by column name.
std::vector<std::map<std::string, std::string>> ReadBack(const std::string& file) {
  const csv::CsvTable table = csv::ReadCsv(file, 1000);
  EXPECT_FALSE(table.error.has_value()) << table.error->reason;
  std::vector<std::map<std::string, std::string>> rows;
  for (size_t r = 1; r < table.rows.size(); ++r) {
    std::map<std::string, std::string> row;
    EXPECT_EQ(table.rows[r].fields.size(), table.rows[0].fields.size());
    for (size_t c = 0; c < table.rows[r].fields.size(); ++c) {
      row[table.rows[0].fields[c].text] = table.rows[r].fields[c].text;
    }
    rows.push_back(row);
  }
  return rows;
}

// Every field quoted, quotes doubled, CRLF.
std::string QuotedRow(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    out += i == 0 ? "\"" : ",\"";
    for (char c : fields[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    out += '"';
  }
  return out + "\r\n";
}

v1::Delivery UpdateFrom(const v1::TransitionReferralRequest& transition) {
  v1::Delivery delivery;
  delivery.set_message_id("msg_00000000000000000000000001");
  delivery.set_kind(v1::MESSAGE_KIND_REFERRAL_UPDATE);
  delivery.set_correlation_id(transition.referral_id());
  delivery.mutable_referral_update()->set_referral_id(transition.referral_id());
  delivery.mutable_referral_update()->set_state(transition.to());
  delivery.mutable_referral_update()->set_reason(transition.reason());
  return delivery;
}

TEST(CsvFilesTest, DecisionsRoundTripThroughReferralUpdates) {
  const std::string header = "referral_id,decision,reason,appointment_date\r\n";
  const std::vector<std::vector<std::string>> rows = {
      {kRefA, "accepted", "", ""},
      {kRefB, "declined", "no capacity, \"full\" until\r\nMarch; gwasanaeth ŵyr", ""},
      {kRefC, "appointment_booked", "", "2026-12-10"},
      {kRefC, "appointment_booked", "room 2", "2026-12-11"},
      {kRefA, "lost_contact", " moved away ", ""},
  };
  for (const auto& row : rows) {
    const Decoded decoded = CsvFiles().Decode(header + QuotedRow(row));
    ASSERT_THAT(decoded.errors, IsEmpty()) << row[1];
    ASSERT_EQ(decoded.operations.size(), 1u);
    ASSERT_OK_AND_ASSIGN(const std::string encoded,
                         CsvFiles().Encode(UpdateFrom(Transition(decoded.operations[0])),
                                           Person()));
    const auto back = ReadBack(encoded);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].at("referral_id"), row[0]);
    EXPECT_EQ(back[0].at("state"), row[1]);
    EXPECT_EQ(back[0].at("reason"), row[2]);
    EXPECT_EQ(back[0].at("appointment_date"), row[3]);
    EXPECT_EQ(back[0].at("kind"), "referral_update");
    EXPECT_EQ(back[0].at("noms_number"), "Z9999ZZ");
  }
}

TEST(CsvFilesTest, RecordsAreOneRowEachWithTheBodyAsJson) {
  v1::Delivery delivery;
  delivery.set_message_id("msg_00000000000000000000000002");
  delivery.set_kind(v1::MESSAGE_KIND_RECORDS);
  delivery.set_sender_agency("hmp-example");
  delivery.set_purpose("resettlement");
  delivery.mutable_sent_at()->set_seconds(1796000000);
  for (const char* need : {"no fixed abode", "tenancy, \"at risk\""}) {
    v1::Record* record = delivery.add_records();
    record->set_record_id(std::string("rec_0000000000000000000000000") +
                          std::to_string(delivery.records_size()));
    record->set_record_type("accommodation_need");
    record->set_data_class("accommodation");
    record->set_version(3);
    record->mutable_body()->mutable_accommodation_need()->set_current_status(need);
  }
  ASSERT_OK_AND_ASSIGN(const std::string encoded, CsvFiles().Encode(delivery, Person()));
  EXPECT_EQ(encoded.find("sub_"), std::string::npos);
  EXPECT_THAT(encoded, ::testing::StartsWith("message_id,kind,sent_at,"));
  const auto back = ReadBack(encoded);
  ASSERT_EQ(back.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(back[i].at("record_id"), delivery.records(i).record_id());
    EXPECT_EQ(back[i].at("record_version"), "3");
    EXPECT_EQ(back[i].at("sent_at"), "2026-11-30T00:53:20Z");
    EXPECT_EQ(back[i].at("la_reference"), "E06000018/HX-0001");
    v1::RecordBody body;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(back[i].at("record_json"), &body)
                    .ok());
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(body, delivery.records(i).body()));
  }
}

TEST(CsvFilesTest, EveryRowEndsWithCrlf) {
  v1::Delivery delivery = UpdateFrom(v1::TransitionReferralRequest());
  delivery.mutable_referral_update()->set_reason("line one\nline two");
  ASSERT_OK_AND_ASSIGN(const std::string encoded, CsvFiles().Encode(delivery, Person()));
  EXPECT_THAT(encoded, ::testing::EndsWith("\r\n"));
  EXPECT_EQ(encoded.find("\r\n") + 2, encoded.find("msg_"));
  EXPECT_THAT(encoded, HasSubstr("\"line one\nline two\""));
}

TEST(CsvFilesTest, EscalationsReportsAndWithdrawalsHaveTheirColumns) {
  v1::Delivery escalation;
  escalation.set_kind(v1::MESSAGE_KIND_ESCALATION);
  escalation.mutable_escalation()->set_referral_id(kRefA);
  escalation.mutable_escalation()->set_reason("deadline 'first_contact' was due");
  escalation.mutable_escalation()->set_for_role("team_manager");
  v1::Delivery report;
  report.set_kind(v1::MESSAGE_KIND_REPORT);
  report.mutable_report()->set_message_id("msg_00000000000000000000000003");
  report.mutable_report()->set_recipient_agency("housing-example");
  report.mutable_report()->set_state(v1::DELIVERY_STATE_DEAD_LETTERED);
  v1::Delivery notice;
  notice.set_kind(v1::MESSAGE_KIND_WITHDRAWAL_NOTICE);
  notice.mutable_withdrawal_notice()->set_consent_id("con_00000000000000000000000001");
  notice.mutable_withdrawal_notice()->add_message_ids("msg_00000000000000000000000004");
  notice.mutable_withdrawal_notice()->add_message_ids("msg_00000000000000000000000005");

  ASSERT_OK_AND_ASSIGN(const std::string e, CsvFiles().Encode(escalation, Person()));
  const auto escalated = ReadBack(e);
  ASSERT_EQ(escalated.size(), 1u);
  EXPECT_EQ(escalated[0].at("for_role"), "team_manager");
  EXPECT_EQ(escalated[0].at("referral_id"), kRefA);

  ASSERT_OK_AND_ASSIGN(const std::string r, CsvFiles().Encode(report, Person()));
  const auto reported = ReadBack(r);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].at("state"), "dead_lettered");
  EXPECT_EQ(reported[0].at("about_message_id"), "msg_00000000000000000000000003");
  EXPECT_EQ(reported[0].at("recipient_agency"), "housing-example");

  ASSERT_OK_AND_ASSIGN(const std::string w, CsvFiles().Encode(notice, Person()));
  const auto withdrawn = ReadBack(w);
  ASSERT_EQ(withdrawn.size(), 2u);
  EXPECT_EQ(withdrawn[1].at("about_message_id"), "msg_00000000000000000000000005");
  EXPECT_EQ(withdrawn[1].at("consent_id"), "con_00000000000000000000000001");
}

TEST(CsvFilesTest, UnknownDeliveryKindIsFailedPrecondition) {
  EXPECT_THAT(CsvFiles().Encode(v1::Delivery(), Person()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("MESSAGE_KIND_UNSPECIFIED")));
}

}  // namespace
}  // namespace throughcare::adapters
