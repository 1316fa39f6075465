// wssd: holds ONE WebSocket Sessions identity and shares it with every local process.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <iostream>

#include "daemon/command_line.hpp"
#include "daemon/logging.hpp"
#include "daemon/notifier.hpp"
#include "daemon/service.hpp"
#include "daemon/version.hpp"
#include "ipc/front_ends.hpp"

namespace {

constexpr auto shutdown_limit = std::chrono::seconds(3);

// Every local client holds a descriptor: the soft limit (often 1024) is too low for the
// configured ipc.max_clients, so take what the hard limit allows.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// SIGHUP: what can change without dropping the session (the log level) is applied; the rest
// is reported as needing a restart.
void reload(int argc, char** argv, const wssd::config& running) {
  auto parsed = wssd::parse_command_line(argc, argv);
  if (!parsed.run) return spdlog::error("SIGHUP: configuration not reloaded (see above)");
  const auto& next = parsed.run->settings;
  wssd::set_log_level(next.log_level);
  if (next.server != running.server || next.handshake_url != running.handshake_url ||
      next.ipc.socket != running.ipc.socket || next.bus != running.bus) {
    spdlog::warn("SIGHUP: server, socket or bus changed; restart wssd to apply");
  }
  spdlog::info("SIGHUP: configuration reloaded (log level {})", next.log_level);
}

int run(const wssd::invocation& inv, int argc, char** argv) {
  const auto& c = inv.settings;
  wssd::setup_logging(c.log_level, inv.foreground);
  raise_descriptor_limit();
  if (c.tls.insecure) {
    spdlog::warn(
        "TLS verification is OFF (tls.insecure): anyone on the path can act as the server");
  }
  asio::io_context io(1);
  wssd::service service(io, c, wssd::make_websocket_transport(io, c.tls, c.max_message));
  wssd::notifier notifier(io);

  if (auto ec = service.start()) {
    spdlog::critical("cannot use state directory {}: {}", c.state_dir, ec.message());
    return 1;
  }
  auto front_ends = wssd::start_front_ends(io, c, service);
  if (!front_ends) {
    spdlog::critical("{}", front_ends.error().what);
    return 1;
  }
  service.events().listen([&notifier](const wssd::event_log::appended& a) {
    if (const auto* s = std::get_if<wssd::proto::events::state>(&a.event)) {
      notifier.status(std::string(wssd::proto::to_string(s->now)));
    }
  });

  asio::steady_timer shutdown_deadline(io);
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const asio::error_code&, int)> on_signal;
  on_signal = [&](const asio::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload(argc, argv, c);
      signals.async_wait(on_signal);
      return;
    }
    spdlog::info("{}: shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    notifier.stopping();
    (*front_ends)->stop();
    service.stop([&] { io.stop(); });
    shutdown_deadline.expires_after(shutdown_limit);
    shutdown_deadline.async_wait([&](const asio::error_code& timer_ec) {
      if (!timer_ec) io.stop();
    });
  };
  signals.async_wait(on_signal);

  notifier.ready();
  spdlog::info("wssd {} started; server {}", WSSD_VERSION, c.server);
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = wssd::parse_command_line(argc, argv);
  if (!parsed.run) return parsed.exit_code;
  if (parsed.run->check_config) {
    std::cout << "configuration OK (" << parsed.run->config_path << " and flags)\n";
    return 0;
  }
  return run(*parsed.run, argc, argv);
}
