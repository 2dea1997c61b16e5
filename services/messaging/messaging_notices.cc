// MessagingService's reports and notices (the broker's own messages to senders and recipients),
// the final states of deliveries that end without an ack, and the audit of the broker's own
// actions on them.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/messaging/internal/messaging_internal.h"
#include "services/messaging/messaging_service.h"
#include "throughcare/status_macros.h"
#include "throughcare/audit_actions.h"

namespace throughcare::messaging {
namespace {

using messaging_internal::AboutMessage;

// Reports and notices wait this long for their addressee.
constexpr absl::Duration kNoticeTimeToLive = absl::Hours(24 * 30);

}  // namespace

absl::Status MessagingService::Enqueue(WriteTx& tx, Message notice, const std::string& recipient,
                                       absl::Time now) const {
  notice.message_id = ids_.NewId("msg");
  notice.sender_agency = std::string(kBrokerAgency);
  notice.created_at = now;
  notice.expires_at = now + kNoticeTimeToLive;
  RETURN_IF_ERROR(tx.InsertMessage(notice));
  Delivery d;
  d.message_id = notice.message_id;
  d.recipient_agency = recipient;
  d.state = DeliveryState::kPending;
  d.available_at = now;
  d.expires_at = notice.expires_at;
  d.updated_at = now;
  RETURN_IF_ERROR(tx.InsertDelivery(d).status());
  tx.Notify(MailboxChannel(recipient));
  return absl::OkStatus();
}

absl::Status MessagingService::ReportToSender(WriteTx& tx, const Message& m, const Delivery& d,
                                              absl::Time now) const {
  Message report;
  report.kind = MessageKind::kReport;
  report.subject_id = m.subject_id;
  report.purpose = m.purpose;
  report.correlation_id = m.message_id;
  report.notice_message_id = m.message_id;
  report.notice_recipient = d.recipient_agency;
  report.notice_state = d.state;
  report.notice_reason = d.reason;
  return Enqueue(tx, std::move(report), m.sender_agency, now);
}

absl::Status MessagingService::AuditSystem(WriteTx& tx, const policy::Policy& policy,
                                           absl::string_view action, const Message& message,
                                           const Delivery& delivery, std::string reason) const {
  AuditEntry e;
  e.agency_id = delivery.recipient_agency;
  e.system_id = std::string(kBrokerAgency);
  e.user_id = std::string(kBrokerAgency);
  e.role = std::string(kBrokerAgency);
  e.action = std::string(action);
  AboutMessage(message, e);
  e.decision = AuditDecision::kDeny;
  e.reason = absl::StrCat("message ", message.message_id, " from agency '", message.sender_agency,
                          "': ", reason);
  e.policy_version = policy.version();
  e.outcome = "OK";
  return audit_log_.Append(tx, std::move(e));
}

absl::StatusOr<int> MessagingService::Recall(WriteTx& tx, const policy::Policy& policy,
                                             const CallContext& ctx, absl::string_view message_id,
                                             std::string reason) const {
  ASSIGN_OR_RETURN(Message message, tx.GetMessage(message_id));
  ASSIGN_OR_RETURN(std::vector<Delivery> deliveries, tx.ListDeliveries(message_id));
  int recalled = 0;
  for (Delivery& d : deliveries) {
    if (d.state != DeliveryState::kPending && d.state != DeliveryState::kLeased) continue;
    RETURN_IF_ERROR(End(tx, policy, message, d, DeliveryState::kWithheld, reason, &ctx));
    ++recalled;
  }
  return recalled;
}

absl::Status MessagingService::End(WriteTx& tx, const policy::Policy& policy, Message& message,
                                   Delivery& d, DeliveryState state, std::string reason,
                                   const CallContext* by) const {
  const absl::Time now = clock_.Now();
  d.state = state;
  d.reason = std::move(reason);
  d.ended_at = now;
  d.updated_at = now;
  d.lease_id.clear();
  RETURN_IF_ERROR(tx.UpdateDelivery(d));
  if (end_observer_) tx.AfterCommit([this, state] { end_observer_(state); });
  const absl::string_view action =
      state == DeliveryState::kExpired
          ? audit::kMessageExpire
          : (state == DeliveryState::kWithheld ? audit::kMessageWithhold
                                               : audit::kMessageDeadLetter);
  if (by != nullptr) {
    AuditEntry e = audit_log_.Begin(*by, action);
    AboutMessage(message, e);
    e.decision = state == DeliveryState::kWithheld ? AuditDecision::kDeny : AuditDecision::kAllow;
    e.reason = absl::StrCat("message ", message.message_id, ": ", d.reason);
    e.policy_version = policy.version();
    e.outcome = "OK";
    RETURN_IF_ERROR(audit_log_.Append(tx, std::move(e)));
  } else {
    RETURN_IF_ERROR(AuditSystem(tx, policy, action, message, d, d.reason));
  }
  if (message.kind != MessageKind::kRecords) return absl::OkStatus();
  return ReportToSender(tx, message, d, now);  // Enqueue notifies the sender's mailbox
}

absl::Status MessagingService::OnConsentWithdrawn(WriteTx& tx, const Consent& consent) const {
  ASSIGN_OR_RETURN(std::vector<Delivery> delivered,
                   tx.ListDeliveredUnderConsent(consent.consent_id));
  const absl::Time now = clock_.Now();
  std::map<std::string, std::vector<std::string>> by_recipient;
  for (const Delivery& d : delivered) by_recipient[d.recipient_agency].push_back(d.message_id);
  for (auto& [recipient, message_ids] : by_recipient) {
    Message notice;
    notice.kind = MessageKind::kWithdrawalNotice;
    notice.subject_id = consent.subject_id;
    notice.correlation_id = consent.consent_id;
    notice.notice_consent_id = consent.consent_id;
    notice.notice_message_ids = std::move(message_ids);
    notice.notice_reason = absl::StrCat("consent ", consent.consent_id, " was withdrawn");
    RETURN_IF_ERROR(Enqueue(tx, std::move(notice), recipient, now));
  }
  return absl::OkStatus();
}

}  // namespace throughcare::messaging
