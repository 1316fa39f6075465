// Owning handles for sd-bus objects: every sd_bus*, sd_bus_slot* and sd_bus_message* wssd keeps
// is held by one of these, so no path forgets an unref.
#pragma once

#include <systemd/sd-bus.h>

#include <memory>

namespace wssd {

struct sd_bus_closer {
  // Closes without flushing: sd_bus_flush() blocks until the peer reads, and a stalled bus
  // must not hang wssd's shutdown.
  void operator()(sd_bus* bus) const { sd_bus_close_unref(bus); }
};

struct sd_bus_slot_unref_fn {
  void operator()(sd_bus_slot* slot) const { sd_bus_slot_unref(slot); }
};

struct sd_bus_message_unref_fn {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};

using bus_ptr = std::unique_ptr<sd_bus, sd_bus_closer>;
using slot_ptr = std::unique_ptr<sd_bus_slot, sd_bus_slot_unref_fn>;
using message_ptr = std::unique_ptr<sd_bus_message, sd_bus_message_unref_fn>;

// Takes a new reference: for a message sd-bus lends to a callback and wssd keeps beyond it.
inline message_ptr ref_message(sd_bus_message* m) {
  return message_ptr(sd_bus_message_ref(m));
}

}  // namespace wssd
