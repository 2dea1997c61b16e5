// An audit entry as a FHIR R4 AuditEvent, for auditors and SIEMs reading the audit log:
//
//   type                 audit-event-type "rest" (a RESTful operation: every broker call is one)
//   subtype              the policy action, urn:throughcare:action ("record.read", ...)
//   action               C, R, U, D or E, from the policy action's verb
//   recorded             time
//   outcome/outcomeDesc  0 for OK, 4 for a refusal (a client-side status), 8 for a broker failure;
//                        the status name and, when denied, the deciding reason
//   purposeOfEvent       the purpose of use (systems.h PurposeCoding)
//   agent[0]             the practitioner: who = user id (urn:throughcare:user), role, requestor;
//                        agent[1] the agency system (urn:throughcare:agency-system) of the agency
//   source               the broker, observer urn:throughcare:agency "throughcare", type 4
//                        (application server)
//   entity               the person (subject id, object-role 1 patient), the record and its
//                        version, and the policy decision (decision, rule, basis, policy
//                        version, break-glass reason, request id, seq) as entity details
#ifndef THROUGHCARE_SERVICES_ADAPTERS_FHIR_AUDIT_EVENT_RESOURCE_H_
#define THROUGHCARE_SERVICES_ADAPTERS_FHIR_AUDIT_EVENT_RESOURCE_H_

#include "nlohmann/json.hpp"
#include "throughcare/v1/audit.pb.h"

namespace throughcare::adapters::fhir {

nlohmann::ordered_json AuditEventResource(const v1::AuditEntry& entry);

}  // namespace throughcare::adapters::fhir

#endif  // THROUGHCARE_SERVICES_ADAPTERS_FHIR_AUDIT_EVENT_RESOURCE_H_
