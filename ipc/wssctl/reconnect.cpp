// wssctl reconnect: drop the link and connect again (at once, unless reconnects came too often).
#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

class reconnect final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "reconnect", "Drop the link and connect again now");
    add_timeout(*cmd, timeout_, 10);
    return cmd;
  }
  int run(const global_options& o) override {
    return run_call(
        o, [&](client& c) { return c.reconnect(milliseconds(timeout_)); }, print_nothing);
  }

 private:
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> reconnect_verb() {
  return std::make_unique<reconnect>();
}

}  // namespace wssctl
