// The Policy object: its construction and what a loaded policy declares. Loading is in
// policy_parse.cc, deciding in policy_decide.cc.
#include "services/policy/policy.h"

#include <string>
#include <utility>
#include <vector>

#include "services/policy/internal/policy_data.h"

namespace throughcare::policy {

Policy::Policy(std::unique_ptr<Impl> impl, std::string version)
    : impl_(std::move(impl)), version_(std::move(version)) {}

Policy::~Policy() = default;

bool Policy::HasRole(absl::string_view id) const { return impl_->roles.index.contains(id); }
bool Policy::HasDataClass(absl::string_view id) const {
  return impl_->data_classes.index.contains(id);
}
bool Policy::HasPurpose(absl::string_view id) const { return impl_->purposes.index.contains(id); }
bool Policy::HasLabel(absl::string_view id) const { return impl_->labels.index.contains(id); }
const std::vector<std::string>& Policy::roles() const { return impl_->roles.ids; }
const std::vector<std::string>& Policy::data_classes() const { return impl_->data_classes.ids; }
const std::vector<std::string>& Policy::purposes() const { return impl_->purposes.ids; }
const std::vector<std::string>& Policy::labels() const { return impl_->labels.ids; }

}  // namespace throughcare::policy
