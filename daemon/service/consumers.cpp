#include "daemon/service/consumers.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "daemon/config/duration.hpp"
#include "proto/wssd_errors.hpp"

namespace wssd {

namespace {

constexpr std::size_t max_name = 128;
constexpr auto expiry_check_every = std::chrono::minutes(1);

bool is_name(const std::string& name) {
  return !name.empty() && name.size() <= max_name &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@';
         });
}

}  // namespace

consumer_registry::consumer_registry(asio::io_context& io, consumer_store* store, seconds ttl)
    : store_(store), ttl_(ttl), timer_(io) {
  if (store_) {
    for (auto& position : store_->load_consumers()) {
      auto name = position.name;
      consumers_.emplace(std::move(name), consumer{std::move(position), false});
    }
  }
  expire();
}

boost::system::result<consumer_registry::binding, proto::rpc_error> consumer_registry::bind(
    const std::string& name, std::optional<std::uint64_t> since, bool auto_ack,
    std::uint64_t last_seq) {
  if (!is_name(name)) {
    return proto::rpc_error{proto::error_code::invalid_params,
                            "consumer must be 1 to 128 letters, digits, or . _ - @",
                            {}};
  }
  auto [it, created] = consumers_.try_emplace(name);
  auto& c = it->second;
  if (c.bound) {
    return proto::rpc_error{
        proto::wssd_error::busy, "consumer \"" + name + "\" is in use by another connection", {}};
  }
  if (created) c.position = {name, since.value_or(last_seq), auto_ack, {}};
  c.bound = true;
  c.position.auto_ack = auto_ack;
  c.position.seen = wall_clock::now();
  if (store_) store_->save(c.position);
  return binding{c.position.acked, created};
}

void consumer_registry::release(const std::string& name) {
  const auto it = consumers_.find(name);
  if (it == consumers_.end()) return;
  it->second.bound = false;
  it->second.position.seen = wall_clock::now();
  if (store_) store_->save(it->second.position);
}

void consumer_registry::ack(const std::string& name, std::uint64_t seq) {
  const auto it = consumers_.find(name);
  if (it == consumers_.end() || seq <= it->second.position.acked) return;
  it->second.position.acked = seq;
  it->second.position.seen = wall_clock::now();
  if (store_) store_->save(it->second.position);
}

bool consumer_registry::auto_ack(const std::string& name) const {
  const auto it = consumers_.find(name);
  return it != consumers_.end() && it->second.position.auto_ack;
}

std::vector<consumer_registry::report> consumer_registry::list() const {
  std::vector<report> out;
  for (const auto& [name, c] : consumers_) {
    out.push_back({name, c.position.acked, c.bound, c.position.auto_ack});
  }
  return out;
}

void consumer_registry::expire() {
  const auto oldest = wall_clock::now() - std::chrono::duration_cast<wall_clock::duration>(ttl_);
  for (auto it = consumers_.begin(); it != consumers_.end();) {
    if (!it->second.bound && it->second.position.seen < oldest) {
      spdlog::info("consumer {} unused for longer than {}: dropped", it->first,
                   format_seconds(ttl_));
      if (store_) store_->remove(it->first);
      it = consumers_.erase(it);
    } else {
      ++it;
    }
  }
  timer_.expires_after(expiry_check_every);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) expire();
  });
}

}  // namespace wssd
