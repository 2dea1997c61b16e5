// Messaging: messages, their deliveries (the mailboxes) and the deliveries' consent index.
#include "services/storage/internal/sqlite_tx.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/internal/sqlite_rows.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::StatusOr<Message> SqliteTx::GetMessage(absl::string_view message_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_MESSAGE_COLUMNS " FROM messages WHERE message_id = ?"));
  s->Bind(1, message_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no message ", message_id));
  return MessageFromRow(*s);
}

absl::StatusOr<Message> SqliteTx::FindMessageByIdempotencyKey(absl::string_view sender_agency,
                                                              absl::string_view key) {
  // The unique index holds only the non-empty keys; the query states that condition so that it
  // may use it (and so that an empty key, which many messages share, finds nothing).
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_MESSAGE_COLUMNS " FROM messages WHERE sender_agency = ? "
      "AND idempotency_key = ? AND idempotency_key != ''"));
  s->Bind(1, sender_agency).Bind(2, key);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) {
    return absl::NotFoundError(
        absl::StrCat(sender_agency, " sent no message with idempotency key '", key, "'"));
  }
  return MessageFromRow(*s);
}

absl::StatusOr<std::vector<Delivery>> SqliteTx::ListDeliveries(absl::string_view message_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE message_id = ? "
      "ORDER BY mailbox_seq"));
  s->Bind(1, message_id);
  return DeliveriesFromRows(*s);
}

absl::StatusOr<Delivery> SqliteTx::GetDeliveryByLease(absl::string_view lease_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE lease_id = ?"));
  s->Bind(1, lease_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no delivery holds lease ", lease_id));
  return DeliveryFromRow(*s);
}

absl::StatusOr<std::vector<Delivery>> SqliteTx::ListLeasable(absl::string_view recipient_agency,
                                                             absl::Time now, int64_t after_seq,
                                                             int limit) {
  // Pending (state 1) deliveries, from the mailbox's index range in seq order after the cursor
  // (named, as the planner would rather take a range of the expiry index across all mailboxes).
  // SQLite reads a negative LIMIT as "no limit": a non-positive limit returns nothing here.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries INDEXED BY deliveries_by_mailbox "
      "WHERE recipient_agency = ?1 "
      "AND state = 1 AND mailbox_seq > ?3 AND available_at <= ?2 AND expires_at > ?2 "
      "ORDER BY mailbox_seq LIMIT ?4"));
  s->Bind(1, recipient_agency)
      .Bind(2, ToMicros(now))
      .Bind(3, after_seq)
      .Bind(4, static_cast<int64_t>(limit > 0 ? limit : 0));
  return DeliveriesFromRows(*s);
}

absl::StatusOr<std::vector<Delivery>> SqliteTx::ClaimLeasable(absl::string_view recipient_agency,
                                                              absl::Time now, int64_t after_seq,
                                                              int limit) {
  return ListLeasable(recipient_agency, now, after_seq, limit);
}

absl::StatusOr<int64_t> SqliteTx::CountOpenDeliveries(absl::string_view recipient_agency,
                                                      int64_t cap) {
  // Pending or leased (states 1 and 2); the inner LIMIT stops the count at `cap`.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE recipient_agency = ? "
      "AND state IN (1, 2) LIMIT ?)"));
  s->Bind(1, recipient_agency).Bind(2, cap > 0 ? cap : 0);
  ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Int(0) : 0;
}

absl::StatusOr<int64_t> SqliteTx::CountOpenDeliveriesFrom(absl::string_view recipient_agency,
                                                          absl::string_view sender_agency,
                                                          int64_t cap) {
  // One range of deliveries_by_sender (migration 6); the inner LIMIT stops the count at `cap`.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE recipient_agency = ? "
      "AND sender_agency = ? AND state IN (1, 2) LIMIT ?)"));
  s->Bind(1, recipient_agency).Bind(2, sender_agency).Bind(3, cap > 0 ? cap : 0);
  ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Int(0) : 0;
}

absl::StatusOr<std::vector<Delivery>> SqliteTx::ListDueDeliveries(absl::Time now, int limit) {
  // Open (states 1 and 2) past the message's expiry, or leased (2) past the lease's: one index
  // range each. UNION drops a delivery that is both.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE state IN (1, 2) "
      "AND expires_at <= ?1 "
      "UNION SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE state = 2 "
      "AND lease_expires_at <= ?1 "
      "ORDER BY mailbox_seq LIMIT ?2"));
  s->Bind(1, ToMicros(now)).Bind(2, static_cast<int64_t>(limit > 0 ? limit : 0));
  return DeliveriesFromRows(*s);
}

absl::StatusOr<std::vector<Delivery>> SqliteTx::ListDeliveredUnderConsent(
    absl::string_view consent_id) {
  // Delivered at least once, whatever the state now.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_DELIVERY_COLUMNS " FROM deliveries WHERE mailbox_seq IN "
      "(SELECT mailbox_seq FROM delivery_consents WHERE consent_id = ?) "
      "AND first_delivered_at IS NOT NULL ORDER BY recipient_agency, mailbox_seq"));
  s->Bind(1, consent_id);
  return DeliveriesFromRows(*s);
}

absl::Status SqliteTx::InsertMessage(const Message& m) {
  RETURN_IF_ERROR(CheckIdList("notice_message_ids", m.notice_message_ids));
  ASSIGN_OR_RETURN(std::string records, JoinRecordRefs(m.records));
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO messages (" TC_MESSAGE_COLUMNS ") VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s->Bind(1, m.message_id)
      .Bind(2, static_cast<int64_t>(m.kind))
      .Bind(3, m.sender_agency)
      .Bind(4, m.sender_system)
      .Bind(5, m.sender_user)
      .Bind(6, m.sender_role)
      .Bind(7, m.subject_id)
      .Bind(8, m.purpose)
      .Bind(9, m.correlation_id)
      .Bind(10, m.idempotency_key)
      .Bind(11, m.content_hash)
      .Bind(12, records)
      .Bind(13, m.notice_message_id)
      .Bind(14, m.notice_recipient)
      .Bind(15, static_cast<int64_t>(m.notice_state))
      .Bind(16, m.notice_reason)
      .Bind(17, m.notice_consent_id)
      .Bind(18, absl::StrJoin(m.notice_message_ids, ","))
      .Bind(19, ToMicros(m.created_at))
      .Bind(20, ToMicros(m.expires_at))
      .Bind(21, static_cast<int64_t>(m.notice_referral_state))
      .Bind(22, m.notice_for_role);
  int rc = s->Exec();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(absl::StrCat("message ", m.message_id, " already exists"));
  }
  if (rc == SQLITE_CONSTRAINT_UNIQUE) {
    return absl::AlreadyExistsError(absl::StrCat(
        m.sender_agency, " already sent a message with idempotency key '", m.idempotency_key,
        "'"));
  }
  if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "insert message");
  if (m.kind == MessageKind::kRecords) ++records_messages_;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteTx::InsertDelivery(const Delivery& d) {
  RETURN_IF_ERROR(CheckIdList("consent_ids", d.consent_ids));
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM messages WHERE message_id = ?"));
    s->Bind(1, d.message_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no message ", d.message_id));
  }
  int64_t mailbox_seq;
  {
    // A NULL mailbox_seq takes the next one. The sender is copied from the message, for
    // CountOpenDeliveriesFrom.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO deliveries (" TC_DELIVERY_COLUMNS ", sender_agency) VALUES "
        "(?, ?, NULL, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, "
        "(SELECT sender_agency FROM messages WHERE message_id = ?1))"));
    s->Bind(1, d.message_id).Bind(2, d.recipient_agency);
    BindDeliveryState(*s, 3, d);
    int rc = s->Exec();
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      // The recipient already has a delivery of the message, or the lease id is taken;
      // SQLite's message names the constraint.
      return absl::AlreadyExistsError(absl::StrCat("delivery of ", d.message_id, " to ",
                                                   d.recipient_agency, ": ",
                                                   sqlite3_errmsg(conn_->db())));
    }
    if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "insert delivery");
    mailbox_seq = sqlite3_last_insert_rowid(conn_->db());
  }
  RETURN_IF_ERROR(IndexDeliveryConsents(mailbox_seq, {}, d.consent_ids));
  return mailbox_seq;
}

absl::Status SqliteTx::UpdateDelivery(const Delivery& d) {
  RETURN_IF_ERROR(CheckIdList("consent_ids", d.consent_ids));
  int64_t mailbox_seq;
  std::vector<std::string> old_consent_ids;
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT mailbox_seq, consent_ids FROM deliveries "
        "WHERE message_id = ? AND recipient_agency = ?"));
    s->Bind(1, d.message_id).Bind(2, d.recipient_agency);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) {
      return absl::NotFoundError(
          absl::StrCat("no delivery of ", d.message_id, " to ", d.recipient_agency));
    }
    mailbox_seq = s->Int(0);
    old_consent_ids = SplitIdList(s->Text(1));
  }
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "UPDATE deliveries SET state = ?, reason = ?, attempts = ?, available_at = ?, "
        "expires_at = ?, lease_id = NULLIF(?, ''), lease_expires_at = ?, leased_to_user = ?, "
        "consent_ids = ?, first_delivered_at = ?, acked_at = ?, ended_at = ?, updated_at = ? "
        "WHERE mailbox_seq = ?"));
    BindDeliveryState(*s, 1, d);
    s->Bind(14, mailbox_seq);
    int rc = s->Exec();
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      return absl::AlreadyExistsError(
          absl::StrCat("lease ", d.lease_id, " is held by another delivery"));
    }
    if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "update delivery");
  }
  return IndexDeliveryConsents(mailbox_seq, old_consent_ids, d.consent_ids);
}

absl::Status SqliteTx::IndexDeliveryConsents(int64_t mailbox_seq,
                                             const std::vector<std::string>& before,
                                             const std::vector<std::string>& after) {
  if (before == after) return absl::OkStatus();
  for (const std::string& consent_id : before) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "DELETE FROM delivery_consents WHERE consent_id = ? AND mailbox_seq = ?"));
    s->Bind(1, consent_id).Bind(2, mailbox_seq);
    RETURN_IF_ERROR(s->ExecStatus());
  }
  for (const std::string& consent_id : after) {
    // OR IGNORE: a consent listed twice is indexed once.
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT OR IGNORE INTO delivery_consents (consent_id, mailbox_seq) VALUES (?, ?)"));
    s->Bind(1, consent_id).Bind(2, mailbox_seq);
    RETURN_IF_ERROR(s->ExecStatus());
  }
  return absl::OkStatus();
}

}  // namespace throughcare::storage::sqlite_internal
