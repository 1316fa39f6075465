// wssctl wait-online [--timeout S]: waits until the session is online (the daemon may not even
// be up yet).
#include <sstream>
#include <thread>

#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

class wait_online final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "wait-online", "Wait until the session is online");
    add_timeout(*cmd, timeout_, 30);
    return cmd;
  }

  int run(const global_options& o) override {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + milliseconds(timeout_);
    const auto left = [&] {
      return std::chrono::duration_cast<client::duration>(deadline - clock::now());
    };
    while (left().count() > 0) {
      auto c = client::connect(socket_path(o));
      if (!c) {
        const auto kind = c.error().kind;
        if (kind == client::failure_kind::denied || kind == client::failure_kind::invalid) {
          return report(o, c.error());
        }
        std::this_thread::sleep_for(std::min(left(), client::duration(200)));
        continue;
      }
      client::subscription states;
      states.types = {"state"};
      auto subscribed = c->subscribe(states, left());
      if (!subscribed) continue;
      if (!*subscribed) return report(o, subscribed->error());
      auto status = c->status(left());
      if (status && *status && is_online(**status)) return ok;
      while (left().count() > 0) {
        auto e = c->next_event(left());
        if (!e) break;
        if (*e && is_online(**e)) return ok;
      }
    }
    std::ostringstream text;
    text << "wssd is not online after " << timeout_ << " s";
    return report(o, timed_out, text.str());
  }

 private:
  static bool is_online(const json::value& v) {
    const auto* o = v.if_object();
    const auto* state = o ? o->if_contains("state") : nullptr;
    return state && *state == "online";
  }

  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> wait_online_verb() {
  return std::make_unique<wait_online>();
}

}  // namespace wssctl
