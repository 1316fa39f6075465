// wssctl reconnect: drop the link and connect again (at once, unless reconnects came too often).
#include "ipc/wssctl/cli.hpp"

namespace wssctl {

std::unique_ptr<verb> reconnect_verb() {
  return call_verb(
      "reconnect", "Drop the link and connect again now", 10,
      [](client& c, client::duration t) { return c.reconnect(t); }, print_nothing);
}

}  // namespace wssctl
