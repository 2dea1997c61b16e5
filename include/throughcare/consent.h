// Value types for consents and legitimate relationships: the context the policy decision point
// needs, besides the role, to decide whether a person's data may be shared.
#ifndef THROUGHCARE_CONSENT_H_
#define THROUGHCARE_CONSENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace throughcare {

// How the person's consent was evidenced.
enum class ConsentEvidence {
  kSignedForm = 1,       // a signed consent form; `evidence_reference` locates it
  kVerbalWitnessed = 2,  // given verbally; `evidence_detail` names the witness
  kRepresentative = 3,   // given by a representative; `evidence_detail` names them and why
};

// One version of a consent. Consents are never rewritten: recording creates version 1, and a
// withdrawal adds a version with `withdrawn_at` set. Its meaning maps onto a FHIR Consent with
// one "permit" provision: actor = recipients, purpose = purposes, class = data classes,
// period = [valid_from, valid_until).
struct Consent {
  std::string consent_id;  // "con_" + 26 base32 characters
  int64_t version = 1;
  std::string subject_id;
  std::vector<std::string> data_classes;        // policy data class ids
  std::vector<std::string> recipient_agencies;  // agency ids that may receive
  std::vector<std::string> recipient_kinds;     // or any agency of these kinds, e.g. "cjit"
  std::vector<std::string> purposes;            // purposes of use it covers
  absl::Time valid_from;
  absl::Time valid_until;  // exclusive: at valid_until the consent has expired
  ConsentEvidence evidence = ConsentEvidence::kSignedForm;
  std::string evidence_reference;
  std::string evidence_detail;
  std::string recorded_by_agency;
  std::string recorded_by_user;
  absl::Time recorded_at;  // when version 1 was recorded; later versions keep it
  // Set on the withdrawal version.
  std::optional<absl::Time> withdrawn_at;
  std::string withdrawn_by_agency;
  std::string withdrawn_by_user;
  std::string withdrawal_reason;
};

enum class RelationshipKind {
  kAllocation = 1,  // a case allocated to an agency or one practitioner
  kCustody = 2,     // the prison holding the person
  kReferral = 3,    // an active referral to the agency
};

// A legitimate relationship between an agency (or one of its practitioners) and a person.
struct Relationship {
  std::string relationship_id;  // "rel_" + 26 base32 characters
  std::string subject_id;
  RelationshipKind kind = RelationshipKind::kAllocation;
  std::string agency_id;
  std::string user_id;  // empty: everyone in the agency; else only this practitioner
  absl::Time started_at;
  std::optional<absl::Time> ended_at;  // exclusive
  std::string started_by_agency;
  std::string started_by_user;
  std::string ended_by_user;
  std::string note;
};

// A break-glass access awaiting (or given) an auditor's review.
enum class ReviewOutcome { kOpen = 0, kJustified = 1, kNotJustified = 2, kReferred = 3 };

struct ReviewItem {
  std::string review_id;  // "rev_" + 26 base32 characters
  int64_t audit_entry = 0;  // the break-glass access's audit entry: its storage handle ...
  int64_t audit_seq = 0;    // ... and its seq once sequenced (0 before)
  std::string subject_id;
  std::string agency_id;
  std::string user_id;
  std::string role;
  std::string reason;  // the practitioner's break-glass reason
  absl::Time opened_at;
  ReviewOutcome outcome = ReviewOutcome::kOpen;
  std::string closed_by_agency;
  std::string closed_by_user;
  std::optional<absl::Time> closed_at;
  std::string note;
};

}  // namespace throughcare

#endif  // THROUGHCARE_CONSENT_H_
