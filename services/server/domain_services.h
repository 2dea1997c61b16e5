// The domain services wired together, as the broker runs them: what throughcared serves behind
// its handlers, and what tests that drive the services without gRPC build, instead of copying
// the wiring.
//
// LoadDomainInputs reads what the configuration names (master key, audit signing key, witness
// keys, policy) and checks it; DomainServices builds the services over storage and the
// process's clock, ids, notifier and executor, and offers their periodic upkeep as tasks.
#ifndef THROUGHCARE_SERVICES_SERVER_DOMAIN_SERVICES_H_
#define THROUGHCARE_SERVICES_SERVER_DOMAIN_SERVICES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/audit/audit_log.h"
#include "services/audit/audit_service.h"
#include "services/audit/sequencer.h"
#include "services/consent/consent_service.h"
#include "services/core/periodic_work.h"
#include "services/messaging/messaging_service.h"
#include "services/admin/policy_admin.h"
#include "services/policy/policy_store.h"
#include "services/records/record_service.h"
#include "services/referrals/referral_service.h"
#include "services/server/config.h"
#include "services/subjects/subject_service.h"
#include "throughcare/clock.h"
#include "throughcare/executor.h"
#include "throughcare/ids.h"
#include "throughcare/notifier.h"
#include "throughcare/periodic.h"
#include "throughcare/storage.h"

namespace throughcare::server {

// What the configuration names, loaded and checked, before any storage is opened.
struct DomainInputs {
  std::string master_key;
  std::shared_ptr<const policy::Policy> policy;
  std::unique_ptr<audit::Sequencer> sequencer;
  audit::AuditAgencies audit_agencies;  // witnesses' keys and agencies' names
};

// Errors name the file or setting at fault (the broker exits 78 on them).
absl::StatusOr<DomainInputs> LoadDomainInputs(const BrokerConfig& config, const Clock& clock);

// The roles agencies may grant, the referral directory's data classes, purposes and supervisor
// roles, and the agency kinds the policy names must all fit together.
absl::Status CheckAgenciesAgainstPolicy(const BrokerConfig& config, const policy::Policy& policy);

// What the services share and do not own. All must outlive DomainServices.
struct DomainEnvironment {
  Storage& storage;
  const Clock& clock;
  IdGenerator& ids;
  Random& random;
  Notifier& notifier;  // the one `storage` publishes to
  Executor& executor;
};

// Not copyable. The services are thread-safe as each says.
class DomainServices final {
 public:
  // `config` must outlive this (the directory and the policy file are read from it).
  DomainServices(const BrokerConfig& config, DomainInputs inputs, DomainEnvironment env);
  DomainServices(const DomainServices&) = delete;
  DomainServices& operator=(const DomainServices&) = delete;

  policy::PolicyStore& policies() { return policies_; }
  const policy::PolicyStore& policies() const { return policies_; }
  const audit::AuditLog& audit_log() const { return audit_log_; }
  const audit::Sequencer& sequencer() const { return *sequencer_; }
  subjects::SubjectService& subjects() { return subjects_; }
  records::RecordService& records() { return records_; }
  audit::AuditService& audit() { return audit_; }
  consent::ConsentService& consent() { return consent_; }
  messaging::MessagingService& messaging() { return messaging_; }
  referrals::ReferralService& referrals() { return referrals_; }
  policy::PolicyAdmin& policy_admin() { return policy_admin_; }

  // The upkeep the broker runs periodically, in order: audit sequencing and checkpoints,
  // messaging expiry and lease returns, referral deadlines (each on the elected replica only),
  // and waking this replica's mailbox listeners.
  void AddPeriodicTasks(PeriodicWork& work);

 private:
  const BrokerConfig& config_;
  Storage& storage_;
  policy::PolicyStore policies_;
  std::unique_ptr<audit::Sequencer> sequencer_;
  audit::AuditLog audit_log_;
  subjects::SubjectService subjects_;
  records::RecordService records_;
  audit::AuditService audit_;
  consent::ConsentService consent_;
  messaging::MessagingService messaging_;
  referrals::ReferralService referrals_;
  policy::PolicyAdmin policy_admin_;
  std::vector<std::unique_ptr<PeriodicTask>> tasks_;
};

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_DOMAIN_SERVICES_H_
