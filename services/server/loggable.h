// What the broker's log may say about a call that failed. Every failed call logs its reason, so
// that an operator can tell a malformed request from a refusal or a fault without the client's
// help; but messages about people can carry the identifiers the caller sent (a NOMS number in
// "no person is known with noms ..."), and the log is read by operators who must not learn who
// is known to the broker. Identifier values are withheld; the rest of the message stays.
#ifndef THROUGHCARE_SERVICES_SERVER_LOGGABLE_H_
#define THROUGHCARE_SERVICES_SERVER_LOGGABLE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace throughcare::server {

// `text` with every word that is a valid agency identifier (PNC, NOMS, CRN, NHS number or
// local-authority reference, as services/subjects/identifiers.h validates them) replaced by
// "[<kind> withheld]". Pure.
std::string WithIdentifiersWithheld(absl::string_view text);

// The reason to log for a call's status: "" for OK, else its message with identifiers withheld,
// or the code's name when the message is empty. Pure.
std::string LoggableReason(const absl::Status& status);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_LOGGABLE_H_
