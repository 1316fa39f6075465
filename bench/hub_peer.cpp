#include "bench/hub_peer.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <stdexcept>

#include "proto/identity.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd::bench {

namespace json = boost::json;

namespace {

constexpr auto teardown_limit = std::chrono::seconds(2);

std::string quoted(std::string_view s) {
  return json::serialize(json::string(s));
}

// The hub writes an answer as {"jsonrpc":"2.0","result"|"error":…,"id":ID}, with the id last; a
// push has no id. Looking at the tail spares parsing every push (a subscriber only counts them).
bool is_answer(std::string_view frame) {
  constexpr std::size_t tail = 40;
  const auto from = frame.size() > tail ? frame.size() - tail : 0;
  return frame.find("\"id\":", from) != std::string_view::npos;
}

}  // namespace

hub_peer::hub_peer(event_loop& loop)
    : loop_(loop), transport_(make_websocket_transport(loop.io(), tls_options{})) {}

void hub_peer::leave() {
  if (closed_ || url_.empty() || leaving_) return;
  leaving_ = true;
  transport_->abort();
}

hub_peer::~hub_peer() {
  if (!closed_ && !url_.empty()) {
    leave();
    // websocketpp's handlers refer to the transport: let them finish before it goes.
    try {
      loop_.run_until([this] { return closed_; }, teardown_limit);
    } catch (const std::exception&) {
      // a failure of another client; its owner hears of it at its next wait
    }
  }
}

void hub_peer::join(const std::string& url, clock::duration limit) {
  start_join(url);
  if (!loop_.run_until([this] { return joined_ || !failure_.empty() || closed_; }, limit) ||
      !joined_) {
    throw std::runtime_error("a hub peer cannot join " + url + ": " +
                             (failure_.empty() ? "no answer" : failure_));
  }
}

void hub_peer::start_join(const std::string& url, std::function<void()> settled) {
  url_ = url;
  settled_ = std::move(settled);
  transport::handlers h;
  h.on_open = [this] {
    open_ = true;
    handshake();
  };
  h.on_message = [this](std::string_view frame) { received(frame); };
  h.on_close = [this](transport::closed c) { lost(std::move(c.reason)); };
  transport_->connect(url, std::move(h));
}

void hub_peer::handshake() {
  user_token_ = proto::random_token();
  tokens_ = "\"user_token\":" + quoted(user_token_);
  request("WSS_Handshake", "", [this](const json::object& answer) {
    const auto* result = answer.if_contains("result");
    const auto* token =
        result && result->is_object() ? result->as_object().if_contains("server_token") : nullptr;
    if (!token || !token->is_string()) {
      failure_ = "handshake: " + json::serialize(answer);
      if (settled_) settled_();
      return;
    }
    tokens_ += ",\"server_token\":" + quoted(token->as_string());
    request("WSS_Connect", R"(,"options":{"wss":true,"webrtc":false,"ortc":false})",
            [this](const json::object& connected) {
              const auto* result = connected.if_contains("result");
              const auto* pid = result && result->is_object()
                                    ? result->as_object().if_contains("private_id")
                                    : nullptr;
              if (!pid || !pid->is_string()) {
                failure_ = "connect: " + json::serialize(connected);
                if (settled_) settled_();
                return;
              }
              private_id_ = std::string(pid->as_string());
              joined_ = true;
              if (settled_) settled_();
            });
  });
}

void hub_peer::send_direct(std::string_view to, std::string_view data, ack_handler done) {
  std::string tail = R"(,"type":"direct","to":{"rcp":[")";
  tail.append(to).append(R"("]},"data":)").append(data);
  request("WSS_Send", tail, [done = std::move(done)](const json::object& answer) {
    done(answer.contains("result"));
  });
}

void hub_peer::broadcast(std::string_view data, std::string_view exclude_rcp, ack_handler done) {
  std::string tail = R"(,"type":"broadcast","exclude":{"rcp":)";
  tail.append(exclude_rcp).append(R"(},"data":)").append(data);
  request("WSS_Send", tail, [done = std::move(done)](const json::object& answer) {
    done(answer.contains("result"));
  });
}

void hub_peer::request(std::string_view method, std::string_view params_tail,
                       std::function<void(const json::object&)> done) {
  const auto id = next_id_++;
  text_.assign(R"({"jsonrpc":"2.0","id":)");
  text_.append(std::to_string(id)).append(R"(,"method":")").append(method);
  text_.append(R"(","params":{)").append(tokens_).append(params_tail).append("}}");
  if (const auto ec = transport_->send(text_)) {
    loop_.fail("a hub peer cannot send: " + ec.message());
    return;
  }
  waiting_.push_back({id, std::move(done)});
}

void hub_peer::received(std::string_view frame) {
  if (!is_answer(frame)) {
    if (on_push_) on_push_(frame);
    return;
  }
  auto answer = proto::parse_object(frame);
  if (!answer) return loop_.fail("the hub sent a frame that is not JSON: " + std::string(frame));
  const auto* id = answer->if_contains("id");
  if (waiting_.empty() || !id || !id->is_int64() ||
      id->as_int64() != static_cast<std::int64_t>(waiting_.front().id)) {
    return loop_.fail("the hub answered out of order: " + std::string(frame));
  }
  auto done = std::move(waiting_.front().done);
  waiting_.pop_front();
  done(*answer);
}

void hub_peer::lost(std::string reason) {
  const bool was_open = open_;
  open_ = false;
  closed_ = true;
  if (!joined_ && failure_.empty()) {
    failure_ = "closed: " + reason;
    if (settled_) settled_();
  }
  if (was_open && joined_ && !leaving_) loop_.fail("a hub peer lost its connection: " + reason);
}

}  // namespace wssd::bench
