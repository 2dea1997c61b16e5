#include "services/server/loggable.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/identifiers/identifiers.h"

namespace throughcare::server {
namespace {

constexpr IdentifierKind kKinds[] = {IdentifierKind::kPnc, IdentifierKind::kNoms,
                                     IdentifierKind::kCrn, IdentifierKind::kNhsNumber,
                                     IdentifierKind::kLocalAuthorityRef};

// Quotes and punctuation around a word in a message, e.g. 'A1234BC', (X123456) or A1234BC:
bool Around(char c) { return absl::StrContains("'\"`()[]{}<>,;:.!?", c); }

// The kind of identifier `word` is, if it is one.
const IdentifierKind* IdentifierIn(absl::string_view word) {
  for (const IdentifierKind& kind : kKinds) {
    if (subjects::NormalizeIdentifier(kind, word, "").ok()) return &kind;
  }
  return nullptr;
}

}  // namespace

std::string WithIdentifiersWithheld(absl::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t end = std::min(text.find_first_of(" \t\n", i), text.size());
    absl::string_view word = text.substr(i, end - i);
    size_t lead = 0;
    while (lead < word.size() && Around(word[lead])) ++lead;
    size_t trail = word.size();
    while (trail > lead && Around(word[trail - 1])) --trail;
    const absl::string_view core = word.substr(lead, trail - lead);
    const IdentifierKind* kind = core.empty() ? nullptr : IdentifierIn(core);
    if (kind == nullptr) {
      absl::StrAppend(&out, word);
    } else {
      absl::StrAppend(&out, word.substr(0, lead), "[", subjects::IdentifierKindName(*kind),
                      " withheld]", word.substr(trail));
    }
    if (end < text.size()) out.push_back(text[end]);
    i = end + 1;
  }
  return out;
}

std::string LoggableReason(const absl::Status& status) {
  if (status.ok()) return "";
  if (status.message().empty()) return absl::StatusCodeToString(status.code());
  return WithIdentifiersWithheld(status.message());
}

}  // namespace throughcare::server
