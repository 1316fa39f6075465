// wssd's start and its reconnect: from the spawn until online, and from the hub being back
// until online again.
#pragma once

#include "tests/support/hub_process.hpp"

namespace wssd::bench {

struct lifecycle_plan {
  int starts = 5;      // the first with a fresh state directory, the others restarts
  int reconnects = 3;  // the hub stopped and started again under one wssd
};

struct lifecycle_figures {
  double first_start_ms = 0;  // fresh state directory: no private id to claim back
  double restart_p50_ms = 0;  // the state directory kept, as systemd restarts it
  double restart_max_ms = 0;
  double reconnect_p50_ms = 0;
  double reconnect_min_ms = 0;
  double reconnect_max_ms = 0;
};

// Stops and starts `hub` (on its port); throws std::runtime_error when wssd or the hub does
// not come back.
lifecycle_figures measure_lifecycle(test::hub_process& hub, const lifecycle_plan& plan);

}  // namespace wssd::bench
