// The one list of formats this build knows.
#include "services/adapters/adapter.h"
#include "services/adapters/csv/csv_files.h"
#include "services/adapters/fhir/fhir_adapter.h"
#include "services/adapters/hmpps/hmpps_events.h"

namespace throughcare::adapters {

const std::vector<const Adapter*>& Registry::All() {
  // In name order, one line per format, e.g. &CsvFiles(),
  static const std::vector<const Adapter*>* const all = new std::vector<const Adapter*>{
      &CsvFiles(),
      &fhir::FhirR4(),
      &HmppsEvents(),
  };
  return *all;
}

const Adapter* Registry::Find(absl::string_view name) {
  for (const Adapter* adapter : All()) {
    if (adapter->Describe().name == name) return adapter;
  }
  return nullptr;
}

}  // namespace throughcare::adapters
