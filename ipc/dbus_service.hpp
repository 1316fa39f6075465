// org.wssd.Session1 on D-Bus: the service's commands as methods, its state as properties, its
// events as signals. The same semantics as the Unix socket, through the same service calls.
// Who may call is the bus policy's business (systemd/org.wssd.Session1.conf), not wssd's.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "daemon/config.hpp"
#include "daemon/service.hpp"
#include "ipc/dbus_connection.hpp"
#include "ipc/dbus_errors.hpp"
#include "ipc/sd_bus_ptr.hpp"

namespace wssd {

inline constexpr const char* dbus_bus_name = "org.wssd.Session1";
inline constexpr const char* dbus_object_path = "/org/wssd/Session1";
inline constexpr const char* dbus_interface = "org.wssd.Session1";
// D-Bus callers give up after 25 s by default; a command must be answered (sent, or Expired
// and dropped) before that, or the caller may retry one that is still going to be sent.
inline constexpr seconds dbus_call_ttl{20};

class dbus_service : public std::enable_shared_from_this<dbus_service> {
 public:
  // Connects to c.bus ("system" or "session"), exports the object and owns the name; fails,
  // saying why, if any of that is not possible (e.g. another wssd owns the name).
  static proto::parsed<std::shared_ptr<dbus_service>> start(asio::io_context& io, const config& c,
                                                            service& s);
  ~dbus_service();
  dbus_service(const dbus_service&) = delete;
  dbus_service& operator=(const dbus_service&) = delete;

  // Answers the calls still waiting (Offline, "wssd is stopping") and leaves the bus.
  void stop();

 private:
  dbus_service(asio::io_context& io, const config& c, service& s,
               std::shared_ptr<dbus_connection> bus);

  std::optional<proto::failure> export_object();
  void on_event(const event_record& record, const proto::event& event);
  template <class... Args>
  void emit_signal(const char* member, const char* types, Args... args);
  void mark_changed(unsigned properties);
  void emit_changes();

  // Send, Broadcast and SetPrivateID are answered once the server answered: the call's
  // message is kept until then.
  service::reply answer_later(sd_bus_message* call);
  void answer(std::uint64_t id, const proto::rpc_result<boost::json::value>& outcome);
  // The `json` argument of Send and Broadcast, or the error to answer with.
  boost::system::result<boost::json::value, dbus_errors::mapped> parse_json(const char* text) const;

  // sd-bus callbacks (dbus_methods.cpp); `userdata` is the dbus_service.
  static const sd_bus_vtable* vtable();
  static int on_send(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_broadcast(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_set_private_id(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_get_peers(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_reconnect(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int get_property(sd_bus* bus, const char* path, const char* interface,
                          const char* property, sd_bus_message* reply, void* userdata,
                          sd_bus_error* error);

  service& service_;
  std::size_t max_json_;  // ipc.max_line, as on the socket
  seconds ttl_;           // outbox.ttl, but below the bus's default call timeout
  std::shared_ptr<dbus_connection> bus_;
  slot_ptr object_;
  std::uint64_t listener_ = 0;
  std::map<std::uint64_t, message_ptr> waiting_calls_;
  std::uint64_t next_call_ = 0;
  unsigned changed_ = 0;  // properties to announce in the next PropertiesChanged
  asio::steady_timer changes_timer_;
  bool stopped_ = false;
};

}  // namespace wssd
