#include "ipc/wssctl/cli.hpp"

#include <cmath>
#include <iostream>

#include "proto/wssd_errors.hpp"

namespace wssctl {

std::string socket_path(const global_options& o) {
  return o.socket.empty() ? wssd::default_client_socket(o.instance) : o.socket;
}

CLI::App* add_verb(CLI::App& app, const std::string& name, const std::string& help) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->fallthrough();
  return cmd;
}

void add_timeout(CLI::App& cmd, double& seconds, double default_seconds) {
  seconds = default_seconds;
  const CLI::Validator positive(
      [](std::string& text) -> std::string {
        if (seconds_from(text)) return {};
        return "expected a number of seconds above 0, got \"" + text + "\"";
      },
      "SECONDS");
  cmd.add_option("--timeout", seconds, "Give up after this many seconds")
      ->check(positive)
      ->capture_default_str();
}

std::optional<double> seconds_from(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value <= 0) return std::nullopt;
  return value;
}

client::duration milliseconds(double seconds) {
  return std::chrono::duration_cast<client::duration>(std::chrono::duration<double>(seconds));
}

int exit_for(client::failure_kind kind) {
  switch (kind) {
    case client::failure_kind::unreachable:
      return unreachable;
    case client::failure_kind::denied:
      return denied;
    case client::failure_kind::timeout:
      return timed_out;
    case client::failure_kind::invalid:
      return usage;
    case client::failure_kind::broken:
      return failed;
  }
  return failed;
}

namespace {

int exit_for(const wssd::proto::rpc_error& e) {
  namespace own = wssd::proto::wssd_error;
  if (e.code == own::denied) return denied;
  if (e.code == own::timeout || e.code == own::expired) return timed_out;
  return failed;
}

}  // namespace

int report(const global_options& o, int code, const std::string& message, json::value data) {
  if (o.json) {
    json::object error{{"message", message}, {"exit", code}};
    if (!data.is_null()) error["data"] = std::move(data);
    std::cout << json::serialize(json::object{{"error", std::move(error)}}) << std::endl;
  } else {
    std::cerr << "wssctl: " << message << "\n";
  }
  return code;
}

int report(const global_options& o, const client::failure& f) {
  return report(o, exit_for(f.kind), f.what);
}

int report(const global_options& o, const wssd::proto::rpc_error& e) {
  return report(o, exit_for(e), e.message + " (" + std::to_string(e.code) + ")",
                json::value(wssd::proto::to_json(e)));
}

int run_call(const global_options& o, const std::function<client::answer(client&)>& ask,
             const std::function<void(const json::value&)>& print) {
  auto c = client::connect(socket_path(o));
  if (!c) return report(o, c.error());
  auto answer = ask(*c);
  if (!answer) return report(o, answer.error());
  if (!*answer) return report(o, answer->error());
  if (o.json) {
    std::cout << json::serialize(**answer) << std::endl;
  } else {
    print(**answer);
  }
  return ok;
}

void print_nothing(const json::value&) {}

namespace {

class call final : public verb {
 public:
  call(std::string name, std::string help, double default_timeout, ask_within ask,
       std::function<void(const json::value&)> print)
      : name_(std::move(name)),
        help_(std::move(help)),
        default_timeout_(default_timeout),
        ask_(std::move(ask)),
        print_(std::move(print)) {}

  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, name_, help_);
    add_timeout(*cmd, timeout_, default_timeout_);
    return cmd;
  }
  int run(const global_options& o) override {
    return run_call(
        o, [&](client& c) { return ask_(c, milliseconds(timeout_)); }, print_);
  }

 private:
  std::string name_, help_;
  double default_timeout_;
  ask_within ask_;
  std::function<void(const json::value&)> print_;
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> call_verb(std::string name, std::string help, double default_timeout,
                                ask_within ask, std::function<void(const json::value&)> print) {
  return std::make_unique<call>(std::move(name), std::move(help), default_timeout, std::move(ask),
                                std::move(print));
}

boost::system::result<json::value, std::string> parse_data(const std::string& text) {
  auto v = wssd::proto::parse_json(text);
  if (v) return std::move(*v);
  if (v.error().not_json) return json::value(text);
  return boost::system::result<json::value, std::string>(boost::system::in_place_error,
                                                         "DATA: " + v.error().what);
}

}  // namespace wssctl
