#include "tests/support/test_peer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "proto/identity.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd::test {

namespace json = boost::json;

bool test_peer::join(const std::string& url, json::object options) {
  if (!ws_.connect(url)) {
    last_error_ = "cannot open " + url + ": " + ws_.close_reason();
    return false;
  }
  user_token_ = proto::random_token();
  auto handshake = request("WSS_Handshake", {{"user_token", user_token_}});
  if (!handshake || !handshake->contains("result")) {
    last_error_ = "handshake: " + (handshake ? json::serialize(*handshake) : "no answer");
    return false;
  }
  server_token_ = std::string(handshake->at("result").at("server_token").as_string());
  auto connect = request("WSS_Connect", with_tokens({{"options", std::move(options)}}));
  if (!connect || !connect->contains("result")) {
    last_error_ = "connect: " + (connect ? json::serialize(*connect) : "no answer");
    return false;
  }
  connect_result_ = connect->at("result").as_object();
  private_id_ = std::string(connect_result_.at("private_id").as_string());
  return true;
}

json::object test_peer::with_tokens(json::object params) const {
  params["user_token"] = user_token_;
  params["server_token"] = server_token_;
  return params;
}

std::optional<json::object> test_peer::request(const std::string& method, json::object params) {
  const int id = next_id_++;
  ws_.send_text(json::serialize(json::object{
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}));
  const auto deadline = std::chrono::steady_clock::now() + default_timeout;
  while (auto frame = receive_object(deadline)) {
    if (!frame->contains("id")) {
      if (auto* r = frame->if_contains("result"); r && r->is_object())
        pushes_.push_back(r->as_object());
    } else if (frame->at("id") == json::value(id)) {
      return frame;
    }
  }
  return std::nullopt;
}

std::optional<json::object> test_peer::receive_object(
    std::chrono::steady_clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto frame = ws_.receive(left);
    if (!frame) return std::nullopt;
    auto v = proto::parse_object(*frame);  // as deep as wssd takes
    if (v) return std::move(*v);
  }
}

bool test_peer::send_direct(const std::string& to, const json::value& data) {
  auto r = request("WSS_Send", with_tokens({{"type", "direct"},
                                            {"to", {{"rcp", json::array{json::value(to)}}}},
                                            {"data", data}}));
  return r && r->contains("result");
}

bool test_peer::broadcast(const json::value& data) {
  auto r = request("WSS_Send", with_tokens({{"type", "broadcast"}, {"data", data}}));
  return r && r->contains("result");
}

bool test_peer::set_private_id(const std::string& pid) {
  auto r = request("WSS_Session", with_tokens({{"action", "setPID"}, {"privateID", pid}}));
  if (!r || !r->contains("result")) return false;
  private_id_ = pid;
  return true;
}

std::optional<json::object> test_peer::next_push(std::chrono::milliseconds timeout) {
  if (!pushes_.empty()) {
    auto p = std::move(pushes_.front());
    pushes_.pop_front();
    return p;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (auto frame = receive_object(deadline)) {
    if (frame->contains("id")) continue;
    if (auto* r = frame->if_contains("result"); r && r->is_object()) return r->as_object();
  }
  return std::nullopt;
}

std::optional<json::object> test_peer::wait_push(
    const std::function<bool(const json::object&)>& match, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto p = next_push(left);
    if (!p) return std::nullopt;
    if (match(*p)) return p;
  }
}

}  // namespace wssd::test
