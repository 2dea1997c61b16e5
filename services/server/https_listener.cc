#include "services/server/https_listener.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "services/crypto/certificate.h"
#include "services/server/fhir_routes.h"
#include "services/server/log.h"
#include "services/server/loggable.h"
#include "services/core/http_status.h"
#include "services/server/status.h"

namespace throughcare::server {
namespace {

using nlohmann::json;

// Every subject CN of the verified client certificate (the handshake already refused a
// connection without one, or with one the broker's CA did not issue).
std::vector<std::string> PeerCommonNames(const httplib::Request& req) {
  if (req.ssl == nullptr) return {};
  X509* cert = SSL_get1_peer_certificate(req.ssl);
  if (cert == nullptr) return {};
  std::string pem;
  if (BIO* bio = BIO_new(BIO_s_mem()); bio != nullptr) {
    if (PEM_write_bio_X509(bio, cert) == 1) {
      char* data = nullptr;
      const long size = BIO_get_mem_data(bio, &data);
      pem.assign(data, static_cast<size_t>(size));
    }
    BIO_free(bio);
  }
  X509_free(cert);
  absl::StatusOr<std::vector<std::string>> names = crypto::SubjectCommonNames(pem);
  return names.ok() ? *std::move(names) : std::vector<std::string>{};
}

// The agency whose system the certificate names, if any.
const AgencyConfig* AgencyOf(const BrokerConfig& config, const std::string& agency_id) {
  for (const AgencyConfig& a : config.agencies) {
    if (a.id == agency_id) return &a;
  }
  return nullptr;
}

void Answer(httplib::Response& res, const absl::Status& status, const std::string& request_id,
            json body) {
  const absl::Status shown = ForCaller(status, request_id);
  res.status = HttpStatusOf(shown.code());
  body["requestId"] = request_id;
  if (!shown.ok()) {
    body["code"] = absl::StatusCodeToString(shown.code());
    body["message"] = std::string(shown.message());
  }
  res.set_header("X-Request-Id", request_id);
  res.set_content(body.dump(), "application/json");
}

class HttpsListenerImpl final : public HttpsListener {
 public:
  HttpsListenerImpl(const BrokerConfig& config, Edge& edge, AdapterCalls& calls)
      : config_(config),
        edge_(edge),
        calls_(calls),
        server_(config.tls_certificate_file.c_str(), config.tls_private_key_file.c_str(),
                config.tls_ca_file.c_str()) {
    using Req = const httplib::Request&;
    using Res = httplib::Response&;
    server_.Post("/events", [this](Req req, Res res) {
      Serve({"events", "hmpps-events", AnswerRefusal}, req, res,
            [&](const CallContext& call) { return CarryEvent(call, req, res); });
    });
    server_.Get("/fhir/r4/metadata", [](Req, Res res) { FhirRoutes::Metadata(res); });
    server_.Post("/fhir/r4", [this](Req req, Res res) {
      Serve({"fhir", "fhir-r4", FhirRoutes::Refuse}, req, res,
            [&](const CallContext& call) { return fhir_.Post(call, req, res); });
    });
    server_.Get("/fhir/r4/Patient", [this](Req req, Res res) {
      Serve({"fhir.patient", "fhir-r4", FhirRoutes::Refuse}, req, res,
            [&](const CallContext& call) { return fhir_.SearchPatient(call, req, res); });
    });
    server_.Get("/fhir/r4/Consent", [this](Req req, Res res) {
      Serve({"fhir.consent", "fhir-r4", FhirRoutes::Refuse}, req, res,
            [&](const CallContext& call) { return fhir_.SearchConsent(call, req, res); });
    });
    server_.set_payload_max_length(1 << 20);
  }

  absl::Status Listen(const std::string& listen) {
    if (!server_.is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "adapters_listen: the TLS certificate, key or CA (", config_.tls_certificate_file, ", ",
          config_.tls_private_key_file, ", ", config_.tls_ca_file, ") could not be loaded"));
    }
    std::pair<std::string, std::string> host_port = absl::StrSplit(listen, absl::MaxSplits(':', 1));
    int port = 0;
    if (!absl::SimpleAtoi(host_port.second, &port)) {
      return absl::InvalidArgumentError(
          absl::StrCat("adapters_listen '", listen, "' must be host:port"));
    }
    port_ = port == 0 ? server_.bind_to_any_port(host_port.first)
                      : (server_.bind_to_port(host_port.first, port) ? port : -1);
    if (port_ <= 0) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", listen, " (address in use or not local?)"));
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  void Stop() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  ~HttpsListenerImpl() override { Stop(); }

 private:
  // A route: its name (for the log and the audit of refusals), the interface format its callers
  // must have, and how it answers a refusal.
  struct Route {
    const char* name;
    const char* format;
    void (*refuse)(httplib::Response&, const absl::Status&, const std::string& request_id);
  };

  static void AnswerRefusal(httplib::Response& res, const absl::Status& status,
                            const std::string& request_id) {
    Answer(res, status, request_id, json::object());
  }

  // Identifies the caller as gRPC's edge does, with the purpose its agency's interface
  // declares. A refusal is answered here (and audited when the caller named a system).
  Edge::Started Identify(const Route& route, const httplib::Request& req, httplib::Response& res) {
    const std::string format = route.format;
    const std::vector<std::string> cns = PeerCommonNames(req);
    Edge::Started started = edge_.Identify(cns, req.get_header_value("Authorization"),
                                           req.get_header_value("X-Request-Id"), std::nullopt);
    const AgencyConfig* agency = AgencyOf(config_, started.call.principal.agency_id);
    if (started.refused.ok() && (agency == nullptr || agency->interface.format != format)) {
      started.refused = absl::PermissionDeniedError(absl::StrCat(
          "agency '", started.call.principal.agency_id, "' does not use the ", format,
          " interface (its interface: ", agency ? agency->interface.format : "none", ")"));
    }
    if (started.refused.ok()) {
      started.call.purpose = agency->interface.purpose;
      return started;
    }
    absl::Notification audited;
    absl::Status answer;
    edge_.Refuse(absl::StrCat("https.", route.name), started, [&](absl::Status s) {
      answer = std::move(s);
      audited.Notify();
    });
    audited.WaitForNotification();
    route.refuse(res, answer, started.call.request_id);
    started.refused = answer;
    return started;
  }

  // Identifies the caller, then lets `carry` answer; logs the call.
  template <typename Carry>
  void Serve(const Route& route, const httplib::Request& req, httplib::Response& res,
             Carry carry) {
    const Edge::Started started = Identify(route, req, res);
    const absl::Status answered = started.refused.ok() ? carry(started.call) : started.refused;
    // A refused identity is logged as claimed (the audit entry says so too).
    const Principal& who = started.call.principal;
    Log(res.status < 400 ? LogLevel::kInfo : LogLevel::kWarning, "https",
        {{"route", route.name},
         {"peer", absl::StrCat(req.remote_addr, ":", req.remote_port)},
         {"status", absl::StrCat(res.status)},
         {"agency", who.agency_id},
         {"system", who.system_id},
         {"user", who.user_id},
         {"role", who.role},
         {"purpose", started.call.purpose},
         {"request_id", started.call.request_id},
         {"message", LoggableReason(answered)}});
  }

  // Decodes an HMPPS-style event and runs each operation; what was answered.
  absl::Status CarryEvent(const CallContext& call, const httplib::Request& req,
                          httplib::Response& res) {
    const std::string format = "hmpps-events";
    adapters::Decoded decoded = adapters::Registry::Find(format)->Decode(req.body);
    if (!decoded.errors.empty()) {
      json errors = json::array();
      for (const adapters::DecodeError& e : decoded.errors) {
        errors.push_back({{"where", e.where}, {"reason", e.reason}});
      }
      const absl::Status refused = absl::InvalidArgumentError(
          absl::StrCat("the ", format, " input does not decode: ", decoded.errors[0].where, ": ",
                       decoded.errors[0].reason));
      Answer(res, refused, call.request_id, {{"errors", std::move(errors)}});
      return refused;
    }
    json done = json::array();
    for (adapters::Operation& op : decoded.operations) {
      const std::string source = op.source;
      absl::StatusOr<std::string> result = calls_.Run(call, std::move(op));
      if (!result.ok()) {
        Answer(res, result.status(), call.request_id, {{"source", source}});
        return result.status();
      }
      done.push_back({{"source", source}, {"result", json::parse(*result)}});
    }
    Answer(res, absl::OkStatus(), call.request_id, {{"operations", std::move(done)}});
    return absl::OkStatus();
  }

  const BrokerConfig& config_;
  Edge& edge_;
  AdapterCalls& calls_;
  FhirRoutes fhir_{calls_};
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<HttpsListener>> HttpsListener::Start(const BrokerConfig& config,
                                                                    Edge& edge,
                                                                    AdapterCalls& calls) {
  auto listener = std::make_unique<HttpsListenerImpl>(config, edge, calls);
  if (absl::Status s = listener->Listen(config.adapters_listen); !s.ok()) return s;
  return listener;
}

}  // namespace throughcare::server
