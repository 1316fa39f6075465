// wssctl monitor [--since SEQ] [--type T]...: prints events as they happen, one line each, and
// goes on across daemon restarts and crashes, resuming after the last event it printed.
#include <charconv>
#include <csignal>
#include <iostream>
#include <random>
#include <thread>

#include "ipc/wssctl/cli.hpp"
#include "proto/events.hpp"

namespace wssctl {
namespace {

using namespace std::chrono_literals;

constexpr auto subscribe_timeout = 10s;
// How often a waiting monitor looks whether it was asked to stop.
constexpr auto poll_every = 200ms;
// A connection that lasted this long was no failure: the next wait starts short again.
constexpr auto healthy_after = 5s;

std::string text_of(const json::object& e, const char* key) {
  const auto* v = e.if_contains(key);
  if (!v || v->is_null()) return "-";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

// One human line per event; notices (lagged, events_lost) and events of a newer wssd are
// shown as their JSON.
std::string describe(const json::object& e) {
  namespace ev = wssd::proto::events;
  const std::string prefix = "[" + text_of(e, "seq") + "] " + text_of(e, "type") + " ";
  auto decoded = wssd::proto::decode_event(e);
  if (!decoded) return prefix + json::serialize(e);
  struct visitor {
    const json::object& e;
    std::string operator()(const ev::message& m) const {
      return std::string(wssd::proto::to_string(m.kind)) + " from " + text_of(e, "from") + ": " +
             text_of(e, "data");
    }
    std::string operator()(const ev::update&) const {
      return "from " + text_of(e, "from") + ": " + text_of(e, "data");
    }
    std::string operator()(const ev::peer_connect& p) const { return p.private_id; }
    std::string operator()(const ev::peer_disconnect& p) const { return p.private_id; }
    std::string operator()(const ev::peer_private_id& p) const {
      return p.old_id + " -> " + p.new_id;
    }
    std::string operator()(const ev::private_id& p) const { return p.id; }
    std::string operator()(const ev::state& s) const {
      return std::string(wssd::proto::to_string(s.now)) + " (" + s.reason + ")";
    }
    std::string operator()(const ev::outbox_expired& x) const {
      return std::string(wssd::proto::to_string(x.kind)) + (x.msg_id ? " " + *x.msg_id : "") +
             ": " + x.reason;
    }
  };
  return prefix + std::visit(visitor{e}, *decoded);
}

// Waits between attempts: 100 ms doubling up to 5 s, with jitter, so that a daemon that keeps
// cutting the monitor off (or a listener that never answers) is not hammered.
class retry_delay {
 public:
  std::chrono::milliseconds next() {
    const auto ceiling = current_;
    current_ = std::min(current_ * 2, std::chrono::milliseconds(5000));
    std::uniform_int_distribution<long> jitter(ceiling.count() / 2, ceiling.count());
    return std::chrono::milliseconds(jitter(random_));
  }
  void reset() { current_ = std::chrono::milliseconds(100); }

 private:
  std::chrono::milliseconds current_{100};
  std::mt19937 random_{std::random_device{}()};
};

class monitor final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "monitor", "Print events as they happen");
    const CLI::Validator seq(
        [](std::string& text) -> std::string {
          std::uint64_t value = 0;
          const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
          if (ec != std::errc() || end != text.data() + text.size()) {
            return "expected a seq (a whole number from 0), got \"" + text + "\"";
          }
          return {};
        },
        "SEQ");
    cmd->add_option("--since", since_text_, "Replay events after this seq first")->check(seq);
    cmd->add_option("--type", types_, "Only these event types (repeat for more)")
        ->check(CLI::IsMember(wssd::proto::event_type_names()));
    cmd->add_option("--consumer", consumer_,
                    "Read as this durable consumer: resume after the last event printed, across "
                    "restarts of wssctl and wssd");
    return cmd;
  }

  int run(const global_options& o) override {
    // SIGTERM and SIGINT end the monitor between two events, never inside one.
    std::signal(SIGTERM, request_stop);
    std::signal(SIGINT, request_stop);
    std::optional<std::uint64_t> since;
    if (!since_text_.empty()) since = std::stoull(since_text_);  // checked by the validator
    std::string instance;                                        // whose numbering `since` is in
    bool subscribed_once = false;
    bool announced = false;  // the current outage was reported on stderr
    retry_delay delay;
    const auto retry_after = [&](const std::string& why) {
      if (!announced) std::cerr << "wssctl: " << why << "; retrying\n";
      announced = true;
      std::this_thread::sleep_for(delay.next());
    };
    while (true) {
      auto c = client::connect(socket_path(o));
      if (!c) {
        const auto kind = c.error().kind;
        const bool final = kind == client::failure_kind::denied ||
                           kind == client::failure_kind::invalid ||
                           (!since && consumer_.empty() && !subscribed_once);
        if (final) return report(o, c.error());  // never got in: say so now
        retry_after(c.error().what);
        continue;
      }
      auto answer =
          c->subscribe({types_, {}, since, instance, consumer_, false}, subscribe_timeout);
      if (!answer) {  // cut off before the answer: a daemon going away, or frozen
        retry_after(answer.error().what);
        continue;
      }
      if (!*answer) return report(o, answer->error());  // refused: retrying will not help
      subscribed_once = true;
      announced = false;
      static const json::object none;
      const auto* answered = (**answer).if_object();
      const auto& result = answered ? *answered : none;
      if (!since) {
        if (const auto* seq = result.if_contains("seq"); seq && seq->is_number())
          since = seq->to_number<std::uint64_t>();
      }
      if (const auto* i = result.if_contains("instance"); i && i->is_string()) {
        instance = std::string(i->get_string());
      }
      const auto began = std::chrono::steady_clock::now();
      bool printed = false;
      while (!stop_requested) {
        auto e = c->next_event(poll_every);
        if (!e) break;  // the daemon went away: connect again
        if (!*e) continue;
        const auto& event = **e;
        std::optional<std::uint64_t> seq;
        if (const auto* s = event.if_contains("seq"); s && s->is_number()) {
          seq = s->to_number<std::uint64_t>();
          since = seq;
        }
        std::cout << (o.json ? json::serialize(event) : describe(event)) << std::endl;
        if (!std::cout) return failed;  // nobody reads our output any more
        // Written, so finished: a consumer resumes after it, and never sees it again.
        if (seq && !consumer_.empty() && !c->ack(*seq, subscribe_timeout)) break;
        printed = true;
      }
      if (stop_requested) return ok;
      if (printed || std::chrono::steady_clock::now() - began >= healthy_after) delay.reset();
      retry_after("wssd closed the connection");
    }
  }

 private:
  static void request_stop(int) { stop_requested = 1; }
  static inline volatile std::sig_atomic_t stop_requested = 0;

  std::string since_text_;
  std::vector<std::string> types_;
  std::string consumer_;
};

}  // namespace

std::unique_ptr<verb> monitor_verb() {
  return std::make_unique<monitor>();
}

}  // namespace wssctl
