// The system benchmark: a real wss-hub and a real wssd on loopback. Relay latency and
// throughput through wssd against a process on the hub itself, fan-out to 1 000 local
// subscribers, and wssd's memory. Every wait is bounded; it stops by itself.
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>

#include "bench/fan_out.hpp"
#include "bench/process_stats.hpp"
#include "bench/relay.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/hub_process.hpp"

namespace {

using namespace wssd::bench;
namespace test = wssd::test;

constexpr unsigned long descriptors_needed = 4096;
// Time for wssd to finish starting (state file, first pings) before its idle memory is read.
constexpr auto settle = std::chrono::seconds(1);

// The production timers, not the tests' fast ones: a ping every second would be work that
// a deployed wssd does not do.
boost::json::object production_timers() {
  return {{"ping_interval", 20}, {"ping_timeout", 10}};
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

void print_memory(const char* when, const memory_use& m) {
  std::printf("  %-44s RSS %7ld KiB   peak %7ld KiB\n", when, m.rss_kib, m.peak_kib);
}

void print_relay(const std::vector<relay_figures>& figures, const relay_plan& plan) {
  std::printf(
      "\nRelay. ack: send until the hub's ok is back (%d rounds); echo: send, the peer sends it "
      "back, the echo arrives (%d rounds); msg/s: %d senders x %d messages, each waiting for its "
      "ok (median of %d trials); CPU: per message over those trials.\n",
      plan.ack_rounds, plan.echo_rounds, plan.senders, plan.messages_per_sender,
      plan.throughput_trials);
  std::printf("  %-7s %-7s %9s %9s %10s %10s %9s %9s %9s\n", "payload", "path", "ack p50",
              "ack p99", "echo p50", "echo max", "msg/s", "wssd CPU", "hub CPU");
  std::printf("  %-7s %-7s %9s %9s %10s %10s %9s %9s %9s\n", "bytes", "", "us", "us", "us", "us",
              "", "us/msg", "us/msg");
  for (const auto& f : figures) {
    for (const auto& [name, p] : {std::pair{"wssd", &f.via_wssd}, std::pair{"direct", &f.direct}}) {
      std::printf("  %-7zu %-7s %9.0f %9.0f %10.0f %10.0f %9.0f %9.1f %9.1f\n", f.payload, name,
                  p->ack_p50_us, p->ack_p99_us, p->echo_p50_us, p->echo_max_us, p->messages_per_s,
                  p->wssd_cpu_us_per_message, p->hub_cpu_us_per_message);
    }
    std::printf("  %-7zu %-7s %9.2f %9.2f %10.2f %10.2f %9.2f   (wssd / direct)\n", f.payload,
                "ratio", ratio(f.via_wssd.ack_p50_us, f.direct.ack_p50_us),
                ratio(f.via_wssd.ack_p99_us, f.direct.ack_p99_us),
                ratio(f.via_wssd.echo_p50_us, f.direct.echo_p50_us),
                ratio(f.via_wssd.echo_max_us, f.direct.echo_max_us),
                ratio(f.via_wssd.messages_per_s, f.direct.messages_per_s));
  }
}

void print_fan_out(const fan_out_figures& f, const fan_out_plan& plan) {
  std::printf("\nFan-out to %zu subscribers (payload %zu B)\n", f.subscribers, plan.payload);
  std::printf("  one broadcast until all have it: p50 %.2f ms, max %.2f ms (%d rounds)\n",
              f.single_p50_ms, f.single_max_ms, plan.single_rounds);
  std::printf("  %d broadcasts back to back: %.3f s, %.0f events/s delivered\n", f.sustained_events,
              f.sustained_seconds, f.events_per_s);
  std::printf(
      "  CPU over that run: wssd %.3f s (%.2f us per event delivered), wss-hub %.3f s, "
      "subscribers + broadcaster %.3f s\n",
      f.wssd_cpu_seconds,
      f.wssd_cpu_seconds * 1e6 / (static_cast<double>(f.subscribers) * f.sustained_events),
      f.hub_cpu_seconds, f.bench_cpu_seconds);
}

int run() {
  if (!raise_descriptor_limit(descriptors_needed)) {
    std::fprintf(stderr, "cannot raise RLIMIT_NOFILE to %lu\n", descriptors_needed);
    return 1;
  }
  std::printf("load average at start: %s\n", load_average().c_str());
  // The relay uses 8 hub sessions besides wssd; the default per-IP limit is 10.
  test::hub_config hub_settings;
  hub_settings.extra_args = {"--max-per-ip", "64", "--log-level", "warn"};
  test::hub_process hub(hub_settings);
  if (!hub.start()) {
    std::fprintf(stderr, "wss-hub did not start\n");
    return 1;
  }
  test::temp_dir dir;
  test::daemon_process wssd(dir, hub.ws_url(), production_timers());
  if (!wssd.wait_state("online")) {
    std::fprintf(stderr, "wssd did not come online:\n%s\n", wssd.log().c_str());
    return 1;
  }
  std::this_thread::sleep_for(settle);
  const pid_t wssd_pid = wssd.process().pid();
  const auto idle = memory_of(wssd_pid);

  const relay_plan relay;
  const auto relay_figures =
      measure_relay({hub.ws_url(), wssd.socket(), wssd_pid, hub.pid()}, relay);
  const fan_out_plan fan_out;
  const auto fan_out_figures =
      measure_fan_out({hub.ws_url(), wssd.socket(), wssd_pid, hub.pid()}, fan_out);
  std::this_thread::sleep_for(settle);  // wssd closes the subscribers' sockets in its own time
  const auto after_clients_left = memory_of(wssd_pid);
  const auto clients_left = wssd.status()["clients"];

  print_relay(relay_figures, relay);
  print_fan_out(fan_out_figures, fan_out);
  std::printf("\nwssd memory (VmRSS, VmHWM)\n");
  if (idle) print_memory("online, no clients", *idle);
  const auto with_clients = std::to_string(fan_out_figures.subscribers) + " idle subscribers";
  print_memory(with_clients.c_str(), fan_out_figures.idle_clients);
  print_memory("after the fan-out load, subscribers connected", fan_out_figures.after_load);
  if (after_clients_left) print_memory("after the subscribers left", *after_clients_left);
  std::printf("  (clients connected then, counting the one that asked: %s)\n",
              boost::json::serialize(clients_left).c_str());
  std::printf("\nload average at end: %s\n", load_average().c_str());
  return 0;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "benchmark failed: %s\n", e.what());
    return 1;
  }
}
