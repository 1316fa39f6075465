#include "daemon/session.hpp"

#include <spdlog/spdlog.h>

#include <asio/post.hpp>
#include <boost/json/serialize.hpp>
#include <sstream>

#include "daemon/http_post.hpp"
#include "daemon/url.hpp"
#include "proto/identity.hpp"
#include "proto/wssd_errors.hpp"

namespace wssd {

namespace json = boost::json;
using clock = std::chrono::steady_clock;

namespace {

proto::rpc_error make_error(std::int64_t code, std::string message) {
  return proto::rpc_error{code, std::move(message), {}};
}

std::string describe(const proto::rpc_error& e) {
  return e.message + " (" + std::to_string(e.code) + ")";
}

bool is_too_many_connections(const proto::rpc_error& e) {
  return e.code == -32001 && e.message.find("Too many connections") != std::string::npos;
}

std::string format_seconds(seconds s) {
  std::ostringstream out;
  out.precision(s.count() < 10 ? 2 : 3);
  out << s.count() << " s";
  return out.str();
}

}  // namespace

std::string_view to_string(session_state s) {
  switch (s) {
    case session_state::offline:
      return "offline";
    case session_state::connecting:
      return "connecting";
    case session_state::handshaking:
      return "handshaking";
    case session_state::online:
      return "online";
    case session_state::backoff:
      return "backoff";
    case session_state::stopped:
      return "stopped";
  }
  return "unknown";
}

session::session(asio::io_context& io, const config& c, std::unique_ptr<transport> link,
                 state_store* store, event_sink sink)
    : io_(io),
      config_(c),
      link_(std::move(link)),
      store_(store),
      sink_(std::move(sink)),
      backoff_(c.backoff),
      connect_timer_(io),
      backoff_timer_(io),
      request_timer_(io),
      ping_timer_(io),
      pong_timer_(io) {}

void session::start() {
  if (!config_.private_id.empty()) {
    claimed_id_ = config_.private_id;
  } else if (store_) {
    claimed_id_ = store_->load_private_id().value_or("");
  }
  if (!claimed_id_.empty()) spdlog::info("will claim private id {}", claimed_id_);
  connect_now();
}

void session::stop(std::function<void()> done) {
  const bool was_up = link_up_;
  set_state(session_state::stopped, "daemon stopping");
  cancel_timers();
  backoff_timer_.cancel();
  fail_pending(proto::wssd_error::stopping, "wssd is stopping");
  if (was_up) {
    on_stopped_ = std::move(done);
    link_->close("daemon stopping");
  } else {
    asio::post(io_, std::move(done));
  }
}

void session::reconnect(std::string reason) {
  if (state_ == session_state::stopped) return;
  spdlog::info("reconnecting: {}", reason);
  if (link_up_) {
    reconnect_now_ = true;
    link_->close(reason);
  } else {
    backoff_timer_.cancel();
    connect_now();
  }
}

// ---- Connection life cycle ----

void session::connect_now() {
  tokens_ = {proto::random_token(),
             ""};  // fresh per attempt: a leaked handshake slot keeps its token
  overloaded_ = false;
  reconnect_now_ = false;
  link_up_ = true;
  set_state(session_state::connecting, "connecting to " + config_.server);
  connect_timer_.expires_after(to_duration(config_.connect_timeout));
  connect_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || (state_ != session_state::connecting && state_ != session_state::handshaking)) return;
    spdlog::warn("no session after {}: giving up this attempt",
                 format_seconds(config_.connect_timeout));
    link_->abort();
  });
  link_->connect(config_.server,
                 {[this] { on_open(); }, [this](std::string_view text) { on_message(text); },
                  [this] { pong_timer_.cancel(); },
                  [this](std::string reason) { on_close(std::move(reason)); }});
}

void session::on_open() {
  set_state(session_state::handshaking, "WebSocket open");
  handshake();
}

void session::handshake() {
  auto on_result = [this](proto::rpc_result<json::value> outcome) {
    on_handshake(std::move(outcome));
  };
  if (config_.handshake_url.empty()) {
    request(
        [this](const json::value& id) { return proto::handshake_request(id, tokens_.user_token); },
        on_result);
    return;
  }
  // The WebSocket is already open, so the server's slot is connected right after it is made.
  auto target = parse_url(config_.handshake_url);
  http_post(io_, *target, "application/json-rpc", proto::handshake_request(0, tokens_.user_token),
            config_.tls, config_.request_timeout,
            [this, on_result](proto::parsed<std::string> body) {
              if (state_ != session_state::handshaking) return;
              if (!body) return handshake_failed("HTTP handshake: " + body.error().what);
              auto frame = proto::decode_frame(*body);
              if (!frame || !std::holds_alternative<proto::response>(*frame)) {
                return handshake_failed("HTTP handshake: the answer is not a JSON-RPC response");
              }
              on_result(std::move(std::get<proto::response>(*frame).outcome));
            });
}

void session::on_handshake(proto::rpc_result<json::value> outcome) {
  if (state_ != session_state::handshaking) return;
  if (!outcome) {
    return handshake_failed("handshake refused: " + describe(outcome.error()),
                            is_too_many_connections(outcome.error()));
  }
  auto server_token = proto::server_token_from(*outcome);
  if (!server_token) return handshake_failed("handshake: " + server_token.error().what);
  tokens_.server_token = std::move(*server_token);
  request(
      [this](const json::value& id) {
        return proto::connect_request(id, tokens_, config_.options);
      },
      [this](proto::rpc_result<json::value> r) { on_connected(std::move(r)); });
}

void session::on_connected(proto::rpc_result<json::value> outcome) {
  if (state_ != session_state::handshaking) return;
  if (!outcome) return handshake_failed("connect refused: " + describe(outcome.error()));
  auto result = proto::connect_result_from(*outcome);
  if (!result) return handshake_failed("connect: " + result.error().what);
  const auto assigned = result->private_id;
  std::vector<proto::peer_connected> others;
  for (auto& p : result->peers) {
    // A stale session of ours may still hold the claimed id on the server: not a peer.
    if (p.private_id != assigned && p.private_id != claimed_id_) others.push_back(std::move(p));
  }
  auto difference = peers_.replace(std::move(others));
  for (const auto& pid : difference.left) emit("peer_disconnect", pid, {{"private_id", pid}});
  for (const auto& p : difference.joined) {
    emit("peer_connect", p.private_id, {{"private_id", p.private_id}, {"options", p.options}});
  }
  claim_identity(assigned);
}

void session::claim_identity(const std::string& assigned) {
  private_id_ = assigned;
  if (claimed_id_.empty() || claimed_id_ == assigned) return go_online();
  request(
      [this](const json::value& id) { return proto::set_pid_request(id, tokens_, claimed_id_); },
      [this](proto::rpc_result<json::value> outcome) {
        if (state_ != session_state::handshaking) return;
        if (outcome) {
          private_id_ = claimed_id_;
        } else {
          spdlog::warn("could not claim private id {} again: {}; continuing as {}", claimed_id_,
                       describe(outcome.error()), private_id_);
        }
        go_online();
      });
}

void session::go_online() {
  connect_timer_.cancel();
  if (was_online_) ++counters_.reconnects;
  was_online_ = true;
  online_since_ = clock::now();
  adopt_private_id(private_id_);
  set_state(session_state::online, "session established as " + private_id_);
  arm_ping_timer();
}

void session::adopt_private_id(const std::string& private_id) {
  const auto previous = std::exchange(claimed_id_, private_id);
  private_id_ = private_id;
  if (previous == private_id) return;
  if (store_) {
    if (auto ec = store_->save_private_id(private_id)) {
      spdlog::error("cannot keep the private id in {}: {}", store_->directory(), ec.message());
    }
  }
  json::object fields{{"private_id", private_id}};
  fields["previous"] = previous.empty() ? json::value(nullptr) : json::value(previous);
  emit("private_id", "", std::move(fields));
}

void session::handshake_failed(const std::string& what, bool overloaded) {
  spdlog::error("{}", what);
  overloaded_ = overloaded;
  link_->close("handshake failed");
}

void session::on_close(std::string reason) {
  link_up_ = false;
  cancel_timers();
  fail_pending(proto::wssd_error::connection_lost, "the connection to the server was lost");
  if (state_ == session_state::stopped) {
    if (auto done = std::move(on_stopped_)) done();
    return;
  }
  const bool stayed_online =
      state_ == session_state::online &&
      clock::now() - online_since_ >= to_duration(config_.backoff.reset_after);
  if (stayed_online) backoff_.reset();
  seconds delay{0};
  if (overloaded_) {
    delay = backoff_.next_after_overload();
  } else if (!reconnect_now_) {
    delay = backoff_.next();
  }
  if (delay.count() == 0) return connect_now();
  set_state(session_state::backoff, reason + "; next attempt in " + format_seconds(delay));
  backoff_timer_.expires_after(to_duration(delay));
  backoff_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && state_ == session_state::backoff) connect_now();
  });
}

// ---- Frames from the server ----

void session::on_message(std::string_view text) {
  auto frame = proto::decode_frame(text);
  if (!frame) {
    ++counters_.bad_frames;
    spdlog::warn("ignored a frame from the server: {}", frame.error().what);
    return;
  }
  if (auto* r = std::get_if<proto::response>(&*frame)) return on_response(std::move(*r));
  handle_push(std::move(std::get<proto::push>(*frame)));
}

void session::handle_push(proto::push p) {
  if (auto* c = std::get_if<proto::peer_connected>(&p)) {
    if (c->private_id == private_id_) return;
    if (peers_.add(*c)) {
      emit("peer_connect", c->private_id, {{"private_id", c->private_id}, {"options", c->options}});
    }
  } else if (auto* d = std::get_if<proto::peer_disconnected>(&p)) {
    on_peer_disconnected(d->private_id);
  } else if (auto* ch = std::get_if<proto::peer_changed_id>(&p)) {
    if (!peers_.rename(ch->old_id, ch->new_id)) peers_.add({ch->new_id, {}});
    if (ch->new_id == private_id_) {
      spdlog::warn("peer {} took our private id {}", ch->old_id, private_id_);
    }
    emit("peer_private_id", ch->new_id, {{"old", ch->old_id}, {"new", ch->new_id}});
  } else if (auto* m = std::get_if<proto::peer_message>(&p)) {
    ++counters_.messages_in;
    json::object fields{{"kind", proto::to_string(m->kind)}};
    fields["from"] = m->from ? json::value(*m->from) : json::value(nullptr);
    if (m->data) fields["data"] = std::move(*m->data);
    emit("message", m->from.value_or(""), std::move(fields));
  } else if (auto* u = std::get_if<proto::server_update>(&p)) {
    json::object fields;
    fields["from"] = u->from ? json::value(*u->from) : json::value(nullptr);
    if (u->data) fields["data"] = std::move(*u->data);
    emit("update", u->from.value_or(""), std::move(fields));
  }
}

void session::on_peer_disconnected(const std::string& pid) {
  if (pid == private_id_) {
    // The server dropped a stale session that carried our id, and told every peer we left.
    // A fresh session that claims the id again makes us visible to them once more.
    return reconnect("the server dropped a stale session holding our private id");
  }
  if (peers_.remove(pid)) emit("peer_disconnect", pid, {{"private_id", pid}});
}

// ---- Requests ----

void session::request(const request_builder& build, reply done) {
  const auto id = ++next_request_id_;
  if (auto ec = link_->send(build(id))) {
    return later(std::move(done), make_error(proto::wssd_error::connection_lost,
                                             "cannot send to the server: " + ec.message()));
  }
  pending_.push_back({id, std::move(done), clock::now() + to_duration(config_.request_timeout)});
  if (pending_.size() == 1) arm_request_timer();
}

void session::on_response(proto::response r) {
  std::uint64_t value = 0;  // ours are positive integers; anything else is not ours
  if (r.id.is_int64() && r.id.get_int64() > 0) value = static_cast<std::uint64_t>(r.id.get_int64());
  if (r.id.is_uint64()) value = r.id.get_uint64();
  const auto it = std::find_if(pending_.begin(), pending_.end(),
                               [value](const pending_request& p) { return p.id == value; });
  if (value == 0 || it == pending_.end()) {
    ++counters_.bad_frames;
    if (!r.outcome) {
      spdlog::warn("server error not tied to a request: {}", describe(r.outcome.error()));
    } else {
      spdlog::warn("ignored a response to no request of ours (id {})", json::serialize(r.id));
    }
    return;
  }
  auto done = std::move(it->done);
  const bool was_front = it == pending_.begin();
  pending_.erase(it);
  if (was_front) arm_request_timer();
  done(std::move(r.outcome));
}

void session::fail_pending(std::int64_t code, const std::string& message) {
  auto failed = std::move(pending_);
  pending_.clear();
  request_timer_.cancel();
  for (auto& p : failed) later(std::move(p.done), make_error(code, message));
}

void session::arm_request_timer() {
  if (pending_.empty()) {
    request_timer_.cancel();
    return;
  }
  request_timer_.expires_at(pending_.front().deadline);
  request_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || pending_.empty() || pending_.front().deadline > clock::now()) return;
    // Answers come in order: one overdue answer means the link is stuck.
    spdlog::warn("the server did not answer within {}: dropping the link",
                 format_seconds(config_.request_timeout));
    auto overdue = std::move(pending_.front());
    pending_.pop_front();
    later(std::move(overdue.done),
          make_error(proto::wssd_error::timeout, "the server did not answer in time"));
    link_->abort();
  });
}

void session::arm_ping_timer() {
  ping_timer_.expires_after(to_duration(config_.ping_interval));
  ping_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || !online()) return;
    if (auto send_error = link_->ping()) {
      spdlog::warn("cannot ping the server: {}", send_error.message());
      return link_->abort();
    }
    pong_timer_.expires_after(to_duration(config_.ping_timeout));
    pong_timer_.async_wait([this](const asio::error_code& pong_ec) {
      if (pong_ec || !online()) return;
      spdlog::warn("no pong from the server within {}: the link is dead",
                   format_seconds(config_.ping_timeout));
      link_->abort();
    });
    arm_ping_timer();
  });
}

void session::cancel_timers() {
  connect_timer_.cancel();
  request_timer_.cancel();
  ping_timer_.cancel();
  pong_timer_.cancel();
}

// ---- Commands ----

void session::send_direct(const std::vector<std::string>& to, const json::value& data, reply done) {
  command([this, &to,
           &data](const json::value& id) { return proto::direct_request(id, tokens_, to, data); },
          counted(std::move(done)));
}

void session::broadcast(const json::value& data, const std::vector<std::string>& exclude,
                        reply done) {
  command(
      [this, &data, &exclude](const json::value& id) {
        return proto::broadcast_request(id, tokens_, data, exclude);
      },
      counted(std::move(done)));
}

void session::set_private_id(const std::string& private_id, reply done) {
  command([this, &private_id](
              const json::value& id) { return proto::set_pid_request(id, tokens_, private_id); },
          [this, private_id, done = std::move(done)](proto::rpc_result<json::value> outcome) {
            if (outcome && online()) adopt_private_id(private_id);
            done(std::move(outcome));
          });
}

void session::call(const std::string& method, json::value params, reply done) {
  if (auto* o = params.if_object()) {
    // Local clients never see the tokens; methods of the server's other APIs need them.
    if (!o->contains("user_token")) (*o)["user_token"] = tokens_.user_token;
    if (!o->contains("server_token")) (*o)["server_token"] = tokens_.server_token;
  }
  command([&method,
           &params](const json::value& id) { return proto::serialize_request(id, method, params); },
          std::move(done));
}

void session::command(const request_builder& build, reply done) {
  if (!online()) return later(std::move(done), make_error(proto::wssd_error::offline, "offline"));
  request(build, std::move(done));
}

session::reply session::counted(reply done) {
  return [this, done = std::move(done)](proto::rpc_result<json::value> outcome) {
    if (outcome) ++counters_.messages_out;
    done(std::move(outcome));
  };
}

// ---- Helpers ----

void session::set_state(session_state s, std::string reason) {
  if (s == state_ && s != session_state::backoff) return;
  state_ = s;
  const auto level = s == session_state::backoff ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "{}: {}", to_string(s), reason);
  emit("state", "", {{"state", to_string(s)}, {"reason", std::move(reason)}});
}

void session::emit(std::string type, std::string peer, json::object fields) {
  if (sink_) sink_(event{std::move(type), std::move(peer), std::move(fields)});
}

void session::later(reply done, proto::rpc_result<json::value> outcome) {
  asio::post(io_, [done = std::move(done), outcome = std::move(outcome)]() mutable {
    done(std::move(outcome));
  });
}

clock::duration session::to_duration(seconds s) const {
  return std::chrono::duration_cast<clock::duration>(s);
}

}  // namespace wssd
