#include "services/consent/consent_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/policy/authorize.h"
#include "throughcare/status_macros.h"
#include "throughcare/audit_actions.h"

namespace throughcare::consent {
namespace {

std::string NoSuchSubject(absl::string_view subject_id) {
  return absl::StrCat("subject_id: no subject ", subject_id);
}

// `action` on each of `classes` for the person; the first refusal decides.
absl::Status AuthorizeClasses(const policy::Policy& policy, const CallContext& ctx, ReadTx& tx,
                              absl::string_view subject_id, absl::string_view action,
                              const std::vector<std::string>& classes, absl::Time now,
                              AuditEntry& entry, absl::string_view not_found_message) {
  const bool exists = tx.GetSubject(subject_id).ok();
  for (const std::string& data_class : classes) {
    policy::Target target;
    target.action = std::string(action);
    target.data_class = data_class;
    RETURN_IF_ERROR(policy::AuthorizeAbout(policy, ctx, tx, subject_id, exists, target, now,
                                           entry, not_found_message)
                        .status());
  }
  return absl::OkStatus();
}

}  // namespace

void ConsentService::Record(const CallContext& ctx, RecordConsentParams p,
                            audit::Reply<Consent> reply) {
  audit::RunAudited<Consent>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kConsentWrite),
      [this, policy = policies_.Current(), ctx, p = std::move(p)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Consent> {
        entry.subject_id = p.subject_id;
        const absl::Time now = clock_.Now();
        RETURN_IF_ERROR(AuthorizeClasses(*policy, ctx, tx, p.subject_id, policy::kConsentWrite,
                                         p.data_classes, now, entry, NoSuchSubject(p.subject_id)));
        Consent c;
        c.consent_id = ids_.NewId("con");
        c.version = 1;
        c.subject_id = p.subject_id;
        c.data_classes = p.data_classes;
        c.recipient_agencies = p.recipient_agencies;
        c.recipient_kinds = p.recipient_kinds;
        c.purposes = p.purposes;
        c.valid_from = p.valid_from.value_or(now);
        c.valid_until = p.valid_until;
        if (c.valid_until <= c.valid_from) {
          return absl::InvalidArgumentError("valid_until: must be after valid_from (or now)");
        }
        c.evidence = p.evidence;
        c.evidence_reference = p.evidence_reference;
        c.evidence_detail = p.evidence_detail;
        c.recorded_by_agency = ctx.principal.agency_id;
        c.recorded_by_user = ctx.principal.user_id;
        c.recorded_at = now;
        RETURN_IF_ERROR(tx.InsertConsentVersion(c));
        entry.reason = absl::StrCat(entry.reason, "; recorded consent ", c.consent_id, " v1");
        return c;
      },
      std::move(reply));
}

void ConsentService::Withdraw(const CallContext& ctx, std::string consent_id, std::string reason,
                              audit::Reply<Consent> reply) {
  audit::RunAudited<Consent>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kConsentWithdraw),
      [this, policy = policies_.Current(), ctx, consent_id = std::move(consent_id),
       reason = std::move(reason)](WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Consent> {
        const std::string not_found = absl::StrCat("consent_id: no consent ", consent_id);
        absl::StatusOr<Consent> latest = tx.GetConsent(consent_id);
        if (absl::IsNotFound(latest.status())) {
          entry.reason = "no such consent";
          return absl::NotFoundError(not_found);
        }
        RETURN_IF_ERROR(latest.status());
        entry.subject_id = latest->subject_id;
        const absl::Time now = clock_.Now();
        RETURN_IF_ERROR(AuthorizeClasses(*policy, ctx, tx, latest->subject_id,
                                         policy::kConsentWrite, latest->data_classes, now, entry,
                                         not_found));
        if (latest->withdrawn_at.has_value()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "consent_id: ", consent_id, " was already withdrawn at ",
              absl::FormatTime(*latest->withdrawn_at)));
        }
        Consent withdrawn = *std::move(latest);
        withdrawn.version += 1;
        withdrawn.withdrawn_at = now;
        withdrawn.withdrawn_by_agency = ctx.principal.agency_id;
        withdrawn.withdrawn_by_user = ctx.principal.user_id;
        withdrawn.withdrawal_reason = reason;
        RETURN_IF_ERROR(tx.InsertConsentVersion(withdrawn));
        if (on_withdrawn_) RETURN_IF_ERROR(on_withdrawn_(tx, withdrawn));
        entry.reason = absl::StrCat(entry.reason, "; withdrew consent ", consent_id, " (v",
                                    withdrawn.version, ")");
        return withdrawn;
      },
      std::move(reply));
}

void ConsentService::List(const CallContext& ctx, std::string subject_id, bool include_history,
                          audit::Reply<std::vector<Consent>> reply) {
  audit::RunAudited<std::vector<Consent>>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kConsentRead),
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id),
       include_history](WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<std::vector<Consent>> {
        entry.subject_id = subject_id;
        const absl::Time now = clock_.Now();
        ASSIGN_OR_RETURN(policy::PersonContext person,
                         policy::AuthorizeListing(*policy, ctx, tx, subject_id, now, entry,
                                                  NoSuchSubject(subject_id)));
        std::vector<Consent> visible;
        size_t withheld = 0;
        for (const Consent& c : person.consents) {
          bool readable = true;
          for (const std::string& data_class : c.data_classes) {
            policy::Target target;
            target.action = std::string(policy::kConsentRead);
            target.data_class = data_class;
            target.person = &person;
            readable = readable && policy->Decide(policy::MakeRequest(ctx, target, now)).allowed;
          }
          if (!readable) {
            ++withheld;
          } else if (include_history) {
            ASSIGN_OR_RETURN(std::vector<Consent> history, tx.ConsentHistory(c.consent_id));
            for (Consent& v : history) visible.push_back(std::move(v));
          } else {
            visible.push_back(c);
          }
        }
        entry.reason = absl::StrCat("listed ", person.consents.size() - withheld, " of ",
                                    person.consents.size(), " consents readable by role '",
                                    ctx.principal.role, "'");
        return visible;
      },
      std::move(reply));
}

void ConsentService::CheckAccess(const CallContext& ctx, CheckAccessParams p,
                                 audit::Reply<AccessExplanation> reply) {
  audit::RunAudited<AccessExplanation>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kAccessCheck),
      [this, policy = policies_.Current(), ctx, p = std::move(p)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<AccessExplanation> {
        const absl::Time now = clock_.Now();
        entry.subject_id = p.subject_id;
        // Asking about someone else's access is an auditor's question.
        const bool auditor =
            policy->Decide(policy::MakeRequest(
                               ctx,
                               policy::Target{std::string(policy::kAuditRead),
                                              std::string(policy::kAuditDataClass), nullptr,
                                              nullptr, ""},
                               now))
                .allowed;
        if (p.as.has_value() && !auditor) {
          entry.reason = "only auditors may explain another practitioner's access";
          return absl::PermissionDeniedError(
              "as_agency: only roles allowed audit.read may explain another practitioner's "
              "access");
        }
        CallContext subject_ctx = ctx;
        if (p.as.has_value()) subject_ctx.principal = *p.as;
        if (!p.access_purpose.empty()) subject_ctx.purpose = p.access_purpose;

        std::optional<StoredRecord> record;
        std::string subject_id = p.subject_id;
        std::string not_found = NoSuchSubject(subject_id);
        if (!p.record_id.empty()) {
          not_found = absl::StrCat("record_id: no record ", p.record_id);
          absl::StatusOr<StoredRecord> stored = tx.GetRecord(p.record_id, 0);
          if (stored.ok() && (subject_id.empty() || stored->header.subject_id == subject_id)) {
            record = *std::move(stored);
            subject_id = record->header.subject_id;
          } else if (!stored.ok() && !absl::IsNotFound(stored.status())) {
            return stored.status();
          } else {
            entry.reason = "no such record";
            return absl::NotFoundError(not_found);
          }
        }
        entry.subject_id = subject_id;
        entry.record_id = p.record_id;
        if (!tx.GetSubject(subject_id).ok()) {
          entry.reason = "no such person";
          return absl::NotFoundError(not_found);
        }
        ASSIGN_OR_RETURN(policy::PersonContext person, policy::LoadPersonContext(tx, subject_id));
        policy::Target target;
        target.action = p.action;
        target.data_class = record.has_value() ? record->header.data_class : p.data_class;
        target.person = &person;
        target.record = record.has_value() ? &record->header : nullptr;
        target.break_glass_reason = p.break_glass_reason;
        AccessExplanation out;
        out.decision = policy->Decide(policy::MakeRequest(subject_ctx, target, now),
                                      /*explain=*/true);
        out.policy_version = policy->version();
        // A practitioner may not learn through an explanation what a refusal would hide.
        if (!auditor && out.decision.answer_not_found) {
          entry.reason = "explanation withheld: no relationship with the person";
          return absl::NotFoundError(not_found);
        }
        entry.decision = AuditDecision::kAllow;
        entry.policy_version = policy->version();
        entry.reason = absl::StrCat(
            "explained for ", subject_ctx.principal.agency_id, "/", subject_ctx.principal.user_id,
            " (", subject_ctx.principal.role, ") for purpose '", subject_ctx.purpose, "': ",
            out.decision.allowed ? "allowed" : "denied",
            ": ", out.decision.reason);
        return out;
      },
      std::move(reply));
}

}  // namespace throughcare::consent
