#include "tests/support/fake_transport.hpp"

#include <algorithm>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <stdexcept>

namespace wssd::test {

namespace json = boost::json;
using clock = std::chrono::steady_clock;

struct fake_server::state : std::enable_shared_from_this<state> {
  enum class phase { idle, connecting, open, closing };

  explicit state(asio::io_context& context) : io(context) {}

  // Runs `f` from the loop if connection `n` is then still current and in phase `p`.
  template <class F>
  void deliver(phase p, F f) {
    asio::post(io, [self = shared_from_this(), n = connection, p, f = std::move(f)] {
      if (self->connection == n && self->now == p) f();
    });
  }

  // Queues the one on_close of the current connection.
  bool end(transport::closed why) {
    if (now == phase::idle || now == phase::closing) return false;
    now = phase::closing;
    deliver(phase::closing, [this, why = std::move(why)] {
      now = phase::idle;
      auto h = std::exchange(handlers, {});
      h.on_close(why);
    });
    return true;
  }

  asio::io_context& io;
  phase now = phase::idle;
  unsigned connection = 0;
  transport::handlers handlers;  // of the current connection
  std::vector<frame> frames;
  std::size_t pings = 0;
  std::size_t closes = 0;
  std::size_t aborts = 0;
  std::string url;
  bool auto_pong = false;
  std::function<void()> on_connect;
  std::function<void(const frame&)> on_frame;
};

namespace {

class fake_transport final : public transport {
 public:
  explicit fake_transport(std::shared_ptr<fake_server::state> s) : state_(std::move(s)) {}

  // What is queued for this transport's owner must not reach it once it is gone.
  ~fake_transport() override {
    state_->now = fake_server::state::phase::idle;
    state_->handlers = {};
  }

  void connect(const std::string& url, handlers h) override {
    if (state_->now != fake_server::state::phase::idle) {
      throw std::logic_error("connect() before the previous connection's on_close");
    }
    ++state_->connection;
    state_->now = fake_server::state::phase::connecting;
    state_->handlers = std::move(h);
    state_->url = url;
    if (state_->on_connect) state_->on_connect();
  }

  std::error_code send(std::string text) override {
    if (state_->now != fake_server::state::phase::open) return asio::error::not_connected;
    fake_server::frame f{state_->connection, std::string(text), {}};
    std::error_code ec;
    auto parsed = json::parse(text, ec);
    if (!ec && parsed.is_object()) f.json = std::move(parsed.as_object());
    state_->frames.push_back(f);
    if (state_->on_frame) state_->on_frame(f);
    return {};
  }

  std::error_code ping() override {
    ++state_->pings;
    if (state_->now != fake_server::state::phase::open) return asio::error::not_connected;
    if (state_->auto_pong) {
      state_->deliver(fake_server::state::phase::open,
                      [s = state_.get()] { s->handlers.on_pong(); });
    }
    return {};
  }

  void close(std::string_view reason) override {
    ++state_->closes;
    state_->end({"closed by wssd: " + std::string(reason), false});
  }

  void abort() override {
    ++state_->aborts;
    state_->end({"aborted by wssd", false});
  }

 private:
  std::shared_ptr<fake_server::state> state_;
};

}  // namespace

fake_server::fake_server(asio::io_context& io) : state_(std::make_shared<state>(io)) {}

// Deliveries still queued in the loop refer to the state: they must find nothing to do.
fake_server::~fake_server() {
  state_->now = state::phase::idle;
  state_->handlers = {};
  state_->on_connect = {};
  state_->on_frame = {};
}

std::unique_ptr<transport> fake_server::make_transport() {
  return std::make_unique<fake_transport>(state_);
}

const std::vector<fake_server::frame>& fake_server::frames() const {
  return state_->frames;
}

std::vector<fake_server::frame> fake_server::requests(std::string_view method) const {
  std::vector<frame> out;
  for (const auto& f : state_->frames) {
    const auto* m = f.json.if_contains("method");
    if (m && m->is_string() && m->get_string() == method) out.push_back(f);
  }
  return out;
}

fake_server::frame fake_server::last(std::string_view method) const {
  auto all = requests(method);
  if (all.empty()) throw std::logic_error("wssd sent no " + std::string(method));
  return std::move(all.back());
}

unsigned fake_server::connects() const {
  return state_->connection;
}
std::size_t fake_server::pings() const {
  return state_->pings;
}
std::size_t fake_server::closes() const {
  return state_->closes;
}
std::size_t fake_server::aborts() const {
  return state_->aborts;
}
const std::string& fake_server::url() const {
  return state_->url;
}
bool fake_server::is_open() const {
  return state_->now == state::phase::open;
}
bool fake_server::connected() const {
  return state_->now != state::phase::idle;
}

void fake_server::open() {
  if (state_->now != state::phase::connecting) throw std::logic_error("no connect() to open");
  state_->deliver(state::phase::connecting, [s = state_.get()] {
    s->now = state::phase::open;
    s->handlers.on_open();
  });
}

void fake_server::reply(const frame& request, json::value result) {
  push(json::object{
      {"jsonrpc", "2.0"}, {"result", std::move(result)}, {"id", request.json.at("id")}});
}

void fake_server::reply_error(const frame& request, std::int64_t code, std::string message) {
  push(json::object{{"jsonrpc", "2.0"},
                    {"error", {{"code", code}, {"message", std::move(message)}}},
                    {"id", request.json.at("id")}});
}

void fake_server::push(const json::value& frame) {
  send_text(json::serialize(frame));
}

void fake_server::send_text(std::string text) {
  state_->deliver(state::phase::open,
                  [s = state_.get(), text = std::move(text)] { s->handlers.on_message(text); });
}

void fake_server::pong() {
  state_->deliver(state::phase::open, [s = state_.get()] { s->handlers.on_pong(); });
}

bool fake_server::drop(std::string reason, bool message_too_big) {
  return state_->end({std::move(reason), message_too_big});
}

void fake_server::auto_pong(bool on) {
  state_->auto_pong = on;
}
void fake_server::on_connect(std::function<void()> f) {
  state_->on_connect = std::move(f);
}
void fake_server::on_frame(std::function<void(const frame&)> f) {
  state_->on_frame = std::move(f);
}

// ---- fake_hub ----

fake_hub::fake_hub(fake_server& server) : server_(server) {
  server_.on_connect([this] { server_.open(); });
  server_.on_frame([this](const fake_server::frame& f) { on_frame(f); });
}

fake_hub::~fake_hub() {
  server_.on_connect({});
  server_.on_frame({});
}

void fake_hub::assign(std::string private_id, std::vector<proto::peer_connected> peers) {
  private_id_ = std::move(private_id);
  peers_ = std::move(peers);
}

std::string fake_hub::server_token(unsigned connection) {
  char token[65];
  std::snprintf(token, sizeof token, "5e%062x", connection);
  return token;
}

void fake_hub::on_frame(const fake_server::frame& f) {
  const auto* method = f.json.if_contains("method");
  if (!method || !method->is_string()) return;
  const auto& params = f.json.at("params").as_object();
  if (*method == "WSS_Handshake") {
    server_.reply(f, json::object{{"message", "accept"},
                                  {"numconnections", 1},
                                  {"maxconnections", 10},
                                  {"peerconnections", 1},
                                  {"server_token", server_token(f.connection)}});
  } else if (*method == "WSS_Connect") {
    json::array ids;
    json::array options;
    for (const auto& p : peers_) {
      ids.emplace_back(p.private_id);
      options.emplace_back(p.options);
    }
    server_.reply(f, json::object{{"message", "open"},
                                  {"connect", std::move(ids)},
                                  {"options", std::move(options)},
                                  {"private_id", private_id_}});
  } else if (*method == "WSS_Session" && answer_set_pid_ && params.at("action") == "setPID") {
    server_.reply(f, json::object{{"privateID", params.at("privateID")}});
  } else if (*method == "WSS_Send" && answer_sends_) {
    server_.reply(f, json::object{{"message", "ok"}});
  }
}

// ---- The loop ----

config fast_config() {
  config c;
  c.server = "ws://hub.test/";
  c.connect_timeout = seconds(1);
  c.request_timeout = seconds(1);
  c.ping_interval = seconds(3600);
  c.ping_timeout = seconds(3600);
  // Full jitter under a 0.02 s ceiling is always below the floor: each retry waits 0.1 s.
  c.backoff.base = seconds(0.01);
  c.backoff.cap = seconds(0.02);
  c.backoff.too_many_connections = seconds(0.3);
  return c;
}

bool run_until(asio::io_context& io, const std::function<bool()>& done, clock::duration limit) {
  const auto deadline = clock::now() + limit;
  while (!done()) {
    const auto now = clock::now();
    if (now >= deadline) return false;
    io.restart();
    // In short slices: `done` may watch what the loop does not wait for (a test's own socket).
    const auto slice = std::min<clock::duration>(deadline - now, std::chrono::milliseconds(1));
    if (io.run_one_for(slice) == 0 && io.stopped()) return done();  // out of work
  }
  return true;
}

void run_for(asio::io_context& io, clock::duration d) {
  io.restart();
  io.run_for(d);
}

void poll(asio::io_context& io) {
  io.restart();
  io.poll();
}

}  // namespace wssd::test
