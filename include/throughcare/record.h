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

// A record version as stored: contents sealed with the record's data key (AES-256-GCM), with
// every header field as associated data (a changed header makes the body fail to open).
// An erased record's versions keep their headers and have an empty sealed_body.
struct StoredRecord {
  RecordHeader header;
  std::string sealed_body;
};

// The erasure of one record's contents, or of a person (their identifiers and keys, after each
// of their records). The record's header and every audit entry stay, so the log still verifies.
struct Erasure {
  int64_t id = 0;         // assigned by storage: 1, 2, 3, ... in the order erasures were made
  std::string subject_id;
  std::string record_id;  // empty: the person
  std::string record_type;
  std::string data_class;
  absl::Time erased_at;
  std::string agency_id;  // who erased it ("throughcare" for the retention sweep)
  std::string user_id;
  std::string role;
  std::string basis;      // "request" (by hand) or "retention: <data class> <period>"
  std::string reason;
};

}  // namespace throughcare

#endif  // THROUGHCARE_RECORD_H_
