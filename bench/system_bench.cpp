// The system benchmark (bench/run.sh runs it): a real wss-hub and a real wssd on loopback.
// Relay through wssd against a peer on the hub itself (and Node's `ws`, given --node), fan-out
// to up to 1 000 subscribers against the hub's own fan-out, wssd's memory, its start and its
// reconnect. It prints a table, then, as its last line, one JSON object. It exits non-zero
// only when something does not work (a process does not start, a message is lost, a count is
// wrong), never because a figure is slow. Every wait is bounded.
//
//   wssd_system_bench [--quick] [--data DIR] [--node NODE | --no-node REASON]
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/event_loop.hpp"
#include "bench/fan_out.hpp"
#include "bench/floor.hpp"
#include "bench/hub_peer.hpp"
#include "bench/lifecycle.hpp"
#include "bench/local_peer.hpp"
#include "bench/node_baseline.hpp"
#include "bench/process_stats.hpp"
#include "bench/relay.hpp"
#include "bench/wssd_instance.hpp"
#include "tests/support/hub_process.hpp"

namespace {

using namespace wssd::bench;
namespace json = boost::json;
namespace test = wssd::test;
using std::chrono::milliseconds;

constexpr unsigned long descriptors_needed = 8192;
constexpr std::size_t payload = 100;
constexpr int relay_in_flight = 64;  // relay_ratio's
constexpr int hub_relay_clients = 4;

struct options {
  bool quick = false;
  std::string data_dir;                          // where the plots' data go; empty: nowhere
  std::string node;                              // empty: no Node.js row
  std::string node_missing = "no --node given";  // why not, for the table
  // --profile: a fixed relay workload for a profiler instead of the benchmark.
  std::uint64_t profile_messages = 0;
  int profile_in_flight = relay_in_flight;
  std::vector<std::string> wrapper;  // --wrap: wssd runs under this command
  std::string around;                // --around: run as `CMD start|stop WSSD_PID`
  std::string spool;                 // --spool MODE: through a wssd with the durable store
};

// What each mode does. --quick keeps every figure and cuts repetitions and durations.
struct plan {
  int latency_rounds;
  std::vector<int> in_flight;
  relay_timing curve;
  int curve_slices;   // alternating wssd / direct, pooled
  relay_timing node;  // each point of the Node.js curve, once
  relay_timing hub_relay;
  relay_timing spool;
  int spool_slices;
  int hub_relay_slices;
  std::vector<std::size_t> subscribers;
  fan_out_plan fan_out;
  lifecycle_plan lifecycle;
  floor_plan floor;
  milliseconds settle;
};

plan plan_for(bool quick) {
  plan p;
  p.in_flight = {1, 2, 4, 8, 16, 32, 64, 128, 256};
  if (quick) {
    p.latency_rounds = 300;
    p.curve = {milliseconds(30), milliseconds(100)};
    p.curve_slices = 3;
    p.node = {milliseconds(50), milliseconds(300)};
    p.hub_relay = {milliseconds(50), milliseconds(200)};
    p.hub_relay_slices = 3;
    p.spool = {milliseconds(50), milliseconds(200)};
    p.spool_slices = 3;
    p.subscribers = {1, 10, 100, 1000};
    p.fan_out.one_at_a_time_rounds = 30;
    p.fan_out.warm_up = milliseconds(150);
    p.fan_out.measured = milliseconds(400);
    p.lifecycle = {4, 3};
    p.floor.rtt_warm_up_rounds = 100;
    p.floor.rtt_rounds = 1000;
    p.floor.rtt_limit = std::chrono::seconds(3);
    p.settle = milliseconds(300);
  } else {
    p.latency_rounds = 1000;
    p.curve = {milliseconds(50), milliseconds(200)};
    p.curve_slices = 8;
    p.node = {milliseconds(100), milliseconds(1000)};
    p.hub_relay = {milliseconds(50), milliseconds(300)};
    p.hub_relay_slices = 6;
    p.spool = {milliseconds(50), milliseconds(300)};
    p.spool_slices = 6;
    p.subscribers = {1, 3, 10, 30, 100, 300, 1000};
    p.fan_out.one_at_a_time_rounds = 100;
    p.fan_out.warm_up = milliseconds(300);
    p.fan_out.measured = milliseconds(1000);
    p.lifecycle = {10, 7};
    p.floor.rtt_warm_up_rounds = 200;
    p.floor.rtt_rounds = 5000;
    p.floor.rtt_limit = std::chrono::seconds(10);
    p.settle = milliseconds(1000);
  }
  p.fan_out.payload = payload;
  // The floor of the fan-out is that of its largest run, in its sustained pattern.
  p.floor.payload = payload;
  p.floor.subscribers = p.subscribers.back();
  p.floor.window = p.fan_out.window;
  p.floor.warm_up = p.fan_out.warm_up;
  p.floor.measured = p.fan_out.measured;
  return p;
}

// The production timers: wssd's defaults, spelled out (the tests' fast pings would be work a
// deployed wssd does not do).
json::object production() {
  return {{"ping_interval", 20}, {"ping_timeout", 10}};
}

// Progress on stderr, so that the table and the JSON line stay alone on stdout.
const auto started = clock::now();
void progress(const std::string& what) {
  std::fprintf(stderr, "[%6.1f s] %s\n", seconds(clock::now() - started), what.c_str());
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

// ---------------------------------------------------------------------------------------------
// Results.

struct curve_point {
  int in_flight = 0;
  window_figures wssd, direct;  // pooled over the slices
  double ratio = 0;             // wssd / direct, pooled
  samples slice_ratios;         // the same slice by slice: how much it moved
};

struct spool_row {
  std::string mode;  // "batch", "full"
  bool available = false;
  double on = 0, off = 0, direct = 0;  // msg/s at relay_in_flight, alternating
  double ratio_to_off = 0;
  double ratio_to_direct = 0;
};

struct results {
  std::string load_start, load_during, load_end;
  std::optional<wssd::bench::memory_use> idle;
  latency_figures latency_wssd, latency_direct;
  std::vector<curve_point> curve;
  double direct_at_64 = 0;  // the median of the direct path at relay_in_flight
  std::optional<node_figures> node;
  std::string node_missing;  // why there is no Node.js row
  window_figures hub_relay_wssd, hub_relay_direct;
  std::vector<spool_row> spool;
  std::vector<fan_out_figures> fan_out_wssd, fan_out_direct;
  lifecycle_figures lifecycle;
  floor_figures floor;
};

const curve_point* point_at(const results& r, int in_flight) {
  for (const auto& p : r.curve) {
    if (p.in_flight == in_flight) return &p;
  }
  return nullptr;
}

const fan_out_figures* fan_out_at(const std::vector<fan_out_figures>& v, std::size_t n) {
  for (const auto& f : v) {
    if (f.subscribers == n) return &f;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Phases.

void measure_relay_phase(results& r, const plan& p, const options& o, event_loop& loop,
                         const test::hub_process& hub, const wssd_instance& wssd,
                         const measured_processes& processes) {
  sink to(loop, hub.ws_url());
  const auto data = payload_of(payload);
  std::vector<std::unique_ptr<local_peer>> clients;
  std::vector<std::unique_ptr<hub_peer>> peers;
  std::vector<std::unique_ptr<relay_path>> via_wssd, direct;
  for (int i = 0; i < hub_relay_clients; ++i) {
    clients.push_back(std::make_unique<local_peer>(loop, wssd.socket()));
    peers.push_back(std::make_unique<hub_peer>(loop));
    peers.back()->join(hub.ws_url());
    via_wssd.push_back(std::make_unique<through_wssd>(*clients.back(), to.private_id(), data));
    direct.push_back(std::make_unique<direct_to_hub>(*peers.back(), to.private_id(), data));
  }
  // Warm-up: connections, allocators and caches on both paths.
  measure_latency(loop, to, *via_wssd.front(), *direct.front(), 50, processes);
  std::tie(r.latency_wssd, r.latency_direct) =
      measure_latency(loop, to, *via_wssd.front(), *direct.front(), p.latency_rounds, processes);
  progress("relay: one at a time done");

  // Throughput against requests in flight, one client on each path: short slices that
  // alternate between the paths (and which goes first), pooled, so that the machine's changing
  // load falls on both alike.
  const relay_leg one_wssd{{via_wssd.front().get()}, processes};
  const relay_leg one_direct{{direct.front().get()}, processes};
  for (const int k : p.in_flight) {
    auto a = alternating(loop, to, {one_wssd, one_direct}, k, p.curve, p.curve_slices);
    curve_point point;
    point.in_flight = k;
    point.wssd = a.legs[0];
    point.direct = a.legs[1];
    point.ratio = ratio(point.wssd.msgs_per_s, point.direct.msgs_per_s);
    point.slice_ratios = a.first_to_second;
    r.curve.push_back(point);
  }
  if (const auto* at = point_at(r, relay_in_flight)) r.direct_at_64 = at->direct.msgs_per_s;
  r.load_during = load_average();
  progress("relay: curve done");

  if (!o.node.empty()) {
    node_plan np{o.node, p.in_flight, payload, p.node, p.latency_rounds};
    r.node = measure_node(loop, to, hub.ws_url(), np);
    progress("relay: node done");
  }

  // What wssd relays from several local clients at once, against as many hub sessions.
  relay_leg all_wssd{{}, processes}, all_direct{{}, processes};
  for (auto& v : via_wssd) all_wssd.senders.push_back(v.get());
  for (auto& d : direct) all_direct.senders.push_back(d.get());
  const auto hub_relay = alternating(loop, to, {all_wssd, all_direct}, relay_in_flight, p.hub_relay,
                                     p.hub_relay_slices);
  r.hub_relay_wssd = hub_relay.legs[0];
  r.hub_relay_direct = hub_relay.legs[1];
  progress("relay: hub relay done");

  // The durable store, when this wssd has it: the same workload through a wssd with the spool
  // on, next to the one without.
  for (const char* mode : {"batch", "full"}) {
    spool_row row;
    row.mode = mode;
    const json::object spool{{"spool", {{"enabled", true}, {"sync", mode}}}};
    row.available = wssd_accepts(spool);
    if (row.available) {
      auto config = production();
      config["spool"] = spool.at("spool");
      wssd_instance spooled(hub.ws_url(), config);
      spooled.start();
      local_peer client(loop, spooled.socket());
      through_wssd path(client, to.private_id(), data);
      const relay_leg on{{&path}, {spooled.pid(), hub.pid()}};
      const auto a = alternating(loop, to, {on, one_wssd, one_direct}, relay_in_flight, p.spool,
                                 p.spool_slices);
      row.on = a.legs[0].msgs_per_s;
      row.off = a.legs[1].msgs_per_s;
      row.direct = a.legs[2].msgs_per_s;
      row.ratio_to_off = ratio(row.on, row.off);
      row.ratio_to_direct = ratio(row.on, row.direct);
    }
    r.spool.push_back(row);
  }
}

void measure_fan_out_phase(results& r, const plan& p, event_loop& loop,
                           const test::hub_process& hub, const wssd_instance& wssd,
                           const std::string& wssd_private_id,
                           const measured_processes& processes) {
  for (const auto n : p.subscribers) {
    fan_out_target via{hub.ws_url(), wssd.socket(), "[]", processes};
    r.fan_out_wssd.push_back(measure_fan_out(loop, via, n, p.fan_out));
    progress("fan-out: " + std::to_string(n) + " subscribers through wssd done");
    // The direct baseline: wssd takes no part (excluded), the hub fans out to n peers.
    fan_out_target direct{hub.ws_url(), "", "[\"" + wssd_private_id + "\"]", processes};
    r.fan_out_direct.push_back(measure_fan_out(loop, direct, n, p.fan_out));
    wait_until_idle(hub.pid());  // the hub tells every peer left that the others have gone
    progress("fan-out: " + std::to_string(n) + " subscribers done");
  }
}

// ---------------------------------------------------------------------------------------------
// Output: the table for people, TSV for the plots, and the JSON line.

// The floor next to the figures of this run that it bounds.
void print_floor(const results& r, const plan& p) {
  const auto& f = r.floor;
  std::printf(
      "\n== Physical floor on this machine: lines of the %zu B payload and a newline, blocking "
      "system calls, no parsing; measured first, in %.1f s\n",
      payload, f.seconds);
  std::printf("  %-62s %8s %8s\n",
              ("round trip, one at a time (" + std::to_string(f.rtt_rounds) +
               " rounds per path, alternating)")
                  .c_str(),
              "p50 us", "p99 us");
  std::printf("  %-62s %8.1f %8.1f\n", "unix socketpair: this process <-> an echo process",
              f.unix_rtt.p50_us, f.unix_rtt.p99_us);
  std::printf("  %-62s %8.1f %8.1f\n", "tcp 127.0.0.1: this process <-> an echo process",
              f.tcp_rtt.p50_us, f.tcp_rtt.p99_us);
  std::printf("  %-62s %8.1f %8.1f\n", "unix -> a relay process -> tcp -> an echo process, back",
              f.relay_hops.p50_us, f.relay_hops.p99_us);
  std::printf("  one more hop (relay - tcp, p50): %.1f us; wssd adds %.1f us over direct\n",
              f.relay_hops.p50_us - f.tcp_rtt.p50_us,
              r.latency_wssd.p50_us - r.latency_direct.p50_us);
  std::printf("  %-62s %12s %8s %8s\n",
              ("fan-out to " + std::to_string(p.floor.subscribers) + " unix sockets, " +
               std::to_string(p.floor.window) + " lines outstanding")
                  .c_str(),
              "deliveries/s", "writer", "reader");
  std::printf("  %-62s %12s %8s %8s\n", "", "", "us/deliv", "us/deliv");
  for (const auto& [what, figures] :
       {std::pair{"one write() per line per socket", &f.per_line},
        std::pair{"one writev() per socket of all it has room for", &f.batched}}) {
    std::printf("  %-62s %12.0f %8.3f %8.3f\n", what, figures->deliveries_per_s,
                figures->writer_cpu_us_per_delivery, figures->reader_cpu_us_per_delivery);
  }
  if (const auto* fan = fan_out_at(r.fan_out_wssd, p.floor.subscribers)) {
    std::printf("  %-62s %12.0f %8.3f %8.3f\n",
                "through wssd, this run (writer: wssd, reader: the benchmark)",
                fan->sustained.deliveries_per_s, fan->sustained.cpu_us_per_delivery.wssd,
                fan->sustained.cpu_us_per_delivery.bench);
  }
}

void print_table(const results& r, const plan& p, const options& o) {
  std::printf("\n== Relay, %zu B messages, one at a time (%d rounds per path, alternating)\n",
              payload, p.latency_rounds);
  std::printf("  %-22s %10s %10s\n", "path", "ack p50 us", "ack p99 us");
  std::printf("  %-22s %10.0f %10.0f\n", "wssd", r.latency_wssd.p50_us, r.latency_wssd.p99_us);
  std::printf("  %-22s %10.0f %10.0f\n", "direct (C++)", r.latency_direct.p50_us,
              r.latency_direct.p99_us);
  if (r.node) {
    std::printf("  %-22s %10.0f %10.0f\n", "direct (Node.js ws)", r.node->ack_p50_us,
                r.node->ack_p99_us);
  }
  std::printf("  added by wssd: %.0f us at p50; wssd CPU %.1f us per message\n",
              r.latency_wssd.p50_us - r.latency_direct.p50_us,
              r.latency_wssd.wssd_cpu_us_per_message);

  std::printf(
      "\n== Relay throughput against requests in flight, one client per path: msg/s over %d "
      "alternating slices of %.1f s per path; ratio wssd / direct (and its range over the "
      "slices); CPU us per message (hub: on the wssd path, on the direct one)\n",
      p.curve_slices, seconds(p.curve.measured));
  std::printf("  %9s %9s %9s %9s %6s %11s %8s %8s %8s %8s\n", "in flight", "wssd", "direct",
              "node ws", "ratio", "range", "wssd CPU", "hub, w", "hub, d", "bench, w");
  for (const auto& pt : r.curve) {
    std::string node = "-";
    if (r.node) {
      for (const auto& [k, rate] : r.node->msgs_per_s) {
        if (k == pt.in_flight) node = std::to_string(static_cast<long>(rate));
      }
    }
    char range[32];
    std::snprintf(range, sizeof(range), "%.2f-%.2f", pt.slice_ratios.percentile(0),
                  pt.slice_ratios.percentile(1));
    std::printf("  %9d %9.0f %9.0f %9s %6.2f %11s %8.1f %8.1f %8.1f %8.1f\n", pt.in_flight,
                pt.wssd.msgs_per_s, pt.direct.msgs_per_s, node.c_str(), pt.ratio, range,
                pt.wssd.cpu_us_per_message.wssd, pt.wssd.cpu_us_per_message.hub,
                pt.direct.cpu_us_per_message.hub, pt.wssd.cpu_us_per_message.bench);
  }
  if (r.node) {
    std::printf("  node ws: %s\n", r.node->versions.c_str());
  } else {
    std::printf("  node ws: not measured (%s)\n", r.node_missing.c_str());
  }

  std::printf(
      "\n== What wssd relays to the hub: %d local clients x %d in flight, against %d hub "
      "sessions x %d\n",
      hub_relay_clients, relay_in_flight, hub_relay_clients, relay_in_flight);
  std::printf("  wssd   %9.0f msg/s   CPU us/msg: wssd %.1f, hub %.1f, bench %.1f\n",
              r.hub_relay_wssd.msgs_per_s, r.hub_relay_wssd.cpu_us_per_message.wssd,
              r.hub_relay_wssd.cpu_us_per_message.hub, r.hub_relay_wssd.cpu_us_per_message.bench);
  std::printf("  direct %9.0f msg/s   CPU us/msg: hub %.1f, bench %.1f\n",
              r.hub_relay_direct.msgs_per_s, r.hub_relay_direct.cpu_us_per_message.hub,
              r.hub_relay_direct.cpu_us_per_message.bench);

  std::printf("\n== Durable store (spool), %d in flight\n", relay_in_flight);
  for (const auto& s : r.spool) {
    if (!s.available) {
      std::printf("  sync %-5s  spool not available (wssd --check-config refuses the spool keys)\n",
                  s.mode.c_str());
    } else {
      std::printf("  sync %-5s  %9.0f msg/s, store off %9.0f: %.2f of store off, %.2f of direct\n",
                  s.mode.c_str(), s.on, s.off, s.ratio_to_off, s.ratio_to_direct);
    }
  }

  std::printf(
      "\n== Fan-out, %zu B broadcasts. one: one at a time, until the last subscriber has "
      "it. sustained: %d broadcasts outstanding (not yet read by every subscriber); lag: "
      "from the send until each subscriber read it. backlog: %d outstanding\n",
      payload, p.fan_out.window, p.fan_out.backlog_window);
  std::printf("  %5s %-6s %8s %8s %12s %8s %8s %8s %8s %8s %12s %8s\n", "subs", "path", "one p50",
              "one p99", "sustained/s", "lag p50", "lag p99", "wssd CPU", "hub CPU", "bench",
              "backlog/s", "lag p99");
  std::printf("  %5s %-6s %8s %8s %12s %8s %8s %8s %8s %8s %12s %8s\n", "", "", "ms", "ms",
              "deliveries", "ms", "ms", "us/deliv", "us/deliv", "us/deliv", "deliveries", "ms");
  for (std::size_t i = 0; i < r.fan_out_wssd.size(); ++i) {
    for (const auto* f : {&r.fan_out_wssd[i], &r.fan_out_direct[i]}) {
      const auto& s = f->sustained;
      std::printf("  %5zu %-6s %8.2f %8.2f %12.0f %8.2f %8.2f %8.2f %8.2f %8.2f %12.0f %8.1f\n",
                  f->subscribers, f == &r.fan_out_wssd[i] ? "wssd" : "direct", f->one_p50_ms,
                  f->one_p99_ms, s.deliveries_per_s, s.lag_p50_ms, s.lag_p99_ms,
                  s.cpu_us_per_delivery.wssd, s.cpu_us_per_delivery.hub,
                  s.cpu_us_per_delivery.bench, f->backlog.deliveries_per_s, f->backlog.lag_p99_ms);
    }
  }

  std::printf("\n== wssd memory (VmRSS / VmHWM, KiB)\n");
  if (r.idle)
    std::printf("  online, no clients             %7ld / %7ld\n", r.idle->rss_kib,
                r.idle->peak_kib);
  for (const auto& f : r.fan_out_wssd) {
    if (f.connected) {
      std::printf("  %4zu subscribers connected      %7ld / %7ld\n", f.subscribers,
                  f.connected->rss_kib, f.connected->peak_kib);
    }
    if (f.after_load && f.subscribers == p.subscribers.back()) {
      std::printf("  %4zu subscribers, after load    %7ld / %7ld\n", f.subscribers,
                  f.after_load->rss_kib, f.after_load->peak_kib);
    }
  }

  std::printf("\n== Start and reconnect (production timers)\n");
  std::printf("  start -> online, fresh state dir   %7.1f ms\n", r.lifecycle.first_start_ms);
  std::printf("  start -> online, restart           %7.1f ms p50, %.1f max (%d)\n",
              r.lifecycle.restart_p50_ms, r.lifecycle.restart_max_ms, p.lifecycle.starts - 1);
  std::printf(
      "  hub back -> online                 %7.1f ms p50, %.1f min, %.1f max (%d; "
      "backoff.base 0.5 s, full jitter)\n",
      r.lifecycle.reconnect_p50_ms, r.lifecycle.reconnect_min_ms, r.lifecycle.reconnect_max_ms,
      p.lifecycle.reconnects);

  print_floor(r, p);
  std::printf("\nload average: %s at start, %s after the relay, %s at end\n", r.load_start.c_str(),
              r.load_during.c_str(), r.load_end.c_str());
  (void)o;
}

void write_data(const results& r, const std::string& dir) {
  std::ofstream relay(dir + "/relay.tsv");
  relay << "# in_flight\twssd_msgs_per_s\tdirect_msgs_per_s\tnode_msgs_per_s\n";
  for (const auto& pt : r.curve) {
    std::string node = "NaN";
    if (r.node) {
      for (const auto& [k, rate] : r.node->msgs_per_s) {
        if (k == pt.in_flight) node = std::to_string(rate);
      }
    }
    relay << pt.in_flight << '\t' << pt.wssd.msgs_per_s << '\t' << pt.direct.msgs_per_s << '\t'
          << node << '\n';
  }
  std::ofstream fan(dir + "/fan_out.tsv");
  fan << "# subscribers\twssd_deliveries_per_s\tdirect_deliveries_per_s\twssd_lag_p99_ms\t"
         "direct_lag_p99_ms\twssd_backlog_deliveries_per_s\tdirect_backlog_deliveries_per_s\n";
  for (std::size_t i = 0; i < r.fan_out_wssd.size(); ++i) {
    const auto& w = r.fan_out_wssd[i];
    const auto& d = r.fan_out_direct[i];
    fan << w.subscribers << '\t' << w.sustained.deliveries_per_s << '\t'
        << d.sustained.deliveries_per_s << '\t' << w.sustained.lag_p99_ms << '\t'
        << d.sustained.lag_p99_ms << '\t' << w.backlog.deliveries_per_s << '\t'
        << d.backlog.deliveries_per_s << '\n';
  }
}

// One JSON object on one line, keys in the order given, numbers as people write them
// (Boost.JSON writes every double in exponent form).
class json_line {
 public:
  void number(const char* key, double v, int decimals) {
    char text[64];
    std::snprintf(text, sizeof(text), "%.*f", decimals, v);
    put(key, text);
  }
  void number_or_null(const char* key, bool available, double v, int decimals) {
    if (available) {
      number(key, v, decimals);
    } else {
      put(key, "null");
    }
  }
  void boolean(const char* key, bool v) { put(key, v ? "true" : "false"); }
  void text(const char* key, const std::string& v) { put(key, json::serialize(json::string(v))); }
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void put(const char* key, const std::string& value) {
    if (!body_.empty()) body_ += ',';
    body_ += json::serialize(json::string(key)) + ':' + value;
  }
  std::string body_;
};

std::string summary(const results& r, const options& o) {
  const auto* at64 = point_at(r, relay_in_flight);
  const auto* fan = fan_out_at(r.fan_out_wssd, 1000);
  const auto* fan_direct = fan_out_at(r.fan_out_direct, 1000);
  const spool_row* spool_batch = nullptr;
  const spool_row* spool_full = nullptr;
  for (const auto& s : r.spool) (s.mode == "batch" ? spool_batch : spool_full) = &s;
  std::optional<double> node_at_64;
  if (r.node) {
    for (const auto& [k, rate] : r.node->msgs_per_s) {
      if (k == relay_in_flight) node_at_64 = rate;
    }
  }
  json_line j;
  j.number("relay_ratio", at64 ? at64->ratio : 0, 3);
  j.number("relay_added_p50_us", r.latency_wssd.p50_us - r.latency_direct.p50_us, 1);
  j.number("hub_relay_msgs_per_s", r.hub_relay_wssd.msgs_per_s, 0);
  j.number("wssd_cpu_us_per_msg", at64 ? at64->wssd.cpu_us_per_message.wssd : 0, 2);
  j.number("fanout_1000_deliveries_per_s", fan ? fan->sustained.deliveries_per_s : 0, 0);
  j.number("fanout_1000_p99_lag_ms", fan ? fan->sustained.lag_p99_ms : 0, 2);
  j.number("rss_idle_kib", r.idle ? static_cast<double>(r.idle->rss_kib) : 0, 0);
  j.number("rss_1000_subs_kib",
           fan && fan->connected ? static_cast<double>(fan->connected->rss_kib) : 0, 0);
  j.number("start_to_online_ms", r.lifecycle.restart_p50_ms, 1);
  j.number("reconnect_ms", r.lifecycle.reconnect_p50_ms, 1);
  j.number_or_null("relay_ratio_spool_batch", spool_batch && spool_batch->available,
                   spool_batch ? spool_batch->ratio_to_direct : 0, 3);
  j.number_or_null("relay_ratio_spool_full", spool_full && spool_full->available,
                   spool_full ? spool_full->ratio_to_direct : 0, 3);
  // More of the same run, for comparisons the keys above do not make.
  j.boolean("quick", o.quick);
  j.number_or_null("spool_batch_vs_off", spool_batch && spool_batch->available,
                   spool_batch ? spool_batch->ratio_to_off : 0, 3);
  j.number_or_null("spool_full_vs_off", spool_full && spool_full->available,
                   spool_full ? spool_full->ratio_to_off : 0, 3);
  j.number("relay_msgs_per_s_wssd_64", at64 ? at64->wssd.msgs_per_s : 0, 0);
  j.number("relay_msgs_per_s_direct_64", r.direct_at_64, 0);
  j.number_or_null("relay_msgs_per_s_node_64", node_at_64.has_value(), node_at_64.value_or(0), 0);
  j.number("relay_ack_p50_us_wssd", r.latency_wssd.p50_us, 1);
  j.number("relay_ack_p50_us_direct", r.latency_direct.p50_us, 1);
  j.number_or_null("relay_ack_p50_us_node", r.node.has_value(), r.node ? r.node->ack_p50_us : 0, 1);
  j.number("hub_relay_direct_msgs_per_s", r.hub_relay_direct.msgs_per_s, 0);
  j.number("hub_relay_wssd_cpu_us_per_msg", r.hub_relay_wssd.cpu_us_per_message.wssd, 2);
  j.number("wssd_cpu_us_per_msg_1_in_flight", r.latency_wssd.wssd_cpu_us_per_message, 2);
  j.number("fanout_1000_direct_deliveries_per_s",
           fan_direct ? fan_direct->sustained.deliveries_per_s : 0, 0);
  j.number("fanout_1000_backlog_deliveries_per_s", fan ? fan->backlog.deliveries_per_s : 0, 0);
  j.number("fanout_1000_wssd_cpu_us_per_delivery",
           fan ? fan->sustained.cpu_us_per_delivery.wssd : 0, 3);
  j.number("rss_1000_subs_after_load_kib",
           fan && fan->after_load ? static_cast<double>(fan->after_load->rss_kib) : 0, 0);
  j.number("start_fresh_ms", r.lifecycle.first_start_ms, 1);
  // The physical floor (bench/floor.hpp): the same workloads with nothing in the processes.
  const auto& f = r.floor;
  j.number("floor_unix_rtt_p50_us", f.unix_rtt.p50_us, 1);
  j.number("floor_unix_rtt_p99_us", f.unix_rtt.p99_us, 1);
  j.number("floor_tcp_rtt_p50_us", f.tcp_rtt.p50_us, 1);
  j.number("floor_tcp_rtt_p99_us", f.tcp_rtt.p99_us, 1);
  j.number("floor_relay_hops_rtt_p50_us", f.relay_hops.p50_us, 1);
  j.number("floor_relay_hops_rtt_p99_us", f.relay_hops.p99_us, 1);
  j.number("floor_relay_hop_added_p50_us", f.relay_hops.p50_us - f.tcp_rtt.p50_us, 1);
  j.number("floor_fanout_1000_deliveries_per_s", f.per_line.deliveries_per_s, 0);
  j.number("floor_fanout_1000_writer_cpu_us_per_delivery", f.per_line.writer_cpu_us_per_delivery,
           3);
  j.number("floor_fanout_1000_reader_cpu_us_per_delivery", f.per_line.reader_cpu_us_per_delivery,
           3);
  j.number("floor_fanout_1000_batched_deliveries_per_s", f.batched.deliveries_per_s, 0);
  j.number("floor_fanout_1000_batched_writer_cpu_us_per_delivery",
           f.batched.writer_cpu_us_per_delivery, 3);
  j.number("floor_fanout_1000_batched_reader_cpu_us_per_delivery",
           f.batched.reader_cpu_us_per_delivery, 3);
  j.text("load_average_start", r.load_start);
  j.text("load_average_end", r.load_end);
  return j.str();
}

// ---------------------------------------------------------------------------------------------

std::optional<options> parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      o.quick = true;
    } else if (arg == "--data" && i + 1 < argc) {
      o.data_dir = argv[++i];
    } else if (arg == "--node" && i + 1 < argc) {
      o.node = argv[++i];
    } else if (arg == "--profile" && i + 1 < argc) {
      o.profile_messages = std::stoull(argv[++i]);
    } else if (arg == "--in-flight" && i + 1 < argc) {
      o.profile_in_flight = std::stoi(argv[++i]);
    } else if (arg == "--wrap" && i + 1 < argc) {
      std::istringstream words(argv[++i]);
      for (std::string w; words >> w;) o.wrapper.push_back(w);
    } else if (arg == "--spool" && i + 1 < argc) {
      o.spool = argv[++i];
    } else if (arg == "--around" && i + 1 < argc) {
      o.around = argv[++i];
    } else if (arg == "--no-node" && i + 1 < argc) {
      o.node_missing = argv[++i];
    } else {
      return std::nullopt;
    }
  }
  return o;
}

// /proc/PID/status's context switches, voluntary and not.
long context_switches(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  long total = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("ctxt_switches:") != std::string::npos)
      total += std::strtol(line.c_str() + line.find(':') + 1, nullptr, 10);
  }
  return total;
}

void run_around(const options& o, const char* what, pid_t pid) {
  if (o.around.empty()) return;
  const auto command = o.around + " " + what + " " + std::to_string(pid);
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

// A fixed workload for a profiler: `profile_messages` messages of 100 B from one local client
// with `profile_in_flight` unacknowledged, through a wssd that may run under --wrap; --around
// brackets exactly those messages (after a warm-up).
int profile(const options& o) {
  kill_children_on_signals(std::chrono::seconds(3600));
  test::hub_config hub_settings;
  hub_settings.extra_args = {"--log-level", "warn"};
  test::hub_process hub(hub_settings);
  if (!hub.start()) throw std::runtime_error("wss-hub did not start");
  register_child(hub.pid());
  auto config = production();
  if (!o.spool.empty()) config["spool"] = {{"enabled", true}, {"sync", o.spool}};
  wssd_instance wssd(hub.ws_url(), config, o.wrapper);
  wssd.start(std::chrono::seconds(120));
  event_loop loop;
  sink to(loop, hub.ws_url());
  local_peer client(loop, wssd.socket());
  through_wssd path(client, to.private_id(), payload_of(payload));
  send_count(loop, to, path, o.profile_in_flight, 1000);  // warm-up
  const measured_processes processes{wssd.pid(), hub.pid()};
  run_around(o, "start", wssd.pid());
  const auto cpu_before = cpu_now(processes);
  const long switches_before = context_switches(wssd.pid());
  const auto took = send_count(loop, to, path, o.profile_in_flight, o.profile_messages);
  const auto cpu = cpu_now(processes) - cpu_before;
  const long switches = context_switches(wssd.pid()) - switches_before;
  run_around(o, "stop", wssd.pid());
  const auto n = static_cast<double>(o.profile_messages);
  std::printf("%llu messages of %zu B, %d in flight: %.3f s, %.0f msg/s\n",
              static_cast<unsigned long long>(o.profile_messages), payload, o.profile_in_flight,
              seconds(took), n / seconds(took));
  std::printf(
      "per message: wssd CPU %.2f us, hub CPU %.2f us, this process %.2f us, wssd "
      "context switches %.2f\n",
      cpu.wssd * 1e6 / n, cpu.hub * 1e6 / n, cpu.bench * 1e6 / n,
      static_cast<double>(switches) / n);
  if (!wssd.stop(std::chrono::seconds(60))) throw std::runtime_error("wssd did not stop cleanly");
  return 0;
}

int run(const options& o) {
  if (o.profile_messages > 0) return profile(o);
  const auto p = plan_for(o.quick);
  kill_children_on_signals(std::chrono::seconds(o.quick ? 300 : 900));
  if (!raise_descriptor_limit(descriptors_needed)) {
    std::fprintf(stderr, "cannot raise RLIMIT_NOFILE to %lu\n", descriptors_needed);
    return 1;
  }
  results r;
  r.load_start = load_average();
  if (o.node.empty()) r.node_missing = o.node_missing;

  // The floor first: its children are forked from a process with no other thread yet, and
  // nothing of the benchmark runs beside it.
  auto floor = measure_floor(p.floor);
  if (!floor) {
    std::fprintf(stderr, "the physical floor: %s\n", floor.error().what.c_str());
    return 1;
  }
  r.floor = *floor;
  progress("physical floor done");

  // The hub takes every direct subscriber from this one address.
  test::hub_config hub_settings;
  hub_settings.extra_args = {"--max-per-ip", "4096", "--log-level", "warn"};
  test::hub_process hub(hub_settings);
  if (!hub.start()) {
    std::fprintf(stderr, "wss-hub did not start\n");
    return 1;
  }
  register_child(hub.pid());
  {
    wssd_instance wssd(hub.ws_url(), production());
    wssd.start();
    std::this_thread::sleep_for(p.settle);
    r.idle = memory_of(wssd.pid());
    const measured_processes processes{wssd.pid(), hub.pid()};
    const auto status = wssd.status();
    const auto* pid = status.if_contains("private_id");
    if (!pid || !pid->is_string()) throw std::runtime_error("wssd has no private id");
    event_loop loop;
    measure_relay_phase(r, p, o, loop, hub, wssd, processes);
    measure_fan_out_phase(r, p, loop, hub, wssd, std::string(pid->as_string()), processes);
    if (!wssd.stop()) throw std::runtime_error("wssd did not stop cleanly:\n" + wssd.log());
  }
  wait_until_idle(hub.pid());
  r.lifecycle = measure_lifecycle(hub, p.lifecycle);
  progress("lifecycle done");
  r.load_end = load_average();

  print_table(r, p, o);
  if (!o.data_dir.empty()) write_data(r, o.data_dir);
  std::printf("%s\n", summary(r, o).c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto o = parse(argc, argv);
  if (!o) {
    std::fprintf(
        stderr,
        "usage: wssd_system_bench [--quick] [--data DIR] [--node NODE | --no-node REASON]\n");
    return 2;
  }
  try {
    return run(*o);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "benchmark failed: %s\n", e.what());
    return 1;
  }
}
