#include "daemon/peer_table.hpp"

namespace wssd {

peer_table::difference peer_table::replace(std::vector<peer> peers) {
  std::map<std::string, boost::json::object> next;
  difference d;
  for (auto& p : peers) {
    const auto it = peers_.find(p.private_id);
    if (it == peers_.end() || it->second != p.options) d.joined.push_back(p);
    next[p.private_id] = std::move(p.options);
  }
  for (const auto& [pid, options] : peers_) {
    if (!next.count(pid)) d.left.push_back(pid);
  }
  peers_ = std::move(next);
  return d;
}

bool peer_table::add(const peer& p) {
  auto [it, inserted] = peers_.try_emplace(p.private_id, p.options);
  if (inserted) return true;
  if (it->second == p.options) return false;
  it->second = p.options;
  return true;
}

bool peer_table::remove(const std::string& private_id) {
  return peers_.erase(private_id) != 0;
}

bool peer_table::rename(const std::string& old_id, const std::string& new_id) {
  auto node = peers_.extract(old_id);
  if (node.empty()) return false;
  node.key() = new_id;
  peers_.insert_or_assign(new_id, std::move(node.mapped()));
  return true;
}

}  // namespace wssd
