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

}  // namespace

std::unique_ptr<verb> peers_verb() {
  return call_verb(
      "peers", "Connected peers and their options", 10,
      [](client& c, client::duration t) { return c.peers(t); }, print_peers);
}

}  // namespace wssctl
