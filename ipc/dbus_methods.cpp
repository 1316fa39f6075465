// org.wssd.Session1's vtable: methods and properties, mapped onto the service like the
// socket's methods (ipc/local_api.cpp).
#include <boost/json/serialize.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "ipc/dbus_service.hpp"
#include "proto/wssd_errors.hpp"

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

std::size_t size_of(const std::vector<std::string>& ids) {
  std::size_t bytes = 0;
  for (const auto& id : ids) bytes += id.size();
  return bytes;
}

// (private id, options as JSON) for each peer: GetPeers and the Peers property.
int append_peers(sd_bus_message* m, const json::array& peers) {
  int r = sd_bus_message_open_container(m, 'a', "(ss)");
  for (const auto& peer : peers) {
    if (r < 0) return r;
    const auto& p = peer.as_object();
    r = sd_bus_message_append(m, "(ss)", std::string(p.at("private_id").as_string()).c_str(),
                              json::serialize(p.at("options")).c_str());
  }
  if (r < 0) return r;
  return sd_bus_message_close_container(m);
}

int set_error(sd_bus_error* error, const dbus_errors::mapped& e) {
  return sd_bus_error_set(error, e.name, e.message.c_str());
}

}  // namespace

const sd_bus_vtable* dbus_service::vtable() {
  // The policy decides who may call (docs/dbus.md): no capability check by sd-bus.
  constexpr auto method = SD_BUS_VTABLE_UNPRIVILEGED;
  constexpr auto changes = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
  static const sd_bus_vtable table[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_METHOD_WITH_NAMES("Send", "ass", SD_BUS_PARAM(to) SD_BUS_PARAM(json), "", , on_send,
                               method),
      SD_BUS_METHOD_WITH_NAMES("Broadcast", "sas", SD_BUS_PARAM(json) SD_BUS_PARAM(exclude), "", ,
                               on_broadcast, method),
      SD_BUS_METHOD_WITH_NAMES("SetPrivateID", "s", SD_BUS_PARAM(private_id), "", ,
                               on_set_private_id, method),
      SD_BUS_METHOD_WITH_NAMES("GetPeers", "", , "a(ss)", SD_BUS_PARAM(peers), on_get_peers,
                               method),
      SD_BUS_METHOD("Reconnect", "", "", on_reconnect, method),
      SD_BUS_PROPERTY("State", "s", get_property, 0, changes),
      SD_BUS_PROPERTY("PrivateID", "s", get_property, 0, changes),
      SD_BUS_PROPERTY("Peers", "a(ss)", get_property, 0, changes),
      SD_BUS_PROPERTY("Server", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
      SD_BUS_PROPERTY("Reconnects", "t", get_property, 0, changes),
      // These move with every message: poll them rather than be woken for each one.
      SD_BUS_PROPERTY("MessagesIn", "t", get_property, 0, 0),
      SD_BUS_PROPERTY("MessagesOut", "t", get_property, 0, 0),
      SD_BUS_SIGNAL_WITH_NAMES(
          "MessageReceived", "ssst",
          SD_BUS_PARAM(kind) SD_BUS_PARAM(from) SD_BUS_PARAM(json) SD_BUS_PARAM(seq), 0),
      SD_BUS_SIGNAL_WITH_NAMES("Update", "sst",
                               SD_BUS_PARAM(from) SD_BUS_PARAM(json) SD_BUS_PARAM(seq), 0),
      SD_BUS_SIGNAL_WITH_NAMES("PeerConnected", "ss", SD_BUS_PARAM(pid) SD_BUS_PARAM(options_json),
                               0),
      SD_BUS_SIGNAL_WITH_NAMES("PeerDisconnected", "s", SD_BUS_PARAM(pid), 0),
      SD_BUS_SIGNAL_WITH_NAMES("PeerPrivateIDChanged", "ss", SD_BUS_PARAM(old) SD_BUS_PARAM(new),
                               0),
      SD_BUS_VTABLE_END};
  return table;
}

int dbus_service::on_send(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  auto& self = self_of(userdata);
  std::vector<std::string> to;
  const char* text = nullptr;
  if (const int r = read_strings(m, to); r < 0) return r;
  if (const int r = sd_bus_message_read(m, "s", &text); r < 0) return r;
  auto data = self.parse_json(text);
  if (!data) return set_error(error, data.error());
  const auto bytes = std::strlen(text) + size_of(to);
  self.service_.send(std::move(to), std::move(*data), bytes, self.answer_later(m), self.ttl_);
  return 1;  // answered when the server answered
}

int dbus_service::on_broadcast(sd_bus_message* m, void* userdata, sd_bus_error* error) {
  auto& self = self_of(userdata);
  const char* text = nullptr;
  std::vector<std::string> exclude;
  if (const int r = sd_bus_message_read(m, "s", &text); r < 0) return r;
  if (const int r = read_strings(m, exclude); r < 0) return r;
  auto data = self.parse_json(text);
  if (!data) return set_error(error, data.error());
  const auto bytes = std::strlen(text) + size_of(exclude);
  self.service_.broadcast(std::move(*data), std::move(exclude), bytes, self.answer_later(m),
                          self.ttl_);
  return 1;
}

int dbus_service::on_set_private_id(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto& self = self_of(userdata);
  const char* pid = nullptr;
  if (const int r = sd_bus_message_read(m, "s", &pid); r < 0) return r;
  self.service_.set_private_id(pid, self.answer_later(m), self.ttl_);
  return 1;
}

int dbus_service::on_get_peers(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto& self = self_of(userdata);
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_return(m, &raw);
  message_ptr reply(raw);
  if (r < 0) return r;
  if ((r = append_peers(reply.get(), self.service_.peers())) < 0) return r;
  return sd_bus_send(nullptr, reply.get(), nullptr);
}

int dbus_service::on_reconnect(sd_bus_message* m, void* userdata, sd_bus_error*) {
  self_of(userdata).service_.reconnect();
  return sd_bus_reply_method_return(m, nullptr);
}

int dbus_service::get_property(sd_bus*, const char*, const char*, const char* property,
                               sd_bus_message* reply, void* userdata, sd_bus_error* error) {
  auto& self = self_of(userdata);
  const auto& engine = self.service_.engine();
  const std::string_view name = property;
  if (name == "State") {
    return sd_bus_message_append(reply, "s", std::string(to_string(engine.state())).c_str());
  }
  if (name == "PrivateID") return sd_bus_message_append(reply, "s", engine.private_id().c_str());
  if (name == "Peers") return append_peers(reply, self.service_.peers());
  if (name == "Server") return sd_bus_message_append(reply, "s", engine.server().c_str());
  const auto& counters = engine.counters();
  if (name == "Reconnects") return sd_bus_message_append(reply, "t", counters.reconnects);
  if (name == "MessagesIn") return sd_bus_message_append(reply, "t", counters.messages_in);
  if (name == "MessagesOut") return sd_bus_message_append(reply, "t", counters.messages_out);
  return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "no property %s", property);
}

}  // namespace wssd
