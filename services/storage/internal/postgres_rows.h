// Internal to services/storage: the PostgreSQL backend's row mapping. Each table's column list,
// in the order its FromRow function reads the columns, and the parameters of the mutable
// columns of deliveries and referrals. Values are encoded as on SQLite (sqlite_encoding.h).
//
// The column lists are macros so that the statements that use them stay string literals: the
// prepared-statement cache is keyed by the literal's address (Connection::Exec).
#ifndef THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_ROWS_H_
#define THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_ROWS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "services/storage/internal/postgres_connection.h"
#include "throughcare/audit.h"
#include "throughcare/consent.h"
#include "throughcare/message.h"
#include "throughcare/record.h"
#include "throughcare/referral.h"

namespace throughcare::storage::pg_internal {

#define TC_PG_RECORD_COLUMNS                                                                      \
  "record_id, version, subject_id, record_type, data_class, collected_for, labels, "              \
  "owner_agency, author_user, created_at, sealed_body"

StoredRecord RecordFromRow(const Row& s);

// The columns an audit entry is written with (AppendAudit); reads add seq and leaf_hash.
#define TC_PG_AUDIT_COLUMNS                                                                       \
  "time, agency_id, system_id, user_id, role, action, subject_id, record_id, "                    \
  "record_version, purpose, decision, reason, policy_version, request_id, outcome, basis, "       \
  "break_glass_reason"

// Reads TC_PG_AUDIT_COLUMNS from column `first` on.
AuditEntry AuditFromRow(const Row& s, int first = 0);

#define TC_PG_CONSENT_COLUMNS                                                                     \
  "consent_id, version, subject_id, data_classes, recipient_agencies, recipient_kinds, "          \
  "purposes, valid_from, valid_until, evidence, evidence_reference, evidence_detail, "            \
  "recorded_by_agency, recorded_by_user, recorded_at, withdrawn_at, withdrawn_by_agency, "        \
  "withdrawn_by_user, withdrawal_reason"

Consent ConsentFromRow(const Row& s);

#define TC_PG_RELATIONSHIP_COLUMNS                                                                \
  "relationship_id, subject_id, kind, agency_id, user_id, started_at, ended_at, "                 \
  "started_by_agency, started_by_user, ended_by_user, note"

Relationship RelationshipFromRow(const Row& s);

#define TC_PG_REVIEW_COLUMNS                                                                      \
  "review_id, audit_entry, subject_id, agency_id, user_id, role, reason, opened_at, "             \
  "outcome, closed_by_agency, closed_by_user, closed_at, note"
// What a review item is read with: its columns and its access's audit seq (0 if unsequenced).
#define TC_PG_REVIEW_SELECT                                                                       \
  "SELECT " TC_PG_REVIEW_COLUMNS ", COALESCE((SELECT seq FROM audit_entries "                     \
  "WHERE audit_entries.id = review_items.audit_entry), 0) FROM review_items "

ReviewItem ReviewItemFromRow(const Row& s);

#define TC_PG_MESSAGE_COLUMNS                                                                     \
  "message_id, kind, sender_agency, sender_system, sender_user, sender_role, subject_id, "        \
  "purpose, correlation_id, idempotency_key, content_hash, records, notice_message_id, "          \
  "notice_recipient, notice_state, notice_reason, notice_consent_id, notice_message_ids, "        \
  "created_at, expires_at, notice_referral_state, notice_for_role"

absl::StatusOr<Message> MessageFromRow(const Row& s);

// The columns from state on are the mutable ones (UpdateDelivery), bound by AddDeliveryState.
#define TC_PG_DELIVERY_COLUMNS                                                                    \
  "message_id, recipient_agency, mailbox_seq, state, reason, attempts, available_at, "            \
  "expires_at, lease_id, lease_expires_at, leased_to_user, consent_ids, first_delivered_at, "     \
  "acked_at, ended_at, updated_at"

Delivery DeliveryFromRow(const Row& s);

// Every row of `rows` (selecting TC_PG_DELIVERY_COLUMNS).
std::vector<Delivery> DeliveriesFromRows(const Result& rows);

// Adds the mutable fields of a delivery, state through updated_at: 13 parameters. No lease is
// NULL, so that the unique index on lease ids holds only the leases.
void AddDeliveryState(Params& p, const Delivery& d);

// The columns from home_area on are the ones UpdateReferral replaces, bound by
// AddReferralState. History and deadlines are in tables of their own.
#define TC_PG_REFERRAL_COLUMNS                                                                    \
  "referral_id, referral_type, subject_id, referring_agency, referring_user, "                    \
  "receiving_agency, contact, records, idempotency_key, created_at, home_area, state, "           \
  "reason, event_date, note, message_id, relationship_id, updated_at, received_at, "              \
  "accepted_at, first_contact_at, assessed_at, engaged_at"

// The referral's row, without its history and deadlines.
absl::StatusOr<Referral> ReferralFromRow(const Row& s);

// Adds the fields UpdateReferral replaces, home_area through engaged_at: 13 parameters. An
// unknown event date is NULL.
void AddReferralState(Params& p, const Referral& r);

// Whether `sql` returns at least one row.
absl::StatusOr<bool> Exists(Connection& conn, const char* sql, const Params& params);

// OK if the subject exists, NotFound ("no subject <id>") otherwise: the check before a write
// that names a subject, so that the write cannot fail on the foreign key.
absl::Status RequireSubject(Connection& conn, absl::string_view subject_id);

}  // namespace throughcare::storage::pg_internal

#endif  // THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_ROWS_H_
