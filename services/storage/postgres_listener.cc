#include "services/storage/internal/postgres_listener.h"

#include <poll.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {
namespace {

absl::Status ListenOn(Connection& conn) {
  return conn.Run(absl::StrCat("LISTEN ", kNotifyChannel));
}

}  // namespace

absl::Status PublishInTransaction(Connection& conn, const std::vector<std::string>& channels) {
  for (const std::string& channel : channels) {
    RETURN_IF_ERROR(conn.Exec("SELECT pg_notify('throughcare', $1)",
                              Params().Text(channel)).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Listener>> Listener::Start(const std::string& dsn,
                                                          Notifier* notifier) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(dsn));
  RETURN_IF_ERROR(ListenOn(*conn));
  return std::unique_ptr<Listener>(new Listener(dsn, notifier, std::move(conn)));
}

Listener::Listener(std::string dsn, Notifier* notifier, std::unique_ptr<Connection> conn)
    : dsn_(std::move(dsn)), notifier_(notifier), conn_(std::move(conn)) {
  thread_ = std::thread([this] { Loop(); });
}

Listener::~Listener() {
  stop_.store(true);
  thread_.join();
}

void Listener::Loop() {
  while (!stop_.load()) {
    if (!conn_->healthy() && !Reconnect()) {
      absl::SleepFor(absl::Milliseconds(500));
      continue;
    }
    // Wakes for input, or every 100 ms to see whether to stop.
    pollfd fd{PQsocket(conn_->raw()), POLLIN, 0};
    if (poll(&fd, 1, 100) <= 0) continue;
    if (PQconsumeInput(conn_->raw()) == 0) continue;  // lost: reconnected at the next turn
    Drain();
  }
}

void Listener::Drain() {
  while (PGnotify* n = PQnotifies(conn_->raw())) {
    if (notifier_ != nullptr) notifier_->Notify(n->extra);
    PQfreemem(n);
  }
}

bool Listener::Reconnect() {
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(dsn_);
  if (!conn.ok() || !ListenOn(**conn).ok()) return false;
  conn_ = std::move(*conn);
  // Wake-ups published while the connection was down are lost; listeners also look
  // periodically (throughcare/notifier.h).
  return true;
}

}  // namespace throughcare::storage::pg_internal
