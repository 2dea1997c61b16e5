// Internal to services/storage: LISTEN/NOTIFY for the PostgreSQL backend. Writers publish a
// transaction's wake-ups with pg_notify on one PostgreSQL channel, the Notifier's channel as the
// payload; PostgreSQL delivers them when, and only if, the transaction commits. A Listener holds
// a connection of its own that LISTENs and hands each payload to the process's Notifier.
#ifndef THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_LISTENER_H_
#define THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_LISTENER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/storage/internal/postgres_connection.h"
#include "throughcare/notifier.h"

namespace throughcare::storage::pg_internal {

// The PostgreSQL channel every wake-up is published on.
inline constexpr const char* kNotifyChannel = "throughcare";

// Queues pg_notify of each of `channels` in the connection's open transaction.
absl::Status PublishInTransaction(Connection& conn, const std::vector<std::string>& channels);

class Listener final {
 public:
  // Connects and LISTENs before returning, so that every commit after Start is heard.
  // `notifier` is not owned and must outlive the listener.
  static absl::StatusOr<std::unique_ptr<Listener>> Start(const std::string& dsn,
                                                         Notifier* notifier);
  // Stops listening and joins the thread.
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

 private:
  Listener(std::string dsn, Notifier* notifier, std::unique_ptr<Connection> conn);
  void Loop();
  // Hands every notification that has arrived to the notifier.
  void Drain();
  // Reconnects (and LISTENs again) after the connection was lost; false if it could not.
  bool Reconnect();

  const std::string dsn_;
  Notifier* const notifier_;
  std::unique_ptr<Connection> conn_;  // used only by the thread once it runs
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace throughcare::storage::pg_internal

#endif  // THROUGHCARE_SERVICES_STORAGE_INTERNAL_POSTGRES_LISTENER_H_
