// Internal to services/storage: the SQLite backend's row mapping. Each table's column list,
// in the order its FromRow function reads the columns, and the binders of the mutable columns
// of deliveries and referrals.
//
// The column lists are macros so that the statements that use them stay string literals: the
// statement cache is keyed by the literal's address (Connection::Prepare).
#ifndef THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_ROWS_H_
#define THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_ROWS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "services/storage/internal/sqlite_statement.h"
#include "throughcare/audit.h"
#include "throughcare/consent.h"
#include "throughcare/message.h"
#include "throughcare/record.h"
#include "throughcare/referral.h"

namespace throughcare::storage::sqlite_internal {

inline constexpr const char* kRecordColumns =
    "record_id, version, subject_id, record_type, data_class, collected_for, labels, "
    "owner_agency, author_user, created_at, sealed_body";

StoredRecord RecordFromRow(const Stmt& s);

// The columns an audit entry is written with (AppendAudit); reads add seq and leaf_hash.
#define TC_AUDIT_COLUMNS                                                                    \
  "time, agency_id, system_id, user_id, role, action, subject_id, record_id, "              \
  "record_version, purpose, decision, reason, policy_version, request_id, outcome, basis, "  \
  "break_glass_reason"

// Reads TC_AUDIT_COLUMNS from column `first` on.
AuditEntry AuditFromRow(const Stmt& s, int first = 0);

#define TC_CONSENT_COLUMNS                                                                  \
  "consent_id, version, subject_id, data_classes, recipient_agencies, recipient_kinds, "    \
  "purposes, valid_from, valid_until, evidence, evidence_reference, evidence_detail, "      \
  "recorded_by_agency, recorded_by_user, recorded_at, withdrawn_at, withdrawn_by_agency, "  \
  "withdrawn_by_user, withdrawal_reason"

Consent ConsentFromRow(const Stmt& s);

#define TC_RELATIONSHIP_COLUMNS                                                             \
  "relationship_id, subject_id, kind, agency_id, user_id, started_at, ended_at, "           \
  "started_by_agency, started_by_user, ended_by_user, note"

Relationship RelationshipFromRow(const Stmt& s);

#define TC_REVIEW_COLUMNS                                                                   \
  "review_id, audit_entry, subject_id, agency_id, user_id, role, reason, opened_at, "       \
  "outcome, closed_by_agency, closed_by_user, closed_at, note"
// What a review item is read with: its columns and its access's audit seq (0 if unsequenced).
#define TC_REVIEW_SELECT                                                                    \
  "SELECT " TC_REVIEW_COLUMNS ", COALESCE((SELECT seq FROM audit_entries "                   \
  "WHERE audit_entries.id = review_items.audit_entry), 0) FROM review_items "

ReviewItem ReviewItemFromRow(const Stmt& s);

#define TC_MESSAGE_COLUMNS                                                                  \
  "message_id, kind, sender_agency, sender_system, sender_user, sender_role, subject_id, "  \
  "purpose, correlation_id, idempotency_key, content_hash, records, notice_message_id, "    \
  "notice_recipient, notice_state, notice_reason, notice_consent_id, notice_message_ids, "  \
  "created_at, expires_at, notice_referral_state, notice_for_role"

absl::StatusOr<Message> MessageFromRow(const Stmt& s);

// The columns from state on are the mutable ones (UpdateDelivery), bound by BindDeliveryState.
#define TC_DELIVERY_COLUMNS                                                                 \
  "message_id, recipient_agency, mailbox_seq, state, reason, attempts, available_at, "      \
  "expires_at, lease_id, lease_expires_at, leased_to_user, consent_ids, first_delivered_at, " \
  "acked_at, ended_at, updated_at"

Delivery DeliveryFromRow(const Stmt& s);

// Every row of `s` (selecting TC_DELIVERY_COLUMNS).
absl::StatusOr<std::vector<Delivery>> DeliveriesFromRows(Stmt& s);

// Binds the mutable fields of a delivery, state through updated_at, to the 13 parameters from
// `first` on. The lease id's parameter must be written NULLIF(?, ''): no lease is NULL, so that
// the unique index on lease ids holds only the leases.
void BindDeliveryState(Stmt& s, int first, const Delivery& d);

// The columns from home_area on are the ones UpdateReferral replaces, bound by
// BindReferralState. History and deadlines are in tables of their own.
#define TC_REFERRAL_COLUMNS                                                                 \
  "referral_id, referral_type, subject_id, referring_agency, referring_user, "              \
  "receiving_agency, contact, records, idempotency_key, created_at, home_area, state, "     \
  "reason, event_date, note, message_id, relationship_id, updated_at, received_at, "        \
  "accepted_at, first_contact_at, assessed_at, engaged_at"

// The referral's row, without its history and deadlines.
absl::StatusOr<Referral> ReferralFromRow(const Stmt& s);

// Binds the fields UpdateReferral replaces, home_area through engaged_at, to the 13 parameters
// from `first` on. The event date's parameter must be written NULLIF(?, '').
void BindReferralState(Stmt& s, int first, const Referral& r);

}  // namespace throughcare::storage::sqlite_internal

#endif  // THROUGHCARE_SERVICES_STORAGE_INTERNAL_SQLITE_ROWS_H_
