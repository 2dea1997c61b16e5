// The policy decision point: the one place that decides whether a principal may perform an action
// on a person's data for a declared purpose. Pure: no I/O after loading, no clock, no storage.
// Callers pass the context (time, the person's relationships and consents) in the request.
//
// A decision on a person's data checks, in order:
//  1. role permission: a rule grants (role, action, data class, purpose);
//  2. relationship: the caller's agency (or the caller) has an active relationship with the
//     person, unless the granting rule says `relationship: not_required`; without one the
//     answer must be NOT_FOUND, so the API cannot reveal who is known to which agency;
//  3. lawful basis to share: the caller's own agency's record needs none; a consent-based data
//     class needs an active consent covering recipient, class and purpose, or a statutory basis
//     naming (role, class, purpose); other classes are shared under the role rule;
//  4. purpose limitation: a purpose of use incompatible with the purpose of collection needs a
//     consent covering the purpose of use or a statutory basis;
//  5. labels: "break-glass only" labels (sealed) deny unless break-glass by a named role;
//     "consent only" labels (not convicted) refuse statutory bases; "redact" labels (victim
//     related) allow with an obligation to redact, for the roles named.
// Break-glass: a role the policy names may override a denial from checks 2-5 (never 1) by giving
// a reason of at least the policy's minimum length; the decision is allowed and flagged.
//
// The policy file format is documented in deploy/policy.yaml (the demo policy).
#ifndef THROUGHCARE_SERVICES_POLICY_POLICY_H_
#define THROUGHCARE_SERVICES_POLICY_POLICY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "throughcare/audit_actions.h"
#include "throughcare/consent.h"
#include "throughcare/subject.h"

namespace throughcare::policy {

// The actions the broker asks about. Policy files may name only these. Each is also an audit
// action (throughcare/audit_actions.h, the one list of them).
inline constexpr absl::string_view kSubjectRegister = audit::kSubjectRegister;
inline constexpr absl::string_view kSubjectRead = audit::kSubjectRead;
inline constexpr absl::string_view kSubjectUpdate = audit::kSubjectUpdate;
inline constexpr absl::string_view kRecordWrite = audit::kRecordWrite;
inline constexpr absl::string_view kRecordRead = audit::kRecordRead;
inline constexpr absl::string_view kAuditRead = audit::kAuditRead;
// Cosigning the audit log's checkpoints as an agency's witness.
inline constexpr absl::string_view kAuditWitness = audit::kAuditWitness;
inline constexpr absl::string_view kConsentWrite = audit::kConsentWrite;
inline constexpr absl::string_view kConsentRead = audit::kConsentRead;
inline constexpr absl::string_view kRelationshipWrite = audit::kRelationshipWrite;
inline constexpr absl::string_view kRelationshipRead = audit::kRelationshipRead;
inline constexpr absl::string_view kPolicyReload = audit::kPolicyReload;
// Sending a record in a message (the sender), and receiving one (each recipient).
inline constexpr absl::string_view kMessageSend = audit::kMessageSend;
inline constexpr absl::string_view kMessageReceive = audit::kMessageReceive;
// Making and moving a referral, reading one, and the aggregate referral report.
inline constexpr absl::string_view kReferralWrite = audit::kReferralWrite;
inline constexpr absl::string_view kReferralRead = audit::kReferralRead;
inline constexpr absl::string_view kReferralReport = audit::kReferralReport;
// Erasing one record's contents (on the record's data class), and a person (identity).
inline constexpr absl::string_view kRecordErase = audit::kRecordErase;
inline constexpr absl::string_view kSubjectErase = audit::kSubjectErase;

// The data classes the broker itself uses for subject and audit actions; every policy file must
// declare them.
inline constexpr absl::string_view kIdentityDataClass = "identity";
inline constexpr absl::string_view kAuditDataClass = "audit";

// What the caller wants to do, and everything the decision depends on. Spans and pointers are
// borrowed for the duration of Decide.
struct AccessRequest {
  // Who.
  std::string role;
  std::string agency_id;
  std::string agency_kind;  // e.g. "cjit", for consents that name recipient kinds
  std::string user_id;
  // What and why.
  std::string action;
  std::string data_class;
  std::string purpose;
  // The person's data: when false (registering a new person, reading the audit log) only the
  // role permission is checked.
  bool person_scoped = false;
  // The record, for record actions (empty otherwise): its owner, purpose of collection, labels.
  std::string owner_agency;
  std::string collected_for;
  absl::Span<const std::string> labels;
  // Context.
  absl::Time now;
  absl::Span<const Relationship> relationships;  // the person's, ended ones included
  absl::Span<const Consent> consents;            // latest versions of the person's consents
  std::string break_glass_reason;                // empty: no break-glass
};

// One check's result, for explanations (CheckAccess) and tests.
struct Check {
  std::string name;  // "role_permission", "relationship", "lawful_basis", "purpose", "labels",
                     // "break_glass"
  bool passed = false;
  std::string detail;  // what was found: the rule, the relationship, the consent, or what is missing
};

// How a relationship may begin when an agency says it works with a person (StartRelationship).
// Relationships come from workflows: custody from the prison that received the person,
// allocation from the agency that allocates the case, a referral relationship only from
// accepting the referral (never from StartRelationship). Anything else the policy allows is a
// self-claim: it needs a reason of at least break_glass_min_reason_length() characters, is
// flagged in the audit entry and opens a review item, like break-glass.
enum class StartKind { kRefused, kWorkflow, kSelfClaim };
struct StartDecision {
  StartKind kind = StartKind::kRefused;
  std::string rule_id;  // the relationship_starts entry that decided; empty when refused
  std::string reason;   // why, in one line; never empty
};

struct Decision {
  bool allowed = false;
  std::string rule_id;  // the role rule that granted the action; empty if none did
  // Why, in one line: the rule that allowed, or the first check that failed, e.g. "no rule
  // permits role 'housing_officer' to record.read data class 'health' (for any purpose)" or
  // "no active consent covers data class 'drugs' for agency 'cjit-east' and purpose 'direct_care'".
  // Never empty.
  std::string reason;
  // The lawful basis an allowed decision relies on (see AuditEntry::basis); empty when denied.
  std::string basis;
  // The consent the basis is, when it is one; empty otherwise.
  std::string consent_id;
  // Obligations.
  bool answer_not_found = false;     // denied for lack of a relationship: answer NOT_FOUND
  bool break_glass = false;          // allowed only by break-glass: audit it and open a review
  bool redact_victim_fields = false; // allowed, but victim-related fields must be removed
  // Every check in order, with its result. Filled only when Decide is asked to explain.
  std::vector<Check> checks;
};

// An immutable, validated policy. Thread-safe: share it as std::shared_ptr<const Policy>.
// How long a data class's records are kept after their latest version: "<n>d" days or "<n>y"
// calendar years.
struct RetentionPeriod {
  std::string data_class;
  int count = 0;
  bool years = false;
  std::string text;  // as written, e.g. "6y"
  // Records whose latest version was stored before this are past their period at `now`.
  absl::Time CutoffAt(absl::Time now) const;
};

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

  // Default deny; see the checks at the top of this file. Unknown roles, actions, classes or
  // purposes are simply denied (with a reason). With `explain`, fills Decision::checks with
  // every check (otherwise it stops at the first failure and builds no explanation).
  Decision Decide(const AccessRequest& request, bool explain = false) const;

  // Whether `role` of an agency of `agency_kind` may start a relationship of `kind` itself, and
  // how (see StartKind). Refused for a combination no relationship_starts entry names, and for a
  // self-claim whose `reason` is shorter than break_glass_min_reason_length() (surrounding white
  // space does not count).
  StartDecision DecideRelationshipStart(absl::string_view role, absl::string_view agency_kind,
                                        RelationshipKind kind, absl::string_view reason) const;

  // Whether an agency of `agency_kind` issues or first meets identifiers of `kind`, and so may
  // register, link and unlink them (the `identifiers` section). When it may not, the reason
  // names the agency kinds that may; checked before the identifier is looked up, so that the
  // answer is the same whether it is known or not.
  bool MayRegisterIdentifier(absl::string_view agency_kind, IdentifierKind kind,
                             std::string* reason) const;

  // Aggregate reports: national roles see every agency's referrals, others only their own
  // agency's; counts below report_min_count() (and the figures derived from them) are withheld.
  bool IsNationalReportRole(absl::string_view role) const;
  int64_t report_min_count() const;

  // Every agency kind the file names (identifiers, relationship_starts), for the broker to check
  // against the kinds it knows: a misspelt kind would silently narrow access.
  std::vector<std::string> agency_kinds() const;

  // The break-glass reason's minimum length, and whether `role` may use break-glass at all.
  size_t break_glass_min_reason_length() const;
  bool MayBreakGlass(absl::string_view role) const;

  // Data classes whose records are erased a period after their latest version
  // (data_classes[].retention), in file order.
  const std::vector<RetentionPeriod>& retention() const;

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
