// org.wssd.Session1 on D-Bus: the service's commands as methods, its state as properties, its
// events as signals. The same semantics as the Unix socket, through the same service calls.
// Who may call is the bus policy's business (systemd/org.wssd.Session1.conf), not wssd's.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "daemon/config/config.hpp"
#include "daemon/service/service.hpp"
#include "daemon/session/backoff.hpp"
#include "ipc/dbus/dbus_connection.hpp"
#include "ipc/dbus/dbus_errors.hpp"
#include "ipc/dbus/sd_bus_ptr.hpp"

namespace wssd {

// The bus name is the instance's, dbus_name_for(c.instance) (daemon/common/instance.hpp);
// object path and interface are the same for every instance.
inline constexpr const char* dbus_object_path = "/org/wssd/Session1";
inline constexpr const char* dbus_interface = "org.wssd.Session1";
// D-Bus callers give up after 25 s by default; a command must be answered (sent, or Expired
// and dropped) before that, or the caller may retry one that is still going to be sent.
inline constexpr seconds dbus_call_ttl{20};

class dbus_service : public std::enable_shared_from_this<dbus_service> {
 public:
  // Connects to c.bus ("system" or "session"), exports the object and owns the instance's
  // name; fails, saying why, if any of that is not possible (e.g. another wssd owns the name).
  // Once started, a lost bus is rejoined by itself (dbus_rejoin.cpp).
  static proto::parsed<std::shared_ptr<dbus_service>> start(asio::io_context& io, const config& c,
                                                            service& s);
  ~dbus_service();
  dbus_service(const dbus_service&) = delete;
  dbus_service& operator=(const dbus_service&) = delete;

  // New calls are refused ("wssd is stopping"); those under way go on.
  void stop_accepting() { accepting_ = false; }
  // Answers the calls still waiting, writes out what is queued for the bus, then leaves it.
  void drain(std::function<void()> done);
  // ipc.max_line, outbox.ttl and backoff changed (SIGHUP): they apply to the next call and
  // the next rejoin.
  void reconfigure() { rejoin_backoff_.reconfigure(config_.backoff); }
  // The well-known name this instance owns on the bus.
  const std::string& name() const { return name_; }

 private:
  dbus_service(asio::io_context& io, const config& c, service& s,
               std::shared_ptr<dbus_connection> bus);
  void stop();
  // Joining the bus again after it went away (dbus_rejoin.cpp): connect, export the object,
  // ask for the name asynchronously, each failure retried after rejoin_backoff_.
  void watch_connection();
  void on_connection_lost(std::uint64_t generation, int error);
  enum class rejoin_step { connect, request_name };
  void retry(rejoin_step step, const std::string& why);
  void reconnect_bus();
  void request_name();
  static int on_name_reply(sd_bus_message* m, void* userdata, sd_bus_error* error);
  void name_answered(sd_bus_message* reply);
  seconds ttl() const { return std::min(config_.outbox.ttl, dbus_call_ttl); }
  // Wraps each sd-bus callback: nothing may unwind through sd-bus's C frames, and calls that
  // come while stopping are refused.
  template <class F>
  static int guarded(void* userdata, sd_bus_error* error, F&& f);

  std::optional<proto::failure> export_object();
  void on_event(const event_record& record, const proto::event& event);
  template <class... Args>
  void emit_signal(const char* member, const char* types, Args... args);
  void mark_changed(unsigned properties);
  void mark_all_changed();
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
  template <int (*Append)(const dbus_service&, sd_bus_message*)>
  static int property(sd_bus* bus, const char* path, const char* interface, const char* name,
                      sd_bus_message* reply, void* userdata, sd_bus_error* error);
  static int state(const dbus_service& self, sd_bus_message* reply);
  static int private_id(const dbus_service& self, sd_bus_message* reply);
  static int peers(const dbus_service& self, sd_bus_message* reply);
  static int server(const dbus_service& self, sd_bus_message* reply);
  static int reconnects(const dbus_service& self, sd_bus_message* reply);
  static int messages_in(const dbus_service& self, sd_bus_message* reply);
  static int messages_out(const dbus_service& self, sd_bus_message* reply);

  asio::io_context& io_;
  const config& config_;  // the running one: ipc.max_line and outbox.ttl apply as on the socket
  service& service_;
  std::string name_;
  std::shared_ptr<dbus_connection> bus_;
  std::uint64_t bus_generation_ = 0;  // which connection a loss is about
  backoff rejoin_backoff_;
  asio::steady_timer rejoin_timer_;
  slot_ptr name_request_;  // the pending asynchronous RequestName, while rejoining
  std::optional<std::chrono::steady_clock::time_point> lost_since_;
  slot_ptr object_;
  std::uint64_t listener_ = 0;
  std::map<std::uint64_t, message_ptr> waiting_calls_;
  std::uint64_t next_call_ = 0;
  unsigned changed_ = 0;  // properties to announce in the next PropertiesChanged
  asio::steady_timer changes_timer_;
  bool accepting_ = true;
  bool stopped_ = false;
};

}  // namespace wssd
