#include "daemon/session/peer_table.hpp"

#include <boost/json/serialize.hpp>

namespace wssd {

std::size_t peer_table::cost(const std::string& pid, const boost::json::object& options) {
  return pid.size() + boost::json::serialize(options).size() + 64;  // and the map's node
}

boost::json::object peer_table::bounded(const boost::json::object& options) const {
  if (boost::json::serialize(options).size() <= max_options_bytes) return options;
  return {};
}

peer_table::difference peer_table::replace(std::vector<peer> peers) {
  std::map<std::string, boost::json::object> next;
  std::size_t next_bytes = 0;
  difference d;
  for (auto& p : peers) {
    if (next_bytes >= max_bytes) break;
    p.options = bounded(p.options);
    const auto it = peers_.find(p.private_id);
    if (it == peers_.end() || it->second != p.options) d.joined.push_back(p);
    next_bytes += cost(p.private_id, p.options);
    next[p.private_id] = std::move(p.options);
  }
  for (const auto& [pid, options] : peers_) {
    if (!next.count(pid)) d.left.push_back(pid);
  }
  peers_ = std::move(next);
  bytes_ = next_bytes;
  return d;
}

bool peer_table::add(const peer& p) {
  auto options = bounded(p.options);
  const auto it = peers_.find(p.private_id);
  if (it != peers_.end()) {
    if (it->second == options) return false;
    bytes_ = bytes_ - cost(p.private_id, it->second) + cost(p.private_id, options);
    it->second = std::move(options);
    return true;
  }
  if (full()) return false;
  bytes_ += cost(p.private_id, options);
  peers_.emplace(p.private_id, std::move(options));
  return true;
}

bool peer_table::remove(const std::string& private_id) {
  const auto it = peers_.find(private_id);
  if (it == peers_.end()) return false;
  bytes_ -= cost(private_id, it->second);
  peers_.erase(it);
  return true;
}

bool peer_table::rename(const std::string& old_id, const std::string& new_id) {
  auto node = peers_.extract(old_id);
  if (node.empty()) return false;
  bytes_ = bytes_ - cost(old_id, node.mapped()) + cost(new_id, node.mapped());
  if (const auto existing = peers_.find(new_id); existing != peers_.end()) {
    bytes_ -= cost(new_id, existing->second);
  }
  node.key() = new_id;
  peers_.insert_or_assign(new_id, std::move(node.mapped()));
  return true;
}

}  // namespace wssd
