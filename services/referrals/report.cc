#include "services/referrals/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <utility>

namespace throughcare::referrals {
namespace {

// When `r` reached `stage`: its own time, or the earliest later stage's (a referral accepted
// straight from "sent" was received when it was accepted).
std::optional<absl::Time> ReachedAt(const Referral& r, Stage stage) {
  const std::optional<absl::Time> times[] = {r.created_at,       r.received_at, r.accepted_at,
                                             r.first_contact_at, r.assessed_at, r.engaged_at};
  for (size_t i = static_cast<size_t>(stage); i < std::size(times); ++i) {
    if (times[i].has_value()) return times[i];
  }
  return std::nullopt;
}

// Nearest-rank percentile of sorted, non-empty `v`: the smallest value with at least p% of the
// values at or below it.
double Percentile(const std::vector<double>& v, double p) {
  const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::max<size_t>(rank, 1) - 1];
}

double Median(const std::vector<double>& v) {
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

bool IsOverdue(const Referral& r, absl::Time now) {
  for (const ReferralDeadline& d : r.deadlines) {
    if (d.escalated_at.has_value()) return true;
    if (!d.met_at.has_value() && d.due_at.has_value() && *d.due_at <= now && !IsFinal(r.state)) {
      return true;
    }
  }
  return false;
}

std::vector<FunnelRow> BuildFunnel(const std::vector<Referral>& referrals,
                                   bool by_receiving_agency, absl::Time now) {
  std::map<std::pair<std::string, std::string>, std::vector<const Referral*>> groups;
  for (const Referral& r : referrals) {
    groups[{r.referral_type, by_receiving_agency ? r.receiving_agency : r.home_area}].push_back(&r);
  }
  std::vector<FunnelRow> rows;
  for (const auto& [key, members] : groups) {
    FunnelRow row;
    row.referral_type = key.first;
    row.group = key.second;
    int64_t previous = 0;
    for (Stage stage : kStages) {
      StageFigures f;
      f.stage = stage;
      std::vector<double> hours;
      for (const Referral* r : members) {
        if (std::optional<absl::Time> at = ReachedAt(*r, stage)) {
          hours.push_back(absl::ToDoubleHours(*at - r->created_at));
        }
      }
      f.count = static_cast<int64_t>(hours.size());
      if (stage != Stage::kReferred && previous > 0) {
        f.attrition_percent = 100.0 * static_cast<double>(previous - f.count) / previous;
      }
      if (!hours.empty()) {
        std::sort(hours.begin(), hours.end());
        f.median_hours = Median(hours);
        f.p90_hours = Percentile(hours, 90);
      }
      previous = f.count;
      row.stages.push_back(f);
    }
    for (const Referral* r : members) {
      row.overdue += IsOverdue(*r, now) ? 1 : 0;
      row.declined += r->state == ReferralState::kDeclined ? 1 : 0;
      row.withdrawn += r->state == ReferralState::kWithdrawn ? 1 : 0;
      row.lost_contact += r->state == ReferralState::kLostContact ? 1 : 0;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void SuppressSmallCounts(std::vector<FunnelRow>& rows, int64_t min_count) {
  const auto small = [min_count](int64_t n) { return n > 0 && n < min_count; };
  const auto withhold = [&small](int64_t& count, bool& flag) {
    if (!small(count)) return;
    count = 0;
    flag = true;
  };
  for (FunnelRow& row : rows) {
    bool previous_withheld = false;
    for (StageFigures& f : row.stages) {
      const bool withheld = small(f.count);
      if (withheld) f = StageFigures{f.stage, 0, 0, 0, 0, true};
      // The attrition from a withheld count would give it away.
      if (previous_withheld) f.attrition_percent = 0;
      previous_withheld = withheld;
    }
    withhold(row.overdue, row.overdue_suppressed);
    withhold(row.declined, row.declined_suppressed);
    withhold(row.withdrawn, row.withdrawn_suppressed);
    withhold(row.lost_contact, row.lost_contact_suppressed);
  }
}

}  // namespace throughcare::referrals
