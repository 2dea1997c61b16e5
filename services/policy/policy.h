// The policy decision point: the one place that decides whether a principal may perform an action
// on a class of data for a declared purpose. Pure: no I/O after loading, no clock, no storage.
//
// First version (role-based): a decision depends on the caller's role, the action, the data class
// and the purpose of use. Later versions add consent, relationships, labels and break-glass; they
// extend AccessRequest and Decision rather than adding a second decision point.
//
// The policy file format is documented in deploy/policy.yaml (the demo policy).
#ifndef THROUGHCARE_SERVICES_POLICY_POLICY_H_
#define THROUGHCARE_SERVICES_POLICY_POLICY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace throughcare::policy {

// The actions the broker asks about. Policy files may name only these.
inline constexpr absl::string_view kSubjectRegister = "subject.register";
inline constexpr absl::string_view kSubjectRead = "subject.read";
inline constexpr absl::string_view kSubjectUpdate = "subject.update";
inline constexpr absl::string_view kRecordWrite = "record.write";
inline constexpr absl::string_view kRecordRead = "record.read";
inline constexpr absl::string_view kAuditRead = "audit.read";

// The data classes the broker itself uses for subject and audit actions; every policy file must
// declare them.
inline constexpr absl::string_view kIdentityDataClass = "identity";
inline constexpr absl::string_view kAuditDataClass = "audit";

struct AccessRequest {
  std::string role;
  std::string action;
  std::string data_class;
  std::string purpose;
};

struct Decision {
  bool allowed = false;
  std::string rule_id;  // the rule that allowed; empty when denied
  // Why: "rule 'healthcare-health' permits ..." or the missing permission, e.g. "no rule permits
  // role 'housing_officer' to record.read data class 'health' (for any purpose)". Never empty.
  std::string reason;
};

// An immutable, validated policy. Thread-safe: share it as std::shared_ptr<const Policy>.
class Policy {
 public:
  // Parses and validates policy YAML. `source_name` (usually the file path) prefixes every error,
  // which is InvalidArgument and names the line: "policy.yaml:12: rule 'x': unknown role 'y'".
  static absl::StatusOr<std::shared_ptr<const Policy>> Parse(absl::string_view yaml_text,
                                                             absl::string_view source_name);
  // Reads and parses a file. NotFound if it cannot be read.
  static absl::StatusOr<std::shared_ptr<const Policy>> LoadFile(const std::string& path);

  // A content hash of the policy text: "sha256:" followed by the first 16 hex digits.
  const std::string& version() const { return version_; }

  // Default deny: allowed only if a rule names the role, the action, the data class and the
  // purpose. Unknown roles, actions, classes or purposes are simply denied (with a reason).
  Decision Decide(const AccessRequest& request) const;

  bool HasRole(absl::string_view id) const;
  bool HasDataClass(absl::string_view id) const;
  bool HasPurpose(absl::string_view id) const;
  bool HasLabel(absl::string_view id) const;
  const std::vector<std::string>& roles() const;         // in file order
  const std::vector<std::string>& data_classes() const;  // in file order
  const std::vector<std::string>& purposes() const;      // in file order
  const std::vector<std::string>& labels() const;        // in file order

  ~Policy();

 private:
  struct Impl;
  Policy(std::unique_ptr<Impl> impl, std::string version);
  std::unique_ptr<Impl> impl_;
  std::string version_;
};

}  // namespace throughcare::policy

#endif  // THROUGHCARE_SERVICES_POLICY_POLICY_H_
