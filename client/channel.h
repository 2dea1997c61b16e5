// The one way a client of the broker (the CLI, the bench, the crash harness) makes a channel:
// mutual TLS with the agency system's certificate, and the channel arguments each kind of client
// needs. The TLS material comes from ReadTlsCredentials (connection.h).
#ifndef THROUGHCARE_CLIENT_CHANNEL_H_
#define THROUGHCARE_CLIENT_CHANNEL_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

namespace throughcare::client {

struct ChannelOptions {
  // A TCP connection of its own. Channels made with the same arguments otherwise share one
  // connection through gRPC's global subchannel pool (the bench spreads its senders over
  // several connections).
  bool own_connection = false;
  // Reconnect within a fraction of a second (20-200 ms backoff). gRPC's default (1 s, growing to
  // 2 min) would keep a client away from a restarted broker far longer than it was down (the
  // crash harness restarts the broker many times).
  bool quick_reconnect = false;
};

// A channel to `server` (host:port) with mutual TLS. No connection is attempted until the first
// call; an unusable address shows in the calls' status.
std::shared_ptr<grpc::Channel> NewTlsChannel(const std::string& server,
                                             const grpc::SslCredentialsOptions& tls,
                                             const ChannelOptions& options);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_CHANNEL_H_
