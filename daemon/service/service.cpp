#include "daemon/service/service.hpp"

#include <spdlog/spdlog.h>

#include "daemon/session/request_tracker.hpp"
#include "proto/wss_codec.hpp"
#include "proto/wssd_errors.hpp"

namespace wssd {

namespace json = boost::json;

namespace {

constexpr std::size_t max_id_length = 1024;
// rpc calls waiting for the server at once: each holds a request on the wire.
constexpr std::size_t max_rpc_in_flight = 256;

std::optional<std::string> check_private_id(const std::string& pid, const std::string& what) {
  if (pid.empty()) return what + " is empty";
  if (pid.size() > max_id_length) return what + " is longer than 1024 bytes";
  return std::nullopt;
}

std::optional<std::string> check_ids(const std::vector<std::string>& ids, const std::string& what) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (auto why = check_private_id(ids[i], what + "[" + std::to_string(i) + "]")) return why;
  }
  return std::nullopt;
}

}  // namespace

service::service(asio::io_context& io, const config& c, std::unique_ptr<transport> link,
                 state_store& state, durability d)
    : io_(io),
      durable_(d),
      events_(ring_limits{c.event_ring, c.event_ring_bytes}, d.journal),
      session_(
          io, c, std::move(link), &state, [this](proto::event e) { events_.append(std::move(e)); },
          [this](session_state s) { outbox_.on_state(s); }),
      outbox_(
          io, session_, c.outbox, d.spool,
          [this](const proto::command& command, const std::string& msg_id, unsigned sent,
                 const std::string& why) {
            events_.append(proto::events::outbox_expired{
                command.kind, msg_id.empty() ? std::nullopt : std::optional(msg_id), sent, why});
          }),
      consumers_(io, d.consumers, c.consumer_ttl),
      submits_(io, d.submits),
      started_(std::chrono::steady_clock::now()) {}

void service::start() {
  if (durable_.spool) {
    auto rows = durable_.spool->load_commands();
    if (!rows.empty()) {
      spdlog::info("{} commands spooled before the restart go out first", rows.size());
    }
    outbox_.restore(std::move(rows), [this](const command_spool::row& row) -> reply {
      reply logged = [id = row.id](proto::rpc_result<json::value> outcome) {
        if (outcome) return spdlog::info("spooled command {}: sent", id);
        spdlog::warn("spooled command {}: {}", id, outcome.error().message);
      };
      if (row.msg_id.empty()) return logged;
      // A client retrying it now waits for this outcome, as it would have before the restart.
      return submits_.begin(row.msg_id, logged).value_or(logged);
    });
  }
  session_.start();
}

void service::stop(std::function<void()> done) {
  outbox_.stop();
  session_.stop(std::move(done));
}

void service::reconfigure(const config& c) {
  session_.reconfigure(c);
  outbox_.reconfigure(c.outbox);
  events_.set_limits({c.event_ring, c.event_ring_bytes});
  consumers_.set_ttl(c.consumer_ttl);
}

service::status_report service::status() const {
  status_report r;
  r.state = session_.state();
  r.server = session_.server();
  r.private_id = session_.private_id();
  r.peers = session_.peers().size();
  r.uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  if (const auto since = session_.online_since())
    r.online_for = std::chrono::steady_clock::now() - *since;
  r.counters = session_.counters();
  r.expired = outbox_.expired();
  r.failed = outbox_.failed();
  r.queue_depth = outbox_.depth();
  r.queue_bytes = outbox_.bytes();
  r.queue_oldest = outbox_.oldest_age();
  r.seq = events_.last_seq();
  r.ring_events = events_.size();
  r.ring_bytes = events_.bytes();
  r.first_seq = events_.first_seq();
  r.consumers = consumers_.list();
  if (durable_.health) r.store = durable_.health->report();
  return r;
}

void service::send(const std::vector<std::string>& to, const json::value& data, reply done,
                   std::optional<seconds> ttl, const std::string& msg_id) {
  std::optional<std::string> why;
  if (to.empty()) why = "to: no recipients";
  if (!why) why = check_ids(to, "to");
  if (why) return refuse(std::move(done), *why);
  submit(proto::direct_command(to, data), std::move(done), ttl, msg_id);
}

void service::broadcast(const json::value& data, const std::vector<std::string>& exclude,
                        reply done, std::optional<seconds> ttl, const std::string& msg_id) {
  if (auto why = check_ids(exclude, "exclude")) return refuse(std::move(done), *why);
  submit(proto::broadcast_command(data, exclude), std::move(done), ttl, msg_id);
}

void service::submit(proto::command c, reply done, std::optional<seconds> ttl,
                     const std::string& msg_id) {
  if (!msg_id.empty()) {
    if (msg_id.size() > max_id_length)
      return refuse(std::move(done), "msg_id is longer than 1024 bytes");
    auto first = submits_.begin(msg_id, std::move(done));
    if (!first) return;  // a retry: it gets the first one's outcome
    done = std::move(*first);
  }
  outbox_.submit(std::move(c), std::move(done), ttl, msg_id);
}

void service::set_private_id(const std::string& private_id, reply done,
                             std::optional<seconds> ttl) {
  if (auto why = check_private_id(private_id, "private_id")) return refuse(std::move(done), *why);
  outbox_.submit(proto::set_private_id_command(private_id), std::move(done), ttl);
}

void service::rpc(std::string method, json::value params, reply done) {
  std::optional<std::string> why;
  if (method.empty()) why = "method is empty";
  // These would tear down or fork the one identity wssd keeps.
  if (method == "WSS_Handshake" || method == "WSS_Connect") {
    why = method + " is wssd's own business";
  }
  if (proto::is_never_answered(method)) {
    why = "method \"" + method +
          "\" is a JavaScript Object.prototype member: the server never answers it, and the "
          "socket it came on can stay half-closed, breaking WSS_Connect for every peer";
  }
  if (why) return refuse(std::move(done), *why);
  if (method == "WSS_Session" && params.is_object() && params.as_object().contains("action") &&
      params.as_object().at("action") == "setPID") {
    return set_private_id_for_rpc(params, std::move(done));
  }
  if (rpc_in_flight_ >= max_rpc_in_flight) {
    return post_reply(io_, std::move(done),
                      proto::rpc_error{proto::wssd_error::queue_full,
                                       "too many rpc calls waiting for the server (" +
                                           std::to_string(rpc_in_flight_) + "); try again later",
                                       {}});
  }
  ++rpc_in_flight_;
  session_.call(method, std::move(params),
                [this, done = std::move(done)](proto::rpc_result<json::value> outcome) {
                  --rpc_in_flight_;
                  done(std::move(outcome));
                });
}

// setPID changes the identity every client shares: it goes the way of set_private_id, so the
// daemon's id, its state file and its events follow. The caller still gets the server's shape.
void service::set_private_id_for_rpc(const json::value& params, reply done) {
  const auto* pid = params.as_object().if_contains("privateID");
  if (!pid || !pid->is_string()) {
    return refuse(std::move(done), "setPID: privateID must be a string");
  }
  set_private_id(std::string(pid->as_string()), [done = std::move(done)](
                                                    proto::rpc_result<json::value> outcome) {
    if (!outcome) return done(std::move(outcome));
    done(json::value(json::object{{"privateID", outcome->as_object().at("private_id")}}));
  });
}

void service::refuse(reply done, std::string why) {
  post_reply(io_, std::move(done),
             proto::rpc_error{proto::error_code::invalid_params, std::move(why), {}});
}

void service::reconnect() {
  session_.reconnect("requested by a local client");
}

}  // namespace wssd
