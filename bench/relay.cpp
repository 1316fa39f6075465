#include "bench/relay.hpp"

#include <asio/steady_timer.hpp>
#include <stdexcept>

namespace wssd::bench {

namespace {

constexpr auto drain_limit = std::chrono::seconds(20);
constexpr auto answer_limit = std::chrono::seconds(10);
constexpr auto straggler_wait = std::chrono::milliseconds(20);

}  // namespace

std::string payload_of(std::size_t bytes) {
  return "\"" + std::string(bytes - 2, 'x') + "\"";
}

sink::sink(event_loop& loop, const std::string& hub_url) : loop_(loop), peer_(loop) {
  peer_.on_push([this](std::string_view frame) {
    if (frame.find(R"("type":"direct")") != std::string_view::npos) ++received_;
  });
  peer_.join(hub_url);
}

void sink::expect(std::uint64_t total, clock::duration limit) {
  const bool arrived = loop_.run_until([&] { return received_ >= total; }, limit);
  if (arrived) loop_.run_for(straggler_wait);
  if (received_ != total) {
    throw std::runtime_error("the sink has " + std::to_string(received_) + " messages, expected " +
                             std::to_string(total));
  }
}

window_figures measure_window(event_loop& loop, sink& to, const std::vector<relay_path*>& senders,
                              int in_flight, const relay_timing& timing,
                              const measured_processes& processes) {
  const auto sink_before = to.received();
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t measured = 0;
  bool sending = true;
  bool measuring = false;

  std::function<void(relay_path*)> issue = [&](relay_path* path) {
    ++sent;
    path->send([&, path](bool ok) {
      if (!ok) return loop.fail("a relayed message was refused");
      ++acked;
      if (measuring) ++measured;
      if (sending) issue(path);
    });
  };

  cpu_snapshot cpu_at_start, cpu_at_end;
  clock::time_point measure_start, measure_end;
  asio::steady_timer warm_up(loop.io(), timing.warm_up);
  asio::steady_timer end(loop.io(), timing.warm_up + timing.measured);
  warm_up.async_wait([&](asio::error_code) {
    cpu_at_start = cpu_now(processes);
    measure_start = clock::now();
    measuring = true;
  });
  end.async_wait([&](asio::error_code) {
    measuring = false;
    sending = false;
    measure_end = clock::now();
    cpu_at_end = cpu_now(processes);
  });
  for (auto* path : senders) {
    for (int i = 0; i < in_flight; ++i) issue(path);
  }
  const bool drained = loop.run_until([&] { return !sending && acked == sent; },
                                      timing.warm_up + timing.measured + drain_limit);
  if (!drained) {
    throw std::runtime_error("relayed messages were not all acknowledged: " +
                             std::to_string(acked) + " of " + std::to_string(sent));
  }
  to.expect(sink_before + sent);

  window_figures f;
  f.measured = measured;
  f.seconds = seconds(measure_end - measure_start);
  f.cpu = cpu_at_end - cpu_at_start;
  return pooled({f});
}

window_figures pooled(const std::vector<window_figures>& parts) {
  window_figures f;
  for (const auto& p : parts) {
    f.measured += p.measured;
    f.seconds += p.seconds;
    f.cpu = {f.cpu.wssd + p.cpu.wssd, f.cpu.hub + p.cpu.hub, f.cpu.bench + p.cpu.bench};
  }
  f.msgs_per_s = f.seconds > 0 ? static_cast<double>(f.measured) / f.seconds : 0;
  const double per = f.measured > 0 ? 1e6 / static_cast<double>(f.measured) : 0;
  f.cpu_us_per_message = {f.cpu.wssd * per, f.cpu.hub * per, f.cpu.bench * per};
  return f;
}

clock::duration send_count(event_loop& loop, sink& to, relay_path& path, int in_flight,
                           std::uint64_t messages) {
  const auto sink_before = to.received();
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::function<void()> issue = [&] {
    ++sent;
    path.send([&](bool ok) {
      if (!ok) return loop.fail("a relayed message was refused");
      ++acked;
      if (sent < messages) issue();
    });
  };
  const auto start = clock::now();
  for (int i = 0; i < in_flight && sent < messages; ++i) issue();
  if (!loop.run_until([&] { return acked == messages; }, std::chrono::seconds(600)))
    throw std::runtime_error("relayed messages were not all acknowledged");
  const auto took = clock::now() - start;
  to.expect(sink_before + messages);
  return took;
}

alternated alternating(event_loop& loop, sink& to, const std::vector<relay_leg>& legs,
                       int in_flight, const relay_timing& timing, int slices) {
  std::vector<std::vector<window_figures>> parts(legs.size());
  alternated a;
  for (int slice = 0; slice < slices; ++slice) {
    std::vector<double> rates(legs.size(), 0);
    for (std::size_t i = 0; i < legs.size(); ++i) {
      const auto which = (i + static_cast<std::size_t>(slice)) % legs.size();
      const auto& leg = legs[which];
      parts[which].push_back(
          measure_window(loop, to, leg.senders, in_flight, timing, leg.processes));
      rates[which] = parts[which].back().msgs_per_s;
    }
    if (legs.size() >= 2 && rates[1] > 0) a.first_to_second.add(rates[0] / rates[1]);
  }
  for (const auto& p : parts) a.legs.push_back(pooled(p));
  return a;
}

namespace {

double ack_round_trip_us(event_loop& loop, relay_path& path) {
  bool acked = false;
  const auto start = clock::now();
  path.send([&](bool ok) {
    if (!ok) return loop.fail("a relayed message was refused");
    acked = true;
  });
  if (!loop.run_until([&] { return acked; }, answer_limit))
    throw std::runtime_error("a relayed message was not acknowledged in time");
  return micros(clock::now() - start);
}

}  // namespace

std::pair<latency_figures, latency_figures> measure_latency(event_loop& loop, sink& to,
                                                            relay_path& first, relay_path& second,
                                                            int rounds,
                                                            const measured_processes& processes) {
  const auto sink_before = to.received();
  samples a, b;
  double wssd_cpu = 0;
  for (int i = 0; i < rounds; ++i) {
    const auto before = cpu_now(processes);
    a.add(ack_round_trip_us(loop, first));
    wssd_cpu += (cpu_now(processes) - before).wssd;
    b.add(ack_round_trip_us(loop, second));
  }
  to.expect(sink_before + 2 * static_cast<std::uint64_t>(rounds));
  latency_figures fa{a.median(), a.percentile(0.99), wssd_cpu * 1e6 / rounds};
  latency_figures fb{b.median(), b.percentile(0.99), 0};
  return {fa, fb};
}

}  // namespace wssd::bench
