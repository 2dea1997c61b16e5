// Why a TLS channel to the broker never connected. gRPC reports every failed connection the same
// way (UNAVAILABLE, "failed to connect to all addresses"); a wrong CA shows only as a handshake
// error in the message text, and a client certificate the broker refuses as "Socket closed"
// (under TLS 1.3 the server checks the client's certificate after the client's side of the
// handshake is done). So, once a call has failed that way, the client makes one TLS handshake of
// its own (OpenSSL) with the same CA, certificate and key, and tells a person which it was.
#ifndef THROUGHCARE_CLIENT_TLS_DIAGNOSIS_H_
#define THROUGHCARE_CLIENT_TLS_DIAGNOSIS_H_

#include <grpcpp/security/credentials.h>

#include <string>

#include "absl/time/time.h"

namespace throughcare::client {

struct TlsDiagnosis {
  enum class Fault {
    kNone,               // the handshake worked, or it could not be tried: nothing to add
    kServerNotTrusted,   // the broker's certificate does not verify against the CA given
    kClientRefused,      // the broker refused the client certificate (an alert, or it hung up)
  };
  Fault fault = Fault::kNone;
  std::string detail;  // OpenSSL's words, e.g. "certificate verify failed: unable to get ..."
};

// Connects to `server` ("host:port", "[v6]:port"), handshakes as gRPC would (ALPN h2, the host as
// the server name to verify) with `tls`, and waits up to `timeout` for the broker's first bytes or
// its refusal. A server that cannot be reached at all is kNone: the caller's "could not reach the
// broker" stands. Blocking; thread-safe.
TlsDiagnosis DiagnoseTls(const std::string& server, const grpc::SslCredentialsOptions& tls,
                         absl::Duration timeout = absl::Seconds(5));

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_TLS_DIAGNOSIS_H_
