// Domain values to API messages. One overload per type, used by the handlers' replies.
#ifndef THROUGHCARE_SERVICES_SERVER_CONVERT_H_
#define THROUGHCARE_SERVICES_SERVER_CONVERT_H_

#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/audit/audit_service.h"
#include "services/consent/consent_service.h"
#include "services/messaging/messaging_service.h"
#include "services/admin/policy_admin.h"
#include "services/records/record_service.h"
#include "services/referrals/directory.h"
#include "services/referrals/report.h"
#include "throughcare/audit.h"
#include "throughcare/consent.h"
#include "throughcare/record.h"
#include "throughcare/referral.h"
#include "throughcare/subject.h"
#include "throughcare/v1/admin.pb.h"
#include "throughcare/v1/audit.pb.h"
#include "throughcare/v1/consent.pb.h"
#include "throughcare/v1/messaging.pb.h"
#include "throughcare/v1/records.pb.h"
#include "throughcare/v1/referrals.pb.h"
#include "throughcare/v1/subjects.pb.h"

namespace throughcare::server {

void ToProto(absl::Time t, google::protobuf::Timestamp* out);
void ToProto(const Subject& s, v1::Subject* out);
void ToProto(const RecordHeader& h, v1::Record* out);
void ToProto(const Record& r, v1::Record* out);  // header and body
void ToProto(const std::vector<RecordHeader>& headers, v1::ListRecordsResponse* out);
void ToProto(const Erasure& e, v1::Erasure* out);
void ToProto(const std::vector<Erasure>& erasures, v1::EraseSubjectResponse* out);
void ToProto(const records::ErasurePage& page, v1::ListErasuresResponse* out);
void ToProto(const AuditEntry& e, v1::AuditEntry* out);
void ToProto(const AuditPage& page, v1::QueryAuditLogResponse* out);
void ToProto(const audit::ServedCheckpoint& c, v1::SignedCheckpoint* out);
void ToProto(const audit::ProofAnswer& p, v1::Proof* out);
void ToProto(const std::string& bundle, v1::ProofBundle* out);
void ToProto(const audit::SubjectReport& report, v1::SubjectAccessReport* out);
// Consents carry their state at `now` (ACTIVE, NOT_YET_VALID, EXPIRED, WITHDRAWN).
void ToProto(const Consent& c, absl::Time now, v1::Consent* out);
void ToProto(const Relationship& r, v1::Relationship* out);
void ToProto(const std::vector<Relationship>& rs, v1::ListRelationshipsResponse* out);
void ToProto(const ReviewItem& item, v1::ReviewItem* out);
void ToProto(const consent::AccessExplanation& e, v1::CheckAccessResponse* out);
void ToProto(const policy::ReloadResult& r, v1::ReloadPolicyResponse* out);
v1::DeliveryState ToProto(DeliveryState s);
void ToProto(const Delivery& d, v1::RecipientStatus* out);
void ToProto(const messaging::SendResult& r, v1::SendResponse* out);
void ToProto(const messaging::Delivered& d, v1::Delivery* out);
void ToProto(const std::vector<messaging::Delivered>& ds, v1::ReceiveResponse* out);
void ToProto(const messaging::Settled& s, v1::SettlementResult* out);
void ToProto(const std::vector<messaging::Settled>& ss, v1::AckResponse* out);
void ToProto(const messaging::MessageStatus& s, v1::MessageStatus* out);
// Referrals carry `overdue` as of `now`.
void ToProto(const Referral& r, absl::Time now, v1::Referral* out);
void ToProto(const referrals::Recipient& r, v1::ResolveRecipientResponse* out);
void ToProto(const referrals::FunnelRow& row, v1::FunnelRow* out);

// Clears every field marked [(victim_related) = true], recursively.
void RedactVictimRelated(google::protobuf::Message* message);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_CONVERT_H_
