#include "services/adapters/adapter.h"
#include "services/server/handlers.h"

namespace throughcare::server {
namespace {

// What Discover answers, from the config, the policy in force and the format registry.
void Describe(const CallContext& call, const BrokerConfig& config, const policy::Policy& policy,
              v1::Discovery* out) {
  v1::Discovery::Caller* caller = out->mutable_caller();
  caller->set_agency_id(call.principal.agency_id);
  caller->set_agency_kind(call.principal.agency_kind);
  caller->set_system_id(call.principal.system_id);
  caller->set_user_id(call.principal.user_id);
  caller->set_role(call.principal.role);
  for (const AgencyConfig& a : config.agencies) {
    if (a.id == call.principal.agency_id) {
      for (const std::string& role : a.roles) caller->add_grantable_roles(role);
      caller->set_interface(a.interface.format);
    }
    v1::Discovery::Agency* agency = out->add_agencies();
    agency->set_agency_id(a.id);
    agency->set_kind(a.kind);
    agency->set_name(a.name);
    for (const std::string& area : a.home_areas) agency->add_home_areas(area);
    agency->set_interface(a.interface.format);
  }
  for (const std::string& p : policy.purposes()) out->add_purposes(p);
  for (const std::string& d : policy.data_classes()) out->add_data_classes(d);
  for (const std::string& l : policy.labels()) out->add_labels(l);
  for (const referrals::ReferralType& t : config.directory.types()) {
    v1::Discovery::ReferralType* type = out->add_referral_types();
    type->set_referral_type(t.id);
    type->set_description(t.description);
    type->set_data_class(t.data_class);
    type->set_purpose(t.purpose);
  }
  for (const adapters::Adapter* a : adapters::Registry::All()) {
    const adapters::FormatInfo info = a->Describe();
    v1::Discovery::Format* format = out->add_formats();
    format->set_name(info.name);
    format->set_content_type(info.content_type);
    format->set_version(info.version);
  }
  out->set_policy_version(policy.version());
}

}  // namespace

grpc::ServerUnaryReactor* AdminHandlers::ReloadPolicy(grpc::CallbackServerContext* ctx,
                                                      const v1::ReloadPolicyRequest* req,
                                                      v1::ReloadPolicyResponse* resp) {
  return edge_.Unary(ctx, "ReloadPolicy", req->purpose(),
                     [this, resp](const CallContext& call, Finish finish) {
    admin_.ReloadFor(call, ReplyInto<policy::ReloadResult>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* AdminHandlers::Discover(grpc::CallbackServerContext* ctx,
                                                  const v1::DiscoverRequest*,
                                                  v1::Discovery* resp) {
  return edge_.Unary(ctx, "Discover", std::nullopt,
                     [this, resp](const CallContext& call, Finish finish) {
    Describe(call, config_, *edge_.policies().Current(), resp);
    finish(absl::OkStatus());
  });
}

}  // namespace throughcare::server
