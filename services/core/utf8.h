// UTF-8 validity: the one check every parser of outside input uses (audit leaf inputs, signed
// notes, adapters' documents).
#ifndef THROUGHCARE_SERVICES_CORE_UTF8_H_
#define THROUGHCARE_SERVICES_CORE_UTF8_H_

#include "absl/strings/string_view.h"

namespace throughcare {

// Whether `text` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
// above U+10FFFF, no truncated sequence.
bool IsValidUtf8(absl::string_view text);

}  // namespace throughcare

#endif  // THROUGHCARE_SERVICES_CORE_UTF8_H_
