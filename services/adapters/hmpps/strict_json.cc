#include "services/adapters/hmpps/strict_json.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace throughcare::adapters::hmpps {
namespace {

using nlohmann::json;

// Thrown from the parser's callback to stop at the first duplicate key or too deep a nesting.
struct Refused {
  std::string reason;
};

// Tracks the keys of each open object, to refuse a key given twice (nlohmann-json would keep the
// last one silently, so two publishers could read one event differently).
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(int max_depth) : max_depth_(max_depth) {}

  bool operator()(int depth, json::parse_event_t event, json& parsed) {
    if (depth > max_depth_) {
      throw Refused{absl::StrCat("nested deeper than ", max_depth_, " levels")};
    }
    switch (event) {
      case json::parse_event_t::object_start:
        keys_.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!keys_.empty()) keys_.pop_back();
        break;
      case json::parse_event_t::key:
        if (!keys_.empty() && !keys_.back().insert(parsed.get<std::string>()).second) {
          throw Refused{absl::StrCat("the key \"", parsed.get<std::string>(),
                                     "\" appears twice in one object")};
        }
        break;
      default:
        break;
    }
    return true;
  }

 private:
  int max_depth_;
  std::vector<std::set<std::string>> keys_;
};

const char* TypeName(const json& value) {
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  return "null";
}

}  // namespace

std::string JsonPointer(absl::string_view parent, absl::string_view token) {
  return absl::StrCat(parent, "/", absl::StrReplaceAll(token, {{"~", "~0"}, {"/", "~1"}}));
}

std::string JsonPointer(absl::string_view parent, size_t index) {
  return absl::StrCat(parent, "/", index);
}

std::optional<json> ParseStrict(absl::string_view text, int max_depth,
                                std::vector<DecodeError>& errors) {
  try {
    return json::parse(text.begin(), text.end(), DuplicateKeyCheck(max_depth),
                       /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const Refused& refused) {
    errors.push_back({"", absl::StrCat("not accepted as JSON: ", refused.reason)});
  } catch (const json::parse_error& e) {
    // e.what() repeats the input near the error; the byte offset is enough and leaks nothing.
    errors.push_back({"", absl::StrCat("not valid JSON (UTF-8 without comments): syntax error at "
                                       "byte ",
                                       e.byte)});
  } catch (const json::exception&) {
    // out_of_range: a number too large for a double (1e400).
    errors.push_back({"", "not accepted as JSON: a number out of range"});
  }
  return std::nullopt;
}

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
