// The referral funnel (the attrition report the seed documents' counts describe): for referrals
// made in a period, per type and per home area (or receiving agency), how many reached each
// stage, the attrition at each stage, the time to reach it (median and 90th percentile) and how
// many were overdue. Pure: callers pass the referrals and the time.
#ifndef THROUGHCARE_SERVICES_REFERRALS_REPORT_H_
#define THROUGHCARE_SERVICES_REFERRALS_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/referrals/rules.h"
#include "throughcare/referral.h"

namespace throughcare::referrals {

struct StageFigures {
  Stage stage = Stage::kReferred;
  // Referrals that reached the stage (a later stage counts as having passed it).
  int64_t count = 0;
  // Of those that reached the previous stage, the percentage that did not reach this one (0 for
  // the first stage, and when none reached the previous one).
  double attrition_percent = 0;
  // Hours from the referral's creation to reaching the stage, over those that reached it (0 if
  // none did). The 90th percentile is the nearest-rank one.
  double median_hours = 0;
  double p90_hours = 0;
  // Withheld by SuppressSmallCounts: count, attrition and times are 0 and mean nothing.
  bool suppressed = false;
};

struct FunnelRow {
  std::string referral_type;
  std::string group;                 // the home area, or the receiving agency
  std::vector<StageFigures> stages;  // in kStages order
  int64_t overdue = 0;  // with a deadline passed unmet at `now`, or escalated
  int64_t declined = 0;
  int64_t withdrawn = 0;
  int64_t lost_contact = 0;
  // Withheld by SuppressSmallCounts (the count is then 0).
  bool overdue_suppressed = false;
  bool declined_suppressed = false;
  bool withdrawn_suppressed = false;
  bool lost_contact_suppressed = false;
};

// Whether a deadline of `r` passed unmet by `now`, or was escalated.
bool IsOverdue(const Referral& r, absl::Time now);

// The funnel rows of `referrals`, grouped by type and home area (or receiving agency), ordered by
// type, then group.
std::vector<FunnelRow> BuildFunnel(const std::vector<Referral>& referrals,
                                   bool by_receiving_agency, absl::Time now);

// Statistical disclosure control: withholds every count from 1 to `min_count` - 1 (a handful of
// referrals can be one known person), with the figures derived from it: a stage's attrition and
// times, and the attrition of the stage after it (which would give the withheld count away).
// Zeros are shown. Withheld figures are set to 0 and flagged.
void SuppressSmallCounts(std::vector<FunnelRow>& rows, int64_t min_count);

}  // namespace throughcare::referrals

#endif  // THROUGHCARE_SERVICES_REFERRALS_REPORT_H_
