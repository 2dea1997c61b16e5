#include "client/commands/args.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <iostream>
#include <iterator>

#include "services/core/files.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/crypto/ids.h"

namespace throughcare::client {

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t seconds = absl::ToUnixSeconds(t);
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return ts;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::StatusOr<google::protobuf::Timestamp> ParseTimestampFlag(absl::string_view flag,
                                                               const std::string& text) {
  absl::CivilDay day;
  if (text.size() == 10 && absl::ParseCivilTime(text, &day)) {
    return ToTimestamp(absl::FromCivil(day, absl::UTCTimeZone()));
  }
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text,
                     "' is neither a date such as 2024-05-01 nor an RFC 3339 time such as "
                     "2024-05-01T09:00:00Z (", error, ")"));
  }
  return ToTimestamp(t);
}

bool ParsePositiveDuration(absl::string_view text, absl::Duration* out) {
  absl::Duration total = absl::ZeroDuration();
  const size_t d = text.find('d');
  if (d != absl::string_view::npos) {
    int64_t days = 0;
    if (d == 0 || !absl::SimpleAtoi(text.substr(0, d), &days) || days < 0) return false;
    total += absl::Hours(24 * days);
    text.remove_prefix(d + 1);
  }
  if (!text.empty()) {
    absl::Duration rest;
    if (!absl::ParseDuration(text, &rest)) return false;
    total += rest;
  }
  if (total <= absl::ZeroDuration() || total == absl::InfiniteDuration()) return false;
  *out = total;
  return true;
}

absl::StatusOr<v1::RecordReference> ParseRecordReference(const std::string& text) {
  v1::RecordReference ref;
  const size_t at = text.find('@');
  ref.set_record_id(text.substr(0, at));
  if (at != std::string::npos) {
    int64_t version = 0;
    if (!absl::SimpleAtoi(text.substr(at + 1), &version) || version < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--record: '", text, "' is not RECORD_ID or RECORD_ID@VERSION (version 1 or more)"));
    }
    ref.set_version(version);
  }
  return ref;
}

std::vector<std::string> RecordTypes() {
  std::vector<std::string> types;
  const google::protobuf::OneofDescriptor* oneof =
      v1::RecordBody::descriptor()->FindOneofByName("body");
  for (int i = 0; oneof != nullptr && i < oneof->field_count(); ++i) {
    types.push_back(oneof->field(i)->name());
  }
  return types;
}

absl::StatusOr<std::string> ReadBody(const RecordPutArgs& args) {
  if (!args.body_json.empty() && !args.body_file.empty()) {
    return absl::InvalidArgumentError("give --body or --body-file, not both");
  }
  if (!args.body_file.empty()) {
    if (args.body_file == "-") {
      std::string text(std::istreambuf_iterator<char>(std::cin), {});
      if (std::cin.bad()) return absl::DataLossError("--body-file: cannot read standard input");
      return text;
    }
    absl::StatusOr<std::string> text = ReadFile(args.body_file);
    if (!text.ok()) {
      return absl::Status(text.status().code(),
                          absl::StrCat("--body-file: ", text.status().message()));
    }
    return text;
  }
  if (args.body_json.empty()) return absl::InvalidArgumentError("give --body or --body-file");
  return args.body_json;
}

absl::StatusOr<v1::RecordBody> ParseBody(const std::string& type, const std::string& json) {
  v1::RecordBody body;
  const google::protobuf::FieldDescriptor* field =
      v1::RecordBody::descriptor()->FindFieldByName(type);
  if (field == nullptr || field->containing_oneof() == nullptr ||
      field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(absl::StrCat("--type: unknown record type '", type, "'"));
  }
  google::protobuf::Message* typed = body.GetReflection()->MutableMessage(&body, field);
  google::protobuf::util::JsonParseOptions options;
  const auto status = google::protobuf::util::JsonStringToMessage(json, typed, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "record body: not a valid ", field->message_type()->name(),
        " in JSON: ", absl::string_view(status.message().data(), status.message().size())));
  }
  return body;
}

std::string IdempotencyKeyOrNew(Session& session, const std::string& given,
                                absl::string_view what) {
  if (!given.empty()) return given;
  std::string key = crypto::NewOpaqueId("cli");
  session.err() << "idempotency key: " << key << " (give --idempotency-key " << key
                << " to retry this " << what << " safely)\n";
  return key;
}

std::vector<v1::Identifier> IdentifierFlags::ToIdentifiers() const {
  std::vector<v1::Identifier> out;
  const std::pair<v1::IdentifierKind, const std::string*> given[] = {
      {v1::IDENTIFIER_KIND_PNC, &pnc},
      {v1::IDENTIFIER_KIND_NOMS, &noms},
      {v1::IDENTIFIER_KIND_CRN, &crn},
      {v1::IDENTIFIER_KIND_NHS_NUMBER, &nhs},
      {v1::IDENTIFIER_KIND_LOCAL_AUTHORITY_REF, &la_ref},
  };
  for (const auto& [kind, value] : given) {
    if (value->empty()) continue;
    v1::Identifier id;
    id.set_kind(kind);
    id.set_value(*value);
    out.push_back(std::move(id));
  }
  return out;
}

void AddIdentifierFlags(CLI::App& cmd, IdentifierFlags& ids) {
  cmd.add_option("--pnc", ids.pnc, "Police National Computer number, e.g. 12/1234567A")
      ->type_name("VALUE");
  cmd.add_option("--noms", ids.noms, "prison (NOMS) number, e.g. A1234BC")->type_name("VALUE");
  cmd.add_option("--crn", ids.crn, "probation case reference number, e.g. X123456")
      ->type_name("VALUE");
  cmd.add_option("--nhs", ids.nhs, "NHS number (10 digits; spaces allowed)")->type_name("VALUE");
  cmd.add_option("--la-ref", ids.la_ref,
                 "local authority reference: <GSS code>/<reference>, e.g. E06000018/HN-2041")
      ->type_name("VALUE");
}

absl::StatusOr<v1::Identifier> ExactlyOneIdentifier(const IdentifierFlags& ids) {
  std::vector<v1::Identifier> list = ids.ToIdentifiers();
  if (list.size() != 1) {
    return absl::InvalidArgumentError(
        "give exactly one identifier: --pnc, --noms, --crn, --nhs or --la-ref");
  }
  return list.front();
}

}  // namespace throughcare::client
