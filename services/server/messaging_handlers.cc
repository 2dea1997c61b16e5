#include <atomic>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/server/handlers.h"
#include "services/server/status.h"
#include "services/server/validate_messaging.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {

// One Subscribe stream. Deliveries go down as long as fewer than `credit` are unsettled (a lease
// that expires frees its place); settlements come up and their results go down. One read and one
// write are in flight at a time. The reactor deletes itself once gRPC is done with the call and
// no domain reply is outstanding.
//
// The stream lives no longer than the practitioner's assertion it was opened with: at each tick
// of the broker's periodic work (which signals every stream), and before each delivery and
// settlement, an expired assertion ends it with UNAUTHENTICATED. Each agency holds at most
// messaging.max_streams_per_agency streams. A shutdown returns the stream's leases to the
// mailbox before ending it.
class SubscribeReactor final
    : public grpc::ServerBidiReactor<v1::SubscribeRequest, v1::SubscribeResponse> {
 public:
  SubscribeReactor(Edge& edge, MessagingHandlers& handlers, grpc::CallbackServerContext* ctx)
      : edge_(edge),
        handlers_(handlers),
        service_(handlers.service_),
        ctx_(ctx),
        start_(edge.clock().Now()) {
    absl::MutexLock lock(&handlers_.streams_mu_);
    stream_ = handlers_.next_stream_++;
    handlers_.streams_[stream_] = [this] {
      ReturnLeases();
      End(absl::UnavailableError("the broker is shutting down; subscribe again later"));
    };
  }

  void Start() {
    absl::StatusOr<Edge::Started> started = edge_.Begin(ctx_, std::nullopt);
    if (!started.ok()) return End(started.status());
    call_ = started->call;
    if (!started->refused.ok()) {
      Hold();
      return edge_.Refuse("Subscribe", *started, [this](absl::Status s) {
        End(s);
        Release();
      });
    }
    if (absl::Status admitted = Admit(); !admitted.ok()) return End(admitted);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return End(absl::OkStatus());  // the client closed its side, or went away
    absl::Status status = Handle(request_);
    if (!status.ok()) return End(status);
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    bool finish = false;
    absl::Status status;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        outbox_.clear();
        if (!ending_) {
          ending_ = true;
          end_status_ = absl::CancelledError("the client stopped reading");
        }
      }
      if (!outbox_.empty()) {
        WriteNextLocked();
      } else if (ending_ && !finished_) {
        finished_ = true;
        finish = true;
        status = end_status_;
      }
    }
    if (finish) FinishCall(status);
    Pump();
  }

  void OnCancel() override { End(absl::CancelledError("the call was cancelled")); }

  void OnDone() override {
    {
      absl::MutexLock lock(&handlers_.streams_mu_);
      handlers_.streams_.erase(stream_);
    }
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
    }
    Unwatch();
    MaybeDelete();
  }

 private:
  // Takes one of the agency's stream places, or says that there is none.
  absl::Status Admit() {
    const int cap = service_.limits().max_streams_per_agency;
    absl::MutexLock lock(&handlers_.counts_mu_);
    int& open = handlers_.streams_per_agency_[call_.principal.agency_id];
    if (open >= cap) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "agency '", call_.principal.agency_id, "' already has ", open,
          " Subscribe streams open (messaging.max_streams_per_agency ", cap,
          "); close one, or poll with Receive"));
    }
    ++open;
    admitted_ = true;
    return absl::OkStatus();
  }

  // Gives the stream's place back; once, when it finishes.
  void Leave() {
    if (!admitted_.exchange(false)) return;
    absl::MutexLock lock(&handlers_.counts_mu_);
    auto it = handlers_.streams_per_agency_.find(call_.principal.agency_id);
    if (it != handlers_.streams_per_agency_.end() && --it->second <= 0) {
      handlers_.streams_per_agency_.erase(it);
    }
  }

  // UNAUTHENTICATED once the assertion the stream was opened with has expired; OK before.
  absl::Status Credentials() const {
    const absl::Time expires = call_.principal.credentials_expire_at;
    if (edge_.clock().Now() < expires) return absl::OkStatus();
    return absl::UnauthenticatedError(absl::StrCat(
        "the practitioner assertion this stream was opened with expired at ",
        absl::FormatTime(absl::RFC3339_sec, expires, absl::UTCTimeZone()),
        "; subscribe again with a fresh one"));
  }

  // Hands the leases this stream holds back to the mailbox at once (a shutdown: nobody will
  // settle them on this stream).
  void ReturnLeases() {
    std::vector<std::string> leases;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [lease_id, expiry] : in_flight_) leases.push_back(lease_id);
      in_flight_.clear();
    }
    ReturnNow(std::move(leases));
  }

  void ReturnNow(std::vector<std::string> leases) {
    if (leases.empty()) return;
    Hold();
    service_.ReturnLeases(call_, std::move(leases), [this](absl::StatusOr<int>) { Release(); });
  }

  absl::Status Handle(const v1::SubscribeRequest& req) {
    RETURN_IF_ERROR(Credentials());
    const bool first = !watching_;
    ASSIGN_OR_RETURN(SubscribeStep step, ValidateSubscribeRequest(req, first));
    if (step.lease.has_value()) lease_ = *step.lease;
    if (step.credit.has_value()) {
      absl::MutexLock lock(&mu_);
      credit_ = *step.credit;
    }
    if (step.settle.has_value()) Settle(*std::move(step.settle));
    if (first) {
      watching_ = true;
      const Notifier::Handle watch = service_.Watch(call_.principal.agency_id, [this] {
        {
          absl::MutexLock lock(&mu_);
          signalled_ = true;
        }
        Pump();
      });
      absl::MutexLock lock(&mu_);
      watch_ = watch;
    }
    Pump();
    return absl::OkStatus();
  }

  void Settle(messaging::Settlement s) {
    Hold();
    const std::string lease_id = s.lease_id;
    service_.Settle(call_, {std::move(s)},
                    [this, lease_id](absl::StatusOr<std::vector<messaging::Settled>> result) {
                      v1::SubscribeResponse out;
                      v1::SettlementResult* settled = out.mutable_settled();
                      if (result.ok() && !result->empty()) {
                        ToProto(result->front(), settled);
                      } else {
                        settled->set_lease_id(lease_id);
                        settled->set_error_code(absl::StatusCodeToString(result.status().code()));
                        settled->set_error_message(std::string(result.status().message()));
                      }
                      {
                        absl::MutexLock lock(&mu_);
                        in_flight_.erase(lease_id);  // settled, or no longer this stream's
                        Queue(std::move(out));
                      }
                      Pump();
                      Release();
                    });
  }

  // Leases more deliveries if there is credit and the mailbox may have some.
  void Pump() {
    if (absl::Status valid = Credentials(); !valid.ok()) return End(valid);
    int want = 0;
    {
      absl::MutexLock lock(&mu_);
      if (ending_ || receiving_ || !signalled_) return;
      const absl::Time now = edge_.clock().Now();
      for (auto it = in_flight_.begin(); it != in_flight_.end();) {
        if (it->second <= now) {
          in_flight_.erase(it++);
        } else {
          ++it;
        }
      }
      want = credit_ - static_cast<int>(in_flight_.size());
      if (want <= 0) return;
      want = std::min(want, 100);
      signalled_ = false;
      receiving_ = true;
      ++outstanding_;
    }
    service_.Receive(call_, want, lease_,
                     [this, want](absl::StatusOr<std::vector<messaging::Delivered>> result) {
                       // Leased for a stream that is ending, or whose assertion expired
                       // meanwhile: they never leave, so they go straight back.
                       std::vector<std::string> unsent;
                       absl::Status valid = Credentials();
                       {
                         absl::MutexLock lock(&mu_);
                         receiving_ = false;
                         if (result.ok() && (ending_ || !valid.ok())) {
                           for (const messaging::Delivered& d : *result) {
                             unsent.push_back(d.delivery.lease_id);
                           }
                         } else if (result.ok()) {
                           for (const messaging::Delivered& d : *result) {
                             in_flight_[d.delivery.lease_id] = d.delivery.lease_expires_at;
                             v1::SubscribeResponse out;
                             ToProto(d, out.mutable_delivery());
                             Queue(std::move(out));
                           }
                           // A full batch: there may be more waiting.
                           if (static_cast<int>(result->size()) == want) signalled_ = true;
                         }
                       }
                       ReturnNow(std::move(unsent));
                       if (!result.ok()) End(result.status());
                       if (!valid.ok()) End(valid);
                       Pump();
                       Release();
                     });
  }

  // Queues a response; mu_ held.
  void Queue(v1::SubscribeResponse out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (ending_) return;
    outbox_.push_back(std::move(out));
    if (!writing_) WriteNextLocked();
  }

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    writing_ = true;
    current_ = std::move(outbox_.front());
    outbox_.pop_front();
    StartWrite(&current_);
  }

  // Ends the call once (after queued writes are flushed when it ends normally).
  void End(const absl::Status& status) {
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      if (ending_) return;
      ending_ = true;  // from now on Pump does nothing; OnDone stops the watch
      end_status_ = status;
      if (!status.ok()) outbox_.clear();
      if (!writing_ && outbox_.empty()) {
        finished_ = true;
        finish = true;
      }
    }
    if (finish) FinishCall(status);
  }

  void FinishCall(const absl::Status& status) {
    Leave();  // before the client hears, so that it may open another at once
    edge_.LogCall(ctx_, "Subscribe", call_.request_id.empty() ? nullptr : &call_, start_, status);
    Finish(ToGrpcStatus(status, call_.request_id));
  }

  // Only from OnDone: never inside a watch callback (the notifier holds its dispatch lock while
  // it runs one, and Unwatch waits for that lock), and not under mu_ (a callback takes mu_).
  void Unwatch() {
    int64_t watch = 0;
    {
      absl::MutexLock lock(&mu_);
      watch = watch_;
      watch_ = 0;
    }
    if (watch != 0) service_.Unwatch(watch);
  }

  void Hold() {
    absl::MutexLock lock(&mu_);
    ++outstanding_;
  }
  void Release() {
    {
      absl::MutexLock lock(&mu_);
      --outstanding_;
    }
    MaybeDelete();
  }
  void MaybeDelete() {
    {
      absl::MutexLock lock(&mu_);
      if (!done_ || outstanding_ > 0 || deleting_) return;
      deleting_ = true;
    }
    delete this;
  }

  Edge& edge_;
  MessagingHandlers& handlers_;
  messaging::MessagingService& service_;
  grpc::CallbackServerContext* ctx_;
  const absl::Time start_;
  int64_t stream_ = 0;  // the handle in handlers_.streams_
  CallContext call_;
  v1::SubscribeRequest request_;   // the read in flight
  bool watching_ = false;          // reads are serial: touched by one thread at a time
  std::atomic<bool> admitted_{false};  // holds a place: set in Start, cleared when it finishes
  absl::Duration lease_;

  absl::Mutex mu_;
  int64_t watch_ ABSL_GUARDED_BY(mu_) = 0;
  int credit_ ABSL_GUARDED_BY(mu_) = 0;
  bool signalled_ ABSL_GUARDED_BY(mu_) = true;
  bool receiving_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, absl::Time> in_flight_ ABSL_GUARDED_BY(mu_);  // lease expiry
  std::deque<v1::SubscribeResponse> outbox_ ABSL_GUARDED_BY(mu_);
  v1::SubscribeResponse current_ ABSL_GUARDED_BY(mu_);  // the write in flight
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status end_status_ ABSL_GUARDED_BY(mu_);
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;  // domain replies still to come
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool deleting_ ABSL_GUARDED_BY(mu_) = false;
};

void MessagingHandlers::EndSubscriptions() {
  // A stream's OnDone runs later, on a gRPC thread, and then takes this lock to leave the map.
  absl::MutexLock lock(&streams_mu_);
  for (auto& [handle, end] : streams_) end();
}

std::map<std::string, int> MessagingHandlers::OpenStreams() {
  absl::MutexLock lock(&counts_mu_);
  return std::map<std::string, int>(streams_per_agency_.begin(), streams_per_agency_.end());
}

grpc::ServerUnaryReactor* MessagingHandlers::Send(grpc::CallbackServerContext* ctx,
                                                  const v1::SendRequest* req,
                                                  v1::SendResponse* resp) {
  return edge_.Unary(ctx, "Send", req->purpose(),
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto p = ValidateSend(*req, *edge_.policies().Current(), ConfiguredAgencies(edge_),
                          call.principal.agency_id);
    if (!p.ok()) return finish(p.status());
    service_.Send(call, *std::move(p),
                  ReplyInto<messaging::SendResult>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* MessagingHandlers::Receive(grpc::CallbackServerContext* ctx,
                                                     const v1::ReceiveRequest* req,
                                                     v1::ReceiveResponse* resp) {
  return edge_.Unary(ctx, "Receive", std::nullopt,
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto p = ValidateReceive(*req);
    if (!p.ok()) return finish(p.status());
    service_.Receive(call, p->max_messages, p->lease,
                     ReplyInto<std::vector<messaging::Delivered>>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* MessagingHandlers::Ack(grpc::CallbackServerContext* ctx,
                                                 const v1::AckRequest* req,
                                                 v1::AckResponse* resp) {
  return edge_.Unary(ctx, "Ack", std::nullopt,
                     [this, req, resp](const CallContext& call, Finish finish) {
    auto settlements = ValidateAck(*req);
    if (!settlements.ok()) return finish(settlements.status());
    service_.Settle(call, *std::move(settlements),
                    ReplyInto<std::vector<messaging::Settled>>(resp, std::move(finish)));
  });
}

grpc::ServerUnaryReactor* MessagingHandlers::GetStatus(grpc::CallbackServerContext* ctx,
                                                       const v1::GetStatusRequest* req,
                                                       v1::MessageStatus* resp) {
  return edge_.Unary(ctx, "GetStatus", std::nullopt,
                     [this, req, resp](const CallContext& call, Finish finish) {
    if (auto s = ValidateGetStatus(*req); !s.ok()) return finish(s);
    service_.GetStatus(call, req->message_id(),
                       ReplyInto<messaging::MessageStatus>(resp, std::move(finish)));
  });
}

grpc::ServerBidiReactor<v1::SubscribeRequest, v1::SubscribeResponse>*
MessagingHandlers::Subscribe(grpc::CallbackServerContext* ctx) {
  auto* reactor = new SubscribeReactor(edge_, *this, ctx);
  reactor->Start();
  return reactor;
}

}  // namespace throughcare::server
