// Referrals: the referral rows, their history (transitions) and their deadlines.
#include "services/storage/internal/sqlite_tx.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/internal/sqlite_rows.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

namespace {

// A referral's deadline names in the order ORDER BY name gives (bytewise).
std::vector<std::string> SortedDeadlineNames(const std::vector<ReferralDeadline>& deadlines) {
  std::vector<std::string> names;
  for (const ReferralDeadline& d : deadlines) names.push_back(d.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

absl::StatusOr<Referral> SqliteTx::GetReferral(absl::string_view referral_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE referral_id = ?"));
  s->Bind(1, referral_id);
  ASSIGN_OR_RETURN(std::vector<Referral> found, ReferralsFromRows(*s));
  if (found.empty()) return absl::NotFoundError(absl::StrCat("no referral ", referral_id));
  return std::move(found[0]);
}

absl::StatusOr<Referral> SqliteTx::FindReferralByIdempotencyKey(absl::string_view referring_agency,
                                                                absl::string_view key) {
  // As for messages: the condition on the key lets the query use the partial unique index, and
  // makes an empty key find nothing.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE referring_agency = ? "
      "AND idempotency_key = ? AND idempotency_key != ''"));
  s->Bind(1, referring_agency).Bind(2, key);
  ASSIGN_OR_RETURN(std::vector<Referral> found, ReferralsFromRows(*s));
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat(referring_agency, " made no referral with idempotency key '", key, "'"));
  }
  return std::move(found[0]);
}

absl::StatusOr<std::vector<Referral>> SqliteTx::ListReferralsForAgency(const ReferralQuery& q) {
  // The filters every branch shares: open only (?2), overdue at ?5 (as IsOverdue decides),
  // after the cursor (?6, ?7).
#define TC_REFERRAL_FILTERS                                                                  \
  "AND (?2 = 0 OR state NOT IN (4, 10, 11, 12)) "                                          \
  "AND (?5 IS NULL OR EXISTS (SELECT 1 FROM referral_deadlines d "                         \
  "WHERE d.referral_id = referrals.referral_id AND (d.escalated_at IS NOT NULL OR "        \
  "(d.met_at IS NULL AND d.due_at <= ?5 AND referrals.state NOT IN (4, 10, 11, 12))))) "   \
  "AND (?6 IS NULL OR created_at < ?6 OR (created_at = ?6 AND referral_id < ?7)) "
  // Two statements rather than one with an "?4 = '' OR ..." filter, so that each uses its
  // index: the agency's two ranges (made; received from others, as an agency may refer to
  // itself), merged newest first; or, about one person, that person's range.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      q.subject_id.empty()
          ? "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE referring_agency = ?1 "
            TC_REFERRAL_FILTERS
            "UNION ALL SELECT " TC_REFERRAL_COLUMNS " FROM referrals "
            "WHERE receiving_agency = ?1 AND referring_agency != ?1 " TC_REFERRAL_FILTERS
            "ORDER BY created_at DESC, referral_id DESC LIMIT ?3"
          : "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE subject_id = ?4 "
            "AND (referring_agency = ?1 OR receiving_agency = ?1) " TC_REFERRAL_FILTERS
            "ORDER BY created_at DESC, referral_id DESC LIMIT ?3"));
#undef TC_REFERRAL_FILTERS
  // SQLite reads a negative LIMIT as "no limit"; a non-positive one returns nothing here.
  s->Bind(1, q.agency_id)
      .Bind(2, int64_t{q.open_only})
      .Bind(3, static_cast<int64_t>(q.limit > 0 ? q.limit : 0))
      .Bind(4, q.subject_id)
      .BindOptionalTime(5, q.overdue_at)
      .BindOptionalTime(6, q.after ? std::optional<absl::Time>(q.after->created_at)
                                   : std::nullopt)
      .Bind(7, q.after ? q.after->referral_id : std::string());
  return ReferralsFromRows(*s);
}

absl::StatusOr<std::vector<Referral>> SqliteTx::ListOpenReferralsOfSubject(
    absl::string_view subject_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE subject_id = ? "
      "AND state NOT IN (4, 10, 11, 12) ORDER BY created_at, referral_id"));
  s->Bind(1, subject_id);
  return ReferralsFromRows(*s);
}

absl::StatusOr<std::vector<Referral>> SqliteTx::ListReferralsWithDueDeadlines(absl::Time now,
                                                                              int limit) {
  // The pending deadlines due are a range of their partial index; their referrals are kept
  // if open. Oldest first is by creation.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE referral_id IN "
      "(SELECT referral_id FROM referral_deadlines WHERE due_at <= ?1 "
      "AND met_at IS NULL AND escalated_at IS NULL) "
      "AND state NOT IN (4, 10, 11, 12) ORDER BY created_at, referral_id LIMIT ?2"));
  s->Bind(1, ToMicros(now)).Bind(2, static_cast<int64_t>(limit > 0 ? limit : 0));
  return ReferralsFromRows(*s);
}

absl::StatusOr<std::vector<OpenReferralCount>> SqliteTx::CountOpenReferrals(absl::Time now) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT referral_type, COUNT(*), SUM(EXISTS (SELECT 1 FROM referral_deadlines d "
      "WHERE d.referral_id = referrals.referral_id AND (d.escalated_at IS NOT NULL OR "
      "(d.met_at IS NULL AND d.due_at <= ?1)))) FROM referrals "
      "WHERE state NOT IN (4, 10, 11, 12) GROUP BY referral_type ORDER BY referral_type"));
  s->Bind(1, ToMicros(now));
  std::vector<OpenReferralCount> counts;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    counts.push_back({s->Text(0), s->Int(1), s->Int(2)});
  }
  return counts;
}

absl::StatusOr<std::vector<Referral>> SqliteTx::ListReferralsCreatedBetween(
    absl::Time from, absl::Time until, absl::string_view referral_type) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_REFERRAL_COLUMNS " FROM referrals WHERE created_at >= ?1 "
      "AND created_at < ?2 AND (?3 = '' OR referral_type = ?3) "
      "ORDER BY created_at, referral_id"));
  s->Bind(1, ToMicros(from)).Bind(2, ToMicros(until)).Bind(3, referral_type);
  return ReferralsFromRows(*s);
}

absl::Status SqliteTx::InsertReferral(const Referral& r) {
  // Everything that can refuse the referral is checked before its row is written, and the
  // row's insert is the last step that can: a refused insert leaves nothing behind.
  ASSIGN_OR_RETURN(std::string records, JoinRecordRefs(r.records));
  std::vector<std::string> names = SortedDeadlineNames(r.deadlines);
  auto twice = std::adjacent_find(names.begin(), names.end());
  if (twice != names.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("referral ", r.referral_id, " has two deadlines named '", *twice, "'"));
  }
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM subjects WHERE id = ?"));
    s->Bind(1, r.subject_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no subject ", r.subject_id));
  }
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO referrals (" TC_REFERRAL_COLUMNS ") VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    s->Bind(1, r.referral_id)
        .Bind(2, r.referral_type)
        .Bind(3, r.subject_id)
        .Bind(4, r.referring_agency)
        .Bind(5, r.referring_user)
        .Bind(6, r.receiving_agency)
        .Bind(7, r.contact)
        .Bind(8, records)
        .Bind(9, r.idempotency_key)
        .Bind(10, ToMicros(r.created_at));
    BindReferralState(*s, 11, r);
    int rc = s->Exec();
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return absl::AlreadyExistsError(
          absl::StrCat("referral ", r.referral_id, " already exists"));
    }
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
      return absl::AlreadyExistsError(absl::StrCat(
          r.referring_agency, " already made a referral with idempotency key '",
          r.idempotency_key, "'"));
    }
    if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "insert referral");
  }
  RETURN_IF_ERROR(AppendTransitions(r, 0));
  for (size_t i = 0; i < r.deadlines.size(); ++i) {
    const ReferralDeadline& d = r.deadlines[i];
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO referral_deadlines (referral_id, position, name, reach, due_at, met_at, "
        "escalated_at, supervisor_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    s->Bind(1, r.referral_id)
        .Bind(2, static_cast<int64_t>(i))
        .Bind(3, d.name)
        .Bind(4, static_cast<int64_t>(d.reach))
        .BindOptionalTime(5, d.due_at)
        .BindOptionalTime(6, d.met_at)
        .BindOptionalTime(7, d.escalated_at)
        .Bind(8, d.supervisor_role);
    RETURN_IF_ERROR(s->ExecStatus());
  }
  return absl::OkStatus();
}

absl::Status SqliteTx::UpdateReferral(const Referral& r) {
  // Checked before anything is written, so that a refused update changes nothing.
  int64_t stored_history;
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT (SELECT COUNT(*) FROM referral_transitions t "
        "WHERE t.referral_id = r.referral_id) FROM referrals r WHERE r.referral_id = ?"));
    s->Bind(1, r.referral_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no referral ", r.referral_id));
    stored_history = s->Int(0);
  }
  if (static_cast<int64_t>(r.history.size()) < stored_history) {
    return absl::FailedPreconditionError(
        absl::StrCat("referral ", r.referral_id, " has ", stored_history,
                     " transitions stored but the update holds ", r.history.size(),
                     ": history is append-only"));
  }
  std::vector<std::string> stored_names;
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT name FROM referral_deadlines WHERE referral_id = ? ORDER BY name"));
    s->Bind(1, r.referral_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      stored_names.push_back(s->Text(0));
    }
  }
  if (SortedDeadlineNames(r.deadlines) != stored_names) {
    return absl::FailedPreconditionError(
        absl::StrCat("referral ", r.referral_id, " has the deadlines [",
                     absl::StrJoin(stored_names, ", "), "]; their names cannot change"));
  }
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "UPDATE referrals SET home_area = ?, state = ?, reason = ?, "
        "event_date = NULLIF(?, ''), note = ?, message_id = ?, relationship_id = ?, "
        "updated_at = ?, received_at = ?, accepted_at = ?, first_contact_at = ?, "
        "assessed_at = ?, engaged_at = ? WHERE referral_id = ?"));
    BindReferralState(*s, 1, r);
    s->Bind(14, r.referral_id);
    RETURN_IF_ERROR(s->ExecStatus());
  }
  RETURN_IF_ERROR(AppendTransitions(r, static_cast<size_t>(stored_history)));
  for (const ReferralDeadline& d : r.deadlines) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "UPDATE referral_deadlines SET due_at = ?, met_at = ?, escalated_at = ? "
        "WHERE referral_id = ? AND name = ?"));
    s->BindOptionalTime(1, d.due_at)
        .BindOptionalTime(2, d.met_at)
        .BindOptionalTime(3, d.escalated_at)
        .Bind(4, r.referral_id)
        .Bind(5, d.name);
    RETURN_IF_ERROR(s->ExecStatus());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Referral>> SqliteTx::ReferralsFromRows(Stmt& s) {
  std::vector<Referral> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Referral r, ReferralFromRow(s));
    RETURN_IF_ERROR(LoadHistoryAndDeadlines(r));
    out.push_back(std::move(r));
  }
  return out;
}

absl::Status SqliteTx::LoadHistoryAndDeadlines(Referral& r) {
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT from_state, to_state, agency_id, user_id, reason, at "
        "FROM referral_transitions WHERE referral_id = ? ORDER BY seq"));
    s->Bind(1, r.referral_id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      r.history.push_back(ReferralTransition{static_cast<ReferralState>(s->Int(0)),
                                             static_cast<ReferralState>(s->Int(1)),
                                             s->Text(2), s->Text(3), s->Text(4), s->Time(5)});
    }
  }
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT name, reach, due_at, met_at, escalated_at, supervisor_role "
      "FROM referral_deadlines WHERE referral_id = ? ORDER BY position"));
  s->Bind(1, r.referral_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    r.deadlines.push_back(ReferralDeadline{s->Text(0), static_cast<ReferralState>(s->Int(1)),
                                           s->OptionalTime(2), s->OptionalTime(3),
                                           s->OptionalTime(4), s->Text(5)});
  }
  return absl::OkStatus();
}

absl::Status SqliteTx::AppendTransitions(const Referral& r, size_t from) {
  for (size_t i = from; i < r.history.size(); ++i) {
    const ReferralTransition& t = r.history[i];
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "INSERT INTO referral_transitions (referral_id, seq, from_state, to_state, agency_id, "
        "user_id, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    s->Bind(1, r.referral_id)
        .Bind(2, static_cast<int64_t>(i + 1))
        .Bind(3, static_cast<int64_t>(t.from))
        .Bind(4, static_cast<int64_t>(t.to))
        .Bind(5, t.agency_id)
        .Bind(6, t.user_id)
        .Bind(7, t.reason)
        .Bind(8, ToMicros(t.at));
    RETURN_IF_ERROR(s->ExecStatus());
  }
  return absl::OkStatus();
}

}  // namespace throughcare::storage::sqlite_internal
