#include "services/adapters/hmpps/object_reader.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace throughcare::adapters::hmpps {
namespace {

using nlohmann::json;

const char* TypeName(const json& value) {
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  return "null";
}

}  // namespace

ObjectReader::ObjectReader(const json& object, std::string pointer,
                           std::vector<DecodeError>& errors)
    : object_(object), pointer_(std::move(pointer)), errors_(errors) {}

void ObjectReader::Error(absl::string_view key, std::string reason) {
  errors_.push_back({PointerTo(key), std::move(reason)});
}

const json* ObjectReader::Member(absl::string_view key, bool required, const char* type_name,
                                 bool (*has_type)(const json&)) {
  read_.emplace(key);
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required) Error(key, absl::StrCat("required: ", type_name));
    return nullptr;
  }
  if (!has_type(*it)) {
    Error(key, absl::StrCat("must be ", type_name, ", not ", TypeName(*it)));
    return nullptr;
  }
  return &*it;
}

const std::string* ObjectReader::String(absl::string_view key, bool required,
                                        size_t max_length) {
  const json* value =
      Member(key, required, "a string", [](const json& v) { return v.is_string(); });
  if (value == nullptr) return nullptr;
  const std::string& s = value->get_ref<const std::string&>();
  if (s.empty()) {
    if (required) Error(key, "required: must not be empty");
    return nullptr;
  }
  if (s.size() > max_length) {
    Error(key, absl::StrCat("longer than ", max_length, " bytes"));
    return nullptr;
  }
  return &s;
}

const json* ObjectReader::Object(absl::string_view key, bool required) {
  return Member(key, required, "an object", [](const json& v) { return v.is_object(); });
}

const json* ObjectReader::Array(absl::string_view key, bool required) {
  return Member(key, required, "an array", [](const json& v) { return v.is_array(); });
}

std::optional<int64_t> ObjectReader::Integer(absl::string_view key, bool required) {
  const json* value = Member(key, required, "an integer", [](const json& v) {
    if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t{INT64_MAX};
    return v.is_number_integer();
  });
  if (value == nullptr) return std::nullopt;
  return value->get<int64_t>();
}

void ObjectReader::Finish() {
  for (const auto& member : object_.items()) {
    if (read_.count(member.key()) == 0) Error(member.key(), "unknown member");
  }
}

}  // namespace throughcare::adapters::hmpps
