// wss-hub: a local WebSocket Sessions hub that behaves like the reference server.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "tools/hub/hub_server.hpp"

namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

struct command_line {
  int port = 0;
  std::optional<int> http_port;
  std::string bind = "127.0.0.1";
  double ping_interval_s = 15;
  int max_per_ip = 10;
  bool no_leak = false;
  std::string cert;
  std::string key;
  std::string log_level = "info";
};

void define_flags(CLI::App& app, command_line& cl) {
  app.add_option("--port", cl.port, "WebSocket port (0: any free port)")
      ->required()
      ->check(CLI::Range(0, 65535));
  app.add_option("--http-port", cl.http_port, "HTTP port for POST / (0: any free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--bind", cl.bind, "Address to listen on (IPv4 or IPv6)")->capture_default_str();
  app.add_option("--ping-interval", cl.ping_interval_s, "Seconds between server pings")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-per-ip", cl.max_per_ip, "Session table entries allowed per source IP")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--no-leak", cl.no_leak,
               "Forget unconnected handshakes when the socket that made them closes");
  auto* cert = app.add_option("--cert", cl.cert, "PEM certificate chain: serve wss:// and https://")
                   ->check(CLI::ExistingFile);
  auto* key =
      app.add_option("--key", cl.key, "PEM private key for --cert")->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--log-level", cl.log_level, "Log level on stderr")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
}

wss_hub::server_options to_server_options(const command_line& cl) {
  wss_hub::server_options options;
  options.bind_address = cl.bind;
  options.ws_port = static_cast<std::uint16_t>(cl.port);
  if (cl.http_port) options.http_port = static_cast<std::uint16_t>(*cl.http_port);
  const auto interval = std::chrono::duration<double>(cl.ping_interval_s);
  options.ping_interval = std::max(std::chrono::milliseconds(1),
                                   std::chrono::duration_cast<std::chrono::milliseconds>(interval));
  options.hub.max_per_ip = static_cast<std::size_t>(cl.max_per_ip);
  options.hub.leak_handshakes = !cl.no_leak;
  if (!cl.cert.empty()) options.tls = wss_hub::tls_files{cl.cert, cl.key};
  return options;
}

void set_up_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("wss-hub");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(std::move(logger));
}

int run(const command_line& cl) {
  asio::io_context io;
  wss_hub::hub_server server(io, to_server_options(cl));
  // Installed before the ports open, so a signal right after the `listening` line is clean.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}, exiting", signal);
    server.stop();
    io.stop();
  });
  if (const auto error = server.start()) {
    spdlog::error("{}", *error);
    return exit_failure;
  }
  // Tests and scripts read this line to learn the ports.
  std::cout << "listening ws=" << server.ws_port() << " http=" << server.http_port() << std::endl;
  spdlog::info("listening on {} ws={} http={}{}", cl.bind, server.ws_port(), server.http_port(),
               cl.cert.empty() ? "" : " (TLS)");
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wss-hub: a local WebSocket Sessions (WSS) hub"};
  command_line cl;
  define_flags(app, cl);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }
  set_up_logging(cl.log_level);
  return run(cl);
}
