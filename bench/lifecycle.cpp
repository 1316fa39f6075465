#include "bench/lifecycle.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "bench/event_loop.hpp"
#include "bench/process_stats.hpp"
#include "bench/wssd_instance.hpp"

namespace wssd::bench {

namespace json = boost::json;
using std::chrono::milliseconds;

namespace {

// The production timers; only reset_after is short, so that every reconnect starts from
// backoff.base as the first one after a long time online does (the default is 30 s online).
json::object reconnect_config() {
  return {{"ping_interval", 20}, {"ping_timeout", 10}, {"backoff", {{"reset_after", 1}}}};
}
constexpr auto online_before_fault = milliseconds(1200);
constexpr auto port_poll = milliseconds(1);

bool accepts_tcp(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

lifecycle_figures measure_lifecycle(test::hub_process& hub, const lifecycle_plan& plan) {
  lifecycle_figures f;
  {
    wssd_instance d(hub.ws_url(), {{"ping_interval", 20}, {"ping_timeout", 10}});
    samples restarts;
    for (int i = 0; i < plan.starts; ++i) {
      const double ms = millis(d.start());
      if (i == 0) {
        f.first_start_ms = ms;
      } else {
        restarts.add(ms);
      }
      if (!d.stop()) throw std::runtime_error("wssd did not stop cleanly:\n" + d.log());
    }
    f.restart_p50_ms = restarts.median();
    f.restart_max_ms = restarts.percentile(1.0);
  }

  wssd_instance d(hub.ws_url(), reconnect_config());
  d.start();
  auto watcher = watch_state(d.socket());
  samples reconnects;
  for (int i = 0; i < plan.reconnects; ++i) {
    std::this_thread::sleep_for(online_before_fault);
    if (!hub.stop()) throw std::runtime_error("wss-hub did not stop cleanly");
    await_state(watcher, "online", milliseconds(5000), /*not_state=*/true);
    // The hub starts on its own thread; this one sees the port open to the millisecond.
    std::atomic<bool> started{false};
    std::atomic<bool> start_ok{false};
    std::thread starter([&] {
      start_ok = hub.start();
      started = true;
    });
    clock::time_point back{};
    while (!started || start_ok) {
      if (accepts_tcp(hub.ws_port())) {
        back = clock::now();
        break;
      }
      std::this_thread::sleep_for(port_poll);
    }
    starter.join();
    if (!start_ok || back == clock::time_point{})
      throw std::runtime_error("wss-hub did not start again");
    register_child(hub.pid());
    await_state(watcher, "online", milliseconds(40000));
    reconnects.add(millis(clock::now() - back));
  }
  f.reconnect_p50_ms = reconnects.median();
  f.reconnect_min_ms = reconnects.percentile(0);
  f.reconnect_max_ms = reconnects.percentile(1.0);
  return f;
}

}  // namespace wssd::bench
