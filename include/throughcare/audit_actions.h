// Every action name an audit entry can carry: the one list auditors filter by (`audit query
// --action`, AuditQuery.action) and the one the broker's code writes from. Documented for
// auditors in proto/throughcare/v1/audit.proto (AuditEntry.action) and the README.
//
// Names are "<area>.<verb>". The access actions are also the policy's actions
// (services/policy/policy.h names them for policy files); the rest are events the policy does
// not decide on its own (a delivery, an expiry) or calls about the log itself. A call refused
// before it reached a domain service (bad identity, malformed request) is recorded as
// "rpc.<Method>" (kRpcPrefix followed by the gRPC method name).
#ifndef THROUGHCARE_AUDIT_ACTIONS_H_
#define THROUGHCARE_AUDIT_ACTIONS_H_

#include "absl/strings/string_view.h"

namespace throughcare::audit {

// People.
inline constexpr absl::string_view kSubjectRegister = "subject.register";
inline constexpr absl::string_view kSubjectRead = "subject.read";
inline constexpr absl::string_view kSubjectUpdate = "subject.update";
// Records.
inline constexpr absl::string_view kRecordWrite = "record.write";
inline constexpr absl::string_view kRecordRead = "record.read";
inline constexpr absl::string_view kRecordList = "record.list";
// Erasure (services/records/erasure.h) and the erasure report.
inline constexpr absl::string_view kRecordErase = "record.erase";
inline constexpr absl::string_view kSubjectErase = "subject.erase";
inline constexpr absl::string_view kErasureList = "erasure.list";
// Consents, relationships and access explanations.
inline constexpr absl::string_view kConsentWrite = "consent.write";
inline constexpr absl::string_view kConsentRead = "consent.read";
inline constexpr absl::string_view kConsentWithdraw = "consent.withdraw";
inline constexpr absl::string_view kAccessCheck = "access.check";
inline constexpr absl::string_view kRelationshipWrite = "relationship.write";
inline constexpr absl::string_view kRelationshipRead = "relationship.read";
// Messages: the sender's send and tracking; the recipient's delivery, ack and nack; the broker's
// withholding, expiry and dead-lettering. (message.receive is a policy action only: a
// recipient's entitlement, recorded under message.send and message.deliver.)
inline constexpr absl::string_view kMessageSend = "message.send";
inline constexpr absl::string_view kMessageReceive = "message.receive";
inline constexpr absl::string_view kMessageStatus = "message.status";
inline constexpr absl::string_view kMessageDeliver = "message.deliver";
inline constexpr absl::string_view kMessageAck = "message.ack";
inline constexpr absl::string_view kMessageNack = "message.nack";
inline constexpr absl::string_view kMessageWithhold = "message.withhold";
inline constexpr absl::string_view kMessageExpire = "message.expire";
inline constexpr absl::string_view kMessageDeadLetter = "message.dead_letter";
// Referrals. (referral.write and referral.read are the policy's; the entries say what was done.)
inline constexpr absl::string_view kReferralWrite = "referral.write";
inline constexpr absl::string_view kReferralRead = "referral.read";
inline constexpr absl::string_view kReferralReport = "referral.report";
inline constexpr absl::string_view kReferralCreate = "referral.create";
inline constexpr absl::string_view kReferralTransition = "referral.transition";
inline constexpr absl::string_view kReferralRelease = "referral.release";
inline constexpr absl::string_view kReferralEscalate = "referral.escalate";
inline constexpr absl::string_view kReferralList = "referral.list";
// The audit log itself, its review queue and its witnesses.
inline constexpr absl::string_view kAuditRead = "audit.read";
inline constexpr absl::string_view kAuditWitness = "audit.witness";
inline constexpr absl::string_view kAuditQuery = "audit.query";
inline constexpr absl::string_view kAuditExport = "audit.export";
inline constexpr absl::string_view kAuditCheckpoint = "audit.checkpoint";
inline constexpr absl::string_view kAuditProve = "audit.prove";
inline constexpr absl::string_view kAuditConsistency = "audit.consistency";
inline constexpr absl::string_view kAuditCosign = "audit.cosign";
inline constexpr absl::string_view kReviewList = "review.list";
inline constexpr absl::string_view kReviewClose = "review.close";
// A subject access report: everything the log holds about one person.
inline constexpr absl::string_view kAuditPerson = "audit.person";
// Administration.
inline constexpr absl::string_view kPolicyReload = "policy.reload";
// Calls refused at the edge: "rpc." followed by the method, e.g. "rpc.PutRecord".
inline constexpr absl::string_view kRpcPrefix = "rpc.";

// Every name above but the prefix, in the order above.
inline constexpr absl::string_view kAuditActions[] = {
    kSubjectRegister, kSubjectRead,      kSubjectUpdate,      kRecordWrite,
    kRecordRead,      kRecordList,       kRecordErase,        kSubjectErase,
    kErasureList,     kConsentWrite,     kConsentRead,
    kConsentWithdraw, kAccessCheck,      kRelationshipWrite,  kRelationshipRead,
    kMessageSend,     kMessageReceive,   kMessageStatus,      kMessageDeliver,
    kMessageAck,      kMessageNack,      kMessageWithhold,    kMessageExpire,
    kMessageDeadLetter, kReferralWrite,  kReferralRead,       kReferralReport,
    kReferralCreate,  kReferralTransition, kReferralRelease,  kReferralEscalate,
    kReferralList,    kAuditRead,        kAuditWitness,       kAuditQuery,
    kAuditExport,     kAuditCheckpoint,  kAuditProve,         kAuditConsistency,
    kAuditCosign,     kReviewList,       kReviewClose,        kAuditPerson,
    kPolicyReload,
};

}  // namespace throughcare::audit

#endif  // THROUGHCARE_AUDIT_ACTIONS_H_
