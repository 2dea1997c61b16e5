// Internal to services/policy: the checked reading of a policy file's YAML. Every error is
// InvalidArgument and names the source and the 1-based line.
#ifndef THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_LOADER_H_
#define THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_LOADER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "services/policy/internal/policy_data.h"
#include "yaml-cpp/yaml.h"

namespace throughcare::policy::policy_internal {

// The keys of every declaration (roles, data_classes, purposes, labels).
inline constexpr absl::string_view kDeclarationKeys[] = {"id", "description"};

// "a, b; optional c, d": the keys a mapping takes, for error messages.
std::string Expected(absl::Span<const absl::string_view> required,
                     absl::Span<const absl::string_view> optional);

struct Field {
  bool present = false;  // a default YAML::Node is a defined null, so track presence here
  YAML::Node key;
  YAML::Node value;
};

// A declaration section (roles, data_classes, purposes, labels): the ids, and for each entry the
// optional keys' fields (aligned with the optional keys passed to Declare).
struct Section {
  Declarations declarations;
  std::vector<std::vector<Field>> optional;
};

// Checked reads of one YAML document's parts: mappings, strings, ids, lists, declarations and
// references to them. Every error names the source and the 1-based line.
class Loader final {
 public:
  explicit Loader(absl::string_view source) : source_(source) {}

  absl::Status Error(const YAML::Mark& mark, absl::string_view message) const;
  const std::string& source() const { return source_; }

  // Returns the values of `map` aligned with `keys` followed by `optional`. Every key in `keys`
  // is required; unknown keys are errors (and repeated ones, when the YAML is read), so a typo
  // can neither widen nor narrow access.
  absl::StatusOr<std::vector<Field>> Fields(const YAML::Node& map, absl::string_view context,
                                            absl::Span<const absl::string_view> keys,
                                            absl::Span<const absl::string_view> optional = {})
      const;

  // A scalar that must be a non-empty string, e.g. a description.
  absl::StatusOr<std::string> String(const Field& field, absl::string_view context) const;

  // A scalar that must be one of `values`; returns its index there.
  absl::StatusOr<size_t> OneOf(const Field& field, absl::string_view context,
                               absl::Span<const absl::string_view> values) const;

  // An id: a scalar matching [a-z][a-z0-9_]* (with '-' as well for rule ids).
  absl::StatusOr<std::string> Id(const Field& field, absl::string_view context,
                                 bool allow_hyphen) const;

  // A non-empty YAML sequence; `what` describes its entries for the error message.
  absl::Status NonEmptyList(const Field& field, absl::string_view context,
                            absl::string_view what) const;

  // A declaration section: a non-empty list of {id, description} plus the `optional` keys.
  absl::StatusOr<Section> Declare(const Field& section, absl::string_view singular,
                                  absl::Span<const absl::string_view> optional = {}) const;

  // A list of references: non-empty, no repeats, every entry declared in `known`.
  absl::StatusOr<std::vector<uint32_t>> References(const Field& field, absl::string_view context,
                                                   absl::string_view singular,
                                                   const Declarations& known) const;

  absl::StatusOr<std::vector<uint32_t>> Actions(const Field& field,
                                                absl::string_view context) const;

 private:
  std::string source_;
};

}  // namespace throughcare::policy::policy_internal

#endif  // THROUGHCARE_SERVICES_POLICY_INTERNAL_POLICY_LOADER_H_
