// Messaging: messages, their deliveries (the mailboxes) and the deliveries' consent index.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/storage/internal/postgres_rows.h"
#include "services/storage/internal/postgres_tx.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

using sqlite_internal::CheckIdList;
using sqlite_internal::JoinRecordRefs;
using sqlite_internal::SplitIdList;

namespace {

// The filter of leasable deliveries: pending (state 1) in a mailbox ($1), available at $2 and
// not expired, after the keyset cursor $3; in mailbox order, at most $4.
#define TC_PG_LEASABLE                                                                            \
  "SELECT " TC_PG_DELIVERY_COLUMNS " FROM deliveries WHERE recipient_agency = $1 "                \
  "AND state = 1 AND mailbox_seq > $3 AND available_at <= $2 AND expires_at > $2 "                \
  "ORDER BY mailbox_seq LIMIT $4"

Params LeasableParams(absl::string_view recipient_agency, absl::Time now, int64_t after_seq,
                      int limit) {
  return Params().Text(recipient_agency).Time(now).Int(after_seq).Int(limit > 0 ? limit : 0);
}

}  // namespace

absl::StatusOr<Message> PgTx::GetMessage(absl::string_view message_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_MESSAGE_COLUMNS " FROM messages WHERE message_id = $1",
      Params().Text(message_id)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no message ", message_id));
  return MessageFromRow(Row(r, 0));
}

absl::StatusOr<Message> PgTx::FindMessageByIdempotencyKey(absl::string_view sender_agency,
                                                          absl::string_view key) {
  // The condition on the key lets the query use the partial unique index, and makes an empty
  // key (which many messages share) find nothing.
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_MESSAGE_COLUMNS " FROM messages WHERE sender_agency = $1 "
      "AND idempotency_key = $2 AND idempotency_key <> ''",
      Params().Text(sender_agency).Text(key)));
  if (r.rows() == 0) {
    return absl::NotFoundError(
        absl::StrCat(sender_agency, " sent no message with idempotency key '", key, "'"));
  }
  return MessageFromRow(Row(r, 0));
}

absl::StatusOr<std::vector<Delivery>> PgTx::ListDeliveries(absl::string_view message_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_DELIVERY_COLUMNS " FROM deliveries WHERE message_id = $1 "
      "ORDER BY mailbox_seq",
      Params().Text(message_id)));
  return DeliveriesFromRows(r);
}

absl::StatusOr<Delivery> PgTx::GetDeliveryByLease(absl::string_view lease_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_DELIVERY_COLUMNS " FROM deliveries WHERE lease_id = $1",
      Params().Text(lease_id)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no delivery holds lease ", lease_id));
  return DeliveryFromRow(Row(r, 0));
}

absl::StatusOr<std::vector<Delivery>> PgTx::ListLeasable(absl::string_view recipient_agency,
                                                         absl::Time now, int64_t after_seq,
                                                         int limit) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      TC_PG_LEASABLE, LeasableParams(recipient_agency, now, after_seq, limit)));
  return DeliveriesFromRows(r);
}

absl::StatusOr<std::vector<Delivery>> PgTx::ClaimLeasable(absl::string_view recipient_agency,
                                                          absl::Time now, int64_t after_seq,
                                                          int limit) {
  // Rows another transaction has locked (claimed, or is updating) are skipped, never waited
  // for; those returned stay locked until this transaction ends.
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      TC_PG_LEASABLE " FOR UPDATE SKIP LOCKED",
      LeasableParams(recipient_agency, now, after_seq, limit)));
  return DeliveriesFromRows(r);
}

absl::StatusOr<int64_t> PgTx::CountOpenDeliveries(absl::string_view recipient_agency,
                                                  int64_t cap) {
  // Pending or leased (states 1 and 2); the inner LIMIT stops the count at `cap`.
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE recipient_agency = $1 "
      "AND state IN (1, 2) LIMIT $2) t",
      Params().Text(recipient_agency).Int(cap > 0 ? cap : 0)));
  return r.Int(0, 0);
}

absl::StatusOr<int64_t> PgTx::CountOpenDeliveriesFrom(absl::string_view recipient_agency,
                                                      absl::string_view sender_agency,
                                                      int64_t cap) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE recipient_agency = $1 "
      "AND sender_agency = $2 AND state IN (1, 2) LIMIT $3) t",
      Params().Text(recipient_agency).Text(sender_agency).Int(cap > 0 ? cap : 0)));
  return r.Int(0, 0);
}

absl::StatusOr<std::vector<Delivery>> PgTx::ListDueDeliveries(absl::Time now, int limit) {
  // Open (states 1 and 2) past the message's expiry, or leased (2) past the lease's: one index
  // range each. UNION drops a delivery that is both.
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_DELIVERY_COLUMNS " FROM deliveries WHERE state IN (1, 2) "
      "AND expires_at <= $1 "
      "UNION SELECT " TC_PG_DELIVERY_COLUMNS " FROM deliveries WHERE state = 2 "
      "AND lease_expires_at <= $1 "
      "ORDER BY mailbox_seq LIMIT $2",
      Params().Time(now).Int(limit > 0 ? limit : 0)));
  return DeliveriesFromRows(r);
}

absl::StatusOr<std::vector<Delivery>> PgTx::ListDeliveredUnderConsent(
    absl::string_view consent_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_DELIVERY_COLUMNS " FROM deliveries WHERE mailbox_seq IN "
      "(SELECT mailbox_seq FROM delivery_consents WHERE consent_id = $1) "
      "AND first_delivered_at IS NOT NULL ORDER BY recipient_agency, mailbox_seq",
      Params().Text(consent_id)));
  return DeliveriesFromRows(r);
}

absl::Status PgTx::InsertMessage(const Message& m) {
  RETURN_IF_ERROR(CheckIdList("notice_message_ids", m.notice_message_ids));
  ASSIGN_OR_RETURN(std::string records, JoinRecordRefs(m.records));
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO messages (" TC_PG_MESSAGE_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
      "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) "
      "ON CONFLICT DO NOTHING",
      Params()
          .Text(m.message_id)
          .Int(static_cast<int64_t>(m.kind))
          .Text(m.sender_agency)
          .Text(m.sender_system)
          .Text(m.sender_user)
          .Text(m.sender_role)
          .Text(m.subject_id)
          .Text(m.purpose)
          .Text(m.correlation_id)
          .Text(m.idempotency_key)
          .Text(m.content_hash)
          .Text(records)
          .Text(m.notice_message_id)
          .Text(m.notice_recipient)
          .Int(static_cast<int64_t>(m.notice_state))
          .Text(m.notice_reason)
          .Text(m.notice_consent_id)
          .Text(absl::StrJoin(m.notice_message_ids, ","))
          .Time(m.created_at)
          .Time(m.expires_at)
          .Int(static_cast<int64_t>(m.notice_referral_state))
          .Text(m.notice_for_role)));
  if (r.affected() == 0) {
    ASSIGN_OR_RETURN(bool taken, Exists(*conn_, "SELECT 1 FROM messages WHERE message_id = $1",
                                        Params().Text(m.message_id)));
    if (taken) {
      return absl::AlreadyExistsError(absl::StrCat("message ", m.message_id, " already exists"));
    }
    return absl::AlreadyExistsError(absl::StrCat(
        m.sender_agency, " already sent a message with idempotency key '", m.idempotency_key,
        "'"));
  }
  if (m.kind == MessageKind::kRecords) ++records_messages_;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PgTx::InsertDelivery(const Delivery& d) {
  RETURN_IF_ERROR(CheckIdList("consent_ids", d.consent_ids));
  ASSIGN_OR_RETURN(Result sender, conn_->Exec(
      "SELECT sender_agency FROM messages WHERE message_id = $1", Params().Text(d.message_id)));
  if (sender.rows() == 0) return absl::NotFoundError(absl::StrCat("no message ", d.message_id));
  // The sender is copied from the message, for CountOpenDeliveriesFrom.
  Params params;
  params.Text(d.message_id).Text(d.recipient_agency).Text(sender.Text(0, 0));
  AddDeliveryState(params, d);
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO deliveries (message_id, recipient_agency, sender_agency, state, reason, "
      "attempts, available_at, expires_at, lease_id, lease_expires_at, leased_to_user, "
      "consent_ids, first_delivered_at, acked_at, ended_at, updated_at) VALUES ($1, $2, $3, $4, "
      "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING "
      "RETURNING mailbox_seq",
      params));
  if (r.rows() == 0) {
    // The recipient already has a delivery of the message, or the lease id is taken.
    return absl::AlreadyExistsError(absl::StrCat("delivery of ", d.message_id, " to ",
                                                 d.recipient_agency,
                                                 " exists, or its lease id is taken"));
  }
  const int64_t mailbox_seq = r.Int(0, 0);
  RETURN_IF_ERROR(IndexDeliveryConsents(mailbox_seq, {}, d.consent_ids));
  return mailbox_seq;
}

absl::Status PgTx::UpdateDelivery(const Delivery& d) {
  RETURN_IF_ERROR(CheckIdList("consent_ids", d.consent_ids));
  ASSIGN_OR_RETURN(Result found, conn_->Exec(
      "SELECT mailbox_seq, consent_ids FROM deliveries "
      "WHERE message_id = $1 AND recipient_agency = $2",
      Params().Text(d.message_id).Text(d.recipient_agency)));
  if (found.rows() == 0) {
    return absl::NotFoundError(
        absl::StrCat("no delivery of ", d.message_id, " to ", d.recipient_agency));
  }
  const int64_t mailbox_seq = found.Int(0, 0);
  if (!d.lease_id.empty()) {
    ASSIGN_OR_RETURN(bool held, Exists(*conn_,
        "SELECT 1 FROM deliveries WHERE lease_id = $1 AND mailbox_seq <> $2",
        Params().Text(d.lease_id).Int(mailbox_seq)));
    if (held) {
      return absl::AlreadyExistsError(
          absl::StrCat("lease ", d.lease_id, " is held by another delivery"));
    }
  }
  Params params;
  AddDeliveryState(params, d);
  params.Int(mailbox_seq);
  RETURN_IF_ERROR(conn_->Exec(
      "UPDATE deliveries SET state = $1, reason = $2, attempts = $3, available_at = $4, "
      "expires_at = $5, lease_id = $6, lease_expires_at = $7, leased_to_user = $8, "
      "consent_ids = $9, first_delivered_at = $10, acked_at = $11, ended_at = $12, "
      "updated_at = $13 WHERE mailbox_seq = $14",
      params).status());
  return IndexDeliveryConsents(mailbox_seq, SplitIdList(found.Text(0, 1)), d.consent_ids);
}

absl::Status PgTx::IndexDeliveryConsents(int64_t mailbox_seq,
                                         const std::vector<std::string>& before,
                                         const std::vector<std::string>& after) {
  if (before == after) return absl::OkStatus();
  for (const std::string& consent_id : before) {
    RETURN_IF_ERROR(conn_->Exec(
        "DELETE FROM delivery_consents WHERE consent_id = $1 AND mailbox_seq = $2",
        Params().Text(consent_id).Int(mailbox_seq)).status());
  }
  for (const std::string& consent_id : after) {
    // A consent listed twice is indexed once.
    RETURN_IF_ERROR(conn_->Exec(
        "INSERT INTO delivery_consents (consent_id, mailbox_seq) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING",
        Params().Text(consent_id).Int(mailbox_seq)).status());
  }
  return absl::OkStatus();
}

}  // namespace throughcare::storage::pg_internal
