#include "services/records/record_types.h"

#include <utility>

namespace throughcare::records {

const std::vector<std::string>* DataClassesFor(absl::string_view record_type) {
  static const auto* table = new std::vector<std::pair<std::string, std::vector<std::string>>>{
      {"drug_interventions_record", {"drugs"}},
      {"care_plan", {"drugs"}},
      {"release_notification", {"custody"}},
      {"health_summary", {"health", "mental_health"}},
      {"accommodation_need", {"accommodation"}},
      {"risk_summary", {"risk"}},
  };
  for (const auto& [type, classes] : *table) {
    if (type == record_type) return &classes;
  }
  return nullptr;
}

}  // namespace throughcare::records
