// wssctl metrics: the Prometheus text exposition, as wssd renders it (the same text its
// metrics listener serves at /metrics).
#include <iostream>

#include "ipc/wssctl/cli.hpp"

namespace wssctl {

std::unique_ptr<verb> metrics_verb() {
  return call_verb(
      "metrics", "Counters and gauges in the Prometheus text format", 10,
      [](client& c, client::duration t) { return c.metrics(t); },
      [](const json::value& v) {
        if (const auto* text = v.is_object() ? v.as_object().if_contains("text") : nullptr;
            text && text->is_string()) {
          std::cout << std::string_view(text->as_string());  // as it is, not as JSON
        }
      });
}

}  // namespace wssctl
