// wssctl set-pid ID: the identity every local client shares takes another private id.
#include <iostream>

#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

class set_pid final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "set-pid", "Take another private id");
    cmd->add_option("id", id_, "The new private id")->required();
    add_timeout(*cmd, timeout_, 90);
    return cmd;
  }

  int run(const global_options& o) override {
    return run_call(
        o, [&](client& c) { return c.set_private_id(id_, milliseconds(timeout_)); },
        [](const json::value& v) {
          const auto* o = v.if_object();
          const auto* pid = o ? o->if_contains("private_id") : nullptr;
          if (pid && pid->is_string()) std::cout << pid->get_string().c_str() << "\n";
        });
  }

 private:
  std::string id_;
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> set_pid_verb() {
  return std::make_unique<set_pid>();
}

}  // namespace wssctl
