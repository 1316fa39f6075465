// wssctl: the command line for wssd's local socket.
//
// Exit codes: 0 ok, 1 failure, 2 usage, 3 timeout, 4 daemon not reachable, 5 denied.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <csignal>
#include <iostream>
#include <sstream>
#include <thread>

#include "daemon/version.hpp"
#include "ipc/client.hpp"
#include "proto/local_protocol.hpp"
#include "proto/wssd_errors.hpp"

namespace {

namespace json = boost::json;
using wssd::client;

enum exit_code { ok = 0, failed = 1, usage = 2, timed_out = 3, unreachable = 4, denied = 5 };

struct options {
  std::string socket;
  bool json = false;
};

int exit_for(client::failure_kind kind) {
  switch (kind) {
    case client::failure_kind::unreachable:
      return unreachable;
    case client::failure_kind::denied:
      return denied;
    case client::failure_kind::timeout:
      return timed_out;
    case client::failure_kind::broken:
      return failed;
  }
  return failed;
}

int exit_for(const wssd::proto::rpc_error& e) {
  if (e.code == wssd::proto::wssd_error::denied) return denied;
  if (e.code == wssd::proto::wssd_error::timeout || e.code == wssd::proto::wssd_error::expired) {
    return timed_out;
  }
  return failed;
}

int report(const options& o, int code, const std::string& message, json::value data = nullptr) {
  if (o.json) {
    json::object error{{"message", message}, {"exit", code}};
    if (!data.is_null()) error["data"] = std::move(data);
    std::cout << json::serialize(json::object{{"error", std::move(error)}}) << std::endl;
  } else {
    std::cerr << "wssctl: " << message << "\n";
  }
  return code;
}

int report(const options& o, const client::failure& f) {
  return report(o, exit_for(f.kind), f.what);
}

int report(const options& o, const wssd::proto::rpc_error& e) {
  return report(o, exit_for(e), e.message + " (" + std::to_string(e.code) + ")",
                json::value(wssd::proto::to_json(e)));
}

// DATA is JSON if it parses, else a string.
json::value parse_data(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value(text) : v;
}

json::array to_array(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

// One request, its result printed (as JSON with --json, else by `print`).
int run_call(const options& o, const std::string& method, json::object params,
             const std::function<void(const json::value&)>& print) {
  auto c = client::connect(o.socket);
  if (!c) return report(o, c.error());
  auto answer = c->call(method, std::move(params));
  if (!answer) return report(o, answer.error());
  if (!*answer) return report(o, answer->error());
  if (o.json) {
    std::cout << json::serialize(**answer) << std::endl;
  } else {
    print(**answer);
  }
  return ok;
}

void print_status(const json::value& v) {
  const auto& s = v.as_object();
  for (const char* key : {"state", "private_id", "server", "peers", "uptime", "reconnects",
                          "clients", "seq", "version"}) {
    if (const auto* f = s.if_contains(key)) {
      std::cout << key << ": "
                << (f->is_string() ? std::string(f->as_string()) : json::serialize(*f)) << "\n";
    }
  }
  for (const char* group : {"counters", "queue"}) {
    if (const auto* g = s.if_contains(group); g && g->is_object()) {
      for (const auto& [k, val] : g->as_object())
        std::cout << group << "." << k << ": " << json::serialize(val) << "\n";
    }
  }
}

void print_peers(const json::value& v) {
  for (const auto& p : v.as_array()) {
    std::cout << p.at("private_id").as_string().c_str() << " " << json::serialize(p.at("options"))
              << "\n";
  }
}

void print_ok(const json::value&) {}

std::string text_of(const json::object& e, const char* key) {
  const auto* v = e.if_contains(key);
  if (!v || v->is_null()) return "-";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

// One human line per event.
std::string describe_event(const json::object& e) {
  const auto type = text_of(e, "type");
  std::string line = "[" + text_of(e, "seq") + "] " + type;
  if (type == "message")
    return line + " " + text_of(e, "kind") + " from " + text_of(e, "from") + ": " +
           text_of(e, "data");
  if (type == "update") return line + " from " + text_of(e, "from") + ": " + text_of(e, "data");
  if (type == "peer_connect" || type == "peer_disconnect")
    return line + " " + text_of(e, "private_id");
  if (type == "peer_private_id") return line + " " + text_of(e, "old") + " -> " + text_of(e, "new");
  if (type == "private_id") return line + " " + text_of(e, "private_id");
  if (type == "state") return line + " " + text_of(e, "state") + " (" + text_of(e, "reason") + ")";
  return line + " " + json::serialize(e);
}

// Follows the event stream; across daemon restarts it reconnects and resumes after the last
// seq it printed.
int monitor(const options& o, std::optional<std::uint64_t> since,
            const std::vector<std::string>& types) {
  bool announced_loss = false;
  std::string instance;  // whose numbering `since` is in
  while (true) {
    auto c = client::connect(o.socket);
    if (!c) {
      if (!since) return report(o, c.error());  // never connected: say so now
      if (!announced_loss) std::cerr << "wssctl: " << c.error().what << "; retrying\n";
      announced_loss = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    announced_loss = false;
    json::object params{{"types", to_array(types)}};
    if (since) params["since"] = *since;
    if (!instance.empty()) params["instance"] = instance;
    auto answer = c->call("subscribe", std::move(params));
    if (!answer) return report(o, answer.error());
    if (!*answer) return report(o, answer->error());
    if (!since) since = (**answer).at("seq").to_number<std::uint64_t>();
    if (const auto* i = (**answer).as_object().if_contains("instance"); i && i->is_string()) {
      instance = std::string(i->as_string());
    }
    while (true) {
      auto e = c->next_event();
      if (!e) break;  // the daemon went away: reconnect
      const auto& event = **e;
      if (const auto* seq = event.if_contains("seq")) since = seq->to_number<std::uint64_t>();
      std::cout << (o.json ? json::serialize(event) : describe_event(event)) << std::endl;
    }
  }
}

// Waits until wssd says online, up to `timeout` seconds (the daemon may not even be up yet).
int wait_online(const options& o, double timeout) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  auto left = [&] {
    return std::chrono::duration_cast<client::duration>(deadline -
                                                        std::chrono::steady_clock::now());
  };
  while (left().count() > 0) {
    auto c = client::connect(o.socket);
    if (!c) {
      if (c.error().kind == client::failure_kind::denied) return report(o, c.error());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    auto subscribed = c->call("subscribe", {{"types", json::array{"state"}}}, left());
    if (!subscribed) continue;
    if (!*subscribed) return report(o, subscribed->error());
    auto status = c->call("status", {}, left());
    if (status && *status && (**status).at("state") == "online") return ok;
    while (left().count() > 0) {
      auto e = c->next_event(left());
      if (!e) break;
      if (*e && (**e).at("state") == "online") return ok;
    }
  }
  std::ostringstream text;
  text << "wssd is not online after " << timeout << " s";
  return report(o, timed_out, text.str());
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"wssctl: use wssd's shared WebSocket Sessions identity"};
  app.set_version_flag("--version", "wssctl " WSSD_VERSION);
  app.require_subcommand(1);
  options o;
  app.add_option("--socket", o.socket, "wssd's socket")->envname("WSSD_SOCKET");
  app.add_flag("--json", o.json, "JSON output (errors too)");

  auto* status = app.add_subcommand("status", "Session state, private id, counters");
  auto* peers = app.add_subcommand("peers", "Connected peers and their options");

  // PID... [--] DATA: CLI11 cannot split a greedy list from a last value, so this verb takes
  // its words as they are (`--` lets DATA start with a dash).
  auto* send = app.add_subcommand("send", "Send DATA to peers: send PID... -- DATA");
  send->prefix_command();

  std::vector<std::string> exclude;
  std::string data;
  auto* broadcast = app.add_subcommand("broadcast", "Send DATA to every peer");
  broadcast->add_option("--exclude", exclude, "Peers left out");
  broadcast->add_option("data", data, "JSON, or else a string")->required();

  std::optional<std::uint64_t> since;
  std::vector<std::string> types;
  auto* monitor_cmd = app.add_subcommand("monitor", "Print events as they happen");
  monitor_cmd->add_option("--since", since, "Replay events after this seq first");
  monitor_cmd->add_option("--type", types, "Only these event types")
      ->check(CLI::IsMember(wssd::proto::event_types()));

  std::string pid;
  auto* set_pid = app.add_subcommand("set-pid", "Take another private id");
  set_pid->add_option("id", pid, "The new private id")->required();

  auto* reconnect = app.add_subcommand("reconnect", "Drop the link and connect again now");

  double timeout = 30;
  auto* wait = app.add_subcommand("wait-online", "Wait until the session is online");
  wait->add_option("--timeout", timeout, "Seconds (default 30)")->check(CLI::PositiveNumber);

  std::string method, params_text;
  auto* rpc = app.add_subcommand("rpc", "Call any other server method");
  rpc->add_option("method", method, "Server method")->required();
  rpc->add_option("params", params_text, "JSON object");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {  // CLI11's way of reporting; this is its boundary
    const int code = app.exit(e);
    return code == 0 ? ok : usage;
  }
  if (o.socket.empty()) o.socket = wssd::default_client_socket();

  if (*status) return run_call(o, "status", {}, print_status);
  if (*peers) return run_call(o, "peers", {}, print_peers);
  if (*send) {
    auto words = send->remaining();
    words.erase(std::remove(words.begin(), words.end(), "--"), words.end());
    if (words.size() < 2) return report(o, usage, "send needs PID... -- DATA");
    const auto data = parse_data(words.back());
    words.pop_back();
    return run_call(o, "send", {{"to", to_array(words)}, {"data", data}}, print_ok);
  }
  if (*broadcast) {
    return run_call(o, "broadcast", {{"data", parse_data(data)}, {"exclude", to_array(exclude)}},
                    print_ok);
  }
  if (*monitor_cmd) return monitor(o, since, types);
  if (*set_pid) {
    return run_call(o, "set_private_id", {{"private_id", pid}}, [](const json::value& v) {
      std::cout << v.at("private_id").as_string().c_str() << "\n";
    });
  }
  if (*reconnect) return run_call(o, "reconnect", {}, print_ok);
  if (*wait) return wait_online(o, timeout);
  if (*rpc) {
    json::object params;
    if (!params_text.empty()) {
      json::error_code ec;
      auto v = json::parse(params_text, ec);
      if (ec || !v.is_object()) return report(o, usage, "PARAMS must be a JSON object");
      params = std::move(v.as_object());
    }
    return run_call(o, "rpc", {{"method", method}, {"params", std::move(params)}},
                    [](const json::value& v) { std::cout << json::serialize(v) << "\n"; });
  }
  return usage;
}
