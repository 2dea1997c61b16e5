// Value types for continuity-of-care records.
#ifndef THROUGHCARE_RECORD_H_
#define THROUGHCARE_RECORD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace throughcare {

// Everything about one version of a record except its contents. Safe to store in the clear and
// to show to anyone allowed to know the record exists.
struct RecordHeader {
  std::string record_id;    // opaque, "rec_" + 26 random base32 characters
  std::string subject_id;
  int64_t version = 0;      // 1 for the first version, +1 for each put
  std::string record_type;  // "drug_interventions_record", "health_summary", ...
  std::string data_class;   // as declared in the policy file, e.g. "health"
  std::string collected_for;  // the purpose the contents were collected for
  std::vector<std::string> labels;  // policy labels, e.g. "sealed", "mappa"
  std::string owner_agency;
  std::string author_user;  // practitioner who put this version
  absl::Time created_at;
};

// A record version with its contents in the clear. Exists only in memory, above storage.
struct Record {
  RecordHeader header;
  std::string body;  // the serialized typed payload, opaque below the RPC edge
  // The policy's obligation: victim-related fields must be removed before the body leaves.
  bool redact_victim_fields = false;
};

// A record version as stored: contents sealed with the subject's data key (AES-256-GCM), with
// every header field as associated data (a changed header makes the body fail to open).
struct StoredRecord {
  RecordHeader header;
  std::string sealed_body;
};

}  // namespace throughcare

#endif  // THROUGHCARE_RECORD_H_
