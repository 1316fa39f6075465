// wssd: holds ONE WebSocket Sessions identity and shares it with every local process.
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <iostream>

#include "daemon/app/front_ends.hpp"
#include "daemon/common/instance.hpp"
#include "daemon/common/version.hpp"
#include "daemon/config/command_line.hpp"
#include "daemon/service/service.hpp"
#include "daemon/session/state_store.hpp"
#include "daemon/store/store.hpp"
#include "daemon/system/logging.hpp"
#include "daemon/system/notifier.hpp"

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

// SIGHUP: what can change without dropping the session applies at once; the rest is named as
// needing a restart.
void reload(int argc, char** argv, wssd::config& running, wssd::service& service,
            wssd::front_ends& faces) {
  auto parsed = wssd::parse_command_line(argc, argv);
  if (!parsed.run) return spdlog::error("SIGHUP: configuration not reloaded (see above)");
  const auto needs_restart = wssd::apply_reloadable(running, parsed.run->settings);
  wssd::set_log_level(running.log_level);
  service.reconfigure(running);
  faces.reconfigure();
  for (const auto& key : needs_restart) {
    spdlog::warn("SIGHUP: {} changed; restart wssd to apply it", key);
  }
  spdlog::info("SIGHUP: configuration reloaded (log level {})", running.log_level);
}

// Messages and event lines can be megabytes: such buffers are mmapped, so that memory goes back
// to the system once the ring lets them go. glibc would otherwise raise its mmap threshold at
// the first big free and keep every later one in the heap for good.
void return_big_buffers_to_the_system() {
  ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

int run(wssd::config running, bool foreground, int argc, char** argv) {
  wssd::setup_logging(running.log_level, foreground);
  raise_descriptor_limit();
  return_big_buffers_to_the_system();
  if (running.tls.insecure) {
    spdlog::warn(
        "TLS verification is OFF (tls.insecure): anyone on the path can act as the server");
  }
  asio::io_context io(1);
  wssd::state_store state(running.state_dir);
  if (auto failed = state.open()) {
    spdlog::critical("{}", failed->what);
    return 1;
  }
  // Opened only once the state directory is ours: two daemons never share a store.
  std::unique_ptr<wssd::store> store;
  wssd::service::durability durable;
  if (running.spool.enabled) {
    std::vector<std::string> notes;
    auto opened = wssd::store::open(io, running.state_dir, running.spool, notes);
    for (const auto& note : notes) spdlog::warn("{}", note);
    if (!opened) {
      spdlog::critical("cannot use the durable store: {}", opened.error().what);
      return 1;
    }
    store = std::move(*opened);
    durable = {store.get(), store.get(), store.get(), store.get(), store.get()};
    spdlog::info("durable store {} (sync {}): {} events journalled", store->path(),
                 wssd::to_string(running.spool.sync), store->journal_events());
  }
  wssd::service service(io, running,
                        wssd::make_websocket_transport(io, running.tls, running.max_message), state,
                        durable);
  wssd::notifier notifier(io);

  auto front_ends = wssd::start_front_ends(io, running, service);
  if (!front_ends) {
    spdlog::critical("{}", front_ends.error().what);
    return 1;
  }
  service.events().listen([&notifier](const wssd::event_log::appended& a) {
    if (const auto* s = std::get_if<wssd::proto::events::state>(&a.event)) {
      notifier.status(std::string(wssd::proto::to_string(s->now)));
    }
  });

  // SIGTERM: the outbox and the session answer what they hold (-32017) and say `stopped`, the
  // Close frame goes out, then the faces deliver that and close; all within shutdown_limit.
  asio::steady_timer shutdown_deadline(io);
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const asio::error_code&, int)> on_signal;
  on_signal = [&](const asio::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload(argc, argv, running, service, **front_ends);
      signals.async_wait(on_signal);
      return;
    }
    spdlog::info("{}: shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    notifier.stopping();
    (*front_ends)->stop_accepting();
    service.stop([&] { (*front_ends)->drain([&] { io.stop(); }); });
    shutdown_deadline.expires_after(shutdown_limit);
    shutdown_deadline.async_wait([&](const asio::error_code& timer_ec) {
      if (!timer_ec) io.stop();
    });
  };
  signals.async_wait(on_signal);

  service.start();
  notifier.ready();
  if (running.instance.empty()) {
    spdlog::info("wssd {} started; server {}", WSSD_VERSION, running.server);
  } else {
    spdlog::info("wssd {} started as instance {}; server {}", WSSD_VERSION, running.instance,
                 running.server);
  }
  // A handler that throws is a bug; it must not take every client and the session down.
  while (true) {
    try {
      io.run();
      return 0;
    } catch (const std::exception& e) {
      spdlog::critical("internal error (wssd goes on): {}", e.what());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto parsed = wssd::parse_command_line(argc, argv);
    if (!parsed.run) return parsed.exit_code;
    if (parsed.run->check_config) {
      const auto& c = parsed.run->settings;
      std::cout << "configuration OK (" << parsed.run->config_path << " and flags)\n"
                << "socket " << c.ipc.socket << ", state directory " << c.state_dir << ", bus "
                << c.bus << "\n";
      if (!c.instance.empty()) {
        std::cout << "instance " << c.instance << ", D-Bus name " << wssd::dbus_name_for(c.instance)
                  << "\n";
      }
      return 0;
    }
    return run(std::move(parsed.run->settings), parsed.run->foreground, argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "wssd: internal error at start-up: " << e.what() << "\n";
    return 1;
  }
}
