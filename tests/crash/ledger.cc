#include "tests/crash/ledger.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace throughcare::crash {

void Ledger::SendAcknowledged(const std::string& key, const std::string& message_id,
                              bool duplicate) {
  absl::MutexLock lock(&mu_);
  key_of_id_.emplace(message_id, key);
  auto [it, first] = id_of_key_.emplace(key, message_id);
  if (first) {
    answered_on_retry_ += duplicate ? 1 : 0;
    return;
  }
  ++replays_;
  if (it->second != message_id) {
    key_mismatch_.push_back(absl::StrCat("key ", key, " was answered with ", it->second,
                                         " and later with ", message_id));
  } else if (!duplicate) {
    key_mismatch_.push_back(absl::StrCat("key ", key, " was answered again with ", message_id,
                                         " but not as a duplicate"));
  }
}

void Ledger::Delivered(const std::string& message_id, int attempt, const std::string& lease_id) {
  absl::MutexLock lock(&mu_);
  messages_[message_id].deliveries.push_back(Delivery{next_seq_++, attempt, lease_id});
  ++deliveries_;
  max_attempt_ = std::max(max_attempt_, attempt);
  last_subscriber_event_ = absl::Now();
}

void Ledger::AckConfirmed(const std::string& message_id) {
  absl::MutexLock lock(&mu_);
  MessageLog& log = messages_[message_id];
  if (!log.first_ack_seq.has_value()) {
    log.first_ack_seq = next_seq_;
    ++acks_confirmed_;
  }
  ++next_seq_;
  last_subscriber_event_ = absl::Now();
}

void Ledger::AckRefused() {
  absl::MutexLock lock(&mu_);
  ++acks_refused_;
  last_subscriber_event_ = absl::Now();
}

Tally Ledger::tally() const {
  absl::MutexLock lock(&mu_);
  Tally t;
  t.sends_acknowledged = static_cast<int64_t>(id_of_key_.size());
  t.replays = replays_;
  t.answered_on_retry = answered_on_retry_;
  for (const auto& [id, log] : messages_) t.delivered += log.deliveries.empty() ? 0 : 1;
  t.deliveries = deliveries_;
  t.acks_confirmed = acks_confirmed_;
  t.acks_refused = acks_refused_;
  t.max_attempt = max_attempt_;
  return t;
}

absl::Time Ledger::last_subscriber_event() const {
  absl::MutexLock lock(&mu_);
  return last_subscriber_event_;
}

std::vector<std::string> Ledger::Unconfirmed(
    const absl::flat_hash_set<std::string>& settled) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [id, key] : key_of_id_) {
    if (settled.contains(id)) continue;
    auto it = messages_.find(id);
    if (it == messages_.end() || !it->second.first_ack_seq.has_value()) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Ledger::KeyOf(const std::string& message_id) const {
  absl::MutexLock lock(&mu_);
  auto it = key_of_id_.find(message_id);
  return it == key_of_id_.end() ? "" : it->second;
}

Findings Ledger::Check() const {
  absl::MutexLock lock(&mu_);
  Findings f;
  for (const auto& [id, key] : key_of_id_) {
    auto it = messages_.find(id);
    if (it == messages_.end() || it->second.deliveries.empty()) f.lost.push_back(id);
  }
  for (const auto& [id, log] : messages_) {
    if (!key_of_id_.contains(id)) {
      f.phantom.push_back(log.deliveries.empty()
                              ? absl::StrCat(id, " (an ack was confirmed, nothing delivered)")
                              : id);
    }
    CheckDeliveries(id, log, f.duplicate);
  }
  f.key_mismatch = key_mismatch_;
  std::sort(f.lost.begin(), f.lost.end());
  std::sort(f.phantom.begin(), f.phantom.end());
  std::sort(f.duplicate.begin(), f.duplicate.end());
  return f;
}

// A redelivery follows a lease that ended unsettled, so it has the next attempt number (or a
// later one: a lease may be issued and lost with a crashed broker before it reached us) and a new
// lease id; and once an ack is confirmed nothing more is delivered.
void Ledger::CheckDeliveries(const std::string& message_id, const MessageLog& log,
                             std::vector<std::string>& out) const {
  absl::flat_hash_set<std::string> leases;
  int previous_attempt = 0;
  for (const Delivery& d : log.deliveries) {
    if (d.attempt <= previous_attempt) {
      out.push_back(absl::StrCat(message_id, ": attempt ", d.attempt, " delivered after attempt ",
                                 previous_attempt));
    }
    if (!leases.insert(d.lease_id).second) {
      out.push_back(absl::StrCat(message_id, ": lease ", d.lease_id, " delivered twice"));
    }
    if (log.first_ack_seq.has_value() && d.seq > *log.first_ack_seq) {
      out.push_back(absl::StrCat(message_id, ": attempt ", d.attempt,
                                 " delivered after its ack was confirmed"));
    }
    previous_attempt = std::max(previous_attempt, d.attempt);
  }
}

}  // namespace throughcare::crash
