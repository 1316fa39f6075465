// wssctl rpc METHOD [PARAMS]: any other server method, with the session's tokens added.
#include <iostream>

#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

class rpc final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "rpc", "Call any other server method");
    cmd->add_option("method", method_, "Server method")->required();
    cmd->add_option("params", params_text_, "JSON object");
    add_timeout(*cmd, timeout_, 45);
    return cmd;
  }

  int run(const global_options& o) override {
    json::object params;
    if (!params_text_.empty()) {
      auto v = wssd::proto::parse_json(params_text_);
      if (!v) return report(o, usage, "PARAMS: " + v.error().what);
      if (!v->is_object()) return report(o, usage, "PARAMS must be a JSON object");
      params = std::move(v->as_object());
    }
    return run_call(
        o, [&](client& c) { return c.rpc(method_, std::move(params), milliseconds(timeout_)); },
        [](const json::value& v) { std::cout << json::serialize(v) << "\n"; });
  }

 private:
  std::string method_, params_text_;
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> rpc_verb() {
  return std::make_unique<rpc>();
}

}  // namespace wssctl
