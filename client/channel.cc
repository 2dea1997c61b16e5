#include "client/channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>

namespace throughcare::client {

std::shared_ptr<grpc::Channel> NewTlsChannel(const std::string& server,
                                             const grpc::SslCredentialsOptions& tls,
                                             const ChannelOptions& options) {
  grpc::ChannelArguments args;
  if (options.own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (options.quick_reconnect) {
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  }
  return grpc::CreateCustomChannel(server, grpc::SslCredentials(tls), args);
}

}  // namespace throughcare::client
