#include "ipc/dbus/dbus_service.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstring>
#include <utility>
#include <vector>

#include "daemon/common/instance.hpp"

namespace wssd {

namespace json = boost::json;

namespace {

// Property bits for PropertiesChanged.
constexpr unsigned state_property = 1;
constexpr unsigned private_id_property = 2;
constexpr unsigned peers_property = 4;
constexpr unsigned reconnects_property = 8;

// A burst of peer events (a reconnect's peer list) becomes one PropertiesChanged.
constexpr auto changes_delay = std::chrono::milliseconds(50);

// A message's data as the signal carries it: JSON text, "null" when there was none.
std::string json_text(const std::optional<json::value>& data) {
  return data ? json::serialize(*data) : std::string("null");
}

}  // namespace

proto::parsed<std::shared_ptr<dbus_service>> dbus_service::start(asio::io_context& io,
                                                                 const config& c, service& s) {
  auto bus = dbus_connection::open(io, c.bus);
  if (!bus) return bus.error();
  std::shared_ptr<dbus_service> d(new dbus_service(io, c, s, std::move(*bus)));
  if (auto failed = d->export_object()) return std::move(*failed);
  if (auto failed = d->bus_->request_name(d->name_.c_str())) return std::move(*failed);
  d->listener_ = s.events().listen(
      [raw = d.get()](const event_log::appended& a) { raw->on_event(*a.record, a.event); });
  d->watch_connection();
  d->bus_->start();
  spdlog::info("D-Bus: {} on the {} bus", d->name_, d->bus_->bus_name());
  return d;
}

dbus_service::dbus_service(asio::io_context& io, const config& c, service& s,
                           std::shared_ptr<dbus_connection> bus)
    : io_(io),
      config_(c),
      service_(s),
      name_(dbus_name_for(c.instance)),
      bus_(std::move(bus)),
      rejoin_backoff_(c.backoff),
      rejoin_timer_(io),
      changes_timer_(io) {}

dbus_service::~dbus_service() {
  stop();
}

std::optional<proto::failure> dbus_service::export_object() {
  sd_bus_slot* slot = nullptr;
  const int r = sd_bus_add_object_vtable(bus_->get(), &slot, dbus_object_path, dbus_interface,
                                         vtable(), this);
  if (r < 0) {
    return proto::failure{"cannot export " + std::string(dbus_object_path) +
                          " on D-Bus: " + std::strerror(-r)};
  }
  object_.reset(slot);
  return std::nullopt;
}

void dbus_service::drain(std::function<void()> done) {
  accepting_ = false;
  if (changed_ != 0) {
    changes_timer_.cancel();
    emit_changes();  // the last state, now rather than after the coalescing delay
  }
  bus_->write([this](sd_bus*) {
    for (auto& [id, call] : waiting_calls_) {
      sd_bus_reply_method_errorf(call.get(), dbus_errors::offline, "wssd is stopping");
    }
    return 0;
  });
  waiting_calls_.clear();
  bus_->flush([self = shared_from_this(), done = std::move(done)] {
    self->stop();
    done();
  });
}

void dbus_service::stop() {
  if (stopped_) return;
  stopped_ = true;
  service_.events().unlisten(listener_);
  changes_timer_.cancel();
  rejoin_timer_.cancel();
  waiting_calls_.clear();
  name_request_.reset();
  object_.reset();
  bus_->close();
}

// ---- Events: signals and property changes ----

template <class... Args>
void dbus_service::emit_signal(const char* member, const char* types, Args... args) {
  const int r = bus_->write([&](sd_bus* bus) {
    return sd_bus_emit_signal(bus, dbus_object_path, dbus_interface, member, types, args...);
  });
  if (r < 0 && r != -ENOTCONN) spdlog::warn("D-Bus: cannot emit {}: {}", member, std::strerror(-r));
}

void dbus_service::on_event(const event_record& record, const proto::event& event) {
  namespace ev = proto::events;
  struct visitor {
    dbus_service& self;
    std::uint64_t seq;

    void operator()(const ev::message& m) const {
      self.emit_signal("MessageReceived", "ssst", std::string(proto::to_string(m.kind)).c_str(),
                       m.from.value_or("").c_str(), json_text(m.data).c_str(), seq);
    }
    void operator()(const ev::update& u) const {
      self.emit_signal("Update", "sst", u.from.value_or("").c_str(), json_text(u.data).c_str(),
                       seq);
    }
    void operator()(const ev::peer_connect& p) const {
      self.emit_signal("PeerConnected", "ss", p.private_id.c_str(),
                       json::serialize(p.options).c_str());
      self.mark_changed(peers_property);
    }
    void operator()(const ev::peer_disconnect& p) const {
      self.emit_signal("PeerDisconnected", "s", p.private_id.c_str());
      self.mark_changed(peers_property);
    }
    void operator()(const ev::peer_private_id& p) const {
      self.emit_signal("PeerPrivateIDChanged", "ss", p.old_id.c_str(), p.new_id.c_str());
      self.mark_changed(peers_property);
    }
    void operator()(const ev::private_id&) const { self.mark_changed(private_id_property); }
    void operator()(const ev::state& s) const {
      // Reconnects counts returns to online.
      const bool online = s.now == proto::session_state::online;
      self.mark_changed(state_property | (online ? reconnects_property : 0));
    }
    // D-Bus callers hear of their own command's expiry as the call's Expired error.
    void operator()(const ev::outbox_expired&) const {}
  };
  std::visit(visitor{*this, record.seq}, event);
}

void dbus_service::mark_changed(unsigned properties) {
  const bool armed = changed_ != 0;
  changed_ |= properties;
  if (armed) return;
  changes_timer_.expires_after(changes_delay);
  changes_timer_.async_wait([weak = weak_from_this()](const asio::error_code& ec) {
    auto self = weak.lock();
    if (self && !ec) self->emit_changes();
  });
}

void dbus_service::mark_all_changed() {
  mark_changed(state_property | private_id_property | peers_property | reconnects_property);
}

void dbus_service::emit_changes() {
  const unsigned changed = std::exchange(changed_, 0);
  std::vector<const char*> names;
  if (changed & state_property) names.push_back("State");
  if (changed & private_id_property) names.push_back("PrivateID");
  if (changed & peers_property) names.push_back("Peers");
  if (changed & reconnects_property) names.push_back("Reconnects");
  names.push_back(nullptr);
  const int r = bus_->write([&](sd_bus* bus) {
    // sd-bus takes a char** but does not write through it.
    return sd_bus_emit_properties_changed_strv(bus, dbus_object_path, dbus_interface,
                                               const_cast<char**>(names.data()));
  });
  if (r < 0 && r != -ENOTCONN) {
    spdlog::warn("D-Bus: cannot emit PropertiesChanged: {}", std::strerror(-r));
  }
}

// ---- Calls answered later ----

service::reply dbus_service::answer_later(sd_bus_message* call) {
  const auto id = next_call_++;
  waiting_calls_.emplace(id, ref_message(call));
  return [weak = weak_from_this(), id](proto::rpc_result<json::value> outcome) {
    if (auto self = weak.lock()) self->answer(id, outcome);
  };
}

void dbus_service::answer(std::uint64_t id, const proto::rpc_result<json::value>& outcome) {
  auto found = waiting_calls_.find(id);
  if (found == waiting_calls_.end()) return;  // answered by drain()
  const auto call = std::move(found->second);
  waiting_calls_.erase(found);
  const int r = bus_->write([&](sd_bus*) {
    if (outcome) return sd_bus_reply_method_return(call.get(), nullptr);
    const auto e = dbus_errors::from_rpc_error(outcome.error());
    return sd_bus_reply_method_errorf(call.get(), e.name, "%s", e.message.c_str());
  });
  // The caller may have left meanwhile; nothing else to tell.
  if (r < 0) spdlog::debug("D-Bus: cannot answer a call: {}", std::strerror(-r));
}

boost::system::result<json::value, dbus_errors::mapped> dbus_service::parse_json(
    const char* text) const {
  const std::size_t size = std::strlen(text);
  if (size > config_.ipc.max_line) {
    return dbus_errors::mapped{dbus_errors::invalid_argument,
                               "json: " + std::to_string(size) +
                                   " bytes, more than ipc.max_line (" +
                                   std::to_string(config_.ipc.max_line) + ")"};
  }
  auto value = proto::parse_json(std::string_view(text, size));
  if (!value) return dbus_errors::mapped{dbus_errors::invalid_json, "json: " + value.error().what};
  return std::move(*value);
}

}  // namespace wssd
