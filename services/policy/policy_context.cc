#include "services/policy/internal/policy_context.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace throughcare::policy::policy_internal {
namespace {

bool Contains(const std::vector<std::string>& list, absl::string_view value) {
  for (const std::string& entry : list) {
    if (entry == value) return true;
  }
  return false;
}

}  // namespace

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

size_t ReasonLength(absl::string_view reason) {
  size_t n = 0;
  for (char c : absl::StripAsciiWhitespace(reason)) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

absl::string_view KindName(RelationshipKind kind) {
  switch (kind) {
    case RelationshipKind::kAllocation:
      return "allocation";
    case RelationshipKind::kCustody:
      return "custody";
    case RelationshipKind::kReferral:
      return "referral";
  }
  return "relationship";
}

bool RelationshipActive(const Relationship& r, absl::Time now) {
  return r.started_at <= now && (!r.ended_at.has_value() || now < *r.ended_at);
}

ConsentFault CheckConsent(const Consent& c, const AccessRequest& q) {
  // A withdrawn consent never covers, whatever the time: withdrawal takes effect at once.
  if (c.withdrawn_at.has_value()) return ConsentFault::kWithdrawn;
  if (q.now < c.valid_from) return ConsentFault::kNotYetValid;
  if (q.now >= c.valid_until) return ConsentFault::kExpired;
  if (!Contains(c.data_classes, q.data_class)) return ConsentFault::kDataClass;
  if (!Contains(c.purposes, q.purpose)) return ConsentFault::kPurpose;
  const bool by_agency = !q.agency_id.empty() && Contains(c.recipient_agencies, q.agency_id);
  const bool by_kind = !q.agency_kind.empty() && Contains(c.recipient_kinds, q.agency_kind);
  if (!by_agency && !by_kind) return ConsentFault::kRecipient;
  return ConsentFault::kCovers;
}

std::string ConsentName(const Consent& c) {
  return absl::StrCat("consent ", c.consent_id, " v", c.version);
}

}  // namespace throughcare::policy::policy_internal
