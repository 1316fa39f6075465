// wssctl metrics: the Prometheus text exposition, as wssd renders it (the same text its
// metrics listener serves at /metrics).
#include <iostream>

#include "ipc/wssctl/cli.hpp"

namespace wssctl {
namespace {

class metrics final : public verb {
 public:
  CLI::App* define(CLI::App& app) override {
    auto* cmd = add_verb(app, "metrics", "Counters and gauges in the Prometheus text format");
    add_timeout(*cmd, timeout_, 10);
    return cmd;
  }
  int run(const global_options& o) override {
    return run_call(
        o, [&](client& c) { return c.metrics(milliseconds(timeout_)); },
        [](const json::value& v) {
          if (const auto* text = v.is_object() ? v.as_object().if_contains("text") : nullptr;
              text && text->is_string()) {
            std::cout << std::string_view(text->as_string());  // as it is, not as JSON
          }
        });
  }

 private:
  double timeout_ = 0;
};

}  // namespace

std::unique_ptr<verb> metrics_verb() {
  return std::make_unique<metrics>();
}

}  // namespace wssctl
