#include "tools/hub/session_table.hpp"

#include <algorithm>
#include <utility>

#include "tools/hub/js_json.hpp"

namespace wss_hub {

namespace json = boost::json;

json::value session_entry::private_id_value() const {
  return private_id ? json::value(*private_id) : json::value();
}

bool session_table::has_group(std::string_view ip) const {
  return std::any_of(groups_.begin(), groups_.end(),
                     [&](const ip_group& group) { return group.ip == ip; });
}

void session_table::ensure_group(std::string_view ip) {
  if (find_group(ip) == nullptr) groups_.push_back(ip_group{std::string(ip), {}});
}

const std::vector<session_entry>& session_table::entries_of(std::string_view ip) const {
  static const std::vector<session_entry> none;
  for (const auto& group : groups_) {
    if (group.ip == ip) return group.entries;
  }
  return none;
}

session_entry* session_table::first_with_user_token(std::string_view ip,
                                                    const json::value* user_token) {
  auto* group = find_group(ip);
  if (group == nullptr) return nullptr;
  for (auto& entry : group->entries) {
    if (js_loosely_equals(entry.user_token_value(), user_token)) return &entry;
  }
  return nullptr;
}

std::vector<session_entry*> session_table::with_tokens(std::string_view ip,
                                                       const json::value* user_token,
                                                       const json::value* server_token) {
  std::vector<session_entry*> out;
  auto* group = find_group(ip);
  if (group == nullptr) return out;
  for (auto& entry : group->entries) {
    const json::value stored_server_token(entry.server_token);
    if (js_loosely_equals(entry.user_token_value(), user_token) &&
        js_loosely_equals(&stored_server_token, server_token)) {
      out.push_back(&entry);
    }
  }
  return out;
}

std::size_t session_table::size() const {
  std::size_t n = 0;
  for (const auto& group : groups_) n += group.entries.size();
  return n;
}

bool session_table::has_user_token(const json::value* user_token) const {
  for (const auto& group : groups_) {
    for (const auto& entry : group.entries) {
      if (js_loosely_equals(entry.user_token_value(), user_token)) return true;
    }
  }
  return false;
}

void session_table::add(std::string_view ip, session_entry entry) {
  auto* group = find_group(ip);
  if (group == nullptr) group = &groups_.emplace_back(ip_group{std::string(ip), {}});
  group->entries.push_back(std::move(entry));
}

std::vector<const session_entry*> session_table::connected() const {
  std::vector<const session_entry*> out;
  for (const auto& group : groups_) {
    for (const auto& entry : group.entries) {
      if (entry.connected()) out.push_back(&entry);
    }
  }
  return out;
}

std::optional<session_entry> session_table::remove_first_bound_to(conn_id socket) {
  for (auto group = groups_.begin(); group != groups_.end(); ++group) {
    auto& entries = group->entries;
    const auto it = std::find_if(entries.begin(), entries.end(), [&](const session_entry& e) {
      return e.connected() && e.socket == socket;
    });
    if (it == entries.end()) continue;
    session_entry removed = std::move(*it);
    entries.erase(it);
    if (entries.empty()) groups_.erase(group);
    return removed;
  }
  return std::nullopt;
}

void session_table::remove_unconnected_created_by(conn_id creator) {
  // A group this empties goes, as if its last entry had closed.
  groups_.erase(std::remove_if(groups_.begin(), groups_.end(),
                               [&](ip_group& group) {
                                 auto& entries = group.entries;
                                 const auto before = entries.size();
                                 entries.erase(std::remove_if(entries.begin(), entries.end(),
                                                              [&](const session_entry& e) {
                                                                return !e.connected() &&
                                                                       e.creator == creator;
                                                              }),
                                               entries.end());
                                 return before > 0 && entries.empty();
                               }),
                groups_.end());
}

session_table::ip_group* session_table::find_group(std::string_view ip) {
  for (auto& group : groups_) {
    if (group.ip == ip) return &group;
  }
  return nullptr;
}

}  // namespace wss_hub
