// Domain values to API messages. One overload per type, used by the handlers' replies.
#ifndef THROUGHCARE_SERVICES_SERVER_CONVERT_H_
#define THROUGHCARE_SERVICES_SERVER_CONVERT_H_

#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "throughcare/audit.h"
#include "throughcare/record.h"
#include "throughcare/subject.h"
#include "throughcare/v1/audit.pb.h"
#include "throughcare/v1/records.pb.h"
#include "throughcare/v1/subjects.pb.h"

namespace throughcare::server {

void ToProto(absl::Time t, google::protobuf::Timestamp* out);
void ToProto(const Subject& s, v1::Subject* out);
void ToProto(const RecordHeader& h, v1::Record* out);
void ToProto(const Record& r, v1::Record* out);  // header and body
void ToProto(const std::vector<RecordHeader>& headers, v1::ListRecordsResponse* out);
void ToProto(const AuditEntry& e, v1::AuditEntry* out);
void ToProto(const AuditPage& page, v1::QueryAuditLogResponse* out);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_CONVERT_H_
