#include "client/json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/connection.h"

namespace throughcare::client {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

bool Is64Bit(const FieldDescriptor& f) {
  return f.cpp_type() == FieldDescriptor::CPPTYPE_INT64 ||
         f.cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
}

// A quoted 64-bit integer as a number; anything else as it is.
void Unquote(const FieldDescriptor& f, nlohmann::ordered_json& value) {
  if (!value.is_string()) return;
  const std::string& text = value.get_ref<const std::string&>();
  if (f.cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
    int64_t n = 0;
    if (absl::SimpleAtoi(text, &n)) value = n;
  } else {
    uint64_t n = 0;
    if (absl::SimpleAtoi(text, &n)) value = n;
  }
}

void NumbersFor(const Descriptor& d, nlohmann::ordered_json& object);

// The value of field `f`: a 64-bit integer, a message, or a list or map of them.
void NumbersForField(const FieldDescriptor& f, nlohmann::ordered_json& value) {
  if (f.is_map()) {
    const FieldDescriptor& v = *f.message_type()->map_value();
    if (!value.is_object()) return;
    for (auto& entry : value.items()) NumbersForField(v, entry.value());
    return;
  }
  if (f.is_repeated() && value.is_array()) {
    for (auto& element : value) {
      if (Is64Bit(f)) Unquote(f, element);
      if (f.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) NumbersFor(*f.message_type(), element);
    }
    return;
  }
  if (Is64Bit(f)) Unquote(f, value);
  if (f.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) NumbersFor(*f.message_type(), value);
}

// Well-known types print as strings (timestamps, durations) and are left alone.
void NumbersFor(const Descriptor& d, nlohmann::ordered_json& object) {
  if (!object.is_object() || d.file()->package() == "google.protobuf") return;
  for (auto& member : object.items()) {
    const FieldDescriptor* f = d.FindFieldByName(member.key());
    if (f != nullptr) NumbersForField(*f, member.value());
  }
}

}  // namespace

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print the response as JSON: ",
                     absl::string_view(status.message().data(), status.message().size())));
  }
  nlohmann::ordered_json parsed =
      nlohmann::ordered_json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InternalError("cannot print the response as JSON: protobuf's JSON is unreadable");
  }
  NumbersFor(*message.GetDescriptor(), parsed);
  // Two-space indentation, in the field order protobuf printed.
  return parsed.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

std::string ErrorJson(const absl::Status& status) {
  const std::string request_id = RequestIdOf(status);
  nlohmann::ordered_json error = {
      {"code", absl::StatusCodeToString(status.code())},
      {"message", std::string(status.message())},
      {"request_id",
       request_id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(request_id)},
      {"exit_code", ExitCodeFor(status)},
  };
  return error.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace throughcare::client
