// The crash harness's clients: the practitioners it acts as, each on a Connection from the
// client library (client/connection.h) with a channel that reconnects quickly after a restart,
// and the calls it makes to set up and to ask the broker about a message.
#ifndef THROUGHCARE_TESTS_CRASH_HARNESS_CLIENTS_H_
#define THROUGHCARE_TESTS_CRASH_HARNESS_CLIENTS_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/connection.h"
#include "throughcare/v1/messaging.grpc.pb.h"

namespace throughcare::crash {

// Every unary call's deadline.
inline constexpr absl::Duration kCallDeadline = absl::Seconds(10);

struct Actor {
  const char* agency;
  const char* user;
  const char* role;
  const char* purpose;
};
inline constexpr Actor kReception{"hmp-northgate", "reception-officer-1", "prison_reception",
                           "offender_management"};
inline constexpr Actor kCarat{"hmp-northgate", "carat-worker-1", "carat_worker", "direct_care"};
inline constexpr Actor kCjit{"cjit-east", "cjit-worker-1", "cjit_worker", "direct_care"};
inline constexpr Actor kAuditor{"ig-office", "auditor-1", "auditor", "audit"};

// One practitioner, authenticated as the CLI is (the agency's profile from `throughcared --dev`,
// an assertion minted for each call), on a channel that reconnects quickly after a restart.
class Client {
 public:
  // `server` ("127.0.0.1:PORT") overrides the profile's, for one of several replicas.
  static absl::StatusOr<std::unique_ptr<Client>> Open(const std::string& dev_dir,
                                                      const Actor& actor,
                                                      const std::string& server = "") {
    client::SettingInputs in;
    in.server = server;
    in.dev_dir = dev_dir;
    in.agency = actor.agency;
    in.user = actor.user;
    in.role = actor.role;
    ASSIGN_OR_RETURN(client::ConnectionSettings settings, client::ResolveSettings(in));
    client::Connection::Options options;
    options.channel.quick_reconnect = true;
    ASSIGN_OR_RETURN(std::unique_ptr<client::Connection> connection,
                     client::Connection::Open(settings, std::move(options)));
    return std::unique_ptr<Client>(new Client(actor, std::move(connection)));
  }

  // A call context with a fresh assertion; InfiniteDuration for a stream.
  std::unique_ptr<grpc::ClientContext> Context(absl::Duration deadline = kCallDeadline) const {
    absl::StatusOr<std::unique_ptr<grpc::ClientContext>> ctx = connection_->NewContext(deadline);
    // Minting worked when the connection was opened; should it fail now, the call goes out
    // without an assertion and the broker's UNAUTHENTICATED says so.
    return ctx.ok() ? *std::move(ctx) : std::make_unique<grpc::ClientContext>();
  }

  const Actor& actor() const { return actor_; }
  const client::Connection& connection() const { return *connection_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return connection_->channel(); }

 private:
  Client(const Actor& actor, std::unique_ptr<client::Connection> connection)
      : actor_(actor), connection_(std::move(connection)) {}

  const Actor actor_;
  const std::unique_ptr<client::Connection> connection_;
};

// Makes one unary call as `client`: `call(context, response)` invokes the stub method.
template <typename Response, typename Call>
absl::StatusOr<Response> Unary(const Client& client, Call call) {
  return client::MakeUnaryCall<Response>(client.connection(), call, kCallDeadline);
}

// Reception registers the person and records custody, so the prison's CARAT works with them.
// Returns the subject id.
absl::StatusOr<std::string> RegisterPersonInCustody(const Client& reception);

// The person's consent to CARAT sharing drug data with the CJIT for direct care.
absl::Status RecordConsentToCjit(const Client& carat, const std::string& subject_id);

// The message sent under `key`: small, and the same every time, so a retry is a replay.
v1::SendRequest MessageFor(const std::string& subject_id, const std::string& key);

// What the broker says about a message's delivery to its one recipient.
struct BrokerView {
  std::string state;   // "PENDING", "ACKNOWLEDGED", ...; "UNKNOWN" (NOT_FOUND) or "ERROR"
  std::string detail;  // the attempts, or what went wrong

  // Still in the mailbox (or not known yet): the subscriber may still get it.
  bool open() const { return state == "PENDING" || state == "DELIVERED" || state == "ERROR"; }
};

// What GetStatus, asked as the sender, says about a message's one recipient.
BrokerView AskBroker(const Client& carat, v1::MessagingService::Stub& stub,
                     const std::string& message_id);

}  // namespace throughcare::crash

#endif  // THROUGHCARE_TESTS_CRASH_HARNESS_CLIENTS_H_
