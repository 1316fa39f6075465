#include "ipc/socket_server.hpp"

#include <spdlog/spdlog.h>

#include "proto/wssd_errors.hpp"

namespace wssd {

socket_server::socket_server(const config& c, service& s, std::unique_ptr<unix_listener> listener)
    : config_(c),
      service_(s),
      listener_(std::move(listener)),
      policy_(c.ipc.access),
      api_(s, [this] {
        return boost::json::object{{"clients", clients_.size()}};
      }) {}

socket_server::~socket_server() {
  stop();
}

void socket_server::start() {
  listener_token_ = service_.events().listen([this](const event_log::appended& a) { fan_out(a); });
  spdlog::info("listening on {}{}", listener_->path(),
               listener_->activated() ? " (socket activation)" : "");
  accept();
}

void socket_server::stop() {
  if (stopped_) return;
  stopped_ = true;
  service_.events().unlisten(listener_token_);
  asio::error_code ignored;
  listener_->get().close(ignored);
  auto clients = std::move(clients_);
  clients_.clear();
  for (auto& [raw, client] : clients) client->close();
}

void socket_server::accept() {
  listener_->get().async_accept([this](const asio::error_code& ec, local_client::socket s) {
    if (stopped_) return;
    if (ec) {
      spdlog::warn("accept on the local socket failed: {}", ec.message());
    } else {
      admit(std::move(s));
    }
    accept();
  });
}

void socket_server::admit(local_client::socket s) {
  const auto who = credentials_of(s.native_handle());
  if (!who) return spdlog::warn("dropped a local client whose credentials cannot be read");
  auto on_line = [this](local_client& c, std::string_view line) { api_.handle(c, line); };
  auto on_close = [this](local_client& c) { forget(&c); };
  auto client = std::make_shared<local_client>(std::move(s), config_.ipc, service_.events(), *who,
                                               policy_.rights_for(*who), on_line, on_close);
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
  for (auto* gone : closed_while_fanning_out_) clients_.erase(gone);
  closed_while_fanning_out_.clear();
}

// A client that closes while an event is handed out (it fell too far behind) stays in the
// map until the loop over the map is done.
void socket_server::forget(local_client* client) {
  if (fanning_out_) {
    closed_while_fanning_out_.push_back(client);
  } else {
    clients_.erase(client);
  }
}

}  // namespace wssd
