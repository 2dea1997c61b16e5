// throughcared: the Throughcare broker daemon. Only wiring: flags, config, signals.
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/core/files.h"
#include "services/crypto/certificate.h"
#include "throughcare/clock.h"
#include "throughcare/version.h"
#include "services/policy/policy.h"
#include "services/server/broker.h"
#include "services/server/config.h"
#include "services/server/dev_setup.h"
#include "services/server/log.h"

namespace {

// sysexits.h-style exit codes, documented in --help.
constexpr int kExitOk = 0;
constexpr int kExitUsage = 64;
constexpr int kExitUnavailable = 69;
constexpr int kExitConfig = 78;

using throughcare::server::Log;
using throughcare::server::LogLevel;

// The server certificate's expiry, RFC 3339 ("none" without TLS), warning when it is near.
std::string CertificateExpiry(const throughcare::server::BrokerConfig& config, bool plaintext) {
  constexpr absl::Duration kWarnBefore = absl::Hours(24 * 30);
  if (plaintext) return "none";
  absl::StatusOr<std::string> pem = throughcare::ReadFile(config.tls_certificate_file);
  absl::StatusOr<absl::Time> expires =
      pem.ok() ? throughcare::crypto::CertificateNotAfter(*pem) : pem.status();
  if (!expires.ok()) return "unknown";
  const std::string when = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *expires, absl::UTCTimeZone());
  if (*expires - throughcare::Clock::Real().Now() < kWarnBefore) {
    Log(LogLevel::kWarning, "certificate_expiring",
        {{"file", config.tls_certificate_file},
         {"expires", when},
         {"message", "renew the server certificate: clients refuse it once it has expired"}});
  }
  return when;
}

// http://HOST:PORT/metrics, with the port actually bound; empty when not serving metrics.
std::string MetricsUrl(const std::string& metrics_listen, int port) {
  if (port == 0) return "";
  const size_t colon = metrics_listen.rfind(':');
  std::string host = colon == std::string::npos ? metrics_listen : metrics_listen.substr(0, colon);
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "localhost";
  return absl::StrCat("http://", host, ":", port, "/metrics");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "throughcared: the Throughcare broker. Agencies (prisons, probation, police, health, housing\n"
      "and drug teams) exchange consented continuity-of-care records through it over gRPC with\n"
      "mutual TLS; every access is checked against the policy and written to a tamper-evident\n"
      "audit log before it is answered."};
  std::string config_path;
  bool dev = false;
  std::string data_dir = ".run/dev";
  std::string listen;
  std::string metrics_listen;
  bool plaintext = false;
  bool non_durable = false;
  std::string log_level = "info";
  std::string check_policy;
  app.add_option("-c,--config", config_path, "Configuration file (YAML); see "
                                             "deploy/throughcared.example.yaml")
      ->envname("THROUGHCARED_CONFIG");
  app.add_flag("--dev", dev,
               "Development mode: create (once) a development CA, certificates, keys and demo "
               "agencies in --data-dir, write the demo policy there (at every start), then serve "
               "from there");
  app.add_option("--data-dir", data_dir, "Directory for --dev")->capture_default_str();
  app.add_option("--listen", listen, "Listen address, overriding the config (e.g. 127.0.0.1:7443; "
                                     "port 0 picks a free port)");
  app.add_option("--metrics-listen", metrics_listen,
                 "Prometheus metrics address, overriding the config (e.g. 127.0.0.1:9464)");
  app.add_flag("--insecure-plaintext-for-development", plaintext,
               "DANGEROUS: serve without TLS; systems are named by the metadata "
               "x-throughcare-dev-system. Never use with real data");
  app.add_flag("--unsafe-non-durable-for-tests", non_durable,
               "DANGEROUS: answer writes before they are on disk, so a crash loses acknowledged "
               "messages. Only for showing that the crash harness detects loss");
  app.add_option("--check-policy", check_policy,
                 "Validate a policy file, print its version or its errors (with lines), and exit "
                 "(0 valid, 78 not)");
  app.set_version_flag("--version", throughcare::VersionLine("throughcared"),
                       "Print the version and the commit it was built from, and exit");
  app.add_option("--log-level", log_level, "debug, info, warning or error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}));
  app.footer(
      "Signals: SIGTERM or SIGINT shut down gracefully (calls in flight finish); SIGHUP reloads the\n"
      "policy file (a bad file is rejected and the old policy stays).\n"
      "Exit codes: 0 clean shutdown; 64 bad command line; 69 cannot listen or open storage;\n"
      "78 bad configuration, key or policy file.\n"
      "Examples:\n"
      "  throughcared --dev --data-dir .run/dev          development broker on 127.0.0.1:7443\n"
      "  throughcared --config /etc/throughcare/throughcared.yaml");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  // Everything the broker creates (database, development keys and certificates) is private.
  umask(077);
  throughcare::server::InitLogging(log_level == "debug"     ? LogLevel::kDebug
                                   : log_level == "warning" ? LogLevel::kWarning
                                   : log_level == "error"   ? LogLevel::kError
                                                            : LogLevel::kInfo);

  if (!check_policy.empty()) {
    auto policy = throughcare::policy::Policy::LoadFile(check_policy);
    if (!policy.ok()) {
      std::cerr << policy.status().message() << "\n";
      return kExitConfig;
    }
    std::cout << check_policy << ": valid, version " << (*policy)->version() << "\n";
    return kExitOk;
  }
  if (dev == !config_path.empty()) {
    std::cerr << "throughcared: give either --config FILE or --dev (see --help)\n";
    return kExitUsage;
  }
  if (dev) {
    auto prepared = throughcare::server::PrepareDevEnvironment(
        data_dir, listen.empty() ? "127.0.0.1:7443" : listen, throughcare::Clock::Real().Now());
    if (!prepared.ok()) {
      Log(LogLevel::kError, "dev_setup_failed", {{"error", prepared.status().ToString()}});
      return kExitConfig;
    }
    config_path = *prepared;
    Log(LogLevel::kInfo, "dev_environment", {{"config", config_path}});
  }
  auto config = throughcare::server::LoadConfig(config_path);
  if (!config.ok()) {
    Log(LogLevel::kError, "config_invalid", {{"error", std::string(config.status().message())}});
    return kExitConfig;
  }
  if (!listen.empty()) config->listen = listen;
  if (!metrics_listen.empty()) config->metrics_listen = metrics_listen;

  // Signals are taken by sigwait below, never by async handlers; block them before any thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (plaintext && !absl::StartsWith(config->listen, "127.") &&
      !absl::StartsWith(config->listen, "localhost:") && !absl::StartsWith(config->listen, "[::1]:")) {
    std::cerr << "throughcared: --insecure-plaintext-for-development listens only on a loopback "
                 "address (127.0.0.1, localhost or [::1]), not "
              << config->listen << "\n";
    return kExitUsage;
  }
  if (plaintext) {
    Log(LogLevel::kWarning, "INSECURE_PLAINTEXT",
        {{"message", "serving WITHOUT TLS: any local process can claim any agency system. "
                     "Development only; never with real data"}});
  }
  if (non_durable) {
    Log(LogLevel::kWarning, "UNSAFE_NON_DURABLE",
        {{"message", "writes are answered BEFORE they are on disk: a crash loses acknowledged "
                     "messages. Testing the crash harness only; never with real data"}});
  }
  throughcare::server::BrokerOptions options;
  options.insecure_plaintext = plaintext;
  options.unsafe_non_durable = non_durable;
  auto broker = throughcare::server::Broker::Start(*config, throughcare::Clock::Real(), options);
  if (!broker.ok()) {
    Log(LogLevel::kError, "start_failed", {{"error", broker.status().ToString()}});
    // Storage that cannot be opened, or whose audit log does not verify, is not a config error.
    const absl::StatusCode code = broker.status().code();
    return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDataLoss
               ? kExitUnavailable
               : kExitConfig;
  }
  Log(LogLevel::kInfo, "serving",
      {{"listen", config->listen},
       {"port", absl::StrCat((*broker)->port())},
       {"tls", plaintext ? "off" : "mutual"},
       {"certificate_expires", CertificateExpiry(*config, plaintext)},
       {"metrics_port", absl::StrCat((*broker)->metrics_port())},
       {"metrics_url", MetricsUrl(config->metrics_listen, (*broker)->metrics_port())},
       {"storage", config->postgres_dsn.empty() ? config->sqlite_path : "postgres"},
       {"policy", config->policy_file},
       {"policy_version", (*broker)->policy_version()},
       {"agencies", absl::StrCat(config->agencies.size())},
       {"version", std::string(throughcare::Version())},
       {"commit", std::string(throughcare::BuildCommit())}});

  while (true) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      absl::Status reloaded = (*broker)->ReloadPolicy();
      Log(reloaded.ok() ? LogLevel::kInfo : LogLevel::kError, "policy_reload",
          {{"result", reloaded.ok() ? "ok" : std::string(reloaded.message())}});
      continue;
    }
    Log(LogLevel::kInfo, "shutting_down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    (*broker)->Shutdown(absl::Seconds(10));
    Log(LogLevel::kInfo, "stopped");
    return kExitOk;
  }
}
