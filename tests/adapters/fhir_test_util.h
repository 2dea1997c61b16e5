// Shared by the FHIR adapter's tests: the example Bundles (the fuzzer's seeds) and conversions.
#ifndef THROUGHCARE_TESTS_ADAPTERS_FHIR_TEST_UTIL_H_
#define THROUGHCARE_TESTS_ADAPTERS_FHIR_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace throughcare::adapters::fhir::testing {

// A valid example Bundle from tests/fuzz/corpus/fhir_bundle_fuzzer/ ("health_summary.json",
// "care_plan.json", "consent.json"). Synthetic: NHS numbers of the 999 test range, no names.
inline std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(TC_FHIR_EXAMPLES_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read example " << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline nlohmann::json ExampleJson(const std::string& name) {
  return nlohmann::json::parse(ReadExample(name));
}

// The resources of a collection Bundle the adapter encoded, posted back as a transaction: each
// entry gets a POST request, as a receiving system would send them on.
inline std::string AsTransaction(const nlohmann::json& collection) {
  nlohmann::json bundle = collection;
  bundle["type"] = "transaction";
  bundle.erase("timestamp");
  for (nlohmann::json& entry : bundle["entry"]) {
    const std::string type = entry["resource"]["resourceType"];
    entry["request"] = {{"method", "POST"}, {"url", type}};
  }
  return bundle.dump();
}

}  // namespace throughcare::adapters::fhir::testing

#endif  // THROUGHCARE_TESTS_ADAPTERS_FHIR_TEST_UTIL_H_
