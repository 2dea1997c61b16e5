#include "services/referrals/directory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace throughcare::referrals {
namespace {

bool Contains(const std::vector<std::string>& v, absl::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

Recipient RecipientOf(const Contact& c) { return Recipient{c.agency_id, c.agency_name, c.contact}; }

}  // namespace

absl::StatusOr<Directory> Directory::Create(std::vector<ReferralType> types,
                                            std::vector<Contact> contacts,
                                            std::vector<absl::CivilDay> bank_holidays) {
  Directory d;
  d.types_ = std::move(types);
  for (size_t i = 0; i < contacts.size(); ++i) {
    const Contact& c = contacts[i];
    const ReferralType* type = d.FindType(c.referral_type);
    if (type == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("contact of agency '", c.agency_id,
                                                     "' names unknown referral type '",
                                                     c.referral_type, "'"));
    }
    if (!type->by_home_area) continue;
    for (size_t j = 0; j < i; ++j) {
      const Contact& other = contacts[j];
      if (other.referral_type != c.referral_type) continue;
      for (const std::string& area : c.home_areas) {
        if (Contains(other.home_areas, area)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "agencies '", other.agency_id, "' and '", c.agency_id, "' both receive ",
              c.referral_type, " referrals for home area ", area,
              "; each area needs exactly one single point of contact per type"));
        }
      }
    }
  }
  d.contacts_ = std::move(contacts);
  d.calendar_ = WorkingCalendar(std::move(bank_holidays));
  return d;
}

const ReferralType* Directory::FindType(absl::string_view id) const {
  for (const ReferralType& t : types_) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

absl::StatusOr<Recipient> Directory::Resolve(absl::string_view type,
                                             absl::string_view home_area) const {
  const ReferralType* t = FindType(type);
  if (t == nullptr) {
    std::vector<std::string> ids;
    for (const ReferralType& x : types_) ids.push_back(x.id);
    return absl::InvalidArgumentError(absl::StrCat("referral_type: unknown type '", type,
                                                   "' (expected one of: ",
                                                   absl::StrJoin(ids, ", "), ")"));
  }
  if (!t->by_home_area) {
    return absl::InvalidArgumentError(
        absl::StrCat("referral_type: ", type,
                     " referrals are addressed to a named agency, not routed by home area"));
  }
  for (const Contact& c : contacts_) {
    if (c.referral_type == type && Contains(c.home_areas, home_area)) return RecipientOf(c);
  }
  return absl::NotFoundError(absl::StrCat("no agency receives ", type,
                                          " referrals for home area ", home_area));
}

absl::StatusOr<Recipient> Directory::Named(absl::string_view type,
                                           absl::string_view agency_id) const {
  for (const Contact& c : contacts_) {
    if (c.referral_type == type && c.agency_id == agency_id) return RecipientOf(c);
  }
  return absl::NotFoundError(absl::StrCat("recipient_agency: agency '", agency_id,
                                          "' does not receive ", type, " referrals"));
}

}  // namespace throughcare::referrals
