#include "services/adapters/fhir/reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/adapters/fhir/json_input.h"
#include "services/adapters/fhir/r4_elements.h"

namespace throughcare::adapters::fhir {
namespace {

bool Contains(Names names, absl::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

const char* JsonTypeName(const Json& value) {
  return value.is_object()   ? "an object"
         : value.is_array()  ? "an array"
         : value.is_string() ? "a string"
         : value.is_boolean() ? "a boolean"
         : value.is_number() ? "a number"
                             : "null";
}

bool IsDigits(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
}

}  // namespace

void Reader::Fail(std::string where, std::string reason) {
  errors_.push_back(DecodeError{std::move(where), std::move(reason)});
}

bool Reader::Object(const Json& value, const std::string& where, absl::string_view r4_type,
                    Names read, Names ignored) {
  if (!value.is_object()) {
    Fail(where, absl::StrCat("must be an object, not ", JsonTypeName(value)));
    return false;
  }
  bool clean = true;
  for (const auto& [key, member] : value.items()) {
    if (Contains(read, key) || Contains(ignored, key)) continue;
    clean = false;
    if (!key.empty() && key[0] == '_') {
      Fail(Pointer(where, key), "extensions of primitive values are not supported by this adapter");
    } else if (IsR4Element(r4_type, key)) {
      Fail(Pointer(where, key),
           absl::StrCat("element ", r4_type, ".", key, " is not supported by this adapter"));
    } else {
      Fail(Pointer(where, key), absl::StrCat("unknown element: FHIR R4 ", r4_type,
                                             " has no element \"", key, "\""));
    }
  }
  return clean;
}

const Json* Reader::Member(const Json& object, const std::string& where, absl::string_view key,
                           bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) Fail(Pointer(where, key), "required element is missing");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> Reader::String(const Json& object, const std::string& where,
                                          absl::string_view key, bool required, size_t max) {
  const Json* value = Member(object, where, key, required);
  if (value == nullptr) return std::nullopt;
  std::string at = Pointer(where, key);
  if (!value->is_string()) {
    Fail(at, absl::StrCat("must be a string, not ", JsonTypeName(*value)));
    return std::nullopt;
  }
  const std::string& text = value->get_ref<const std::string&>();
  if (absl::StripAsciiWhitespace(text).empty()) {
    Fail(at, "must not be empty or white space only (FHIR strings have content)");
  } else if (absl::StripAsciiWhitespace(text).size() != text.size()) {
    Fail(at, "must not start or end with white space");
  } else if (text.size() > max) {
    Fail(at, absl::StrCat("is ", text.size(), " bytes, over the limit of ", max));
  } else {
    return text;
  }
  return std::nullopt;
}

std::optional<std::string> Reader::Code(const Json& object, const std::string& where,
                                        absl::string_view key, bool required, Names allowed,
                                        Names r4_codes) {
  std::optional<std::string> code = String(object, where, key, required, 64);
  if (!code.has_value() || Contains(allowed, *code)) return code;
  std::string expected = absl::StrJoin(allowed, ", ");
  if (Contains(r4_codes, *code)) {
    Fail(Pointer(where, key), absl::StrCat("code \"", *code,
                                           "\" is not supported by this adapter (expected ",
                                           expected, ")"));
  } else {
    Fail(Pointer(where, key), absl::StrCat("unknown code \"", *code, "\" (expected ", expected,
                                           ")"));
  }
  return std::nullopt;
}

std::optional<std::string> Reader::Date(const Json& object, const std::string& where,
                                        absl::string_view key, bool required) {
  std::optional<std::string> text = String(object, where, key, required, 64);
  if (!text.has_value()) return std::nullopt;
  absl::string_view t = *text;
  bool form = t.size() == 10 && t[4] == '-' && t[7] == '-' && IsDigits(t.substr(0, 4)) &&
              IsDigits(t.substr(5, 2)) && IsDigits(t.substr(8, 2));
  if (!form) {
    Fail(Pointer(where, key),
         absl::StrCat("\"", t, "\" is not a date of the form YYYY-MM-DD (this adapter needs "
                               "day precision)"));
    return std::nullopt;
  }
  int year = std::stoi(std::string(t.substr(0, 4)));
  int month = std::stoi(std::string(t.substr(5, 2)));
  int day = std::stoi(std::string(t.substr(8, 2)));
  absl::CivilDay civil(year, month, day);
  if (year < 1 || civil.year() != year || civil.month() != month || civil.day() != day) {
    Fail(Pointer(where, key), absl::StrCat("\"", t, "\" is not a date on the calendar"));
    return std::nullopt;
  }
  return text;
}

std::optional<google::protobuf::Timestamp> Reader::Instant(const Json& object,
                                                           const std::string& where,
                                                           absl::string_view key,
                                                           bool required) {
  std::optional<std::string> text = String(object, where, key, required, 64);
  if (!text.has_value()) return std::nullopt;
  absl::Time time;
  std::string parse_error;
  // Day and time fields out of range ("2026-02-30", "25:00") fail to parse.
  if (text->size() < 20 || !IsDigits(absl::string_view(*text).substr(0, 4)) ||
      !absl::ParseTime("%Y-%m-%d%ET%H:%M:%E*S%Ez", *text, &time, &parse_error)) {
    Fail(Pointer(where, key),
         absl::StrCat("\"", *text, "\" is not a FHIR dateTime with seconds and a time zone ",
                      "that exists (e.g. 2026-01-31T09:00:00Z)"));
    return std::nullopt;
  }
  google::protobuf::Timestamp out;
  out.set_seconds(absl::ToUnixSeconds(time));
  out.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(out.seconds()))));
  return out;
}

std::optional<bool> Reader::Boolean(const Json& object, const std::string& where,
                                    absl::string_view key, bool required) {
  const Json* value = Member(object, where, key, required);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    Fail(Pointer(where, key), absl::StrCat("must be a boolean, not ", JsonTypeName(*value)));
    return std::nullopt;
  }
  return value->get<bool>();
}

const Json* Reader::Array(const Json& object, const std::string& where, absl::string_view key,
                          bool required, size_t max) {
  const Json* value = Member(object, where, key, required);
  if (value == nullptr) return nullptr;
  std::string at = Pointer(where, key);
  if (!value->is_array()) {
    Fail(at, absl::StrCat("must be an array, not ", JsonTypeName(*value)));
  } else if (value->empty()) {
    Fail(at, "must not be an empty array (leave the element out instead)");
  } else if (value->size() > max) {
    Fail(at, absl::StrCat("has ", value->size(), " elements, over the limit of ", max));
  } else {
    return value;
  }
  return nullptr;
}

std::optional<std::string> Reader::ConceptText(const Json& object, const std::string& where,
                                               absl::string_view key, bool required,
                                               size_t max) {
  const Json* concept = Member(object, where, key, required);
  if (concept == nullptr) return std::nullopt;
  std::string at = Pointer(where, key);
  if (concept->is_object() && concept->contains("coding")) {
    Fail(Pointer(at, "coding"),
         "coded concepts are not supported by this adapter: the canonical record keeps the "
         "name only, so send the name in text");
    return std::nullopt;
  }
  if (!Object(*concept, at, "CodeableConcept", {"text"})) return std::nullopt;
  return String(*concept, at, "text", true, max);
}

std::optional<std::pair<std::string, std::string>> Reader::Coding(const Json& value,
                                                                  const std::string& where) {
  if (!Object(value, where, "Coding", {"system", "code"}, {"display", "version"})) {
    return std::nullopt;
  }
  std::optional<std::string> system = String(value, where, "system", true, 256);
  std::optional<std::string> code = String(value, where, "code", true, 64);
  if (!system.has_value() || !code.has_value()) return std::nullopt;
  return std::make_pair(*system, *code);
}

std::optional<std::string> Reader::ConceptCode(const Json& object, const std::string& where,
                                               absl::string_view key, bool required,
                                               absl::string_view system, Names codes) {
  const Json* concept = Member(object, where, key, required);
  if (concept == nullptr) return std::nullopt;
  return ConceptCodeIn(*concept, Pointer(where, key), system, codes);
}

std::optional<std::string> Reader::ConceptCodeIn(const Json& concept, const std::string& at,
                                                 absl::string_view system, Names codes) {
  if (!Object(concept, at, "CodeableConcept", {"coding"}, {"text"})) return std::nullopt;
  const Json* coding = Array(concept, at, "coding", true, 1);
  if (coding == nullptr) return std::nullopt;
  std::string coding_at = Pointer(Pointer(at, "coding"), size_t{0});
  auto pair = Coding((*coding)[0], coding_at);
  if (!pair.has_value()) return std::nullopt;
  if (pair->first != system) {
    Fail(Pointer(coding_at, "system"),
         absl::StrCat("unknown code system \"", pair->first, "\" (expected ", system, ")"));
  } else if (!Contains(codes, pair->second)) {
    Fail(Pointer(coding_at, "code"), absl::StrCat("code \"", pair->second,
                                                  "\" is not supported by this adapter (expected ",
                                                  absl::StrJoin(codes, ", "), ")"));
  } else {
    return pair->second;
  }
  return std::nullopt;
}

std::optional<std::string> Reader::ReferenceTarget(const Json& object, const std::string& where,
                                                   absl::string_view key, bool required) {
  const Json* reference = Member(object, where, key, required);
  if (reference == nullptr) return std::nullopt;
  std::string at = Pointer(where, key);
  if (!Object(*reference, at, "Reference", {"reference"}, {"display", "type"})) {
    return std::nullopt;
  }
  return String(*reference, at, "reference", true, 256);
}

std::optional<std::string> Reader::ReferenceDisplay(const Json& value, const std::string& where,
                                                    size_t max) {
  if (!Object(value, where, "Reference", {"display"})) return std::nullopt;
  return String(value, where, "display", true, max);
}

}  // namespace throughcare::adapters::fhir
