// wssctl status: the session's state, private id, peers and counters.
#include <iostream>

#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

void print_status(const json::value& v) {
  const auto& s = v.as_object();
  for (const char* key : {"state", "private_id", "server", "peers", "uptime", "reconnects",
                          "clients", "seq", "version"}) {
    if (const auto* f = s.if_contains(key)) {
      std::cout << key << ": "
                << (f->is_string() ? std::string(f->as_string()) : json::serialize(*f)) << "\n";
    }
  }
  for (const char* group : {"counters", "queue"}) {
    if (const auto* g = s.if_contains(group); g && g->is_object()) {
      for (const auto& [k, val] : g->as_object())
        std::cout << group << "." << k << ": " << json::serialize(val) << "\n";
    }
  }
}

class status final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "status", "Session state, private id, counters");
    add_timeout(*cmd, timeout_, 10);
    return cmd;
  }
  int run(const global_options& o) override {
    return run_call(
        o, [&](client& c) { return c.status(milliseconds(timeout_)); },
        [](const json::value& v) {
          if (v.is_object()) print_status(v);
        });
  }

 private:
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> status_verb() {
  return std::make_unique<status>();
}

}  // namespace wssctl
