#include "daemon/session/session.hpp"

#include <spdlog/spdlog.h>

#include <asio/post.hpp>
#include <boost/json/serialize.hpp>

#include "daemon/config/duration.hpp"
#include "daemon/config/url.hpp"
#include "daemon/link/http_post.hpp"
#include "proto/identity.hpp"
#include "proto/wssd_errors.hpp"

namespace wssd {

namespace json = boost::json;
using clock = std::chrono::steady_clock;

namespace {

// -32001 is the server's "session close" class; to a handshake it means the per-IP table is
// full (or holds our token): only waiting long helps.
constexpr std::int64_t session_close = -32001;

proto::rpc_error make_error(std::int64_t code, std::string message) {
  return proto::rpc_error{code, std::move(message), {}};
}

std::string describe(const proto::rpc_error& e) {
  return e.message + " (" + std::to_string(e.code) + ")";
}

}  // namespace

std::string_view to_string(link_loss why) {
  switch (why) {
    case link_loss::dropped:
      return "dropped";
    case link_loss::connect_failed:
      return "connect_failed";
    case link_loss::connect_timeout:
      return "connect_timeout";
    case link_loss::handshake_failed:
      return "handshake_failed";
    case link_loss::server_busy:
      return "server_busy";
    case link_loss::ping_timeout:
      return "ping_timeout";
    case link_loss::message_too_big:
      return "message_too_big";
    case link_loss::stale_session:
      return "stale_session";
    case link_loss::requested:
      return "requested";
  }
  return "dropped";
}

session::session(asio::io_context& io, const config& c, std::unique_ptr<transport> link,
                 state_store* store, event_sink on_event, state_sink on_state)
    : io_(io),
      config_(c),
      link_(std::move(link)),
      store_(store),
      on_event_(std::move(on_event)),
      on_state_(std::move(on_state)),
      backoff_(c.backoff),
      requests_(io),
      keepalive_(
          io, [this] { return link_->ping(); },
          [this](std::string why) {
            spdlog::warn("{}", why);
            closing_because_ = link_loss::ping_timeout;
            link_->abort();
          }),
      connect_timer_(io),
      backoff_timer_(io) {}

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
  connect_timer_.cancel();
  backoff_timer_.cancel();
  keepalive_.stop();
  requests_.fail_all(proto::wssd_error::stopping, "wssd is stopping");
  if (was_up) {
    on_stopped_ = std::move(done);
    link_->close("daemon stopping");
  } else {
    asio::post(io_, std::move(done));
  }
}

void session::reconnect(std::string reason) {
  reconnect(link_loss::requested, std::move(reason));
}

void session::reconnect(link_loss why, std::string reason) {
  if (state_ == session_state::stopped) return;
  spdlog::info("reconnecting: {}", reason);
  if (link_up_) {
    reconnect_now_ = true;
    drop_link(why, reason);
    return;
  }
  // Waiting in backoff: a request to reconnect shortens the wait, but attempts stay at least
  // backoff.base apart, however often it is asked.
  const auto earliest = last_attempt_ + to_duration(config_.backoff.base);
  const auto wait = std::max(clock::duration::zero(), earliest - clock::now());
  backoff_timer_.expires_after(wait);
  backoff_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && state_ == session_state::backoff) connect_now();
  });
}

void session::reconfigure(const config& c) {
  config_.connect_timeout = c.connect_timeout;
  config_.request_timeout = c.request_timeout;
  config_.ping_interval = c.ping_interval;
  config_.ping_timeout = c.ping_timeout;
  config_.backoff = c.backoff;
  config_.options = c.options;  // sent with the next WSS_Connect
  backoff_.reconfigure(c.backoff);
  if (online()) keepalive_.start(config_.ping_interval, config_.ping_timeout);
}

// ---- Connection life cycle ----

void session::connect_now() {
  tokens_ = {proto::random_token(), ""};  // fresh per attempt: a leaked slot keeps its token
  overloaded_ = false;
  reconnect_now_ = false;
  closing_because_.reset();
  link_up_ = true;
  last_attempt_ = clock::now();
  set_state(session_state::connecting, "connecting to " + config_.server);
  connect_timer_.expires_after(to_duration(config_.connect_timeout));
  connect_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || (state_ != session_state::connecting && state_ != session_state::handshaking)) return;
    spdlog::warn("no session after {}: giving up this attempt",
                 format_seconds(config_.connect_timeout));
    closing_because_ = link_loss::connect_timeout;
    link_->abort();
  });
  link_->connect(
      config_.server,
      {[this] { on_open(); }, [this](std::string_view text) { on_message(text); },
       [this] { keepalive_.pong(); }, [this](transport::closed c) { on_close(std::move(c)); }});
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
                            outcome.error().code == session_close);
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
  for (const auto& pid : difference.left) emit(proto::events::peer_disconnect{pid});
  for (auto& p : difference.joined) {
    emit(proto::events::peer_connect{p.private_id, std::move(p.options)});
  }
  claim_identity(assigned);
}

void session::claim_identity(const std::string& assigned) {
  private_id_ = assigned;
  if (claimed_id_.empty() || claimed_id_ == assigned) return go_online();
  request(
      [this](const json::value& id) {
        return proto::request_for(id, tokens_, proto::set_private_id_command(claimed_id_));
      },
      [this](proto::rpc_result<json::value> outcome) {
        if (state_ != session_state::handshaking) return;
        auto confirmed =
            outcome ? proto::private_id_from(*outcome)
                    : proto::parsed<std::string>(proto::failure{describe(outcome.error())});
        if (confirmed && !confirmed->empty()) {
          private_id_ = std::move(*confirmed);
        } else {
          spdlog::warn("could not claim private id {} again: {}; continuing as {}", claimed_id_,
                       confirmed ? "the server confirmed none" : confirmed.error().what,
                       private_id_);
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
  keepalive_.start(config_.ping_interval, config_.ping_timeout);
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
  emit(proto::events::private_id{
      private_id, previous.empty() ? std::nullopt : std::optional<std::string>(previous)});
}

void session::handshake_failed(const std::string& what, bool overloaded) {
  spdlog::error("{}", what);
  overloaded_ = overloaded;
  drop_link(overloaded ? link_loss::server_busy : link_loss::handshake_failed, "handshake failed");
}

void session::drop_link(link_loss why, const std::string& reason) {
  closing_because_ = why;
  link_->close(reason);
}

void session::on_close(transport::closed closed) {
  link_up_ = false;
  if (closed.message_too_big) {
    ++counters_.oversized_messages;
    spdlog::warn(
        "the server sent a message over max_message ({} bytes); the WebSocket library "
        "cannot skip it, so the link was closed (1009) and will be made again",
        config_.max_message);
  }
  const auto& reason = closed.reason;
  connect_timer_.cancel();
  keepalive_.stop();
  requests_.fail_all(proto::wssd_error::connection_lost, "the connection to the server was lost");
  if (state_ == session_state::stopped) {
    if (auto done = std::move(on_stopped_)) done();
    return;
  }
  auto why = closing_because_.value_or(
      state_ == session_state::connecting ? link_loss::connect_failed : link_loss::dropped);
  if (closed.message_too_big) why = link_loss::message_too_big;
  ++counters_.link_losses[static_cast<std::size_t>(why)];
  const bool stayed_online =
      state_ == session_state::online &&
      clock::now() - online_since_ >= to_duration(config_.backoff.reset_after);
  if (stayed_online) backoff_.reset();
  seconds delay{0};
  if (overloaded_) {
    delay = backoff_.next_after_overload();
  } else if (reconnect_now_ && backoff_.attempts() == 0) {
    backoff_.count_attempt();  // at once, this time; the next one soon after waits
  } else {
    delay = backoff_.next();
  }
  schedule_connect(delay, reason);
}

void session::schedule_connect(seconds delay, const std::string& reason) {
  if (delay.count() == 0) return connect_now();
  set_state(session_state::backoff, reason + "; next attempt in " + format_seconds(delay));
  backoff_timer_.expires_after(to_duration(delay));
  backoff_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && state_ == session_state::backoff) connect_now();
  });
}

// ---- Frames from the server ----

void session::on_message(std::string_view text) {
  counters_.bytes_in += text.size();
  auto frame = proto::decode_frame(text);
  if (!frame) {
    ++counters_.bad_frames;
    spdlog::warn("ignored a frame from the server: {}", frame.error().what);
    return;
  }
  if (auto* r = std::get_if<proto::response>(&*frame)) {
    const auto id = r->id;
    if (requests_.answer(id, std::move(r->outcome))) return;
    ++counters_.bad_frames;
    spdlog::warn("ignored a response to no request of ours (id {}): late, or not ours",
                 json::serialize(id));
    return;
  }
  handle_push(std::move(std::get<proto::push>(*frame)));
}

void session::handle_push(proto::push p) {
  if (auto* c = std::get_if<proto::peer_connected>(&p)) {
    if (c->private_id == private_id_) return;
    if (peers_.add(*c)) {
      emit(proto::events::peer_connect{c->private_id, std::move(c->options)});
    } else if (peers_.full()) {
      ++counters_.bad_frames;
      spdlog::warn("peer table full ({} peers): not tracking peer {}", peers_.size(),
                   c->private_id);
    }
  } else if (auto* d = std::get_if<proto::peer_disconnected>(&p)) {
    on_peer_disconnected(d->private_id);
  } else if (auto* ch = std::get_if<proto::peer_changed_id>(&p)) {
    if (!peers_.rename(ch->old_id, ch->new_id)) peers_.add({ch->new_id, {}});
    if (ch->new_id == private_id_) {
      spdlog::warn("peer {} took our private id {}", ch->old_id, private_id_);
    }
    emit(proto::events::peer_private_id{ch->old_id, ch->new_id});
  } else if (auto* m = std::get_if<proto::peer_message>(&p)) {
    ++counters_.messages_in[m->kind];
    emit(proto::events::message{m->kind, std::move(m->from), std::move(m->data)});
  } else if (auto* u = std::get_if<proto::server_update>(&p)) {
    emit(proto::events::update{std::move(u->from), std::move(u->data)});
  }
}

void session::on_peer_disconnected(const std::string& pid) {
  if (pid == private_id_) {
    // The server dropped a stale session that carried our id, and told every peer we left.
    // A fresh session that claims the id again makes us visible to them once more.
    return reconnect(link_loss::stale_session,
                     "the server dropped a stale session holding our private id");
  }
  if (peers_.remove(pid)) emit(proto::events::peer_disconnect{pid});
}

// ---- Requests ----

void session::request(const request_builder& build, reply done) {
  const auto id = requests_.next_id();
  auto frame = build(id);
  const auto size = frame.size();
  if (auto ec = link_->send(std::move(frame))) {
    return post_reply(io_, std::move(done),
                      make_error(proto::wssd_error::connection_lost,
                                 "cannot send to the server: " + ec.message()));
  }
  counters_.bytes_out += size;
  requests_.add(id, std::move(done), config_.request_timeout);
}

// ---- Commands ----

void session::submit(const proto::command& c, reply done) {
  auto on_answer = [this, kind = c.kind,
                    done = std::move(done)](proto::rpc_result<json::value> outcome) {
    if (!outcome || kind != proto::command_kind::set_private_id) {
      if (outcome) {
        ++counters_
              .messages_out[kind == proto::command_kind::direct ? proto::message_kind::direct
                                                                : proto::message_kind::broadcast];
      }
      return done(std::move(outcome));
    }
    // Only the id the server confirmed is ours; an answer without one changes nothing.
    auto confirmed = proto::private_id_from(*outcome);
    if (!confirmed || confirmed->empty()) {
      return done(
          make_error(proto::wssd_error::bad_answer,
                     confirmed ? "the server confirmed no private id" : confirmed.error().what));
    }
    if (online()) adopt_private_id(*confirmed);
    done(json::value(json::object{{"private_id", *confirmed}}));
  };
  command([this, &c](const json::value& id) { return proto::request_for(id, tokens_, c); },
          std::move(on_answer));
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
  if (!online()) {
    return post_reply(io_, std::move(done), make_error(proto::wssd_error::offline, "offline"));
  }
  request(build, std::move(done));
}

// ---- Helpers ----

std::optional<clock::time_point> session::online_since() const {
  if (!online()) return std::nullopt;
  return online_since_;
}

void session::set_state(session_state s, std::string reason) {
  if (s == state_ && s != session_state::backoff) return;
  state_ = s;
  const auto level = s == session_state::backoff ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "{}: {}", proto::to_string(s), reason);
  if (on_state_) on_state_(s);
  emit(proto::events::state{s, std::move(reason)});
}

void session::emit(proto::event e) {
  if (on_event_) on_event_(std::move(e));
}

}  // namespace wssd
