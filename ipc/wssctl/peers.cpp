// wssctl peers: the connected peers, one per line, with the options each announced.
#include <iostream>

#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

void print_peers(const json::value& v) {
  if (!v.is_array()) return;
  for (const auto& p : v.as_array()) {
    const auto* o = p.if_object();
    const auto* pid = o ? o->if_contains("private_id") : nullptr;
    const auto* options = o ? o->if_contains("options") : nullptr;
    if (!pid || !pid->is_string()) continue;
    std::cout << pid->get_string().c_str() << " "
              << (options ? json::serialize(*options) : std::string("{}")) << "\n";
  }
}

class peers final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "peers", "Connected peers and their options");
    add_timeout(*cmd, timeout_, 10);
    return cmd;
  }
  int run(const global_options& o) override {
    return run_call(
        o, [&](client& c) { return c.peers(milliseconds(timeout_)); }, print_peers);
  }

 private:
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> peers_verb() {
  return std::make_unique<peers>();
}

}  // namespace wssctl
