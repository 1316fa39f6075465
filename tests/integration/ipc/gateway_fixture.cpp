#include "tests/integration/ipc/gateway_fixture.hpp"

#include <sstream>

namespace wssd::test {

answer call(client& c, const std::string& method, json::object params) {
  auto outcome = c.call(method, std::move(params), patience);
  if (!outcome) {
    ADD_FAILURE() << method << ": " << outcome.error().what;
    return proto::rpc_error{0, outcome.error().what, {}};
  }
  return std::move(*outcome);
}

json::value result_of(client& c, const std::string& method, json::object params) {
  auto a = call(c, method, std::move(params));
  if (!a) {
    ADD_FAILURE() << method << " failed: " << a.error().message << " (" << a.error().code << ")";
    return nullptr;
  }
  return std::move(*a);
}

std::string request_line(const json::value& id, const std::string& method, json::object params) {
  return proto::serialize_request(id, method, std::move(params)) + "\n";
}

std::optional<json::object> read_object(raw_socket& s, std::chrono::milliseconds limit) {
  auto line = s.read_line(limit);
  if (!line) return std::nullopt;
  auto object = proto::parse_object(*line);
  if (!object) {
    ADD_FAILURE() << "not a JSON object: " << *line;
    return std::nullopt;
  }
  return std::move(*object);
}

std::vector<json::object> json_lines(const std::string& text) {
  std::vector<json::object> out;
  // Only complete lines: a writer may be in the middle of the last one.
  std::istringstream lines(text.substr(0, text.rfind('\n') + 1));
  for (std::string line; std::getline(lines, line);) {
    auto object = proto::parse_object(line);
    if (object) {
      out.push_back(std::move(*object));
    } else {
      ADD_FAILURE() << "not a JSON object: " << line;
    }
  }
  return out;
}

json::object error_in(const json::object& response) {
  const auto* e = response.if_contains("error");
  return e && e->is_object() ? e->as_object() : json::object{};
}

bool is_message(const json::object& event, const std::string& kind, const std::string& from,
                const json::value& data) {
  const auto* d = event.if_contains("data");
  return event.if_contains("type") && event.at("type") == "message" && event.if_contains("kind") &&
         event.at("kind") == json::value(kind) && event.if_contains("from") &&
         event.at("from") == json::value(from) && d && *d == data;
}

subscriber::subscriber(const daemon_process& d, json::object params) : client_(d.connect()) {
  const auto r = result_of(client_, "subscribe", std::move(params));
  if (const auto* seq = r.is_object() ? r.as_object().if_contains("seq") : nullptr) {
    seq_ = seq->to_number<std::uint64_t>();
  } else {
    ADD_FAILURE() << "subscribe answered " << json::serialize(r);
  }
}

std::optional<json::object> subscriber::next(std::chrono::milliseconds limit) {
  auto e = client_.next_event(limit);
  if (!e) {
    ADD_FAILURE() << "waiting for an event: " << e.error().what;
    return std::nullopt;
  }
  return std::move(*e);
}

std::optional<json::object> subscriber::next_of(const std::string& type,
                                                std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto e = next(left);
    if (!e || e->at("type") == json::value(type)) return e;
  }
}

bool subscriber::nothing_pending() {
  result_of(client_, "hello");
  auto e = client_.next_event(0ms);
  if (e && *e) ADD_FAILURE() << "unexpected event " << json::serialize(**e);
  return e && !*e;
}

monitor_process::monitor_process(const std::string& socket, std::vector<std::string> args)
    : process_([&] {
        std::vector<std::string> argv{WSSCTL_PATH, "--socket", socket, "--json", "monitor"};
        argv.insert(argv.end(), args.begin(), args.end());
        return child_process::options{std::move(argv), {}, output_ / "out", output_ / "err"};
      }()) {}

std::optional<json::object> monitor_process::wait_for(
    const std::function<bool(const json::object&)>& match, std::chrono::milliseconds limit) const {
  std::optional<json::object> found;
  eventually(
      [&] {
        for (auto& e : events()) {
          if (match(e)) {
            found = std::move(e);
            return true;
          }
        }
        return false;
      },
      limit);
  return found;
}

bool gateway_test::start_wssd(json::object config) {
  wssd_ = std::make_unique<daemon_process>(dir_, hub_.ws_url(), std::move(config));
  const auto online = [this] {
    const auto s = wssd_->status();
    return s.contains("state") && s.at("state") == "online";
  };
  // A wssd that refused to start is not waited for.
  eventually([&] { return !wssd_->process().running() || online(); });
  if (online()) return true;
  ADD_FAILURE() << "wssd did not come online:\n" << wssd_->log();
  return false;
}

test_peer* gateway_test::join_peer(json::object options) {
  auto peer = std::make_unique<test_peer>();
  if (!peer->join(hub_.ws_url(), std::move(options))) {
    ADD_FAILURE() << "peer cannot join: " << peer->last_error();
    return nullptr;
  }
  if (wssd_ && !eventually([&] { return knows_peer(peer->private_id()); })) {
    ADD_FAILURE() << "wssd never listed peer " << peer->private_id();
    return nullptr;
  }
  peers_.push_back(std::move(peer));
  return peers_.back().get();
}

bool gateway_test::knows_peer(const std::string& private_id) const {
  auto c = client::connect(wssd_->socket());
  if (!c) return false;
  auto peers = c->call("peers", {}, patience);
  if (!peers || !*peers || !(**peers).is_array()) return false;
  for (const auto& p : (**peers).as_array()) {
    if (p.at("private_id") == json::value(private_id)) return true;
  }
  return false;
}

std::optional<json::object> gateway_test::wait_message(test_peer& peer, const std::string& kind,
                                                       const json::value& data) {
  return peer.wait_push(
      [&](const json::object& p) {
        const auto* d = p.if_contains("data");
        return p.at("type") == json::value(kind) && d && *d == data;
      },
      patience);
}

}  // namespace wssd::test
