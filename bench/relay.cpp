#include "bench/relay.hpp"

#include <atomic>
#include <boost/json/string.hpp>
#include <memory>
#include <stdexcept>
#include <thread>

#include "bench/process_stats.hpp"
#include "ipc/client/client.hpp"
#include "tests/support/test_peer.hpp"

namespace wssd::bench {

namespace {

namespace json = boost::json;
using clock = std::chrono::steady_clock;

constexpr auto wait_limit = std::chrono::seconds(10);
constexpr auto echo_poll = std::chrono::milliseconds(50);
constexpr int warm_up_rounds = 20;

// A JSON string whose serialised form is exactly `bytes` long.
json::value payload_of(std::size_t bytes) {
  return json::string(bytes - 2, 'x');
}

bool is_direct(const json::object& push) {
  const auto* type = push.if_contains("type");
  return type && *type == "direct";
}

double micros(clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// One process that sends a message, waits for the hub's ok, and hears replies: either a local
// client of wssd or a peer on the hub itself.
class sender {
 public:
  virtual ~sender() = default;
  virtual bool send(const std::string& to, const json::value& data) = 0;
  // Waits for the next direct message to this sender.
  virtual bool receive() = 0;
};

class wssd_sender final : public sender {
 public:
  explicit wssd_sender(client c) : client_(std::move(c)) {}

  // Only a sender that is to hear replies subscribes: wssd would queue every echo for every
  // subscriber, and a subscriber that never reads would cost wssd work the direct path lacks.
  static std::unique_ptr<sender> connect(const std::string& socket, bool subscribe) {
    auto c = client::connect(socket);
    if (!c) throw std::runtime_error(c.error().what);
    if (subscribe) {
      auto done = c->call("subscribe", {{"types", json::array{"message"}}}, wait_limit);
      if (!done || !*done) throw std::runtime_error("subscribe to wssd failed");
    }
    return std::make_unique<wssd_sender>(std::move(*c));
  }

  bool send(const std::string& to, const json::value& data) override {
    auto answer =
        client_.call("send", {{"to", json::array{json::value(to)}}, {"data", data}}, wait_limit);
    return answer && *answer;
  }
  bool receive() override {
    auto event = client_.next_event(wait_limit);  // the subscription is to messages only
    return event && *event;
  }

 private:
  client client_;
};

class direct_sender final : public sender {
 public:
  static std::unique_ptr<sender> join(const std::string& url) {
    auto s = std::make_unique<direct_sender>();
    if (!s->peer_.join(url)) throw std::runtime_error("peer cannot join: " + s->peer_.last_error());
    return s;
  }

  bool send(const std::string& to, const json::value& data) override {
    return peer_.send_direct(to, data);
  }
  bool receive() override { return peer_.wait_push(is_direct, wait_limit).has_value(); }

 private:
  test::test_peer peer_;
};

// A peer that sends every direct message back to its sender, on its own thread.
class echo_peer {
 public:
  explicit echo_peer(const std::string& url) {
    if (!peer_.join(url)) throw std::runtime_error("echo peer cannot join: " + peer_.last_error());
    thread_ = std::thread([this] { run(); });
  }
  ~echo_peer() {
    stop_ = true;
    thread_.join();
  }
  echo_peer(const echo_peer&) = delete;
  echo_peer& operator=(const echo_peer&) = delete;

  const std::string& private_id() const { return peer_.private_id(); }

 private:
  void run() {
    while (!stop_) {
      auto push = peer_.next_push(echo_poll);
      if (!push || !is_direct(*push)) continue;
      const auto* from = push->if_contains("from");
      const auto* data = push->if_contains("data");
      if (from && from->is_string() && data)
        peer_.send_direct(std::string(from->as_string()), *data);
    }
  }

  test::test_peer peer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

double ack_round_trip_us(sender& s, const std::string& to, const json::value& data) {
  const auto start = clock::now();
  if (!s.send(to, data)) throw std::runtime_error("a send was not acknowledged");
  return micros(clock::now() - start);
}

double echo_round_trip_us(sender& s, const std::string& echo, const json::value& data) {
  const auto start = clock::now();
  if (!s.send(echo, data) || !s.receive()) throw std::runtime_error("an echo did not come back");
  return micros(clock::now() - start);
}

// Takes `count` messages off the sink; false if they do not all come.
bool take(test::test_peer& sink, int count) {
  for (int i = 0; i < count; ++i) {
    if (!sink.wait_push(is_direct, wait_limit)) return false;
  }
  return true;
}

void expect(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

// Interleaved so that a change in the machine's load hits both paths alike.
void measure_latency(relay_figures& f, sender& via_wssd, sender& direct, test::test_peer& sink,
                     const std::string& echo, const json::value& data, const relay_plan& plan) {
  samples wssd_ack, direct_ack, wssd_echo, direct_echo;
  for (int i = 0; i < plan.ack_rounds; ++i) {
    wssd_ack.add(ack_round_trip_us(via_wssd, sink.private_id(), data));
    direct_ack.add(ack_round_trip_us(direct, sink.private_id(), data));
  }
  expect(take(sink, 2 * plan.ack_rounds), "messages to the sink were lost");
  for (int i = 0; i < plan.echo_rounds; ++i) {
    wssd_echo.add(echo_round_trip_us(via_wssd, echo, data));
    direct_echo.add(echo_round_trip_us(direct, echo, data));
  }
  f.via_wssd.ack_p50_us = wssd_ack.percentile(0.5);
  f.via_wssd.ack_p99_us = wssd_ack.percentile(0.99);
  f.direct.ack_p50_us = direct_ack.percentile(0.5);
  f.direct.ack_p99_us = direct_ack.percentile(0.99);
  f.via_wssd.echo_p50_us = wssd_echo.percentile(0.5);
  f.via_wssd.echo_max_us = wssd_echo.percentile(1.0);
  f.direct.echo_p50_us = direct_echo.percentile(0.5);
  f.direct.echo_max_us = direct_echo.percentile(1.0);
}

using sender_set = std::vector<std::unique_ptr<sender>>;

struct trial {
  double seconds = 0;
  double wssd_cpu = 0;
  double hub_cpu = 0;
};

double cpu_of(pid_t pid) {
  return cpu_seconds_of(pid).value_or(0);
}

// Every sender sends its messages one after another (each waits for its ok), all senders at
// once; the clock stops when the sink has every message.
trial run_trial(const sender_set& senders, test::test_peer& sink, const json::value& data,
                int per_sender, const measured_processes& setup) {
  const double wssd_before = cpu_of(setup.wssd_pid);
  const double hub_before = cpu_of(setup.hub_pid);
  const auto start = clock::now();
  std::vector<std::thread> threads;
  for (const auto& s : senders) {
    threads.emplace_back([&, s = s.get()] {
      for (int i = 0; i < per_sender; ++i) {
        if (!s->send(sink.private_id(), data)) return;
      }
    });
  }
  const bool all_arrived = take(sink, static_cast<int>(senders.size()) * per_sender);
  const auto elapsed = clock::now() - start;
  for (auto& t : threads) t.join();
  expect(all_arrived, "messages were lost in a throughput trial");
  return {std::chrono::duration<double>(elapsed).count(), cpu_of(setup.wssd_pid) - wssd_before,
          cpu_of(setup.hub_pid) - hub_before};
}

// The rate is the median trial's; CPU time is summed over all trials, as it is counted in
// clock ticks (10 ms) that one trial alone would make coarse.
void add_throughput(path_figures& f, const std::vector<trial>& trials, int messages) {
  samples rate;
  double wssd_cpu = 0;
  double hub_cpu = 0;
  for (const auto& t : trials) {
    rate.add(messages / t.seconds);
    wssd_cpu += t.wssd_cpu;
    hub_cpu += t.hub_cpu;
  }
  const double all_messages = static_cast<double>(messages) * static_cast<double>(trials.size());
  f.messages_per_s = rate.median();
  f.wssd_cpu_us_per_message = wssd_cpu * 1e6 / all_messages;
  f.hub_cpu_us_per_message = hub_cpu * 1e6 / all_messages;
}

}  // namespace

std::vector<relay_figures> measure_relay(const measured_processes& setup, const relay_plan& plan) {
  echo_peer echo(setup.hub_url);
  test::test_peer sink;
  expect(sink.join(setup.hub_url), "the sink cannot join the hub");
  sender_set via_wssd, direct;
  for (int i = 0; i < plan.senders; ++i) {
    via_wssd.push_back(wssd_sender::connect(setup.wssd_socket, i == 0));
    direct.push_back(direct_sender::join(setup.hub_url));
  }
  // Latency runs on the first sender of each path; the first few round trips (connections,
  // allocators, caches) are not counted.
  for (int i = 0; i < warm_up_rounds; ++i) {
    ack_round_trip_us(*via_wssd.front(), sink.private_id(), payload_of(64));
    ack_round_trip_us(*direct.front(), sink.private_id(), payload_of(64));
  }
  expect(take(sink, 2 * warm_up_rounds), "warm-up messages were lost");
  std::vector<relay_figures> figures;
  for (const auto size : plan.payload_sizes) {
    const auto data = payload_of(size);
    relay_figures f{size, {}, {}};
    measure_latency(f, *via_wssd.front(), *direct.front(), sink, echo.private_id(), data, plan);
    std::vector<trial> wssd_trials, direct_trials;
    for (int i = 0; i < plan.throughput_trials; ++i) {
      wssd_trials.push_back(run_trial(via_wssd, sink, data, plan.messages_per_sender, setup));
      direct_trials.push_back(run_trial(direct, sink, data, plan.messages_per_sender, setup));
    }
    const int messages = plan.senders * plan.messages_per_sender;
    add_throughput(f.via_wssd, wssd_trials, messages);
    add_throughput(f.direct, direct_trials, messages);
    figures.push_back(f);
  }
  return figures;
}

}  // namespace wssd::bench
