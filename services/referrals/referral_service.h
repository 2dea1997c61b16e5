// ReferralService (domain): handoffs of a person between agencies as tracked referrals (see
// proto/throughcare/v1/referrals.proto for the contract, rules.h for the state machine and
// deadlines, directory.h for routing, report.h for the funnel).
//
// Each call is one write transaction with its audit entries, answered after the commit is
// durable. A referral travels as a message (MessagingService) created in the same transaction;
// each transition notifies the other side by a referral-update message; accepting starts the
// receiving agency's REFERRAL relationship with the person and a final state ends it. Deadlines
// are judged against the injected clock: Sweep() escalates those that have passed (the broker
// calls it on its tick; tests call it directly). Thread-safe.
#ifndef THROUGHCARE_SERVICES_REFERRALS_REFERRAL_SERVICE_H_
#define THROUGHCARE_SERVICES_REFERRALS_REFERRAL_SERVICE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/audit/audit_log.h"
#include "services/messaging/messaging_service.h"
#include "services/policy/policy_store.h"
#include "services/referrals/directory.h"
#include "services/referrals/report.h"
#include "throughcare/clock.h"
#include "throughcare/ids.h"
#include "throughcare/principal.h"
#include "throughcare/referral.h"
#include "throughcare/storage.h"

namespace throughcare::referrals {

// A validated request to refer a person; the service adds ids, routing, times and deadlines.
struct CreateParams {
  std::string referral_type;
  std::string subject_id;
  std::vector<RecordRef> records;  // at least one, owned by the referring agency
  std::optional<absl::CivilDay> event_date;
  std::string note;
  std::string idempotency_key;
  std::string recipient_agency;  // only for types addressed to a named agency
};

struct ListFilter {
  std::string subject_id;  // empty: every person
  bool open_only = false;
  bool overdue_only = false;
  int page_size = 100;
  std::optional<ReferralCursor> after;  // the previous page's `next`
};

struct ReferralPage {
  std::vector<Referral> referrals;
  std::optional<ReferralCursor> next;  // set when more may follow
};

struct ReportParams {
  absl::Time from;  // referrals created in [from, until)
  absl::Time until;
  std::string referral_type;  // empty: every type
  bool by_receiving_agency = false;
};

class ReferralService {
 public:

  // All references must outlive the service.
  ReferralService(Storage& storage, const audit::AuditLog& audit_log,
                  const policy::PolicyStore& policies, const Clock& clock, IdGenerator& ids,
                  messaging::MessagingService& messaging, const Directory& directory)
      : storage_(storage),
        audit_log_(audit_log),
        policies_(policies),
        clock_(clock),
        ids_(ids),
        messaging_(messaging),
        directory_(directory) {}

  // Refers the person. NOT_FOUND for an unknown person (or one the caller may not see);
  // INVALID_ARGUMENT for an unknown type or a missing event date; FAILED_PRECONDITION when the
  // person has no home area, nobody covers it, or the recipient would be withheld the records
  // (no consent); ALREADY_EXISTS for a reused idempotency key with other content.
  void Create(const CallContext& ctx, CreateParams params, audit::Reply<Referral> reply);

  // Moves a referral the caller's agency is a party to (NOT_FOUND otherwise). Declining or
  // withdrawing one the receiving agency has not picked up recalls its records.
  // FAILED_PRECONDITION for an illegal transition, naming the current state; INVALID_ARGUMENT
  // when a final state comes without a reason.
  void Transition(const CallContext& ctx, std::string referral_id, ReferralState to,
                  std::string reason, audit::Reply<Referral> reply);

  // A referral the caller's agency is a party to (NOT_FOUND otherwise).
  void Get(const CallContext& ctx, std::string referral_id, audit::Reply<Referral> reply);

  // A page of the referrals the caller's agency made or received that its role may read, newest
  // first. NOT_FOUND when a person is named whom the caller may not see.
  void List(const CallContext& ctx, ListFilter filter, audit::Reply<ReferralPage> reply);

  // Records that the person is released (or will be) on `release_date`; decided as writing a
  // custody record ("record.write" on "custody"), as a release notification is. Returns the
  // referrals the release escalated at once (see ApplyRelease) that the caller's agency is a
  // party to and its role may read ("referral.read").
  void RecordRelease(const CallContext& ctx, std::string subject_id, absl::CivilDay release_date,
                     audit::Reply<std::vector<Referral>> reply);

  // A release inside the caller's transaction (RecordRelease, and a release notification record
  // as it is stored): every open referral of the person whose type runs deadlines from the event
  // or escalates at release takes `release_date` as its event date, and its unmet deadlines
  // that run from the event are due again from it. When the release date has come and a type
  // escalates at release, a referral not yet accepted is escalated at once, to both sides and
  // the supervising role, unless its acceptance deadline was escalated already (once per
  // breach). InvalidArgument for a release date more than a year from today. Returns the
  // referrals it escalated.
  absl::StatusOr<std::vector<Referral>> ApplyRelease(WriteTx& tx, const policy::Policy& policy,
                                                     absl::string_view subject_id,
                                                     absl::CivilDay release_date) const;

  // The funnel over referrals created in the period ("referral.report" on the data class
  // "performance"; counts only). Only the referrals the caller's agency made or received,
  // unless its role is one the policy names national; counts under the policy's
  // report_min_count withheld (SuppressSmallCounts). INVALID_ARGUMENT naming `until` for a
  // period shorter than a day.
  void Report(const CallContext& ctx, ReportParams params,
              audit::Reply<std::vector<FunnelRow>> reply);

  // Escalates every deadline that has passed unmet, once: a message to both sides naming the
  // supervising role, and an audit entry. Returns how many were escalated. Blocks until durable.
  absl::StatusOr<int> Sweep();

 private:
  // Loads a referral the caller's agency is a party to and authorizes `action` on it.
  absl::StatusOr<Referral> Party(WriteTx& tx, const policy::Policy& policy,
                                 const CallContext& ctx, absl::string_view referral_id,
                                 absl::string_view action, AuditEntry& entry) const;
  // Escalates `r` for `reason`: a message to both agencies naming `supervisor_role`, and a
  // "referral.escalate" audit entry by the broker.
  absl::Status Escalate(WriteTx& tx, const policy::Policy& policy, const Referral& r,
                        const std::string& reason, const std::string& supervisor_role) const;
  // Create's work in its transaction.
  absl::StatusOr<Referral> CreateInTx(WriteTx& tx, const policy::Policy& policy,
                                      const CallContext& ctx, const CreateParams& p,
                                      AuditEntry& entry) const;
  // The agency (and contact) that receives a referral of `type` for `subject`.
  absl::StatusOr<Recipient> Route(const ReferralType& type, const Subject& subject,
                                  const CreateParams& p, const CallContext& ctx) const;
  // Sends the referral's records to its receiving agency as a message, in `tx`, and fills in
  // the referral's message and record versions. FailedPrecondition when the recipient would be
  // withheld them.
  absl::Status SendRecords(WriteTx& tx, const policy::Policy& policy, const CallContext& ctx,
                           const CreateParams& p, Referral& r, AuditEntry& entry) const;
  // Transition's work in its transaction.
  absl::StatusOr<Referral> TransitionInTx(WriteTx& tx, const policy::Policy& policy,
                                          const CallContext& ctx, const std::string& referral_id,
                                          ReferralState to, const std::string& reason,
                                          AuditEntry& entry) const;
  // What moving `r` to `to` does besides its state: the relationship an acceptance starts or
  // a final state ends, and the records a withdrawal or decline recalls.
  absl::Status MoveSideEffects(WriteTx& tx, const policy::Policy& policy, const CallContext& ctx,
                               Referral& r, ReferralState to, absl::Time now) const;
  // Puts a referral-update or escalation message for `referral` into `agency`'s mailbox.
  absl::Status Notify(WriteTx& tx, const Referral& referral, const std::string& agency,
                      MessageKind kind, std::string reason, std::string for_role) const;

  Storage& storage_;
  const audit::AuditLog& audit_log_;
  const policy::PolicyStore& policies_;
  const Clock& clock_;
  IdGenerator& ids_;
  messaging::MessagingService& messaging_;
  const Directory& directory_;
};

}  // namespace throughcare::referrals

#endif  // THROUGHCARE_SERVICES_REFERRALS_REFERRAL_SERVICE_H_
