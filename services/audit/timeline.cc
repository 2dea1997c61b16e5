#include "services/audit/timeline.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "throughcare/audit_actions.h"

namespace throughcare::audit {
namespace {

std::string Words(absl::string_view id) { return absl::StrReplaceAll(id, {{"_", " "}}); }

std::string AgencyName(const std::string& id, const TimelineNames& names) {
  auto it = names.agencies.find(id);
  return it == names.agencies.end() ? id : it->second;
}

std::string RecordPhrase(const AuditEntry& e, const TimelineNames& names) {
  if (e.record_id.empty()) return "a record";
  auto it = names.record_types.find(e.record_id);
  std::string out = absl::StrCat(it == names.record_types.end() ? "record" : Words(it->second),
                                 " ", e.record_id);
  if (e.record_version > 0) absl::StrAppend(&out, " (version ", e.record_version, ")");
  return out;
}

// What the caller did, as a verb phrase.
std::string Deed(const AuditEntry& e, const TimelineNames& names) {
  const std::string record = RecordPhrase(e, names);
  static const auto* phrases = new std::map<absl::string_view, std::string>{
      {kSubjectRegister, "registered the person"},
      {kSubjectRead, "looked the person up"},
      {kSubjectUpdate, "changed the person's identifiers or home area"},
      {kRecordList, "listed the person's records"},
      {kConsentWrite, "recorded the person's consent"},
      {kConsentWithdraw, "recorded the withdrawal of a consent"},
      {kConsentRead, "read the person's consents"},
      {kRelationshipWrite, "started or ended a relationship with the person"},
      {kRelationshipRead, "read which agencies work with the person"},
      {kAccessCheck, "asked whether an access would be allowed"},
      {kMessageSend, "sent the person's records to other agencies"},
      {kMessageStatus, "checked whether a message about the person was delivered"},
      {kMessageAck, "confirmed it received a message about the person"},
      {kMessageNack, "put off a message about the person"},
      {kMessageExpire, "let a message about the person expire undelivered"},
      {kMessageDeadLetter, "could not deliver a message about the person"},
      {kReferralCreate, "referred the person to another agency"},
      {kReferralTransition, "moved the person's referral on"},
      {kReferralRead, "read the person's referral"},
      {kReferralList, "listed the person's referrals"},
      {kReferralRelease, "recorded the person's release"},
      {kReferralEscalate, "escalated a missed referral deadline"},
      {kAuditQuery, "searched the access log about the person"},
      {kAuditProve, "proved an access log entry about the person"},
      {kReviewClose, "reviewed a break-glass access to the person's data"},
      {kSubjectErase, "erased the person: every record, their identifiers and their keys"},
  };
  if (e.action == kRecordRead) return absl::StrCat("read the ", record);
  if (e.action == kRecordWrite) return absl::StrCat("stored the ", record);
  if (e.action == kRecordErase) return absl::StrCat("erased the ", record);
  if (e.action == kMessageDeliver || e.action == kMessageReceive) {
    return absl::StrCat("received the ", record, " in a message");
  }
  if (e.action == kMessageWithhold) {
    return absl::StrCat("was withheld the ", record);
  }
  auto it = phrases->find(e.action);
  if (it != phrases->end()) return it->second;
  return absl::StrCat("did ", e.action);
}

std::string Result(const AuditEntry& e) {
  switch (e.decision) {
    case AuditDecision::kAllow:
      if (!e.break_glass_reason.empty()) {
        return absl::StrCat("allowed by break-glass, giving the reason \"", e.break_glass_reason,
                            "\", and queued for review");
      }
      if (e.outcome != "OK") return absl::StrCat("allowed, but it failed (", e.outcome, ")");
      return e.basis.empty() ? "allowed" : absl::StrCat("allowed under ", e.basis);
    case AuditDecision::kDeny:
      return absl::StrCat("refused (", e.reason, ")");
    case AuditDecision::kNone:
      break;
  }
  return absl::StrCat("not carried out (", e.outcome, ")");
}

}  // namespace

std::string DescribeAccess(const AuditEntry& e, const TimelineNames& names) {
  std::string who = AgencyName(e.agency_id, names);
  if (!e.user_id.empty()) {
    absl::StrAppend(&who, " (", e.user_id, e.role.empty() ? "" : ", ", Words(e.role), ")");
  }
  std::string purpose = e.purpose.empty() ? "" : absl::StrCat(" for ", Words(e.purpose));
  return absl::StrCat(who, " ", Deed(e, names), purpose, ": ", Result(e), ".");
}

}  // namespace throughcare::audit
