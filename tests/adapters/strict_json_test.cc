// The JSON codecs' shared strict parse (services/adapters/json/strict_json.h): RFC 6901 pointers,
// and each refusal (size, depth, duplicate key, UTF-8, syntax, a number beyond a double) named by
// the pointer of the innermost element reached.
#include "services/adapters/json/strict_json.h"

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/adapters/decode_printers.h"

namespace throughcare::adapters {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Small limits, so that each can be reached and just not reached.
constexpr StrictJsonLimits kLimits{/*max_bytes=*/64, /*max_depth=*/3};

// The error of parsing `text`, which must fail.
DecodeError Refusal(const std::string& text, const StrictJsonLimits& limits = kLimits) {
  DecodeError error{"unset", "unset"};
  std::optional<json> parsed = ParseStrict(text, limits, error);
  EXPECT_FALSE(parsed.has_value()) << text;
  return error;
}

// Whether `text` is plain ASCII without control characters: a reason that quotes no input bytes.
bool IsPlainText(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

auto IsError(const std::string& where, const std::string& reason) {
  return AllOf(Field(&DecodeError::where, where), Field(&DecodeError::reason, reason));
}

TEST(AdapterJsonPointer, EscapesTildeAndSlash) {
  EXPECT_EQ(JsonPointer("", "a"), "/a");
  EXPECT_EQ(JsonPointer("", "a/b"), "/a~1b");
  EXPECT_EQ(JsonPointer("", "m~n"), "/m~0n");
  // "~" first: a key "~1" is "~01", not read back as "/".
  EXPECT_EQ(JsonPointer("", "~1"), "/~01");
  EXPECT_EQ(JsonPointer("", "/~"), "/~1~0");
  EXPECT_EQ(JsonPointer("", ""), "/");
  EXPECT_EQ(JsonPointer("/a~1b", "c"), "/a~1b/c");
}

TEST(AdapterJsonPointer, ArrayIndex) {
  EXPECT_EQ(JsonPointer("", size_t{0}), "/0");
  EXPECT_EQ(JsonPointer("/entry", size_t{12}), "/entry/12");
  EXPECT_EQ(JsonPointer(JsonPointer("/entry", size_t{3}), "resource"), "/entry/3/resource");
}

TEST(AdapterJsonPointer, AgreesWithNlohmann) {
  json doc = json::parse(R"({"a/b": {"~c": [10, 20]}})");
  const std::string pointer = JsonPointer(JsonPointer(JsonPointer("", "a/b"), "~c"), size_t{1});
  EXPECT_EQ(doc.at(json::json_pointer(pointer)), 20);
}

TEST(AdapterStrictJson, ParsesAValidDocument) {
  DecodeError error;
  std::optional<json> parsed =
      ParseStrict(R"({"a": [1, {"b": "\u00e9"}], "c": null})", kLimits, error);
  ASSERT_TRUE(parsed.has_value()) << error.where << ": " << error.reason;
  EXPECT_EQ((*parsed)["a"][1]["b"], "\xC3\xA9");
  // A scalar document, and the same key in two objects.
  EXPECT_TRUE(ParseStrict("42", kLimits, error).has_value());
  EXPECT_TRUE(ParseStrict(R"([{"k": 1}, {"k": 2}])", kLimits, error).has_value());
}

TEST(AdapterStrictJson, SizeLimit) {
  const std::string at_limit = "\"" + std::string(62, 'a') + "\"";
  ASSERT_EQ(at_limit.size(), 64u);
  DecodeError error;
  EXPECT_TRUE(ParseStrict(at_limit, kLimits, error).has_value());
  EXPECT_THAT(Refusal(at_limit + " "),
              IsError("", "input is 65 bytes, over the limit of 64 bytes"));
}

TEST(AdapterStrictJson, DepthLimit) {
  DecodeError error;
  EXPECT_TRUE(ParseStrict("[[[1]]]", kLimits, error).has_value());
  EXPECT_TRUE(ParseStrict(R"({"a": {"b": [true]}})", kLimits, error).has_value());
  // The refusal names the object or array that would open a fourth level.
  EXPECT_THAT(Refusal("[[[[]]]]"), IsError("/0/0/0", "nested deeper than 3 levels"));
  EXPECT_THAT(Refusal(R"({"a": {"b": [1, 2, {}]}})"),
              IsError("/a/b/2", "nested deeper than 3 levels"));
  EXPECT_THAT(
      Refusal(std::string(10000, '[') + std::string(10000, ']'), StrictJsonLimits{100000, 3}),
      IsError("/0/0/0", "nested deeper than 3 levels"));
}

TEST(AdapterStrictJson, DuplicateKey) {
  EXPECT_THAT(Refusal(R"({"id": 1, "id": 2})"),
              IsError("/id", "the key \"id\" appears twice in one object"));
  EXPECT_THAT(Refusal(R"({"x~y": [0, {"a/b": 1, "a/b": 1}]})"),
              IsError("/x~0y/1/a~1b", "the key \"a/b\" appears twice in one object"));
  // Keys compare after unescaping: "\u0061" is "a".
  EXPECT_THAT(Refusal(R"({"a": 1, "\u0061": 2})"),
              IsError("/a", "the key \"a\" appears twice in one object"));
}

TEST(AdapterStrictJson, InvalidUtf8) {
  for (const std::string& bad : {std::string("\xFF"), std::string("\xC0\xAF"),  // overlong "/"
                                 std::string("\xED\xA0\x80"),                   // a surrogate
                                 std::string("\xC3\x28")}) {
    const DecodeError in_value = Refusal("{\"name\": \"Jo" + bad + "\"}");
    EXPECT_EQ(in_value.where, "/name");
    EXPECT_THAT(in_value.reason, StartsWith("not valid JSON: syntax error at byte "));
    EXPECT_THAT(in_value.reason, HasSubstr("ill-formed UTF-8"));
    // The input is not quoted back: it may be a person's data, and is not text.
    EXPECT_THAT(in_value.reason, Not(HasSubstr("Jo")));
    EXPECT_TRUE(IsPlainText(in_value.reason)) << in_value.reason;
  }
  // In a key: the pointer is of the element before it.
  EXPECT_EQ(Refusal("{\"a\": {\"k\xFF\": 1}}").where, "/a");
}

TEST(AdapterStrictJson, NumberOutOfRange) {
  for (const std::string& number :
       {std::string("1e400"), std::string("-1e400"), std::string(400, '9')}) {
    EXPECT_THAT(Refusal(R"({"a": [0, )" + number + "]}", StrictJsonLimits{1000, 3}),
                IsError("/a/1", "a number out of range (its magnitude exceeds a double's)"))
        << number;
  }
  // Too small a magnitude is zero, not an error.
  DecodeError error;
  std::optional<json> tiny = ParseStrict("1e-400", kLimits, error);
  ASSERT_TRUE(tiny.has_value());
  EXPECT_EQ(*tiny, 0.0);
}

TEST(AdapterStrictJson, SyntaxErrors) {
  EXPECT_THAT(Refusal(""), IsError("",
                                   "not valid JSON: syntax error at byte 1: unexpected end of "
                                   "input; expected '[', '{', or a literal"));
  // nlohmann-json counts the end of input as a byte read: 7 bytes end at byte 8.
  EXPECT_THAT(Refusal(R"({"id": )"),
              IsError("/id",
                      "not valid JSON: syntax error at byte 8: unexpected end of input; "
                      "expected '[', '{', or a literal"));
  EXPECT_THAT(Refusal(R"({"a": 1} x)"), Field(&DecodeError::reason, HasSubstr("expected end of "
                                                                              "input")));
  // Comments are not JSON.
  EXPECT_THAT(Refusal("[1, /* two */ 2]"), Field(&DecodeError::where, "/1"));
  // A string cut short is not quoted back either.
  const DecodeError cut = Refusal(R"({"name": "Secret Name)");
  EXPECT_EQ(cut.where, "/name");
  EXPECT_THAT(cut.reason, HasSubstr("missing closing quote"));
  EXPECT_THAT(cut.reason, Not(HasSubstr("Secret")));
}

}  // namespace
}  // namespace throughcare::adapters
