// A person's access timeline in plain language: one sentence per audit entry about them, for a
// subject access report that the person (or an auditor answering a complaint) can read.
#ifndef THROUGHCARE_SERVICES_AUDIT_TIMELINE_H_
#define THROUGHCARE_SERVICES_AUDIT_TIMELINE_H_

#include <map>
#include <string>

#include "throughcare/audit.h"

namespace throughcare::audit {

// What the sentences name things by.
struct TimelineNames {
  std::map<std::string, std::string> agencies;      // agency id -> its name
  std::map<std::string, std::string> record_types;  // record id -> record type
};

// E.g. "East Area Probation Service (om-1, offender manager) read the health summary
// rec_... (version 1) for offender management: allowed under consent con_... v1." Pure.
std::string DescribeAccess(const AuditEntry& entry, const TimelineNames& names);

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_TIMELINE_H_
