// org.wssd.Session1's vtable: one handler per method and one getter per property, mapped onto
// the service as the socket's methods are (ipc/local_api.cpp).
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "ipc/dbus/dbus_service.hpp"

namespace wssd {

namespace json = boost::json;

namespace {

dbus_service& self_of(void* userdata) {
  return *static_cast<dbus_service*>(userdata);
}

int read_strings(sd_bus_message* m, std::vector<std::string>& out) {
  int r = sd_bus_message_enter_container(m, 'a', "s");
  if (r < 0) return r;
  const char* s = nullptr;
  while ((r = sd_bus_message_read_basic(m, 's', &s)) > 0) out.emplace_back(s);
  if (r < 0) return r;
  return sd_bus_message_exit_container(m);
}

// (private id, options as JSON) for each peer: GetPeers and the Peers property.
int append_peers(sd_bus_message* m, const peer_table& peers) {
  int r = sd_bus_message_open_container(m, 'a', "(ss)");
  for (const auto& [pid, options] : peers.all()) {
    if (r < 0) return r;
    r = sd_bus_message_append(m, "(ss)", pid.c_str(), json::serialize(options).c_str());
  }
  if (r < 0) return r;
  return sd_bus_message_close_container(m);
}

int set_error(sd_bus_error* error, const dbus_errors::mapped& e) {
  return sd_bus_error_set(error, e.name, e.message.c_str());
}

}  // namespace

template <class F>
int dbus_service::guarded(void* userdata, sd_bus_error* error, F&& f) {
  auto& self = self_of(userdata);
  if (!self.accepting_) {
    return sd_bus_error_set(error, dbus_errors::offline, "wssd is stopping");
  }
  try {
    return f(self);
  } catch (const std::exception& e) {  // sd-bus is C: nothing may unwind through it
    spdlog::error("D-Bus: internal error in a call: {}", e.what());
    return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "wssd: internal error");
  }
}

const sd_bus_vtable* dbus_service::vtable() {
  // The policy decides who may call (docs/dbus.md): no capability check by sd-bus.
  constexpr auto method = SD_BUS_VTABLE_UNPRIVILEGED;
  constexpr auto changes = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
  static const sd_bus_vtable table[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD_WITH_ARGS("Send", SD_BUS_ARGS("as", to, "s", json), SD_BUS_NO_RESULT, on_send,
                              method),
      SD_BUS_METHOD_WITH_ARGS("Broadcast", SD_BUS_ARGS("s", json, "as", exclude), SD_BUS_NO_RESULT,
                              on_broadcast, method),
      SD_BUS_METHOD_WITH_ARGS("SetPrivateID", SD_BUS_ARGS("s", private_id), SD_BUS_NO_RESULT,
                              on_set_private_id, method),
      SD_BUS_METHOD_WITH_ARGS("GetPeers", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ss)", peers),
                              on_get_peers, method),
      SD_BUS_METHOD_WITH_ARGS("Reconnect", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, on_reconnect, method),
      SD_BUS_PROPERTY("State", "s", property<state>, 0, changes),
      SD_BUS_PROPERTY("PrivateID", "s", property<private_id>, 0, changes),
      SD_BUS_PROPERTY("Peers", "a(ss)", property<peers>, 0, changes),
      SD_BUS_PROPERTY("Server", "s", property<server>, 0, SD_BUS_VTABLE_PROPERTY_CONST),
      SD_BUS_PROPERTY("Reconnects", "t", property<reconnects>, 0, changes),
      // These move with every message: poll them rather than be woken for each one.
      SD_BUS_PROPERTY("MessagesIn", "t", property<messages_in>, 0, 0),
      SD_BUS_PROPERTY("MessagesOut", "t", property<messages_out>, 0, 0),
      SD_BUS_SIGNAL_WITH_ARGS("MessageReceived",
                              SD_BUS_ARGS("s", kind, "s", from, "s", json, "t", seq), 0),
      SD_BUS_SIGNAL_WITH_ARGS("Update", SD_BUS_ARGS("s", from, "s", json, "t", seq), 0),
      SD_BUS_SIGNAL_WITH_ARGS("PeerConnected", SD_BUS_ARGS("s", pid, "s", options_json), 0),
      SD_BUS_SIGNAL_WITH_ARGS("PeerDisconnected", SD_BUS_ARGS("s", pid), 0),
      SD_BUS_SIGNAL_WITH_ARGS("PeerPrivateIDChanged", SD_BUS_ARGS("s", old, "s", new), 0),
      SD_BUS_VTABLE_END};
  return table;
}

// ---- Methods: Send, Broadcast and SetPrivateID are answered once the server answered ----

int dbus_service::on_send(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  return guarded(userdata, error, [&](dbus_service& self) {
    std::vector<std::string> to;
    const char* text = nullptr;
    if (const int r = read_strings(m, to); r < 0) return r;
    if (const int r = sd_bus_message_read(m, "s", &text); r < 0) return r;
    auto data = self.parse_json(text);
    if (!data) return set_error(error, data.error());
    self.service_.send(to, *data, self.answer_later(m), self.ttl());
    return 1;
  });
}

int dbus_service::on_broadcast(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  return guarded(userdata, error, [&](dbus_service& self) {
    const char* text = nullptr;
    std::vector<std::string> exclude;
    if (const int r = sd_bus_message_read(m, "s", &text); r < 0) return r;
    if (const int r = read_strings(m, exclude); r < 0) return r;
    auto data = self.parse_json(text);
    if (!data) return set_error(error, data.error());
    self.service_.broadcast(*data, exclude, self.answer_later(m), self.ttl());
    return 1;
  });
}

int dbus_service::on_set_private_id(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  return guarded(userdata, error, [&](dbus_service& self) {
    const char* pid = nullptr;
    if (const int r = sd_bus_message_read(m, "s", &pid); r < 0) return r;
    self.service_.set_private_id(pid, self.answer_later(m), self.ttl());
    return 1;
  });
}

int dbus_service::on_get_peers(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  return guarded(userdata, error, [&](dbus_service& self) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_return(m, &raw);
    message_ptr reply(raw);
    if (r < 0) return r;
    if ((r = append_peers(reply.get(), self.service_.peers())) < 0) return r;
    return sd_bus_send(nullptr, reply.get(), nullptr);
  });
}

int dbus_service::on_reconnect(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  return guarded(userdata, error, [&](dbus_service& self) {
    self.service_.reconnect();
    return sd_bus_reply_method_return(m, nullptr);
  });
}

// ---- Properties: one getter each ----

template <int (*Append)(const dbus_service&, sd_bus_message*)>
int dbus_service::property(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                           void* userdata, sd_bus_error* error) {
  return guarded(userdata, error, [&](dbus_service& self) { return Append(self, reply); });
}

int dbus_service::state(const dbus_service& self, sd_bus_message* reply) {
  const auto name = proto::to_string(self.service_.status().state);
  return sd_bus_message_append(reply, "s", std::string(name).c_str());
}

int dbus_service::private_id(const dbus_service& self, sd_bus_message* reply) {
  return sd_bus_message_append(reply, "s", self.service_.status().private_id.c_str());
}

int dbus_service::peers(const dbus_service& self, sd_bus_message* reply) {
  return append_peers(reply, self.service_.peers());
}

int dbus_service::server(const dbus_service& self, sd_bus_message* reply) {
  return sd_bus_message_append(reply, "s", self.service_.status().server.c_str());
}

int dbus_service::reconnects(const dbus_service& self, sd_bus_message* reply) {
  return sd_bus_message_append(reply, "t", self.service_.status().counters.reconnects);
}

int dbus_service::messages_in(const dbus_service& self, sd_bus_message* reply) {
  return sd_bus_message_append(reply, "t", self.service_.status().counters.messages_in.total());
}

int dbus_service::messages_out(const dbus_service& self, sd_bus_message* reply) {
  return sd_bus_message_append(reply, "t", self.service_.status().counters.messages_out.total());
}

}  // namespace wssd
