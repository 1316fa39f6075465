// wssctl broadcast [--exclude PID]... DATA: a message to every other peer.
#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

class broadcast final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "broadcast", "Send DATA to every peer");
    // One PID per --exclude: a list would swallow DATA.
    cmd->add_option("--exclude", exclude_, "A peer left out (repeat for more)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cmd->add_option("data", data_, "JSON, or else a string (after -- if it starts with -)")
        ->required();
    add_timeout(*cmd, timeout_, 90);
    return cmd;
  }

  int run(const global_options& o) override {
    auto value = parse_data(data_);
    if (!value) return report(o, usage, value.error());
    return run_call(
        o, [&](client& c) { return c.broadcast(*value, exclude_, milliseconds(timeout_)); },
        print_nothing);
  }

 private:
  std::vector<std::string> exclude_;
  std::string data_;
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> broadcast_verb() {
  return std::make_unique<broadcast>();
}

}  // namespace wssctl
