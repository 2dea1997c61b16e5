// Referrals: the referral rows, their history (transitions) and their deadlines.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/storage/internal/postgres_rows.h"
#include "services/storage/internal/postgres_tx.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

namespace {

// A referral's deadline names in the order ORDER BY name gives (bytewise, collation "C").
std::vector<std::string> SortedDeadlineNames(const std::vector<ReferralDeadline>& deadlines) {
  std::vector<std::string> names;
  for (const ReferralDeadline& d : deadlines) names.push_back(d.name);
  std::sort(names.begin(), names.end());
  return names;
}

// Refuses what the referral's encoding cannot hold, before anything is written.
absl::Status CheckNewReferral(const Referral& r) {
  RETURN_IF_ERROR(sqlite_internal::JoinRecordRefs(r.records).status());
  std::vector<std::string> names = SortedDeadlineNames(r.deadlines);
  auto twice = std::adjacent_find(names.begin(), names.end());
  if (twice != names.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("referral ", r.referral_id, " has two deadlines named '", *twice, "'"));
  }
  return absl::OkStatus();
}

// The filters of ListReferralsForAgency that every branch shares: open only ($2), overdue at
// $4 (as IsOverdue decides), after the cursor ($5, $6). Final states (declined 4, closed 10,
// withdrawn 11, lost contact 12) appear as their numbers.
#define TC_PG_REFERRAL_FILTERS                                                                    \
  "AND ($2::bigint = 0 OR state NOT IN (4, 10, 11, 12)) "                                         \
  "AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM referral_deadlines d "                        \
  "WHERE d.referral_id = referrals.referral_id AND (d.escalated_at IS NOT NULL OR "               \
  "(d.met_at IS NULL AND d.due_at <= $4 AND referrals.state NOT IN (4, 10, 11, 12))))) "          \
  "AND ($5::bigint IS NULL OR created_at < $5 OR (created_at = $5 AND referral_id < $6)) "

}  // namespace

absl::StatusOr<Referral> PgTx::GetReferral(absl::string_view referral_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_REFERRAL_COLUMNS " FROM referrals WHERE referral_id = $1",
      Params().Text(referral_id)));
  ASSIGN_OR_RETURN(std::vector<Referral> found, ReferralsFromRows(r));
  if (found.empty()) return absl::NotFoundError(absl::StrCat("no referral ", referral_id));
  return std::move(found[0]);
}

absl::StatusOr<Referral> PgTx::FindReferralByIdempotencyKey(absl::string_view referring_agency,
                                                            absl::string_view key) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_REFERRAL_COLUMNS " FROM referrals WHERE referring_agency = $1 "
      "AND idempotency_key = $2 AND idempotency_key <> ''",
      Params().Text(referring_agency).Text(key)));
  ASSIGN_OR_RETURN(std::vector<Referral> found, ReferralsFromRows(r));
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat(referring_agency, " made no referral with idempotency key '", key, "'"));
  }
  return std::move(found[0]);
}

absl::StatusOr<std::vector<Referral>> PgTx::ListReferralsForAgency(const ReferralQuery& q) {
  // Two statements, so that each uses its index: the agency's two ranges (made; received from
  // others, as an agency may refer to itself), merged newest first; or one person's range.
  Params params;
  params.Text(q.agency_id)
      .Int(q.open_only ? 1 : 0)
      .Int(q.limit > 0 ? q.limit : 0)
      .OptionalTime(q.overdue_at)
      .OptionalTime(q.after ? std::optional<absl::Time>(q.after->created_at) : std::nullopt)
      .Text(q.after ? q.after->referral_id : std::string());
  if (!q.subject_id.empty()) params.Text(q.subject_id);
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      q.subject_id.empty()
          ? "SELECT " TC_PG_REFERRAL_COLUMNS " FROM referrals WHERE referring_agency = $1 "
            TC_PG_REFERRAL_FILTERS
            "UNION ALL SELECT " TC_PG_REFERRAL_COLUMNS " FROM referrals "
            "WHERE receiving_agency = $1 AND referring_agency <> $1 " TC_PG_REFERRAL_FILTERS
            "ORDER BY created_at DESC, referral_id DESC LIMIT $3"
          : "SELECT " TC_PG_REFERRAL_COLUMNS " FROM referrals WHERE subject_id = $7 "
            "AND (referring_agency = $1 OR receiving_agency = $1) " TC_PG_REFERRAL_FILTERS
            "ORDER BY created_at DESC, referral_id DESC LIMIT $3",
      params));
  return ReferralsFromRows(r);
}

absl::StatusOr<std::vector<Referral>> PgTx::ListOpenReferralsOfSubject(
    absl::string_view subject_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_REFERRAL_COLUMNS " FROM referrals WHERE subject_id = $1 "
      "AND state NOT IN (4, 10, 11, 12) ORDER BY created_at, referral_id",
      Params().Text(subject_id)));
  return ReferralsFromRows(r);
}

absl::StatusOr<std::vector<Referral>> PgTx::ListReferralsWithDueDeadlines(absl::Time now,
                                                                          int limit) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_REFERRAL_COLUMNS " FROM referrals WHERE referral_id IN "
      "(SELECT referral_id FROM referral_deadlines WHERE due_at <= $1 "
      "AND met_at IS NULL AND escalated_at IS NULL) "
      "AND state NOT IN (4, 10, 11, 12) ORDER BY created_at, referral_id LIMIT $2",
      Params().Time(now).Int(limit > 0 ? limit : 0)));
  return ReferralsFromRows(r);
}

absl::StatusOr<std::vector<OpenReferralCount>> PgTx::CountOpenReferrals(absl::Time now) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT referral_type, COUNT(*), COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM "
      "referral_deadlines d WHERE d.referral_id = referrals.referral_id AND "
      "(d.escalated_at IS NOT NULL OR (d.met_at IS NULL AND d.due_at <= $1)))) FROM referrals "
      "WHERE state NOT IN (4, 10, 11, 12) GROUP BY referral_type ORDER BY referral_type",
      Params().Time(now)));
  std::vector<OpenReferralCount> counts;
  for (int i = 0; i < r.rows(); ++i) counts.push_back({r.Text(i, 0), r.Int(i, 1), r.Int(i, 2)});
  return counts;
}

absl::StatusOr<std::vector<Referral>> PgTx::ListReferralsCreatedBetween(
    absl::Time from, absl::Time until, absl::string_view referral_type) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_REFERRAL_COLUMNS " FROM referrals WHERE created_at >= $1 "
      "AND created_at < $2 AND ($3::text = '' OR referral_type = $3) "
      "ORDER BY created_at, referral_id",
      Params().Time(from).Time(until).Text(referral_type)));
  return ReferralsFromRows(r);
}

absl::Status PgTx::InsertReferral(const Referral& r) {
  RETURN_IF_ERROR(CheckNewReferral(r));
  RETURN_IF_ERROR(RequireSubject(*conn_, r.subject_id));
  ASSIGN_OR_RETURN(std::string records, sqlite_internal::JoinRecordRefs(r.records));
  Params params;
  params.Text(r.referral_id).Text(r.referral_type).Text(r.subject_id).Text(r.referring_agency)
      .Text(r.referring_user).Text(r.receiving_agency).Text(r.contact).Text(records)
      .Text(r.idempotency_key).Time(r.created_at);
  AddReferralState(params, r);
  ASSIGN_OR_RETURN(Result inserted, conn_->Exec(
      "INSERT INTO referrals (" TC_PG_REFERRAL_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
      "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) "
      "ON CONFLICT DO NOTHING",
      params));
  if (inserted.affected() == 0) {
    ASSIGN_OR_RETURN(bool taken, Exists(*conn_,
        "SELECT 1 FROM referrals WHERE referral_id = $1", Params().Text(r.referral_id)));
    if (taken) {
      return absl::AlreadyExistsError(
          absl::StrCat("referral ", r.referral_id, " already exists"));
    }
    return absl::AlreadyExistsError(absl::StrCat(r.referring_agency,
                                                 " already made a referral with idempotency "
                                                 "key '", r.idempotency_key, "'"));
  }
  RETURN_IF_ERROR(AppendTransitions(r, 0));
  for (size_t i = 0; i < r.deadlines.size(); ++i) {
    const ReferralDeadline& d = r.deadlines[i];
    RETURN_IF_ERROR(conn_->Exec(
        "INSERT INTO referral_deadlines (referral_id, position, name, reach, due_at, met_at, "
        "escalated_at, supervisor_role) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        Params().Text(r.referral_id).Int(static_cast<int64_t>(i)).Text(d.name)
            .Int(static_cast<int64_t>(d.reach)).OptionalTime(d.due_at).OptionalTime(d.met_at)
            .OptionalTime(d.escalated_at).Text(d.supervisor_role)).status());
  }
  return absl::OkStatus();
}

absl::Status PgTx::UpdateReferral(const Referral& r) {
  // Checked before anything is written, so that a refused update changes nothing.
  ASSIGN_OR_RETURN(Result stored, conn_->Exec(
      "SELECT (SELECT COUNT(*) FROM referral_transitions t WHERE t.referral_id = r.referral_id) "
      "FROM referrals r WHERE r.referral_id = $1",
      Params().Text(r.referral_id)));
  if (stored.rows() == 0) return absl::NotFoundError(absl::StrCat("no referral ", r.referral_id));
  const int64_t stored_history = stored.Int(0, 0);
  if (static_cast<int64_t>(r.history.size()) < stored_history) {
    return absl::FailedPreconditionError(
        absl::StrCat("referral ", r.referral_id, " has ", stored_history,
                     " transitions stored but the update holds ", r.history.size(),
                     ": history is append-only"));
  }
  ASSIGN_OR_RETURN(Result names, conn_->Exec(
      "SELECT name FROM referral_deadlines WHERE referral_id = $1 ORDER BY name",
      Params().Text(r.referral_id)));
  std::vector<std::string> stored_names;
  for (int i = 0; i < names.rows(); ++i) stored_names.push_back(names.Text(i, 0));
  if (SortedDeadlineNames(r.deadlines) != stored_names) {
    return absl::FailedPreconditionError(
        absl::StrCat("referral ", r.referral_id, " has the deadlines [",
                     absl::StrJoin(stored_names, ", "), "]; their names cannot change"));
  }
  Params params;
  AddReferralState(params, r);
  params.Text(r.referral_id);
  RETURN_IF_ERROR(conn_->Exec(
      "UPDATE referrals SET home_area = $1, state = $2, reason = $3, event_date = $4, "
      "note = $5, message_id = $6, relationship_id = $7, updated_at = $8, received_at = $9, "
      "accepted_at = $10, first_contact_at = $11, assessed_at = $12, engaged_at = $13 "
      "WHERE referral_id = $14",
      params).status());
  RETURN_IF_ERROR(AppendTransitions(r, static_cast<size_t>(stored_history)));
  for (const ReferralDeadline& d : r.deadlines) {
    RETURN_IF_ERROR(conn_->Exec(
        "UPDATE referral_deadlines SET due_at = $1, met_at = $2, escalated_at = $3 "
        "WHERE referral_id = $4 AND name = $5",
        Params().OptionalTime(d.due_at).OptionalTime(d.met_at).OptionalTime(d.escalated_at)
            .Text(r.referral_id).Text(d.name)).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Referral>> PgTx::ReferralsFromRows(const Result& rows) {
  std::vector<Referral> out;
  for (int i = 0; i < rows.rows(); ++i) {
    ASSIGN_OR_RETURN(Referral r, ReferralFromRow(Row(rows, i)));
    RETURN_IF_ERROR(LoadHistoryAndDeadlines(r));
    out.push_back(std::move(r));
  }
  return out;
}

absl::Status PgTx::LoadHistoryAndDeadlines(Referral& r) {
  ASSIGN_OR_RETURN(Result h, conn_->Exec(
      "SELECT from_state, to_state, agency_id, user_id, reason, at "
      "FROM referral_transitions WHERE referral_id = $1 ORDER BY seq",
      Params().Text(r.referral_id)));
  for (int i = 0; i < h.rows(); ++i) {
    r.history.push_back(ReferralTransition{static_cast<ReferralState>(h.Int(i, 0)),
                                           static_cast<ReferralState>(h.Int(i, 1)), h.Text(i, 2),
                                           h.Text(i, 3), h.Text(i, 4), h.Time(i, 5)});
  }
  ASSIGN_OR_RETURN(Result d, conn_->Exec(
      "SELECT name, reach, due_at, met_at, escalated_at, supervisor_role "
      "FROM referral_deadlines WHERE referral_id = $1 ORDER BY position",
      Params().Text(r.referral_id)));
  for (int i = 0; i < d.rows(); ++i) {
    r.deadlines.push_back(ReferralDeadline{d.Text(i, 0), static_cast<ReferralState>(d.Int(i, 1)),
                                           d.OptionalTime(i, 2), d.OptionalTime(i, 3),
                                           d.OptionalTime(i, 4), d.Text(i, 5)});
  }
  return absl::OkStatus();
}

absl::Status PgTx::AppendTransitions(const Referral& r, size_t from) {
  for (size_t i = from; i < r.history.size(); ++i) {
    const ReferralTransition& t = r.history[i];
    RETURN_IF_ERROR(conn_->Exec(
        "INSERT INTO referral_transitions (referral_id, seq, from_state, to_state, agency_id, "
        "user_id, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        Params().Text(r.referral_id).Int(static_cast<int64_t>(i + 1))
            .Int(static_cast<int64_t>(t.from)).Int(static_cast<int64_t>(t.to)).Text(t.agency_id)
            .Text(t.user_id).Text(t.reason).Time(t.at)).status());
  }
  return absl::OkStatus();
}

}  // namespace throughcare::storage::pg_internal
