#include "client/connection.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/grpc_status.h"
#include "client/tls_diagnosis.h"
#include "services/core/files.h"
#include "services/core/yaml.h"
#include "services/crypto/assertion.h"
#include "throughcare/status_macros.h"

namespace throughcare::client {
namespace {

constexpr char kOriginPayload[] = "type.throughcare.dev/client.error-origin";
constexpr char kRequestIdPayload[] = "type.throughcare.dev/client.request-id";

// How each setting can be given, for "missing setting" messages.
struct SettingSource {
  const char* name;
  const char* flag;
  const char* env;
  const char* profile_key;  // nullptr if profiles do not hold it
};

constexpr SettingSource kServer{"server address", "--server", "THROUGHCARE_SERVER", "server"};
constexpr SettingSource kCa{"CA certificate", "--ca", "THROUGHCARE_CA", "ca"};
constexpr SettingSource kCert{"client certificate", "--cert", "THROUGHCARE_CERT", "certificate"};
constexpr SettingSource kKey{"client private key", "--key", "THROUGHCARE_KEY", "private_key"};
constexpr SettingSource kIdentityKey{"identity key", "--identity-key", "THROUGHCARE_IDENTITY_KEY",
                                     "identity_key"};
constexpr SettingSource kAgency{"agency", "--agency", "THROUGHCARE_AGENCY", "agency"};
constexpr SettingSource kUser{"user", "--user", "THROUGHCARE_USER", nullptr};
constexpr SettingSource kRole{"role", "--role", "THROUGHCARE_ROLE", nullptr};

std::string HowToGive(const SettingSource& s) {
  if (s.profile_key == nullptr) return absl::StrCat("give ", s.flag, " or set ", s.env);
  return absl::StrCat("give ", s.flag, ", set ", s.env, ", or use a profile that has '",
                      s.profile_key, ":' (--profile FILE, or --dev-dir DIR with --agency)");
}

absl::Status Missing(const SettingSource& s) {
  return absl::FailedPreconditionError(
      absl::StrCat("missing setting: ", s.name, ": ", HowToGive(s)));
}

absl::Status Require(const std::string& value, const SettingSource& s) {
  return value.empty() ? Missing(s) : absl::OkStatus();
}

// Reads a PEM file named by setting `s`; errors say which setting named the file.
absl::StatusOr<std::string> ReadPem(const std::string& path, const SettingSource& s) {
  absl::StatusOr<std::string> pem = ReadFile(path);
  if (!pem.ok()) {
    return absl::Status(pem.status().code(),
                        absl::StrCat(s.name, " (", s.flag, "): ", pem.status().message()));
  }
  if (!absl::StrContains(*pem, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(s.name, " (", s.flag, "): ", path, " is not a PEM file"));
  }
  return pem;
}

bool ValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

bool ValidFileComponent(absl::string_view s) {
  return !s.empty() && s != "." && s != ".." && !absl::StrContains(s, '/');
}

void FillFrom(std::string& target, const std::string& fallback) {
  if (target.empty()) target = fallback;
}

}  // namespace

absl::StatusOr<Profile> LoadProfile(const std::string& path) {
  ASSIGN_OR_RETURN(const YAML::Node root, ReadYamlFile(path, "profile"));
  const std::filesystem::path dir = std::filesystem::absolute(path).parent_path();
  Profile profile;
  // yaml-cpp reports conversion errors by throwing; nothing escapes this function.
  try {
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": expected a mapping of settings"));
    }
    for (const auto& item : root) {
      const std::string key = item.first.as<std::string>();
      std::string* field = nullptr;
      bool is_path = true;
      if (key == "server") {
        field = &profile.server;
        is_path = false;
      } else if (key == "agency") {
        field = &profile.agency;
        is_path = false;
      } else if (key == "ca") {
        field = &profile.ca;
      } else if (key == "certificate") {
        field = &profile.certificate;
      } else if (key == "private_key") {
        field = &profile.private_key;
      } else if (key == "identity_key") {
        field = &profile.identity_key;
      } else if (key == "audit_log_key") {
        field = &profile.audit_log_key;
        is_path = false;
      } else if (key == "audit_witness_keys") {
        field = &profile.audit_witness_keys;
      } else if (key == "witness_name") {
        field = &profile.witness_name;
        is_path = false;
      } else if (key == "witness_key") {
        field = &profile.witness_key;
      } else {
        continue;
      }
      if (!item.second.IsScalar()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":", item.second.Mark().line + 1, ": ", key, " must be a string"));
      }
      *field = item.second.as<std::string>();
      if (is_path && !field->empty() && std::filesystem::path(*field).is_relative()) {
        *field = (dir / *field).lexically_normal().string();
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ": ", e.msg));
  }
  return profile;
}

absl::StatusOr<ConnectionSettings> ResolveSettings(const SettingInputs& in) {
  ConnectionSettings s;
  s.server = in.server;
  s.ca_file = in.ca;
  s.cert_file = in.cert;
  s.key_file = in.key;
  s.token = in.token;
  s.identity_key_file = in.identity_key;
  s.agency = in.agency;
  s.user = in.user;
  s.role = in.role;
  s.request_id = in.request_id;

  std::string profile_path = in.profile;
  if (profile_path.empty() && !in.dev_dir.empty()) {
    if (in.agency.empty()) {
      return absl::FailedPreconditionError(
          "--dev-dir needs the agency whose profile to use (give --agency or set "
          "THROUGHCARE_AGENCY)");
    }
    if (!ValidFileComponent(in.agency)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--agency: '", in.agency, "' cannot name a profile file"));
    }
    profile_path =
        (std::filesystem::path(in.dev_dir) / "profiles" / (in.agency + ".yaml")).string();
  }
  if (!profile_path.empty()) {
    absl::StatusOr<Profile> profile = LoadProfile(profile_path);
    if (!profile.ok()) {
      return absl::Status(profile.status().code(),
                          absl::StrCat("profile: ", profile.status().message()));
    }
    const Profile& p = *profile;
    FillFrom(s.server, p.server);
    FillFrom(s.ca_file, p.ca);
    FillFrom(s.cert_file, p.certificate);
    FillFrom(s.key_file, p.private_key);
    FillFrom(s.identity_key_file, p.identity_key);
    FillFrom(s.agency, p.agency);
    s.audit_log_key = p.audit_log_key;
    s.audit_witness_keys_file = p.audit_witness_keys;
    s.witness_name = p.witness_name;
    s.witness_key_file = p.witness_key;
  }

  if (!s.request_id.empty() && !ValidRequestId(s.request_id)) {
    return absl::InvalidArgumentError(
        "--request-id: must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
  }
  return s;
}

absl::StatusOr<std::string> MintPractitionerToken(const ConnectionSettings& settings,
                                                  absl::Time now, absl::Duration ttl) {
  RETURN_IF_ERROR(Require(settings.identity_key_file, kIdentityKey));
  RETURN_IF_ERROR(Require(settings.agency, kAgency));
  RETURN_IF_ERROR(Require(settings.user, kUser));
  RETURN_IF_ERROR(Require(settings.role, kRole));
  ASSIGN_OR_RETURN(std::string pem, ReadPem(settings.identity_key_file, kIdentityKey));
  crypto::Assertion assertion;
  assertion.agency_id = settings.agency;
  assertion.user_id = settings.user;
  assertion.role = settings.role;
  assertion.issued_at = now;
  assertion.expires_at = now + ttl;
  absl::StatusOr<std::string> token = crypto::MintAssertion(assertion, pem);
  if (!token.ok()) {
    return absl::Status(
        token.status().code(),
        absl::StrCat("identity key ", settings.identity_key_file, ": ", token.status().message()));
  }
  return token;
}

absl::StatusOr<grpc::SslCredentialsOptions> ReadTlsCredentials(const ConnectionSettings& settings) {
  grpc::SslCredentialsOptions tls;
  ASSIGN_OR_RETURN(tls.pem_root_certs, ReadPem(settings.ca_file, kCa));
  ASSIGN_OR_RETURN(tls.pem_cert_chain, ReadPem(settings.cert_file, kCert));
  ASSIGN_OR_RETURN(tls.pem_private_key, ReadPem(settings.key_file, kKey));
  return tls;
}

Connection::Connection(ConnectionSettings settings, Options options, bool mint,
                       grpc::SslCredentialsOptions tls, std::shared_ptr<grpc::Channel> channel)
    : settings_(std::move(settings)),
      options_(std::move(options)),
      mint_(mint),
      tls_(std::move(tls)),
      channel_(std::move(channel)) {}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const ConnectionSettings& settings,
                                                             Options options) {
  RETURN_IF_ERROR(Require(settings.server, kServer));
  RETURN_IF_ERROR(Require(settings.ca_file, kCa));
  RETURN_IF_ERROR(Require(settings.cert_file, kCert));
  RETURN_IF_ERROR(Require(settings.key_file, kKey));

  // Decide now how calls are authenticated, and check it by minting once, so that a missing or
  // unusable setting is reported before anything is sent.
  bool mint = false;
  if (settings.token.empty()) {
    const bool can_mint = !settings.identity_key_file.empty() && !settings.agency.empty() &&
                          !settings.user.empty() && !settings.role.empty();
    if (options.require_practitioner && settings.identity_key_file.empty()) {
      return absl::FailedPreconditionError(
          "missing setting: practitioner credentials: give --token or set THROUGHCARE_TOKEN, "
          "or give --identity-key (or THROUGHCARE_IDENTITY_KEY, or 'identity_key:' in a "
          "profile) with --agency, --user and --role to mint an assertion for each call");
    }
    mint = options.require_practitioner || can_mint;
    if (mint) {
      RETURN_IF_ERROR(
          MintPractitionerToken(settings, options.now(), kMintedTokenLifetime).status());
    }
  }

  ASSIGN_OR_RETURN(const grpc::SslCredentialsOptions tls, ReadTlsCredentials(settings));
  std::shared_ptr<grpc::Channel> channel = NewTlsChannel(settings.server, tls, options.channel);
  if (channel == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server: cannot make a channel to '", settings.server, "'"));
  }
  return std::unique_ptr<Connection>(
      new Connection(settings, std::move(options), mint, tls, std::move(channel)));
}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> Connection::NewContext(
    absl::Duration deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  std::string token = settings_.token;
  if (mint_) {
    ASSIGN_OR_RETURN(token, MintPractitionerToken(settings_, options_.now(), kMintedTokenLifetime));
  }
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  if (!settings_.request_id.empty()) context->AddMetadata("x-request-id", settings_.request_id);
  if (deadline != absl::InfiniteDuration()) {
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoMilliseconds(deadline));
  }
  return context;
}

absl::Status Connection::Finish(const grpc::ClientContext& context,
                                const grpc::Status& status) const {
  if (status.ok()) return absl::OkStatus();
  absl::Status result = FromGrpcStatus(status);
  const absl::StatusCode code = result.code();
  const bool connected = channel_->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY;
  if ((code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDeadlineExceeded) &&
      !connected) {
    result = NotConnected(result);
  } else {
    result = MarkOrigin(std::move(result), ErrorOrigin::kServer);
  }
  // Every finished call has received (possibly empty) initial metadata.
  for (const auto* metadata :
       {&context.GetServerInitialMetadata(), &context.GetServerTrailingMetadata()}) {
    auto it = metadata->find("x-request-id");
    if (it != metadata->end()) {
      result.SetPayload(kRequestIdPayload,
                        absl::Cord(absl::string_view(it->second.data(), it->second.size())));
      break;
    }
  }
  return result;
}

absl::Status Connection::NotConnected(const absl::Status& status) const {
  const TlsDiagnosis tls = DiagnoseTls(settings_.server, tls_);
  const std::string failed = absl::StrCat("TLS handshake with the broker at ", settings_.server,
                                          " failed: ");
  switch (tls.fault) {
    case TlsDiagnosis::Fault::kServerNotTrusted:
      return absl::FailedPreconditionError(absl::StrCat(
          failed, "its certificate was not issued by the CA given (--ca, THROUGHCARE_CA or the "
          "profile's 'ca:', here ", settings_.ca_file, "), or does not name ", settings_.server,
          " (", tls.detail, ")"));
    case TlsDiagnosis::Fault::kClientRefused:
      return absl::FailedPreconditionError(absl::StrCat(
          failed, "the broker did not accept the client certificate (--cert and --key, here ",
          settings_.cert_file, "): it must be issued by the CA the broker trusts to a system "
          "registered with it (", tls.detail, ")"));
    case TlsDiagnosis::Fault::kNone:
      break;
  }
  return MarkOrigin(absl::Status(status.code(), absl::StrCat("could not reach the broker at ",
                                                             settings_.server, ": ",
                                                             status.message())),
                    ErrorOrigin::kUnreachable);
}

absl::Status MarkOrigin(absl::Status status, ErrorOrigin origin) {
  if (status.ok()) return status;
  const char* name = "local";
  switch (origin) {
    case ErrorOrigin::kLocal:
      break;
    case ErrorOrigin::kServer:
      name = "server";
      break;
    case ErrorOrigin::kUnreachable:
      name = "unreachable";
      break;
    case ErrorOrigin::kVerification:
      name = "verification";
      break;
  }
  status.SetPayload(kOriginPayload, absl::Cord(name));
  return status;
}

ErrorOrigin OriginOf(const absl::Status& status) {
  const absl::optional<absl::Cord> payload = status.GetPayload(kOriginPayload);
  if (!payload.has_value()) return ErrorOrigin::kLocal;
  if (*payload == "server") return ErrorOrigin::kServer;
  if (*payload == "unreachable") return ErrorOrigin::kUnreachable;
  if (*payload == "verification") return ErrorOrigin::kVerification;
  return ErrorOrigin::kLocal;
}

std::string RequestIdOf(const absl::Status& status) {
  const absl::optional<absl::Cord> payload = status.GetPayload(kRequestIdPayload);
  return payload.has_value() ? std::string(*payload) : std::string();
}

int ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  switch (OriginOf(status)) {
    case ErrorOrigin::kServer:
      return kExitServerError;
    case ErrorOrigin::kUnreachable:
      return kExitUnreachable;
    case ErrorOrigin::kVerification:
      return kExitVerifyFailed;
    case ErrorOrigin::kLocal:
      break;
  }
  return kExitUsage;
}

std::string DescribeError(const absl::Status& status) {
  switch (OriginOf(status)) {
    case ErrorOrigin::kServer:
    case ErrorOrigin::kUnreachable:
      return absl::StrCat("error: ", absl::StatusCodeToString(status.code()), ": ",
                          status.message());
    case ErrorOrigin::kVerification:
      return absl::StrCat("audit verification failed: ", status.message());
    case ErrorOrigin::kLocal:
      break;
  }
  return absl::StrCat("error: ", status.message());
}

}  // namespace throughcare::client
