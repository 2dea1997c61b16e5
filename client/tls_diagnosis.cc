#include "client/tls_diagnosis.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>
#include <optional>

#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace throughcare::client {
namespace {

using Fault = TlsDiagnosis::Fault;

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

// A connected TCP socket, closed on destruction.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  const int fd_;
};

struct HostPort {
  std::string host;
  std::string port;
};

// "host:port", "[v6]:port", optionally after gRPC's "dns:///".
std::optional<HostPort> SplitTarget(absl::string_view target) {
  absl::ConsumePrefix(&target, "dns:///");
  HostPort out;
  if (absl::ConsumePrefix(&target, "[")) {
    const size_t close = target.find("]:");
    if (close == absl::string_view::npos) return std::nullopt;
    out.host = std::string(target.substr(0, close));
    out.port = std::string(target.substr(close + 2));
  } else {
    const size_t colon = target.rfind(':');
    if (colon == absl::string_view::npos) return std::nullopt;
    out.host = std::string(target.substr(0, colon));
    out.port = std::string(target.substr(colon + 1));
  }
  if (out.host.empty() || out.port.empty()) return std::nullopt;
  return out;
}

// A TCP connection with `timeout` on connecting, sending and receiving; nullptr if none.
std::unique_ptr<Socket> Connect(const HostPort& to, absl::Duration timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(to.host.c_str(), to.port.c_str(), &hints, &found) != 0) return nullptr;
  const timeval tv = absl::ToTimeval(timeout);
  std::unique_ptr<Socket> out;
  for (addrinfo* a = found; a != nullptr && out == nullptr; a = a->ai_next) {
    auto s = std::make_unique<Socket>(socket(a->ai_family, a->ai_socktype, a->ai_protocol));
    if (s->fd() < 0) continue;
    setsockopt(s->fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // Linux: bounds connect too
    setsockopt(s->fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(s->fd(), a->ai_addr, a->ai_addrlen) == 0) out = std::move(s);
  }
  freeaddrinfo(found);
  return out;
}

Bio MemoryBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The CA bundle, the client's certificate chain and key, as gRPC is given them. False if any is
// unusable (ReadTlsCredentials has already said what a file must hold).
bool LoadCredentials(SSL_CTX* ctx, const grpc::SslCredentialsOptions& tls) {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  Bio cas = MemoryBio(tls.pem_root_certs);
  int trusted = 0;
  while (X509* ca = PEM_read_bio_X509(cas.get(), nullptr, nullptr, nullptr)) {
    trusted += X509_STORE_add_cert(store, ca);
    X509_free(ca);
  }
  Bio chain = MemoryBio(tls.pem_cert_chain);
  std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr));
  if (trusted == 0 || leaf == nullptr || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return false;
  }
  while (X509* more = PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr)) {
    SSL_CTX_add_extra_chain_cert(ctx, more);  // takes ownership
  }
  Bio key_pem = MemoryBio(tls.pem_private_key);
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(key_pem.get(), nullptr, nullptr, nullptr));
  return key != nullptr && SSL_CTX_use_PrivateKey(ctx, key.get()) == 1;
}

// The alert the broker sent, if the last error is one ("tlsv13 alert certificate required").
std::optional<std::string> ReceivedAlert() {
  const unsigned long e = ERR_peek_last_error();
  if (ERR_GET_LIB(e) != ERR_LIB_SSL || ERR_GET_REASON(e) < SSL_AD_REASON_OFFSET) {
    return std::nullopt;
  }
  const char* reason = ERR_reason_error_string(e);
  return std::string(reason != nullptr ? reason : "an alert");
}

// The broker's answer to the finished handshake: its first bytes (HTTP/2 settings), or, under
// TLS 1.3, its refusal of the client certificate, which comes only now.
TlsDiagnosis AfterHandshake(SSL* ssl) {
  char first = 0;
  const int rc = SSL_peek(ssl, &first, 1);
  if (rc > 0) return {};
  if (std::optional<std::string> alert = ReceivedAlert()) {
    return {Fault::kClientRefused, *std::move(alert)};
  }
  // OpenSSL 3 reports a close without close_notify as an error of its own.
  const int error = SSL_get_error(ssl, rc);
  const bool closed =
      error == SSL_ERROR_ZERO_RETURN ||
      (error == SSL_ERROR_SSL &&
       ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
      (error == SSL_ERROR_SYSCALL && rc == 0 && ERR_peek_error() == 0);
  if (closed) {
    return {Fault::kClientRefused, "the broker closed the connection right after the handshake"};
  }
  return {};  // a timeout or a reset: nothing certain to add
}

TlsDiagnosis Handshake(SSL_CTX* ctx, const HostPort& to, int fd) {
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx));
  if (ssl == nullptr) return {};
  static constexpr unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_set_alpn_protos(ssl.get(), kAlpn, sizeof kAlpn);
  SSL_set_verify(ssl.get(), SSL_VERIFY_PEER, nullptr);
  SSL_set1_host(ssl.get(), to.host.c_str());  // a name or, since OpenSSL 3, an IP address
  SSL_set_tlsext_host_name(ssl.get(), to.host.c_str());
  SSL_set_fd(ssl.get(), fd);
  ERR_clear_error();
  if (SSL_connect(ssl.get()) == 1) return AfterHandshake(ssl.get());
  const long verify = SSL_get_verify_result(ssl.get());
  if (verify != X509_V_OK) {
    return {Fault::kServerNotTrusted,
            absl::StrCat("certificate verify failed: ", X509_verify_cert_error_string(verify))};
  }
  if (std::optional<std::string> alert = ReceivedAlert()) {
    return {Fault::kClientRefused, *std::move(alert)};
  }
  return {};
}

}  // namespace

TlsDiagnosis DiagnoseTls(const std::string& server, const grpc::SslCredentialsOptions& tls,
                         absl::Duration timeout) {
  const std::optional<HostPort> to = SplitTarget(server);
  if (!to.has_value()) return {};
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr || !LoadCredentials(ctx.get(), tls)) {
    ERR_clear_error();
    return {};
  }
  const std::unique_ptr<Socket> socket = Connect(*to, timeout);
  if (socket == nullptr) return {};
  TlsDiagnosis out = Handshake(ctx.get(), *to, socket->fd());
  ERR_clear_error();
  return out;
}

}  // namespace throughcare::client
