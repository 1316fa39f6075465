#include "ipc/server/socket_server.hpp"

#include <spdlog/spdlog.h>

#include "proto/wssd_errors.hpp"

namespace wssd {

socket_server::socket_server(const config& c, service& s, std::unique_ptr<unix_listener> listener)
    : config_(c),
      service_(s),
      listener_(std::move(listener)),
      policy_(c.ipc.access),
      api_(
          s,
          [this] {
            return boost::json::object{{"clients", clients_.size()}};
          },
          [this] { return metrics(); }),
      accept_retry_(listener_->get().get_executor()) {}

socket_server::~socket_server() {
  stop_accepting();
  service_.events().unlisten(listener_token_);
  auto clients = std::move(clients_);
  clients_.clear();
  for (auto& [raw, client] : clients) client->close();
}

std::string socket_server::metrics() const {
  auto counted = counters_;
  counted.connected = clients_.size();
  return render_metrics(service_.status(), counted);
}

void socket_server::start() {
  listener_token_ = service_.events().listen([this](const event_log::appended& a) { fan_out(a); });
  spdlog::info("listening on {}{}", listener_->path(),
               listener_->activated() ? " (socket activation)" : "");
  accepting_ = true;
  accept();
}

void socket_server::stop_accepting() {
  accepting_ = false;
  accept_retry_.cancel();
  asio::error_code ignored;
  listener_->get().close(ignored);
}

void socket_server::drain(std::function<void()> done) {
  stop_accepting();
  drained_ = std::move(done);
  // A copy: a client may close (and leave the map) inside finish().
  auto clients = clients_;
  for (auto& [raw, client] : clients) client->finish();
  if (clients_.empty() && drained_) std::exchange(drained_, nullptr)();
}

void socket_server::reconfigure() {
  policy_ = access_policy(config_.ipc.access);
  for (auto& [raw, client] : clients_)
    client->set_rights(policy_.rights_for(client->credentials()));
}

// Accept errors (EMFILE: out of descriptors) are retried after a pause that grows to a second,
// never in a loop.
void socket_server::accept() {
  listener_->get().async_accept([this](const asio::error_code& ec, local_connection::socket s) {
    if (!accepting_) return;
    if (!ec) {
      accept_delay_ = std::chrono::milliseconds(0);
      admit(std::move(s));
      return accept();
    }
    accept_delay_ = std::min(std::max(accept_delay_ * 2, std::chrono::milliseconds(10)),
                             std::chrono::milliseconds(1000));
    spdlog::warn("accept on the local socket failed: {}; trying again in {} ms", ec.message(),
                 accept_delay_.count());
    accept_retry_.expires_after(accept_delay_);
    accept_retry_.async_wait([this](const asio::error_code& timer_ec) {
      if (!timer_ec && accepting_) accept();
    });
  });
}

void socket_server::admit(local_connection::socket s) {
  const auto who = credentials_of(s.native_handle());
  if (!who) return spdlog::warn("dropped a local client whose credentials cannot be read");
  auto on_line = [this](local_connection& c, std::string_view line) { api_.handle(c, line); };
  auto on_close = [this](local_connection& c) {
    api_.closed(c);
    forget(&c);
  };
  auto client =
      std::make_shared<local_connection>(std::move(s), config_.ipc, service_.events(), counters_,
                                         *who, policy_.rights_for(*who), on_line, on_close);
  if (clients_.size() >= config_.ipc.max_clients) {
    spdlog::warn("refused client pid {}: {} clients already connected", who->pid, clients_.size());
    client->send_response(nullptr,
                          proto::rpc_error{proto::wssd_error::denied,
                                           "too many clients (ipc.max_clients = " +
                                               std::to_string(config_.ipc.max_clients) + ")",
                                           {}});
    return client->finish();  // the write keeps it alive until the error is out
  }
  spdlog::debug("client pid {} uid {} connected", who->pid, who->uid);
  clients_.emplace(client.get(), client);
  client->start();
}

void socket_server::fan_out(const event_log::appended& a) {
  fanning_out_ = true;
  for (const auto& [raw, client] : clients_) {
    if (client->subscribed()) client->on_appended(a);
  }
  fanning_out_ = false;
  for (auto* gone : std::exchange(closed_while_fanning_out_, {})) forget(gone);
}

// A client that closes while an event is handed out (it fell too far behind) stays in the
// map until the loop over the map is done.
void socket_server::forget(local_connection* client) {
  if (fanning_out_) {
    closed_while_fanning_out_.push_back(client);
    return;
  }
  clients_.erase(client);
  if (clients_.empty() && drained_) std::exchange(drained_, nullptr)();
}

}  // namespace wssd
