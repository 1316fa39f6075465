#include "bench/fan_out.hpp"

#include <asio/steady_timer.hpp>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "bench/hub_peer.hpp"
#include "bench/local_peer.hpp"
#include "bench/relay.hpp"

namespace wssd::bench {

namespace {

constexpr auto drain_limit = std::chrono::seconds(30);
constexpr auto join_limit = std::chrono::seconds(60);
constexpr auto quiet = std::chrono::milliseconds(200);
constexpr std::size_t joins_at_once = 32;
constexpr char subscribe_params[] = R"({"types":["message"]})";

// Which broadcast each subscriber has read, when: every subscriber gets every broadcast in
// order, so a subscriber's count of lines (or frames) says which events it has.
class delivery_tracker {
 public:
  delivery_tracker(event_loop& loop, std::size_t subscribers)
      : loop_(loop), subscribers_(subscribers) {}

  void sent(clock::time_point at) {
    sent_at_.push_back(at);
    reached_.push_back(0);
  }
  // One subscriber went from `before` to `now` events; it read them at `at`.
  void delivered(std::uint64_t before, std::uint64_t now, clock::time_point at) {
    if (now > sent_at_.size()) {
      return loop_.fail("a subscriber read more events than were broadcast");
    }
    bool progressed = false;
    for (auto e = before; e < now; ++e) {
      if (recording_) {
        lag_.add(micros(at - sent_at_[e]));
        ++deliveries_;
      }
      if (++reached_[e] == subscribers_) progressed = true;
    }
    if (!progressed) return;
    while (complete_ < sent_at_.size() && reached_[complete_] == subscribers_) {
      if (recording_) completion_.add(micros(at - sent_at_[complete_]));
      ++complete_;
    }
    if (on_progress_) on_progress_();
  }

  // Runs whenever more events have reached every subscriber.
  void on_progress(std::function<void()> f) { on_progress_ = std::move(f); }
  std::uint64_t sent() const { return sent_at_.size(); }
  std::uint64_t complete() const { return complete_; }
  void record(bool on) { recording_ = on; }
  std::uint64_t deliveries() const { return deliveries_; }
  const histogram& lag() const { return lag_; }
  const histogram& completion() const { return completion_; }
  void reset_figures() {
    lag_ = {};
    completion_ = {};
    deliveries_ = 0;
  }

 private:
  event_loop& loop_;
  std::size_t subscribers_;
  std::vector<clock::time_point> sent_at_;
  std::vector<std::uint32_t> reached_;  // per event: subscribers that have it
  std::uint64_t complete_ = 0;          // events every subscriber has
  bool recording_ = false;
  std::uint64_t deliveries_ = 0;
  histogram lag_, completion_;
  std::function<void()> on_progress_;
};

// N peers on the hub that count the broadcasts they get.
class hub_subscribers {
 public:
  hub_subscribers(event_loop& loop, const std::string& url, std::size_t count,
                  delivery_tracker& tracker)
      : counts_(count, 0) {
    peers_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      peers_.push_back(std::make_unique<hub_peer>(loop));
      peers_.back()->on_push([this, i, &tracker](std::string_view frame) {
        last_frame_ = clock::now();
        if (frame.find(R"("type":"broadcast")") == std::string_view::npos) return;
        ++counts_[i];
        tracker.delivered(counts_[i] - 1, counts_[i], clock::now());
      });
    }
    // Many at a time: each join makes the hub tell every peer already there, so joining one
    // after another would take minutes at 1 000, and all at once overruns websocketpp's 5 s
    // opening handshake timeout while the hub is busy telling.
    std::size_t started = 0;
    const auto start_more = [&] {
      while (started < peers_.size() && started - settled_ < joins_at_once) {
        peers_[started++]->start_join(url, [this] { ++settled_; });
      }
    };
    const bool joined = loop.run_until(
        [&] {
          start_more();
          return settled_ == peers_.size();
        },
        join_limit);
    for (const auto& p : peers_) {
      if (!joined || !p->joined())
        throw std::runtime_error("a subscriber peer cannot join the hub: " + p->failure());
    }
    // The hub has told the first peers about all the others: let those pushes arrive first.
    last_frame_ = clock::now();
    loop.run_until([this] { return clock::now() - last_frame_ > quiet; }, join_limit);
  }
  ~hub_subscribers() {
    for (auto& p : peers_) p->leave();
  }
  std::uint64_t lines(std::size_t i) const { return counts_[i]; }

 private:
  std::vector<std::uint64_t> counts_;
  std::vector<std::unique_ptr<hub_peer>> peers_;
  std::size_t settled_ = 0;
  clock::time_point last_frame_;
};

}  // namespace

fan_out_figures measure_fan_out(event_loop& loop, const fan_out_target& target,
                                std::size_t subscribers, const fan_out_plan& plan) {
  delivery_tracker tracker(loop, subscribers);
  hub_peer broadcaster(loop);
  broadcaster.join(target.hub_url);
  std::unique_ptr<line_counters> via_wssd;
  std::unique_ptr<hub_subscribers> direct;
  if (!target.wssd_socket.empty()) {
    via_wssd = std::make_unique<line_counters>(
        loop, target.wssd_socket, subscribers, subscribe_params,
        [&tracker](std::size_t, std::uint64_t before, std::uint64_t now) {
          tracker.delivered(before, now, clock::now());
        });
  } else {
    direct = std::make_unique<hub_subscribers>(loop, target.hub_url, subscribers, tracker);
  }
  fan_out_figures f;
  f.subscribers = subscribers;
  if (via_wssd) f.connected = memory_of(target.processes.wssd_pid);

  // The broadcaster keeps `window` broadcasts that not every subscriber has read yet; each
  // read that completes one makes room for the next.
  const auto data = payload_of(plan.payload);
  std::uint64_t window = 1;
  std::uint64_t send_limit = static_cast<std::uint64_t>(plan.one_at_a_time_rounds);
  const auto pump = [&] {
    while (tracker.sent() < send_limit && tracker.sent() - tracker.complete() < window) {
      tracker.sent(clock::now());
      broadcaster.broadcast(data, target.exclude_rcp, [&loop](bool ok) {
        if (!ok) loop.fail("a broadcast was refused");
      });
    }
  };
  tracker.on_progress(pump);
  // Until every subscriber has every broadcast up to the limit.
  const auto drain = [&](const char* what) {
    if (!loop.run_until([&] { return tracker.complete() == send_limit; }, drain_limit)) {
      throw std::runtime_error(std::string(what) + " did not reach every subscriber: " +
                               std::to_string(tracker.complete()) + " of " +
                               std::to_string(tracker.sent()));
    }
  };

  // One at a time: the next broadcast goes when every subscriber has the previous one.
  tracker.record(true);
  pump();
  drain("one-at-a-time broadcasts");
  f.one_p50_ms = tracker.completion().percentile(0.5) / 1000;
  f.one_p99_ms = tracker.completion().percentile(0.99) / 1000;

  // Sustained: `window` outstanding, for warm-up plus measured time.
  const auto sustain = [&](int outstanding) {
    tracker.record(false);
    tracker.reset_figures();
    window = static_cast<std::uint64_t>(outstanding);
    send_limit = std::numeric_limits<std::uint64_t>::max();
    cpu_snapshot cpu_at_start, cpu_at_end;
    clock::time_point measure_start, measure_end;
    bool ended = false;
    asio::steady_timer warm_up(loop.io(), plan.warm_up);
    asio::steady_timer end(loop.io(), plan.warm_up + plan.measured);
    warm_up.async_wait([&](asio::error_code) {
      cpu_at_start = cpu_now(target.processes);
      measure_start = clock::now();
      tracker.record(true);
    });
    end.async_wait([&](asio::error_code) {
      tracker.record(false);
      measure_end = clock::now();
      cpu_at_end = cpu_now(target.processes);
      send_limit = tracker.sent();
      ended = true;
    });
    pump();
    if (!loop.run_until([&] { return ended; }, plan.warm_up + plan.measured + drain_limit))
      throw std::runtime_error("the sustained fan-out did not finish in time");
    drain("sustained broadcasts");
    sustained_figures r;
    const auto deliveries = static_cast<double>(tracker.deliveries());
    r.deliveries_per_s = deliveries / seconds(measure_end - measure_start);
    r.lag_p50_ms = tracker.lag().percentile(0.5) / 1000;
    r.lag_p99_ms = tracker.lag().percentile(0.99) / 1000;
    const auto cpu = cpu_at_end - cpu_at_start;
    const double per = deliveries > 0 ? 1e6 / deliveries : 0;
    r.cpu_us_per_delivery = {cpu.wssd * per, cpu.hub * per, cpu.bench * per};
    return r;
  };
  f.sustained = sustain(plan.window);
  f.backlog = sustain(plan.backlog_window);
  tracker.on_progress({});
  for (std::size_t i = 0; i < subscribers; ++i) {
    const auto got = via_wssd ? via_wssd->lines(i) : direct->lines(i);
    if (got != tracker.sent()) {
      throw std::runtime_error("a subscriber has " + std::to_string(got) + " events of " +
                               std::to_string(tracker.sent()));
    }
  }
  if (via_wssd) f.after_load = memory_of(target.processes.wssd_pid);
  return f;
}

}  // namespace wssd::bench
