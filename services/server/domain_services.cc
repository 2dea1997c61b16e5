#include "services/server/domain_services.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/files.h"
#include "services/crypto/aead.h"
#include "services/crypto/ed25519.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

absl::StatusOr<std::string> LoadMasterKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::string hex(absl::StripAsciiWhitespace(text));
  if (hex.size() != 2 * crypto::kAesKeySize ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "master key ", path, ": expected ", 2 * crypto::kAesKeySize,
        " hex digits (32 random bytes), e.g. from `openssl rand -hex 32`"));
  }
  return absl::HexStringToBytes(hex);
}

// The audit sequencer, signing checkpoints with the configured Ed25519 key under the origin.
absl::StatusOr<std::unique_ptr<audit::Sequencer>> LoadSequencer(const BrokerConfig& config,
                                                                const Clock& clock) {
  ASSIGN_OR_RETURN(std::string pem, ReadFile(config.audit_signing_key_file));
  absl::StatusOr<std::unique_ptr<crypto::Ed25519PrivateKey>> key =
      crypto::Ed25519PrivateKey::FromPem(pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "audit_signing_key_file ", config.audit_signing_key_file, ": ", key.status().message(),
        " (an Ed25519 private key, e.g. from `openssl genpkey -algorithm ed25519`)"));
  }
  return std::make_unique<audit::Sequencer>(clock, *std::move(key), config.audit_origin,
                                            config.audit_checkpoint_interval);
}

// The agencies' witness keys, by agency id.
absl::StatusOr<audit::WitnessKeys> LoadWitnessKeys(const BrokerConfig& config) {
  audit::WitnessKeys out;
  for (const AgencyConfig& a : config.agencies) {
    if (a.witness_key_file.empty()) continue;
    ASSIGN_OR_RETURN(std::string pem, ReadFile(a.witness_key_file));
    absl::StatusOr<std::string> key = crypto::Ed25519PublicKeyFromPem(pem);
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("agency '", a.id, "' witness key ",
                                                     a.witness_key_file, ": ",
                                                     key.status().message()));
    }
    out[a.id] = audit::MakeVerifierKey(a.witness_name, audit::kCosignatureEd25519, *key);
  }
  return out;
}

std::map<std::string, messaging::AgencyInfo> MessagingAgencies(const BrokerConfig& config) {
  std::map<std::string, messaging::AgencyInfo> out;
  for (const AgencyConfig& a : config.agencies) out[a.id] = messaging::AgencyInfo{a.kind, a.roles};
  return out;
}

}  // namespace

absl::Status CheckAgenciesAgainstPolicy(const BrokerConfig& config, const policy::Policy& policy) {
  for (const referrals::ReferralType& t : config.directory.types()) {
    const auto missing = [&](absl::string_view what, const std::string& id) {
      return absl::InvalidArgumentError(absl::StrCat(
          config.directory_file, ": referral type '", t.id, "' names ", what, " '", id,
          "', which the policy ", config.policy_file, " does not declare"));
    };
    if (!policy.HasDataClass(t.data_class)) return missing("data class", t.data_class);
    if (!policy.HasPurpose(t.purpose)) return missing("purpose", t.purpose);
    for (const referrals::DeadlineRule& d : t.deadlines) {
      if (!policy.HasRole(d.supervisor_role)) return missing("supervisor role", d.supervisor_role);
    }
  }
  // A misspelt agency kind in the policy would silently narrow who may register identifiers or
  // start relationships.
  for (const std::string& kind : policy.agency_kinds()) {
    const auto& known = AgencyKinds();
    if (std::find(known.begin(), known.end(), kind) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the policy ", config.policy_file, " names agency kind '", kind,
          "', which the broker does not know (known: ", absl::StrJoin(known, ", "), ")"));
    }
  }
  for (const AgencyConfig& a : config.agencies) {
    for (const std::string& role : a.roles) {
      if (!policy.HasRole(role)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "agency '", a.id, "' may grant role '", role, "', which the policy ",
            config.policy_file, " does not declare (declared: ",
            absl::StrJoin(policy.roles(), ", "), ")"));
      }
    }
    if (!a.interface.purpose.empty() && !policy.HasPurpose(a.interface.purpose)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "agency '", a.id, "' has interface purpose '", a.interface.purpose,
          "', which the policy ", config.policy_file, " does not declare"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<DomainInputs> LoadDomainInputs(const BrokerConfig& config, const Clock& clock) {
  DomainInputs in;
  ASSIGN_OR_RETURN(in.master_key, LoadMasterKey(config.master_key_file));
  ASSIGN_OR_RETURN(in.sequencer, LoadSequencer(config, clock));
  ASSIGN_OR_RETURN(in.audit_agencies.witnesses, LoadWitnessKeys(config));
  for (const AgencyConfig& a : config.agencies) in.audit_agencies.names[a.id] = a.name;
  ASSIGN_OR_RETURN(in.policy, policy::Policy::LoadFile(config.policy_file));
  RETURN_IF_ERROR(CheckAgenciesAgainstPolicy(config, *in.policy));
  return in;
}

DomainServices::DomainServices(const BrokerConfig& config, DomainInputs inputs,
                               DomainEnvironment env)
    : config_(config),
      storage_(env.storage),
      policies_(std::move(inputs.policy)),
      sequencer_(std::move(inputs.sequencer)),
      audit_log_(env.clock, env.ids, [this] { return policies_.Current()->version(); }),
      subjects_(env.storage, audit_log_, policies_, env.clock, env.ids),
      records_(env.storage, audit_log_, policies_, env.clock, env.ids, env.random,
               std::move(inputs.master_key)),
      audit_(env.storage, audit_log_, policies_, env.clock, *sequencer_,
             std::move(inputs.audit_agencies)),
      consent_(env.storage, audit_log_, policies_, env.clock, env.ids),
      messaging_(messaging::MessagingDeps{env.storage, audit_log_, policies_, env.clock, env.ids,
                                          env.notifier, env.executor, records_},
                 MessagingAgencies(config), config.messaging),
      referrals_(env.storage, audit_log_, policies_, env.clock, env.ids, messaging_,
                 config.directory),
      policy_admin_(env.storage, audit_log_, policies_, env.clock, config.policy_file,
                    [this](const policy::Policy& p) {
                      return CheckAgenciesAgainstPolicy(config_, p);
                    }) {
  consent_.set_on_withdrawn([this](WriteTx& tx, const Consent& consent) {
    return messaging_.OnConsentWithdrawn(tx, consent);
  });
  records_.set_on_release([this](WriteTx& tx, const policy::Policy& policy,
                                 absl::string_view subject_id, absl::CivilDay date) {
    return referrals_.ApplyRelease(tx, policy, subject_id, date).status();
  });
}

void DomainServices::AddPeriodicTasks(PeriodicWork& work) {
  tasks_.push_back(std::make_unique<FunctionTask>(
      "audit.sequence", true, [this]() -> absl::StatusOr<PeriodicReport> {
        RETURN_IF_ERROR(sequencer_->RunOnce(storage_).status());
        return PeriodicReport{};
      }));
  tasks_.push_back(std::make_unique<FunctionTask>(
      "messaging.sweep", true, [this]() -> absl::StatusOr<PeriodicReport> {
        ASSIGN_OR_RETURN(messaging::SweepResult swept, messaging_.Sweep());
        if (swept.expired + swept.dead_lettered + swept.returned == 0) return PeriodicReport{};
        return PeriodicReport{{"expired", absl::StrCat(swept.expired)},
                              {"dead_lettered", absl::StrCat(swept.dead_lettered)},
                              {"returned", absl::StrCat(swept.returned)}};
      }));
  tasks_.push_back(std::make_unique<FunctionTask>(
      "referrals.sweep", true, [this]() -> absl::StatusOr<PeriodicReport> {
        ASSIGN_OR_RETURN(int escalated, referrals_.Sweep());
        if (escalated == 0) return PeriodicReport{};
        return PeriodicReport{{"escalated", absl::StrCat(escalated)}};
      }));
  tasks_.push_back(std::make_unique<FunctionTask>(
      "retention.sweep", true, [this]() -> absl::StatusOr<PeriodicReport> {
        ASSIGN_OR_RETURN(int erased, records_.SweepRetention());
        if (erased == 0) return PeriodicReport{};
        return PeriodicReport{{"erased", absl::StrCat(erased)}};
      }));
  // Deliveries whose retry delay has passed are not notified by any write: every replica looks
  // at its own listeners' mailboxes again.
  tasks_.push_back(std::make_unique<FunctionTask>(
      "messaging.wake", false, [this]() -> absl::StatusOr<PeriodicReport> {
        messaging_.SignalAll();
        return PeriodicReport{};
      }));
  for (const std::unique_ptr<PeriodicTask>& task : tasks_) work.Add(*task);
}

}  // namespace throughcare::server
