#include "services/adapters/json/strict_json.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace throughcare::adapters {
namespace {

using nlohmann::json;

// A refusal raised from inside the parser's callback, which has no other way to stop it.
struct Refused : std::exception {
  explicit Refused(std::string why) : reason(std::move(why)) {}
  std::string reason;
};

// Where the parser is: one frame per open object or array, for the pointer of an error, the
// nesting limit and the keys seen in each open object.
class Position {
 public:
  explicit Position(int max_depth) : max_depth_(max_depth) {}

  void Handle(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (max_depth_ < 0 || frames_.size() >= static_cast<size_t>(max_depth_)) {
          throw Refused(absl::StrCat("nested deeper than ", max_depth_, " levels"));
        }
        frames_.push_back(Frame{event == json::parse_event_t::object_start, {}, std::nullopt, 0});
        break;
      case json::parse_event_t::key: {
        Frame& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(*top.key).second) {
          throw Refused(absl::StrCat("the key \"", *top.key, "\" appears twice in one object"));
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        ValueDone();
        break;
      case json::parse_event_t::value:
        ValueDone();
        break;
    }
  }

  // The pointer of the innermost element reached: in an object, its latest key (the object
  // itself before the first key); in an array, the element being read.
  std::string Where() const {
    std::string where;
    for (const Frame& frame : frames_) {
      if (!frame.object) {
        where = JsonPointer(where, frame.index);
      } else if (frame.key.has_value()) {
        where = JsonPointer(where, *frame.key);
      }
    }
    return where;
  }

 private:
  struct Frame {
    bool object;
    absl::flat_hash_set<std::string> keys;
    std::optional<std::string> key;  // the latest key of an object
    size_t index;                    // the element of an array being read
  };

  void ValueDone() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }

  int max_depth_;
  std::vector<Frame> frames_;
};

// nlohmann-json names the token it expected last in a syntax error; these are all its names.
constexpr absl::string_view kExpected[] = {
    "; expected true literal", "; expected false literal", "; expected null literal",
    "; expected string literal", "; expected number literal", "; expected '['",
    "; expected '{'", "; expected ']'", "; expected '}'", "; expected ':'", "; expected ','",
    "; expected end of input", "; expected '[', '{', or a literal"};

// What went wrong, from nlohmann-json's message ("[json.exception.parse_error.101] parse error
// at line 1, column 9: syntax error while parsing value - invalid literal; last read: 'tru'").
// Its "last read" quotes input bytes, which may be a person's data and need not be UTF-8: that
// part is left out, and only the message's own fixed texts are kept.
std::string SyntaxError(const json::parse_error& e) {
  std::string reason = absl::StrCat("not valid JSON: syntax error at byte ", e.byte);
  absl::string_view what = e.what();
  const size_t dash = what.find(" - ");
  if (dash == absl::string_view::npos) return reason;
  what.remove_prefix(dash + 3);
  const size_t quoted = what.find("; last read: '");
  if (quoted == absl::string_view::npos) return absl::StrCat(reason, ": ", what);
  absl::StrAppend(&reason, ": ", what.substr(0, quoted));
  for (absl::string_view expected : kExpected) {
    if (absl::EndsWith(what, absl::StrCat("'", expected))) {
      absl::StrAppend(&reason, expected);
      break;
    }
  }
  return reason;
}

}  // namespace

std::string JsonPointer(absl::string_view parent, absl::string_view token) {
  std::string out = absl::StrCat(parent, "/");
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string JsonPointer(absl::string_view parent, size_t index) {
  return absl::StrCat(parent, "/", index);
}

std::optional<json> ParseStrict(absl::string_view bytes, const StrictJsonLimits& limits,
                                DecodeError& error) {
  if (bytes.size() > limits.max_bytes) {
    error = {"", absl::StrCat("input is ", bytes.size(), " bytes, over the limit of ",
                              limits.max_bytes, " bytes")};
    return std::nullopt;
  }
  Position position(limits.max_depth);
  try {
    return json::parse(
        bytes.begin(), bytes.end(),
        [&position](int /*depth*/, json::parse_event_t event, json& parsed) {
          position.Handle(event, parsed);
          return true;
        },
        /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const Refused& refused) {
    error = {position.Where(), refused.reason};
  } catch (const json::parse_error& e) {
    error = {position.Where(), SyntaxError(e)};
  } catch (const json::out_of_range&) {
    // nlohmann-json's 406: a number whose magnitude no double holds. Its message quotes it.
    error = {position.Where(), "a number out of range (its magnitude exceeds a double's)"};
  } catch (const json::exception&) {
    // Nothing else is raised while parsing text; should it be, it is still a refusal.
    error = {position.Where(), "not valid JSON"};
  }
  return std::nullopt;
}

}  // namespace throughcare::adapters
