#include "tests/support/scripted_server.hpp"

#include <algorithm>
#include <asio/post.hpp>
#include <asio/ssl/context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <future>
#include <type_traits>
#include <utility>
#include <websocketpp/config/asio.hpp>
#include <websocketpp/server.hpp>

#include "proto/identity.hpp"
#include "tests/support/io_thread.hpp"

namespace wssd::test {

namespace json = boost::json;

namespace {

// websocketpp's own loggers write to stdout and stderr: compiled out, as in the hub.
struct plain_config : websocketpp::config::asio {
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
};

struct tls_config : websocketpp::config::asio_tls {
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
};

// Above wssd's own limit, so that a test can send wssd anything it could ever accept.
constexpr std::size_t default_max_message_size = 128 * 1024 * 1024;
// Short, so that a client stuck in a handshake cannot hold up the server's shutdown for long.
constexpr long open_handshake_timeout_ms = 2000;
// Short: a client that never answers a Close cannot hold its connection, or the server's
// shutdown, for long.
constexpr long close_handshake_timeout_ms = 1000;

std::shared_ptr<asio::ssl::context> tls_context(const test_cert& cert) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3);
  context->use_certificate_chain_file(cert.cert_file);
  context->use_private_key_file(cert.key_file, asio::ssl::context::pem);
  return context;
}

json::object answer_error(std::int64_t code, std::string message, json::value data = nullptr) {
  json::object error{{"code", code}, {"message", std::move(message)}};
  if (!data.is_null()) error["data"] = std::move(data);
  return {{"error", std::move(error)}};
}

// A server push: a result without an id.
std::string push_text(json::object result) {
  return json::serialize(json::object{{"jsonrpc", "2.0"}, {"result", std::move(result)}});
}

}  // namespace

// The WebSocket side, over websocketpp: connections by number, frames in and out.
class scripted_server::wire {
 public:
  virtual ~wire() = default;
  virtual std::uint16_t listen() = 0;
  virtual bool send(std::size_t conn, const std::string& payload, bool binary) = 0;
  virtual bool close(std::size_t conn, std::uint16_t code, const std::string& reason) = 0;
  virtual bool drop(std::size_t conn) = 0;
  virtual void set_max_message_size(std::size_t bytes) = 0;
  // Stops listening and drops every connection, opened or still in its handshake.
  virtual void stop() = 0;
};

template <class Config>
class scripted_server::wire_for final : public scripted_server::wire {
  using server_type = websocketpp::server<Config>;
  using hdl_less = std::owner_less<websocketpp::connection_hdl>;

 public:
  wire_for(scripted_server& owner, std::shared_ptr<asio::ssl::context> tls) : owner_(owner) {
    server_.init_asio(&owner.io_);
    server_.set_reuse_addr(true);
    server_.set_open_handshake_timeout(open_handshake_timeout_ms);
    server_.set_close_handshake_timeout(close_handshake_timeout_ms);
    if constexpr (std::is_same_v<Config, tls_config>) {
      server_.set_tls_init_handler([tls](websocketpp::connection_hdl) { return tls; });
    }
    server_.set_tcp_pre_init_handler(
        [this](websocketpp::connection_hdl hdl) { live_.insert(hdl); });
    // Small interactive frames: without this a push can wait behind the client's delayed ACK.
    server_.set_tcp_post_init_handler([this](websocketpp::connection_hdl hdl) {
      std::error_code ignored;
      server_.get_con_from_hdl(hdl)->get_raw_socket().set_option(asio::ip::tcp::no_delay(true),
                                                                 ignored);
    });
    server_.set_open_handler([this](websocketpp::connection_hdl hdl) {
      // Here, not on the endpoint: websocketpp makes the next connection before it accepts.
      server_.get_con_from_hdl(hdl)->set_max_message_size(max_message_size_);
      const std::size_t conn = ++owner_.connections_accepted_;
      conn_of_[hdl] = conn;
      hdl_of_[conn] = hdl;
      owner_.opened(conn);
    });
    server_.set_message_handler(
        [this](websocketpp::connection_hdl hdl, typename server_type::message_ptr message) {
          const auto it = conn_of_.find(hdl);
          if (it != conn_of_.end())
            owner_.received(it->second, std::move(message->get_raw_payload()));
        });
    server_.set_ping_handler(
        [this](websocketpp::connection_hdl, std::string) { return owner_.answer_pings_.load(); });
    server_.set_fail_handler([this](websocketpp::connection_hdl hdl) { live_.erase(hdl); });
    server_.set_close_handler([this](websocketpp::connection_hdl hdl) {
      live_.erase(hdl);
      const auto it = conn_of_.find(hdl);
      if (it == conn_of_.end()) return;
      const auto conn = it->second;
      conn_of_.erase(it);
      hdl_of_.erase(conn);
      owner_.closed(conn);
    });
  }

  std::uint16_t listen() override {
    server_.listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    server_.start_accept();
    std::error_code ec;
    return server_.get_local_endpoint(ec).port();
  }

  bool send(std::size_t conn, const std::string& payload, bool binary) override {
    const auto con = connection(conn);
    return con && !con->send(payload, binary ? websocketpp::frame::opcode::binary
                                             : websocketpp::frame::opcode::text);
  }

  bool close(std::size_t conn, std::uint16_t code, const std::string& reason) override {
    const auto con = connection(conn);
    if (!con) return false;
    std::error_code ec;
    con->close(code, reason, ec);
    return !ec;
  }

  bool drop(std::size_t conn) override {
    const auto con = connection(conn);
    if (!con) return false;
    drop_tcp(con);
    return true;
  }

  void set_max_message_size(std::size_t bytes) override { max_message_size_ = bytes; }

  void stop() override {
    std::error_code ignored;
    server_.stop_listening(ignored);
    for (const auto& hdl : live_) {
      std::error_code ec;
      if (const auto con = server_.get_con_from_hdl(hdl, ec); !ec) drop_tcp(con);
    }
  }

 private:
  typename server_type::connection_ptr connection(std::size_t conn) {
    const auto it = hdl_of_.find(conn);
    if (it == hdl_of_.end()) return nullptr;
    std::error_code ec;
    auto con = server_.get_con_from_hdl(it->second, ec);
    if (ec || con->get_state() != websocketpp::session::state::open) return nullptr;
    return con;
  }

  // The read that follows fails, and websocketpp ends the connection without a Close frame.
  static void drop_tcp(const typename server_type::connection_ptr& con) {
    std::error_code ignored;
    con->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  }

  scripted_server& owner_;
  server_type server_;
  std::set<websocketpp::connection_hdl, hdl_less> live_;  // every accepted TCP connection
  std::map<websocketpp::connection_hdl, std::size_t, hdl_less> conn_of_;
  std::map<std::size_t, websocketpp::connection_hdl> hdl_of_;
  std::size_t max_message_size_ = default_max_message_size;
};

scripted_server::reply scripted_server::reply::result(json::value result) {
  reply r;
  r.kind_ = kind::answer;
  r.answer_ = {{"result", std::move(result)}};
  return r;
}

scripted_server::reply scripted_server::reply::error(std::int64_t code, std::string message,
                                                     json::value data) {
  reply r;
  r.kind_ = kind::answer;
  r.answer_ = answer_error(code, std::move(message), std::move(data));
  return r;
}

scripted_server::reply scripted_server::reply::raw(std::vector<std::string> frames) {
  reply r;
  r.kind_ = kind::raw;
  r.frames_ = std::move(frames);
  return r;
}

scripted_server::reply scripted_server::reply::none() {
  reply r;
  r.kind_ = kind::none;
  return r;
}

scripted_server::reply scripted_server::reply::defaults() {
  return reply{};
}

scripted_server::reply& scripted_server::reply::before(std::vector<std::string> frames) {
  before_ = std::move(frames);
  return *this;
}

scripted_server::reply& scripted_server::reply::after(std::chrono::milliseconds delay) {
  delay_ = delay;
  return *this;
}

scripted_server::scripted_server(std::optional<test_cert> tls)
    : work_(asio::make_work_guard(io_)), tls_(tls.has_value()) {
  if (tls) {
    wire_ = std::make_unique<wire_for<tls_config>>(*this, tls_context(*tls));
  } else {
    wire_ = std::make_unique<wire_for<plain_config>>(*this, nullptr);
  }
  port_ = wire_->listen();
  thread_ = std::thread([this] { run_io_reporting(io_, "scripted_server"); });
}

scripted_server::~scripted_server() {
  on_io_thread([this] {
    stopping_ = true;
    for (const auto& timer : delayed_) timer->cancel();
    wire_->stop();
  });
  // Once every connection has ended, run() runs out of work.
  work_.reset();
  thread_.join();
}

template <class F>
auto scripted_server::on_io_thread(F f) const -> decltype(f()) {
  if (std::this_thread::get_id() == thread_.get_id()) return f();
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  asio::post(io_, [&task] { task(); });
  return result.get();
}

std::string scripted_server::url() const {
  return (tls_ ? "wss://127.0.0.1:" : "ws://127.0.0.1:") + std::to_string(port_) + "/";
}

void scripted_server::on(const std::string& method, behaviour b) {
  std::lock_guard lock(mutex_);
  behaviours_[method] = std::move(b);
}

void scripted_server::reset_behaviour() {
  std::lock_guard lock(mutex_);
  behaviours_.clear();
}

void scripted_server::set_max_message_size(std::size_t bytes) {
  on_io_thread([&] { wire_->set_max_message_size(bytes); });
}

std::size_t scripted_server::resolve(std::size_t conn) const {
  if (conn != 0) return conn;
  return sessions_.empty() ? 0 : sessions_.rbegin()->first;
}

bool scripted_server::send_frame(std::size_t conn, const std::string& text) {
  return wire_->send(conn, text, false);
}

bool scripted_server::push(json::object result, std::size_t conn) {
  return send_text(push_text(std::move(result)), conn);
}

bool scripted_server::send_text(std::string text, std::size_t conn) {
  return on_io_thread([&] { return send_frame(resolve(conn), text); });
}

bool scripted_server::send_binary(std::string bytes, std::size_t conn) {
  return on_io_thread([&] { return wire_->send(resolve(conn), bytes, true); });
}

bool scripted_server::close(std::uint16_t code, std::string reason, std::size_t conn) {
  return on_io_thread([&] { return wire_->close(resolve(conn), code, reason); });
}

bool scripted_server::drop(std::size_t conn) {
  return on_io_thread([&] { return wire_->drop(resolve(conn)); });
}

// The peer list and the push change together: a client that connects meanwhile sees both or
// neither.
bool scripted_server::peer_connect(const std::string& pid, json::object options) {
  return on_io_thread([&] {
    peers_.emplace_back(pid, options);
    return send_frame(
        resolve(0),
        push_text({{"type", "session"}, {"connect", pid}, {"options", std::move(options)}}));
  });
}

bool scripted_server::peer_disconnect(const std::string& pid) {
  return on_io_thread([&] {
    peers_.erase(
        std::remove_if(peers_.begin(), peers_.end(), [&](const auto& p) { return p.first == pid; }),
        peers_.end());
    return send_frame(resolve(0), push_text({{"type", "session"}, {"disconnect", pid}}));
  });
}

bool scripted_server::peer_change(const std::string& old_pid, const std::string& new_pid) {
  return on_io_thread([&] {
    for (auto& p : peers_) {
      if (p.first == old_pid) p.first = new_pid;
    }
    return send_frame(
        resolve(0),
        push_text({{"type", "session"},
                   {"change", {{"oldPrivateID", old_pid}, {"newPrivateID", new_pid}}}}));
  });
}

bool scripted_server::direct(const std::string& from, json::value data) {
  return push({{"type", "direct"}, {"from", from}, {"data", std::move(data)}});
}

bool scripted_server::broadcast(const std::string& from, json::value data) {
  return push({{"type", "broadcast"}, {"from", from}, {"data", std::move(data)}});
}

std::optional<scripted_server::request> scripted_server::next_request(
    std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!arrived_.wait_for(lock, timeout, [&] { return !requests_.empty(); })) return std::nullopt;
  auto r = std::move(requests_.front());
  requests_.pop_front();
  return r;
}

bool scripted_server::connected() const {
  return on_io_thread([&] { return !sessions_.empty(); });
}

std::string scripted_server::private_id() const {
  return on_io_thread([&] {
    const auto conn = resolve(0);
    return conn == 0 ? std::string() : sessions_.at(conn).private_id;
  });
}

std::vector<std::string> scripted_server::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

void scripted_server::opened(std::size_t conn) {
  sessions_[conn];
}

void scripted_server::closed(std::size_t conn) {
  sessions_.erase(conn);
}

void scripted_server::received(std::size_t conn, std::string text) {
  request r;
  r.conn = conn;
  r.text = std::move(text);
  json::error_code ec;
  auto parsed = json::parse(r.text, ec);
  const bool is_object = !ec && parsed.is_object();
  if (is_object) {
    auto& o = parsed.as_object();
    if (const auto* id = o.if_contains("id")) r.id = *id;
    if (const auto* m = o.if_contains("method"); m && m->is_string()) r.method = m->as_string();
    if (const auto* p = o.if_contains("params"); p && p->is_object()) r.params = p->as_object();
  }
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(r);
  }
  arrived_.notify_all();
  deliver(r, behaviour_for(r, is_object));
}

scripted_server::reply scripted_server::behaviour_for(const request& r, bool is_object) {
  behaviour b;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = behaviours_.find(r.method); it != behaviours_.end()) b = it->second;
  }
  reply what;
  if (b) {
    try {
      what = b(r);
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex_);
      failures_.push_back("behaviour for " + r.method + " threw: " + e.what());
      std::fprintf(stderr, "scripted_server: %s\n", failures_.back().c_str());
      return reply::none();
    }
  }
  if (what.kind_ != reply::kind::defaults) return what;
  // Worked out now, not when a delayed reply is sent: the hub's state follows request order.
  auto resolved = default_reply(r, is_object);
  resolved.before_ = std::move(what.before_);
  resolved.delay_ = what.delay_;
  return resolved;
}

scripted_server::reply scripted_server::default_reply(const request& r, bool is_object) {
  auto& s = sessions_[r.conn];
  const auto* user_token = r.params.if_contains("user_token");
  const auto* server_token = r.params.if_contains("server_token");
  const bool tokens_match = user_token && server_token && !s.server_token.empty() &&
                            *user_token == json::value(s.user_token) &&
                            *server_token == json::value(s.server_token);
  if (!is_object) return reply::error(-32700, "Request empty or malformed.");
  if (r.method.empty()) return reply::error(-32600, "Invalid request.");
  if (r.method == "WSS_Handshake") {
    if (!user_token || !user_token->is_string() || user_token->as_string().empty())
      return reply::error(-32602, "Invalid params.");
    s = {std::string(user_token->as_string()), proto::random_token(), {}};
    return reply::result({{"message", "accept"},
                          {"numconnections", 1},
                          {"maxconnections", 10},
                          {"peerconnections", 1},
                          {"server_token", s.server_token}});
  }
  if (r.method == "WSS_Connect") {
    if (s.server_token.empty()) return reply::error(-32001, "Session handshake not established.");
    if (!tokens_match) return reply::error(-32001, "Token mismatch.");
    const auto* options = r.params.if_contains("options");
    if (!options || !options->is_object()) return reply::error(-32602, "Invalid params.");
    s.private_id = proto::private_id_for(s.server_token, s.user_token);
    json::array pids, peer_options;
    for (const auto& [pid, o] : peers_) {
      pids.emplace_back(pid);
      peer_options.emplace_back(o);
    }
    return reply::result({{"message", "open"},
                          {"connect", std::move(pids)},
                          {"options", std::move(peer_options)},
                          {"private_id", s.private_id}});
  }
  if (r.method == "WSS_Session") {
    if (s.private_id.empty() || !tokens_match)
      return reply::error(-32003, "Session not established.");
    const auto* action = r.params.if_contains("action");
    if (action && *action == json::value("getPID"))
      return reply::result({{"privateID", s.private_id}});
    const auto* pid = r.params.if_contains("privateID");
    if (action && *action == json::value("setPID") && pid && pid->is_string()) {
      s.private_id = pid->as_string();
      return reply::result({{"privateID", s.private_id}});
    }
    return reply::error(-32602, "Invalid params.");
  }
  if (r.method == "WSS_Send") {
    if (!tokens_match) return reply::error(-32001, "Handshake not established.");
    return reply::result({{"message", "ok"}});
  }
  return reply::error(-32601, "Method \"" + r.method + "\" does not exist.");
}

void scripted_server::deliver(const request& r, const reply& what) {
  if (what.delay_.count() > 0) {
    auto timer = std::make_shared<asio::steady_timer>(io_, what.delay_);
    delayed_.insert(timer);
    auto now = what;
    now.delay_ = {};
    timer->async_wait([this, timer, r, now](const asio::error_code& ec) {
      delayed_.erase(timer);
      if (!ec && !stopping_) deliver(r, now);
    });
    return;
  }
  for (const auto& frame : what.before_) send_frame(r.conn, frame);
  switch (what.kind_) {
    case reply::kind::answer: {
      // Key order as the reference server writes it.
      json::object frame{{"jsonrpc", "2.0"}};
      for (const auto& [key, value] : what.answer_) frame[key] = value;
      frame["id"] = r.id;
      send_frame(r.conn, json::serialize(frame));
      break;
    }
    case reply::kind::raw:
      for (const auto& frame : what.frames_) send_frame(r.conn, frame);
      break;
    case reply::kind::none:
    case reply::kind::defaults:
      break;
  }
}

}  // namespace wssd::test
