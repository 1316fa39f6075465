#include "daemon/service.hpp"

#include "daemon/request_tracker.hpp"
#include "daemon/version.hpp"
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

service::service(asio::io_context& io, const config& c, std::unique_ptr<transport> link)
    : io_(io),
      store_(c.state_dir),
      events_(ring_limits{c.event_ring, c.event_ring_bytes}),
      session_(
          io, c, std::move(link), &store_, [this](proto::event e) { events_.append(std::move(e)); },
          [this](session_state s) { outbox_.on_state(s); }),
      outbox_(io, session_, c.outbox),
      started_(std::chrono::steady_clock::now()) {}

std::error_code service::start() {
  if (auto ec = store_.open()) return ec;
  session_.start();
  return {};
}

void service::stop(std::function<void()> done) {
  outbox_.stop();
  session_.stop(std::move(done));
}

void service::reconfigure(const config& c) {
  session_.reconfigure(c);
  outbox_.reconfigure(c.outbox);
  events_.set_limits({c.event_ring, c.event_ring_bytes});
}

json::object service::status() const {
  const auto uptime = std::chrono::steady_clock::now() - started_;
  const auto& counters = session_.counters();
  json::object s{
      {"version", WSSD_VERSION},
      {"state", proto::to_string(session_.state())},
      {"server", session_.server()},
      {"private_id",
       session_.private_id().empty() ? json::value(nullptr) : json::value(session_.private_id())},
      {"peers", session_.peers().size()},
      {"uptime", std::chrono::duration_cast<std::chrono::seconds>(uptime).count()},
      {"reconnects", counters.reconnects},
      {"seq", events_.last_seq()},
      {"counters",
       {{"messages_in", counters.messages_in},
        {"messages_out", counters.messages_out},
        {"bad_frames", counters.bad_frames},
        {"oversized_messages", counters.oversized_messages},
        {"expired", outbox_.expired()}}},
      {"queue", {{"depth", outbox_.depth()}, {"bytes", outbox_.bytes()}}},
  };
  return s;
}

json::array service::peers() const {
  json::array list;
  for (const auto& [pid, options] : session_.peers().all()) {
    list.push_back(json::object{{"private_id", pid}, {"options", options}});
  }
  return list;
}

void service::send(std::vector<std::string> to, json::value data, std::size_t bytes, reply done,
                   std::optional<seconds> ttl) {
  std::optional<std::string> why;
  if (to.empty()) why = "to: no recipients";
  if (!why) why = check_ids(to, "to");
  if (why) {
    return refuse(std::move(done), *why);
  }
  outbox_.submit(
      bytes,
      [to = std::move(to), data = std::move(data)](session& s, reply r) {
        s.send_direct(to, data, std::move(r));
      },
      std::move(done), ttl);
}

void service::broadcast(json::value data, std::vector<std::string> exclude, std::size_t bytes,
                        reply done, std::optional<seconds> ttl) {
  if (auto why = check_ids(exclude, "exclude")) {
    return refuse(std::move(done), *why);
  }
  outbox_.submit(
      bytes,
      [exclude = std::move(exclude), data = std::move(data)](session& s, reply r) {
        s.broadcast(data, exclude, std::move(r));
      },
      std::move(done), ttl);
}

void service::set_private_id(std::string private_id, reply done, std::optional<seconds> ttl) {
  if (auto why = check_private_id(private_id, "private_id")) {
    return refuse(std::move(done), *why);
  }
  outbox_.submit(
      private_id.size(),
      [private_id = std::move(private_id)](session& s, reply r) {
        s.set_private_id(private_id, std::move(r));
      },
      std::move(done), ttl);
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
