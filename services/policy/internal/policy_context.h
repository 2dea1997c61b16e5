// Internal to services/policy: what a decision reads from its request's context (whether a
// relationship is active, whether a consent covers the request and, if not, why), and how
// reasons name times, relationships and consents.
#ifndef THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_CONTEXT_H_
#define THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_CONTEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/policy/policy.h"
#include "throughcare/consent.h"

namespace throughcare::policy::policy_internal {

// RFC 3339 in UTC, with a fraction of a second only when there is one.
std::string TimeText(absl::Time t);

// The break-glass reason's length in characters (UTF-8 code points), ignoring surrounding
// white space, so that padding cannot satisfy the minimum.
size_t ReasonLength(absl::string_view reason);

// "allocation", "custody" or "referral".
absl::string_view KindName(RelationshipKind kind);

// Started at or before `now` and not yet ended.
bool RelationshipActive(const Relationship& r, absl::Time now);

// Why a consent does not cover a request; kCovers when it does. Checked in this order.
enum class ConsentFault {
  kCovers,
  kWithdrawn,
  kNotYetValid,
  kExpired,
  kDataClass,
  kPurpose,
  kRecipient
};

// A withdrawn consent never covers, whatever the time: withdrawal takes effect at once.
ConsentFault CheckConsent(const Consent& c, const AccessRequest& q);

// "consent <id> v<version>".
std::string ConsentName(const Consent& c);

}  // namespace throughcare::policy::policy_internal

#endif  // THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_CONTEXT_H_
