#include "services/adapters/fhir/json_input.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace throughcare::adapters::fhir {
namespace {

using nlohmann::json;

// Refusal raised from inside the parser's callback, which has no other way to stop it.
struct Refused : std::exception {
  explicit Refused(std::string why) : reason(std::move(why)) {}
  std::string reason;
};

// Where the parser is: one frame per open object or array. Keeps the pointer for errors and the
// keys seen in each open object.
class Position {
 public:
  bool Handle(int depth, json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (frames_.size() >= static_cast<size_t>(kMaxDepth)) {
          throw Refused(absl::StrCat("nested deeper than ", kMaxDepth, " levels"));
        }
        frames_.push_back(Frame{event == json::parse_event_t::object_start, {}, "", 0});
        break;
      case json::parse_event_t::key: {
        Frame& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second) {
          throw Refused(absl::StrCat("element \"", top.key, "\" appears twice"));
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
    return true;
  }

  std::string Where() const {
    std::string where;
    for (const Frame& frame : frames_) {
      where = frame.object ? (frame.key.empty() ? where : Pointer(where, frame.key))
                           : Pointer(where, frame.index);
    }
    return where;
  }

 private:
  struct Frame {
    bool object;
    absl::flat_hash_set<std::string> keys;
    std::string key;  // the latest key of an object
    size_t index;     // the element of an array being read
  };

  void ValueDone() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }

  std::vector<Frame> frames_;
};

// nlohmann's message quotes the bytes it last read, which may be the very bytes that are not
// UTF-8: show anything outside printable ASCII as \xNN so that the reason is always valid text.
std::string Printable(absl::string_view message) {
  std::string out;
  for (unsigned char c : message) {
    if (c < 0x20 || c >= 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::string Pointer(absl::string_view parent, absl::string_view key) {
  std::string out = absl::StrCat(parent, "/");
  for (char c : key) {
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

std::string Pointer(absl::string_view parent, size_t index) {
  return absl::StrCat(parent, "/", index);
}

std::optional<json> ParseStrict(absl::string_view bytes, DecodeError& error) {
  if (bytes.size() > kMaxDocumentBytes) {
    error = {"", absl::StrCat("input is ", bytes.size(), " bytes, over the limit of ",
                              kMaxDocumentBytes, " bytes")};
    return std::nullopt;
  }
  Position position;
  try {
    return json::parse(
        bytes.begin(), bytes.end(),
        [&position](int depth, json::parse_event_t event, json& parsed) {
          return position.Handle(depth, event, parsed);
        },
        /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const Refused& refused) {
    error = {position.Where(), refused.reason};
  } catch (const json::exception& parse_error) {
    // nlohmann's message names the byte and what was wrong (including ill-formed UTF-8).
    error = {position.Where(), absl::StrCat("not valid JSON: ", Printable(parse_error.what()))};
  }
  return std::nullopt;
}

}  // namespace throughcare::adapters::fhir
