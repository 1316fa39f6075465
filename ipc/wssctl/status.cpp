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

}  // namespace

std::unique_ptr<verb> status_verb() {
  return call_verb(
      "status", "Session state, private id, counters", 10,
      [](client& c, client::duration t) { return c.status(t); },
      [](const json::value& v) {
        if (v.is_object()) print_status(v);
      });
}

}  // namespace wssctl
