// A client's connection to a broker (the CLI's, the bench's and the crash harness's): where the
// settings come from, how they become a TLS channel (channel.h), how each call is authenticated,
// and how a call's outcome becomes an error and the CLI's exit code.
//
// Settings are resolved in the order flag > environment > profile. The command line parser merges
// the first two (a flag wins over its THROUGHCARE_* variable); ResolveSettings fills what is still
// empty from a profile. Nothing here talks to the network until a call is made on the channel.
#ifndef THROUGHCARE_CLIENT_CONNECTION_H_
#define THROUGHCARE_CLIENT_CONNECTION_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/channel.h"
#include "throughcare/status_macros.h"

namespace throughcare::client {

// Every unary call's deadline.
inline constexpr absl::Duration kCallDeadline = absl::Seconds(30);
// Lifetime of the assertion minted for each call from an identity key.
inline constexpr absl::Duration kMintedTokenLifetime = absl::Minutes(10);

// Process exit codes (documented in `throughcare --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitServerError = 1;   // the broker answered with an error
inline constexpr int kExitUsage = 2;         // bad usage or local configuration
inline constexpr int kExitVerifyFailed = 3;  // the audit chain does not verify
inline constexpr int kExitUnreachable = 4;   // the broker could not be reached

// Settings as given by flags or the environment. Empty means "not given".
struct SettingInputs {
  std::string server;
  std::string ca;
  std::string cert;
  std::string key;
  std::string token;
  std::string identity_key;
  std::string agency;
  std::string user;
  std::string role;
  std::string profile;  // a profile file; wins over dev_dir
  std::string dev_dir;  // with agency: dev_dir/profiles/<agency>.yaml
  std::string request_id;
};

// A profile, as written by `throughcared --dev`. Relative paths in the file are taken relative to
// the file's directory, so the values here are usable as they are.
struct Profile {
  std::string server;
  std::string ca;
  std::string certificate;
  std::string private_key;
  std::string agency;
  std::string identity_key;
  // What an auditor or witness trusts the audit log with: the log's verifier key (a C2SP vkey),
  // a file of the witnesses' verifier keys (one a line), and this agency's witness name and key.
  std::string audit_log_key;
  std::string audit_witness_keys;
  std::string witness_name;
  std::string witness_key;
};

// Reads a profile. NotFound/PermissionDenied if unreadable, InvalidArgument naming the file (and
// line) if it is not a YAML mapping or a value is not a string. Other keys are ignored, so newer
// brokers may add some.
absl::StatusOr<Profile> LoadProfile(const std::string& path);

// Resolved settings. Fields may still be empty: what is required depends on the command, and
// Connection::Open and MintPractitionerToken say which setting is missing and how to give it.
struct ConnectionSettings {
  std::string server;             // host:port
  std::string ca_file;            // PEM CA bundle that issued the broker's certificate
  std::string cert_file;          // PEM client certificate of the agency system
  std::string key_file;           // its PEM private key
  std::string token;              // a ready-made practitioner assertion; wins over minting
  std::string identity_key_file;  // PEM private key of the agency's identity provider
  std::string agency;
  std::string user;
  std::string role;
  std::string request_id;  // optional x-request-id for every call
  // From the profile only (the audit commands' flags override them): see Profile.
  std::string audit_log_key;
  std::string audit_witness_keys_file;
  std::string witness_name;
  std::string witness_key_file;
};

// Fills what `in` leaves empty from the profile it names (if any), and checks the request id's
// form. Errors are local (exit code 2).
absl::StatusOr<ConnectionSettings> ResolveSettings(const SettingInputs& in);

// Signs a practitioner assertion for settings.agency/user/role with the identity key, valid from
// `now` for `ttl`. FailedPrecondition naming the missing setting; file and key errors as they are.
absl::StatusOr<std::string> MintPractitionerToken(const ConnectionSettings& settings,
                                                  absl::Time now, absl::Duration ttl);

// Reads the PEM files settings.ca_file, cert_file and key_file name. Errors name the setting and
// its flag: NotFound or PermissionDenied if a file cannot be read, InvalidArgument if it is not
// PEM. Connection::Open checks first that all three are given.
absl::StatusOr<grpc::SslCredentialsOptions> ReadTlsCredentials(const ConnectionSettings& settings);

// A TLS channel to the broker plus the practitioner credentials to put on each call. Const
// methods are safe to call from several threads.
class Connection final {
 public:
  struct Options {
    // If true, Open fails unless a token or the settings to mint one are given. If false, calls
    // carry an assertion only when one can be had: a token, or an identity key with agency, user
    // and role (e.g. for the health check).
    bool require_practitioner = true;
    // The clock used to mint assertions.
    std::function<absl::Time()> now = [] { return absl::Now(); };
    // How the channel is made (the CLI's default: a shared connection, gRPC's backoff).
    ChannelOptions channel;
  };

  // Reads the CA, certificate and key files and creates the channel (no connection attempt yet).
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ConnectionSettings& settings,
                                                          Options options);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const std::string& server() const { return settings_.server; }

  // A context for one call: authorization (minting a fresh assertion if so configured),
  // x-request-id if set, and a deadline `deadline` from now (none if it is infinite).
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> NewContext(
      absl::Duration deadline = kCallDeadline) const;

  // Converts a finished call's status. Errors are marked as coming from the server (exit 1), or,
  // when the channel never got connected (UNAVAILABLE or DEADLINE_EXCEEDED while not READY), as
  // "unreachable" (exit 4), unless a TLS handshake of the client's own (tls_diagnosis.h) shows a
  // TLS mistake: the broker's certificate not from the CA given, or the client certificate
  // refused. That is FailedPrecondition "TLS handshake with the broker at ... failed: ...",
  // local (exit 2): the settings need fixing, not the network. The broker's x-request-id, if
  // any, is attached (see RequestIdOf).
  absl::Status Finish(const grpc::ClientContext& context, const grpc::Status& status) const;

 private:
  Connection(ConnectionSettings settings, Options options, bool mint,
             grpc::SslCredentialsOptions tls, std::shared_ptr<grpc::Channel> channel);

  // A call that never reached the broker, as unreachable or (if it is one) as a TLS mistake.
  absl::Status NotConnected(const absl::Status& status) const;

  const ConnectionSettings settings_;
  const Options options_;
  const bool mint_;  // mint an assertion per call (else settings_.token, possibly empty)
  const grpc::SslCredentialsOptions tls_;
  std::shared_ptr<grpc::Channel> channel_;
};

// Makes one unary call on `connection`: `call(context, response)` invokes the stub method, e.g.
//   MakeUnaryCall<v1::Subject>(connection, [&](auto* context, auto* out) {
//     return stub->GetSubject(context, request, out);
//   });
// with a context from connection.NewContext(deadline); errors as connection.Finish marks them.
template <typename Response, typename Call>
absl::StatusOr<Response> MakeUnaryCall(const Connection& connection, Call call,
                                       absl::Duration deadline = kCallDeadline) {
  ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context, connection.NewContext(deadline));
  Response response;
  const grpc::Status status = call(context.get(), &response);
  RETURN_IF_ERROR(connection.Finish(*context, status));
  return response;
}

// Where an error came from; decides the exit code. Statuses without a mark are local (kLocal).
enum class ErrorOrigin { kLocal, kServer, kUnreachable, kVerification };

absl::Status MarkOrigin(absl::Status status, ErrorOrigin origin);
ErrorOrigin OriginOf(const absl::Status& status);
// The broker's request id attached by Connection::Finish, or "".
std::string RequestIdOf(const absl::Status& status);

// kExitOk for OK, otherwise the exit code for the error's origin.
int ExitCodeFor(const absl::Status& status);
// The line to print on stderr for an error, e.g. "error: PERMISSION_DENIED: no rule permits ...".
std::string DescribeError(const absl::Status& status);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_CONNECTION_H_
