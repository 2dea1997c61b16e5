// The referral directory: the referral types (with their deadlines) and, for each type, the
// single point of contact that receives it, for the home areas its agency serves. Built from the
// broker's directory file (deploy/directory.yaml documents the format). Immutable; thread-safe.
#ifndef THROUGHCARE_SERVICES_REFERRALS_DIRECTORY_H_
#define THROUGHCARE_SERVICES_REFERRALS_DIRECTORY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/referrals/rules.h"

namespace throughcare::referrals {

struct ReferralType {
  std::string id;  // e.g. "drug_treatment_on_release"
  std::string description;
  // The policy decides referral actions on this data class, for this purpose.
  std::string data_class;
  std::string purpose;
  // Routed to the contact for the person's home area; otherwise the referrer names the agency
  // (e.g. the prison a person is remanded to).
  bool by_home_area = true;
  // A release recorded before the referral is accepted escalates it at once.
  bool escalate_at_release = false;
  // The policy role named in its escalations (each deadline carries it too).
  std::string supervisor_role;
  std::vector<DeadlineRule> deadlines;
};

// One agency's single point of contact for one referral type.
struct Contact {
  std::string agency_id;
  std::string agency_name;
  std::string referral_type;
  std::string contact;                  // the team, e.g. "East Area CJIT single point of contact"
  std::vector<std::string> home_areas;  // the agency's, from the broker config
};

struct Recipient {
  std::string agency_id;
  std::string agency_name;
  std::string contact;
};

class Directory {
 public:
  // InvalidArgument when a contact names an unknown type, or two contacts of a type routed by
  // home area cover the same area (the recipient would be ambiguous).
  static absl::StatusOr<Directory> Create(std::vector<ReferralType> types,
                                          std::vector<Contact> contacts,
                                          std::vector<absl::CivilDay> bank_holidays);
  Directory() : calendar_({}) {}

  // Null for an unknown type.
  const ReferralType* FindType(absl::string_view id) const;
  const std::vector<ReferralType>& types() const { return types_; }

  // Who receives a referral of `type` for a person whose home area is `home_area`:
  // InvalidArgument for an unknown type, or one not routed by home area; NotFound when no
  // agency receives that type for that area (naming both).
  absl::StatusOr<Recipient> Resolve(absl::string_view type, absl::string_view home_area) const;
  // For types the referrer addresses: the named agency's contact for `type`, or NotFound.
  absl::StatusOr<Recipient> Named(absl::string_view type, absl::string_view agency_id) const;

  const WorkingCalendar& calendar() const { return calendar_; }

 private:
  std::vector<ReferralType> types_;
  std::vector<Contact> contacts_;
  WorkingCalendar calendar_;
};

}  // namespace throughcare::referrals

#endif  // THROUGHCARE_SERVICES_REFERRALS_DIRECTORY_H_
