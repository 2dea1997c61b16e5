#include "services/server/config.h"

#include <yaml-cpp/yaml.h>

#include <cstring>
#include <filesystem>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/numbers.h"
#include "absl/time/civil_time.h"
#include "services/adapters/adapter.h"
#include "services/core/yaml.h"
#include "services/identifiers/identifiers.h"
#include "services/storage/postgres_storage.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

// Walks the YAML tree, producing errors with the file name and line.
class Reader {
 public:
  Reader(std::string path, std::filesystem::path base) : path_(std::move(path)), base_(base) {}

  absl::Status Error(const YAML::Node& node, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ":", node.Mark().line + 1, ": ", what));
  }

  // Fails on keys other than `allowed`, so a typo is not silently ignored.
  absl::Status Keys(const YAML::Node& map, absl::string_view where,
                    std::initializer_list<absl::string_view> allowed) const {
    if (!map.IsMap()) return Error(map, absl::StrCat(where, " must be a mapping"));
    for (const auto& kv : map) {
      std::string key = kv.first.as<std::string>();
      bool known = false;
      for (absl::string_view a : allowed) known = known || a == key;
      if (!known) {
        return Error(kv.first, absl::StrCat("unknown key '", key, "' in ", where, " (expected: ",
                                            absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> String(const YAML::Node& map, absl::string_view key,
                                     bool required) const {
    YAML::Node n = map[std::string(key)];
    if (!n) {
      if (required) return Error(map, absl::StrCat("missing key '", key, "'"));
      return std::string();
    }
    if (!n.IsScalar() || n.as<std::string>().empty()) {
      return Error(n, absl::StrCat("'", key, "' must be a non-empty string"));
    }
    return n.as<std::string>();
  }

  absl::StatusOr<std::string> Path(const YAML::Node& map, absl::string_view key) const {
    ASSIGN_OR_RETURN(std::string p, String(map, key, true));
    std::filesystem::path fp(p);
    return (fp.is_absolute() ? fp : base_ / fp).lexically_normal().string();
  }

  absl::StatusOr<std::vector<std::string>> Strings(const YAML::Node& map, absl::string_view key,
                                                   bool required) const {
    YAML::Node n = map[std::string(key)];
    std::vector<std::string> out;
    if (!n) {
      if (required) return Error(map, absl::StrCat("missing key '", key, "'"));
      return out;
    }
    if (!n.IsSequence()) return Error(n, absl::StrCat("'", key, "' must be a list"));
    for (const auto& item : n) {
      if (!item.IsScalar()) return Error(item, absl::StrCat("'", key, "' items must be strings"));
      out.push_back(item.as<std::string>());
    }
    if (required && out.empty()) return Error(n, absl::StrCat("'", key, "' must not be empty"));
    return out;
  }

  // An optional number in [min, max]; `fallback` when absent.
  absl::StatusOr<double> Number(const YAML::Node& map, absl::string_view key, double min,
                                double max, double fallback, bool whole) const {
    YAML::Node n = map[std::string(key)];
    if (!n) return fallback;
    double value = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, value) ||
        (whole && value != static_cast<double>(static_cast<int64_t>(value))) || value < min ||
        value > max) {
      return Error(n, absl::StrCat("'", key, "' must be a ", whole ? "whole " : "",
                                   "number from ", min, " to ", max));
    }
    return value;
  }

 private:
  std::string path_;
  std::filesystem::path base_;
};

// A signed-note key name: printable, without spaces or '+'.
bool IsNoteKeyName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '+' || c == 0x7f) return false;
  }
  return true;
}

bool IsSlug(absl::string_view s) {
  if (s.empty() || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// The `storage:` section: `sqlite_path`, or `postgres: { dsn, pool_size }`, not both.
absl::Status ParseStorage(const Reader& r, const YAML::Node& root, BrokerConfig& c) {
  YAML::Node storage = root["storage"];
  if (!storage) return r.Error(root, "missing key 'storage'");
  RETURN_IF_ERROR(r.Keys(storage, "storage", {"sqlite_path", "postgres"}));
  YAML::Node postgres = storage["postgres"];
  if (!postgres) {
    ASSIGN_OR_RETURN(c.sqlite_path, r.Path(storage, "sqlite_path"));
    return absl::OkStatus();
  }
  if (storage["sqlite_path"]) {
    return r.Error(storage, "'storage' holds one backend: 'sqlite_path' or 'postgres', not both");
  }
  RETURN_IF_ERROR(r.Keys(postgres, "storage.postgres", {"dsn", "pool_size"}));
  ASSIGN_OR_RETURN(c.postgres_dsn, r.String(postgres, "dsn", true));
  if (absl::Status dsn = storage::CheckPostgresDsn(c.postgres_dsn); !dsn.ok()) {
    return r.Error(postgres["dsn"], dsn.message());
  }
  ASSIGN_OR_RETURN(double pool, r.Number(postgres, "pool_size", 1, 64, 4, true));
  c.postgres_pool_size = static_cast<int>(pool);
  return absl::OkStatus();
}

absl::StatusOr<messaging::MessagingLimits> ParseMessaging(const Reader& r, const YAML::Node& n) {
  messaging::MessagingLimits m;
  if (!n) return m;
  RETURN_IF_ERROR(r.Keys(n, "messaging",
                         {"max_message_bytes", "mailbox_limit", "mailbox_sender_quota",
                          "send_rate_per_second",
                          "send_burst", "max_attempts", "max_streams_per_agency"}));
  ASSIGN_OR_RETURN(double v, r.Number(n, "max_message_bytes", 1024, 4 << 20,
                                      static_cast<double>(m.max_message_bytes), true));
  m.max_message_bytes = static_cast<int64_t>(v);
  ASSIGN_OR_RETURN(v, r.Number(n, "mailbox_limit", 1, 10000000,
                               static_cast<double>(m.mailbox_limit), true));
  m.mailbox_limit = static_cast<int64_t>(v);
  ASSIGN_OR_RETURN(v, r.Number(n, "mailbox_sender_quota", 0, 10000000,
                               static_cast<double>(m.mailbox_sender_quota), true));
  m.mailbox_sender_quota = static_cast<int64_t>(v);
  ASSIGN_OR_RETURN(m.send_rate_per_second,
                   r.Number(n, "send_rate_per_second", 0.001, 1e6, m.send_rate_per_second, false));
  ASSIGN_OR_RETURN(v, r.Number(n, "send_burst", 1, 1e6, m.send_burst, true));
  m.send_burst = static_cast<int>(v);
  ASSIGN_OR_RETURN(v, r.Number(n, "max_attempts", 1, 100, m.max_attempts, true));
  m.max_attempts = static_cast<int>(v);
  ASSIGN_OR_RETURN(v, r.Number(n, "max_streams_per_agency", 1, 10000, m.max_streams_per_agency,
                               true));
  m.max_streams_per_agency = static_cast<int>(v);
  return m;
}

// An agency's `interface` block: the format, and the settings that format needs (and no
// others).
absl::StatusOr<AgencyInterface> ParseInterface(const Reader& r, const YAML::Node& n,
                                               const std::vector<std::string>& roles) {
  if (!n.IsMap()) return r.Error(n, "'interface' must be a mapping");
  AgencyInterface i;
  ASSIGN_OR_RETURN(i.format, r.String(n, "format", true));
  if (i.format == "grpc") {
    RETURN_IF_ERROR(r.Keys(n, "interface", {"format"}));
    return i;
  }
  if (adapters::Registry::Find(i.format) == nullptr) {
    std::vector<std::string> known = {"grpc"};
    for (const adapters::Adapter* a : adapters::Registry::All()) {
      known.push_back(a->Describe().name);
    }
    return r.Error(n["format"], absl::StrCat("unknown interface format '", i.format,
                                             "' (expected one of: ", absl::StrJoin(known, ", "),
                                             ")"));
  }
  ASSIGN_OR_RETURN(i.purpose, r.String(n, "purpose", true));
  if (i.format == "csv-files") {
    RETURN_IF_ERROR(
        r.Keys(n, "interface", {"format", "purpose", "inbox", "outbox", "user", "role"}));
    ASSIGN_OR_RETURN(i.inbox, r.Path(n, "inbox"));
    ASSIGN_OR_RETURN(i.outbox, r.Path(n, "outbox"));
    ASSIGN_OR_RETURN(i.user, r.String(n, "user", true));
    ASSIGN_OR_RETURN(i.role, r.String(n, "role", true));
    if (std::find(roles.begin(), roles.end(), i.role) == roles.end()) {
      return r.Error(n["role"], absl::StrCat("role '", i.role,
                                             "' is not one of the agency's roles (",
                                             absl::StrJoin(roles, ", "), ")"));
    }
    return i;
  }
  RETURN_IF_ERROR(r.Keys(n, "interface", {"format", "purpose", "endpoint"}));
  ASSIGN_OR_RETURN(i.endpoint, r.String(n, "endpoint", false));
  if (!i.endpoint.empty() && !absl::StartsWith(i.endpoint, "https://")) {
    return r.Error(n["endpoint"], "'endpoint' must be an https:// URL");
  }
  return i;
}

absl::StatusOr<AgencyConfig> ParseAgency(const Reader& r, const YAML::Node& n) {
  RETURN_IF_ERROR(r.Keys(n, "agency",
                         {"id", "kind", "name", "home_areas", "roles", "identity_key",
                          "systems", "witness", "interface"}));
  AgencyConfig a;
  ASSIGN_OR_RETURN(a.id, r.String(n, "id", true));
  if (!IsSlug(a.id)) {
    return r.Error(n["id"], "agency id must be lower-case letters, digits and '-', "
                            "starting with a letter");
  }
  ASSIGN_OR_RETURN(a.kind, r.String(n, "kind", true));
  const auto& kinds = AgencyKinds();
  if (std::find(kinds.begin(), kinds.end(), a.kind) == kinds.end()) {
    return r.Error(n["kind"], absl::StrCat("unknown agency kind '", a.kind,
                                           "' (expected one of: ", absl::StrJoin(kinds, ", "),
                                           ")"));
  }
  ASSIGN_OR_RETURN(a.name, r.String(n, "name", true));
  ASSIGN_OR_RETURN(a.home_areas, r.Strings(n, "home_areas", false));
  for (std::string& area : a.home_areas) {
    absl::StatusOr<std::string> code = subjects::NormalizeHomeArea(area, "home_areas");
    if (!code.ok()) return r.Error(n["home_areas"], code.status().message());
    area = *code;
  }
  ASSIGN_OR_RETURN(a.roles, r.Strings(n, "roles", true));
  ASSIGN_OR_RETURN(a.identity_key_file, r.Path(n, "identity_key"));
  YAML::Node systems = n["systems"];
  if (!systems || !systems.IsSequence() || systems.size() == 0) {
    return r.Error(systems ? systems : n, "'systems' must be a non-empty list");
  }
  for (const auto& s : systems) {
    RETURN_IF_ERROR(r.Keys(s, "system", {"id", "certificate_cn"}));
    SystemConfig sys;
    ASSIGN_OR_RETURN(sys.id, r.String(s, "id", true));
    ASSIGN_OR_RETURN(sys.certificate_cn, r.String(s, "certificate_cn", true));
    a.systems.push_back(std::move(sys));
  }
  if (YAML::Node witness = n["witness"]) {
    RETURN_IF_ERROR(r.Keys(witness, "witness", {"name", "key"}));
    ASSIGN_OR_RETURN(a.witness_name, r.String(witness, "name", true));
    if (!IsNoteKeyName(a.witness_name)) {
      return r.Error(witness["name"], "witness name must have no spaces or '+' (e.g. "
                                      "\"probation.example.gov.uk/witness\")");
    }
    ASSIGN_OR_RETURN(a.witness_key_file, r.Path(witness, "key"));
  }
  if (YAML::Node interface = n["interface"]) {
    ASSIGN_OR_RETURN(a.interface, ParseInterface(r, interface, a.roles));
  }
  return a;
}

// "N days" or "N working days".
bool ParseWithin(const std::string& text, referrals::DeadlineRule& rule) {
  std::vector<std::string> words = absl::StrSplit(text, ' ', absl::SkipEmpty());
  if (words.size() < 2 || !absl::SimpleAtoi(words[0], &rule.days) || rule.days < 0 ||
      rule.days > 365) {
    return false;
  }
  rule.working_days = words.size() == 3 && words[1] == "working";
  const std::string& unit = words.back();
  return (words.size() == 2 || rule.working_days) && (unit == "days" || unit == "day");
}

absl::StatusOr<referrals::DeadlineRule> ParseDeadline(const Reader& r, const YAML::Node& n) {
  RETURN_IF_ERROR(r.Keys(n, "deadline", {"name", "reach", "within", "after", "before"}));
  referrals::DeadlineRule rule;
  ASSIGN_OR_RETURN(rule.name, r.String(n, "name", true));
  if (!IsSlug(absl::StrReplaceAll(rule.name, {{"_", "-"}}))) {
    return r.Error(n["name"], "deadline name must be lower-case letters, digits and '_'");
  }
  ASSIGN_OR_RETURN(std::string reach, r.String(n, "reach", true));
  bool known = false;
  for (ReferralState s : {ReferralState::kReceived, ReferralState::kAccepted,
                          ReferralState::kAppointmentBooked, ReferralState::kFirstContact,
                          ReferralState::kAssessed, ReferralState::kEngaged}) {
    if (referrals::StateName(s) == reach) {
      rule.reach = s;
      known = true;
    }
  }
  if (!known) {
    return r.Error(n["reach"], absl::StrCat("unknown state '", reach,
                                            "' (expected received, accepted, appointment_booked, "
                                            "first_contact, assessed or engaged)"));
  }
  ASSIGN_OR_RETURN(std::string before, r.String(n, "before", false));
  if (!before.empty()) {
    if (before != "event" || n["within"] || n["after"]) {
      return r.Error(n["before"], "'before' must be 'event', without 'within' or 'after'");
    }
    rule.from = referrals::DeadlineRule::From::kEvent;
    rule.before_event = true;
    return rule;
  }
  ASSIGN_OR_RETURN(std::string within, r.String(n, "within", true));
  if (!ParseWithin(within, rule)) {
    return r.Error(n["within"], "'within' must be 'N days' or 'N working days' (N from 0 to 365)");
  }
  ASSIGN_OR_RETURN(std::string after, r.String(n, "after", true));
  if (after != "creation" && after != "event") {
    return r.Error(n["after"], "'after' must be 'creation' or 'event'");
  }
  rule.from = after == "event" ? referrals::DeadlineRule::From::kEvent
                               : referrals::DeadlineRule::From::kCreation;
  return rule;
}

absl::StatusOr<referrals::ReferralType> ParseReferralType(const Reader& r, const YAML::Node& n) {
  RETURN_IF_ERROR(r.Keys(n, "referral type",
                         {"id", "description", "data_class", "purpose", "routing",
                          "escalate_at_release", "supervisor_role", "deadlines"}));
  referrals::ReferralType t;
  ASSIGN_OR_RETURN(t.id, r.String(n, "id", true));
  if (!IsSlug(absl::StrReplaceAll(t.id, {{"_", "-"}}))) {
    return r.Error(n["id"], "referral type id must be lower-case letters, digits and '_'");
  }
  ASSIGN_OR_RETURN(t.description, r.String(n, "description", true));
  ASSIGN_OR_RETURN(t.data_class, r.String(n, "data_class", true));
  ASSIGN_OR_RETURN(t.purpose, r.String(n, "purpose", true));
  ASSIGN_OR_RETURN(std::string routing, r.String(n, "routing", true));
  if (routing != "home_area" && routing != "named") {
    return r.Error(n["routing"], "'routing' must be 'home_area' or 'named'");
  }
  t.by_home_area = routing == "home_area";
  if (YAML::Node e = n["escalate_at_release"]) {
    if (!e.IsScalar() || (e.as<std::string>() != "true" && e.as<std::string>() != "false")) {
      return r.Error(e, "'escalate_at_release' must be true or false");
    }
    t.escalate_at_release = e.as<std::string>() == "true";
  }
  ASSIGN_OR_RETURN(t.supervisor_role, r.String(n, "supervisor_role", true));
  if (YAML::Node deadlines = n["deadlines"]) {
    if (!deadlines.IsSequence()) return r.Error(deadlines, "'deadlines' must be a list");
    for (const auto& d : deadlines) {
      ASSIGN_OR_RETURN(referrals::DeadlineRule rule, ParseDeadline(r, d));
      for (const referrals::DeadlineRule& other : t.deadlines) {
        if (other.name == rule.name) {
          return r.Error(d, absl::StrCat("deadline '", rule.name, "' is given twice"));
        }
      }
      rule.supervisor_role = t.supervisor_role;
      t.deadlines.push_back(std::move(rule));
    }
  }
  // Its one escalation at release is recorded on that deadline.
  if (t.escalate_at_release &&
      std::none_of(t.deadlines.begin(), t.deadlines.end(), [](const referrals::DeadlineRule& d) {
        return d.reach == ReferralState::kAccepted;
      })) {
    return r.Error(n["escalate_at_release"],
                   "'escalate_at_release' needs a deadline with 'reach: accepted' (e.g. "
                   "accepted before the release)");
  }
  return t;
}

// The directory file: referral types, bank holidays, and each agency's single points of contact.
absl::StatusOr<referrals::Directory> LoadDirectory(const std::string& path,
                                              const std::vector<AgencyConfig>& agencies) {
  ASSIGN_OR_RETURN(YAML::Node root, ReadYamlFile(path));
  Reader r(path, std::filesystem::absolute(path).parent_path());
  std::vector<absl::CivilDay> bank_holidays;
  std::vector<referrals::ReferralType> types;
  std::vector<referrals::Contact> contacts;
  try {
    RETURN_IF_ERROR(r.Keys(root, "the directory", {"bank_holidays", "referral_types", "contacts"}));
    ASSIGN_OR_RETURN(std::vector<std::string> holidays, r.Strings(root, "bank_holidays", false));
    for (const std::string& h : holidays) {
      absl::CivilDay day;
      if (!absl::ParseCivilTime(h, &day)) {
        return r.Error(root["bank_holidays"],
                       absl::StrCat("bank holiday '", h, "' is not a date YYYY-MM-DD"));
      }
      bank_holidays.push_back(day);
    }
    YAML::Node type_nodes = root["referral_types"];
    if (!type_nodes || !type_nodes.IsSequence()) {
      return r.Error(type_nodes ? type_nodes : root, "'referral_types' must be a list");
    }
    for (const auto& n : type_nodes) {
      ASSIGN_OR_RETURN(referrals::ReferralType t, ParseReferralType(r, n));
      for (const referrals::ReferralType& other : types) {
        if (other.id == t.id) {
          return r.Error(n, absl::StrCat("referral type '", t.id, "' is given twice"));
        }
      }
      types.push_back(std::move(t));
    }
    YAML::Node contact_nodes = root["contacts"];
    if (!contact_nodes || !contact_nodes.IsSequence()) {
      return r.Error(contact_nodes ? contact_nodes : root, "'contacts' must be a list");
    }
    for (const auto& n : contact_nodes) {
      RETURN_IF_ERROR(r.Keys(n, "contact", {"agency", "referral_type", "contact"}));
      referrals::Contact c;
      ASSIGN_OR_RETURN(c.agency_id, r.String(n, "agency", true));
      ASSIGN_OR_RETURN(c.referral_type, r.String(n, "referral_type", true));
      ASSIGN_OR_RETURN(c.contact, r.String(n, "contact", true));
      auto agency = std::find_if(agencies.begin(), agencies.end(),
                                 [&](const AgencyConfig& a) { return a.id == c.agency_id; });
      if (agency == agencies.end()) {
        return r.Error(n["agency"], absl::StrCat("unknown agency '", c.agency_id, "'"));
      }
      c.agency_name = agency->name;
      c.home_areas = agency->home_areas;
      contacts.push_back(std::move(c));
    }
    absl::StatusOr<referrals::Directory> built = referrals::Directory::Create(
        std::move(types), std::move(contacts), std::move(bank_holidays));
    if (!built.ok()) return r.Error(contact_nodes, built.status().message());
    return built;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ": ", e.msg));
  }
}

}  // namespace

absl::StatusOr<BrokerConfig> LoadConfig(const std::string& path) {
  ASSIGN_OR_RETURN(YAML::Node root, ReadYamlFile(path));
  Reader r(path, std::filesystem::absolute(path).parent_path());
  BrokerConfig c;
  try {
    RETURN_IF_ERROR(r.Keys(root, "the top level",
                           {"broker_id", "listen", "metrics_listen", "adapters_listen", "tls",
                            "storage", "master_key_file", "audit_signing_key_file", "audit_origin",
                            "audit_checkpoint_interval_seconds", "policy_file", "messaging",
                            "directory_file", "agencies"}));
    if (root["broker_id"]) {
      ASSIGN_OR_RETURN(c.broker_id, r.String(root, "broker_id", true));
      if (!IsSlug(c.broker_id)) {
        return r.Error(root["broker_id"], "broker_id must be lower-case letters, digits and '-', "
                                          "starting with a letter");
      }
    }
    ASSIGN_OR_RETURN(c.listen, r.String(root, "listen", true));
    ASSIGN_OR_RETURN(c.metrics_listen, r.String(root, "metrics_listen", false));
    ASSIGN_OR_RETURN(c.adapters_listen, r.String(root, "adapters_listen", false));
    YAML::Node tls = root["tls"];
    if (!tls) return r.Error(root, "missing key 'tls'");
    RETURN_IF_ERROR(r.Keys(tls, "tls", {"ca", "certificate", "private_key"}));
    ASSIGN_OR_RETURN(c.tls_ca_file, r.Path(tls, "ca"));
    ASSIGN_OR_RETURN(c.tls_certificate_file, r.Path(tls, "certificate"));
    ASSIGN_OR_RETURN(c.tls_private_key_file, r.Path(tls, "private_key"));
    RETURN_IF_ERROR(ParseStorage(r, root, c));
    ASSIGN_OR_RETURN(c.master_key_file, r.Path(root, "master_key_file"));
    ASSIGN_OR_RETURN(c.audit_signing_key_file, r.Path(root, "audit_signing_key_file"));
    ASSIGN_OR_RETURN(c.audit_origin, r.String(root, "audit_origin", true));
    if (!IsNoteKeyName(c.audit_origin)) {
      return r.Error(root["audit_origin"], "audit_origin must have no spaces or '+' (e.g. "
                                           "\"throughcare.example.gov.uk/audit\")");
    }
    ASSIGN_OR_RETURN(double interval, r.Number(root, "audit_checkpoint_interval_seconds", 1, 60,
                                               1, true));
    c.audit_checkpoint_interval = absl::Seconds(interval);
    ASSIGN_OR_RETURN(c.policy_file, r.Path(root, "policy_file"));
    ASSIGN_OR_RETURN(c.messaging, ParseMessaging(r, root["messaging"]));
    YAML::Node agencies = root["agencies"];
    if (!agencies || !agencies.IsSequence() || agencies.size() == 0) {
      return r.Error(agencies ? agencies : root, "'agencies' must be a non-empty list");
    }
    absl::flat_hash_set<std::string> agency_ids, cns;
    for (const auto& n : agencies) {
      ASSIGN_OR_RETURN(AgencyConfig a, ParseAgency(r, n));
      if (!agency_ids.insert(a.id).second) {
        return r.Error(n, absl::StrCat("duplicate agency id '", a.id, "'"));
      }
      for (const auto& s : a.systems) {
        if (!cns.insert(s.certificate_cn).second) {
          return r.Error(n, absl::StrCat("certificate_cn '", s.certificate_cn,
                                         "' is given to more than one system"));
        }
      }
      c.agencies.push_back(std::move(a));
    }
    if (root["directory_file"]) {
      ASSIGN_OR_RETURN(c.directory_file, r.Path(root, "directory_file"));
      ASSIGN_OR_RETURN(c.directory, LoadDirectory(c.directory_file, c.agencies));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ": ", e.msg));
  }
  return c;
}

}  // namespace throughcare::server
