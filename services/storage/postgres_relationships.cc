// Legitimate relationships, and the break-glass review items.
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/postgres_rows.h"
#include "services/storage/internal/postgres_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

absl::StatusOr<Relationship> PgTx::GetRelationship(absl::string_view relationship_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_RELATIONSHIP_COLUMNS " FROM relationships WHERE relationship_id = $1",
      Params().Text(relationship_id)));
  if (r.rows() == 0) {
    return absl::NotFoundError(absl::StrCat("no relationship ", relationship_id));
  }
  return RelationshipFromRow(Row(r, 0));
}

absl::StatusOr<std::vector<Relationship>> PgTx::ListRelationships(absl::string_view subject_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_RELATIONSHIP_COLUMNS " FROM relationships WHERE subject_id = $1 "
      "ORDER BY started_at, pos",
      Params().Text(subject_id)));
  std::vector<Relationship> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(RelationshipFromRow(Row(r, i)));
  return out;
}

absl::StatusOr<ReviewItem> PgTx::GetReviewItem(absl::string_view review_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(TC_PG_REVIEW_SELECT "WHERE review_id = $1",
                                         Params().Text(review_id)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no review item ", review_id));
  return ReviewItemFromRow(Row(r, 0));
}

absl::StatusOr<std::vector<ReviewItem>> PgTx::ListReviewItems(bool open_only,
                                                              int64_t after_audit_entry,
                                                              int limit) {
  // Two statements rather than one with a "$3 OR ..." filter, so that each uses its index.
  Params params;
  params.Int(after_audit_entry).Int(limit > 0 ? limit : 0);
  if (open_only) params.Int(static_cast<int64_t>(ReviewOutcome::kOpen));
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      open_only ? TC_PG_REVIEW_SELECT "WHERE outcome = $3 AND audit_entry > $1 "
                                      "ORDER BY audit_entry, review_id LIMIT $2"
                : TC_PG_REVIEW_SELECT "WHERE audit_entry > $1 "
                                      "ORDER BY audit_entry, review_id LIMIT $2",
      params));
  std::vector<ReviewItem> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ReviewItemFromRow(Row(r, i)));
  return out;
}

absl::Status PgTx::InsertRelationship(const Relationship& r) {
  RETURN_IF_ERROR(RequireSubject(*conn_, r.subject_id));
  ASSIGN_OR_RETURN(Result inserted, conn_->Exec(
      "INSERT INTO relationships (" TC_PG_RELATIONSHIP_COLUMNS ") VALUES "
      "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
      Params()
          .Text(r.relationship_id)
          .Text(r.subject_id)
          .Int(static_cast<int64_t>(r.kind))
          .Text(r.agency_id)
          .Text(r.user_id)
          .Time(r.started_at)
          .OptionalTime(r.ended_at)
          .Text(r.started_by_agency)
          .Text(r.started_by_user)
          .Text(r.ended_by_user)
          .Text(r.note)));
  if (inserted.affected() == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("relationship ", r.relationship_id, " already exists"));
  }
  return absl::OkStatus();
}

absl::Status PgTx::EndRelationship(absl::string_view relationship_id, absl::Time ended_at,
                                   absl::string_view ended_by_user) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "UPDATE relationships SET ended_at = $1, ended_by_user = $2 "
      "WHERE relationship_id = $3 AND ended_at IS NULL",
      Params().Time(ended_at).Text(ended_by_user).Text(relationship_id)));
  if (r.affected() == 1) return absl::OkStatus();
  ASSIGN_OR_RETURN(bool found,
                   Exists(*conn_, "SELECT 1 FROM relationships WHERE relationship_id = $1",
                          Params().Text(relationship_id)));
  if (!found) return absl::NotFoundError(absl::StrCat("no relationship ", relationship_id));
  return absl::FailedPreconditionError(
      absl::StrCat("relationship ", relationship_id, " has already ended"));
}

absl::Status PgTx::InsertReviewItem(const ReviewItem& item) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO review_items (" TC_PG_REVIEW_COLUMNS ") VALUES "
      "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
      Params()
          .Text(item.review_id)
          .Int(item.audit_entry)
          .Text(item.subject_id)
          .Text(item.agency_id)
          .Text(item.user_id)
          .Text(item.role)
          .Text(item.reason)
          .Time(item.opened_at)
          .Int(static_cast<int64_t>(item.outcome))
          .Text(item.closed_by_agency)
          .Text(item.closed_by_user)
          .OptionalTime(item.closed_at)
          .Text(item.note)));
  if (r.affected() == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("review item ", item.review_id, " already exists"));
  }
  return absl::OkStatus();
}

absl::Status PgTx::CloseReviewItem(const ReviewItem& closed) {
  if (closed.outcome == ReviewOutcome::kOpen) {
    return absl::InvalidArgumentError("a review item cannot be closed with outcome open");
  }
  if (!closed.closed_at.has_value()) {
    return absl::InvalidArgumentError("closing a review item needs closed_at");
  }
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "UPDATE review_items SET outcome = $1, closed_by_agency = $2, closed_by_user = $3, "
      "closed_at = $4, note = $5 WHERE review_id = $6 AND outcome = $7",
      Params()
          .Int(static_cast<int64_t>(closed.outcome))
          .Text(closed.closed_by_agency)
          .Text(closed.closed_by_user)
          .OptionalTime(closed.closed_at)
          .Text(closed.note)
          .Text(closed.review_id)
          .Int(static_cast<int64_t>(ReviewOutcome::kOpen))));
  if (r.affected() == 1) return absl::OkStatus();
  ASSIGN_OR_RETURN(bool found, Exists(*conn_, "SELECT 1 FROM review_items WHERE review_id = $1",
                                      Params().Text(closed.review_id)));
  if (!found) return absl::NotFoundError(absl::StrCat("no review item ", closed.review_id));
  return absl::FailedPreconditionError(
      absl::StrCat("review item ", closed.review_id, " is already closed"));
}

}  // namespace throughcare::storage::pg_internal
