#include "services/audit/timeline.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

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
  static const auto* phrases = new std::map<std::string, std::string>{
      {"subject.register", "registered the person"},
      {"subject.read", "looked the person up"},
      {"subject.update", "changed the person's identifiers or home area"},
      {"record.list", "listed the person's records"},
      {"consent.write", "recorded the person's consent"},
      {"consent.withdraw", "recorded the withdrawal of a consent"},
      {"consent.read", "read the person's consents"},
      {"relationship.write", "started or ended a relationship with the person"},
      {"relationship.read", "read which agencies work with the person"},
      {"access.check", "asked whether an access would be allowed"},
      {"message.send", "sent the person's records to other agencies"},
      {"message.status", "checked whether a message about the person was delivered"},
      {"message.ack", "confirmed it received a message about the person"},
      {"message.nack", "put off a message about the person"},
      {"message.expire", "let a message about the person expire undelivered"},
      {"message.dead_letter", "could not deliver a message about the person"},
      {"referral.create", "referred the person to another agency"},
      {"referral.transition", "moved the person's referral on"},
      {"referral.read", "read the person's referral"},
      {"referral.list", "listed the person's referrals"},
      {"referral.release", "recorded the person's release"},
      {"referral.escalate", "escalated a missed referral deadline"},
      {"audit.query", "searched the access log about the person"},
      {"audit.prove", "proved an access log entry about the person"},
      {"review.close", "reviewed a break-glass access to the person's data"},
      {"subject.erase", "erased the person: every record, their identifiers and their keys"},
  };
  if (e.action == "record.read") return absl::StrCat("read the ", record);
  if (e.action == "record.write") return absl::StrCat("stored the ", record);
  if (e.action == "record.erase") return absl::StrCat("erased the ", record);
  if (e.action == "message.deliver" || e.action == "message.receive") {
    return absl::StrCat("received the ", record, " in a message");
  }
  if (e.action == "message.withhold") {
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
