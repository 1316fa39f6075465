#include "tools/hub/session_table.hpp"

#include <algorithm>
#include <utility>

namespace wss_hub {

const std::vector<session_entry>& session_table::entries_of(std::string_view ip) const {
  static const std::vector<session_entry> none;
  for (const auto& group : groups_) {
    if (group.ip == ip) return group.entries;
  }
  return none;
}

session_entry* session_table::first_with_user_token(std::string_view ip,
                                                    std::string_view user_token) {
  auto* group = find_group(ip);
  if (group == nullptr) return nullptr;
  for (auto& entry : group->entries) {
    if (entry.user_token == user_token) return &entry;
  }
  return nullptr;
}

std::vector<session_entry*> session_table::with_tokens(std::string_view ip,
                                                       std::string_view user_token,
                                                       std::string_view server_token) {
  std::vector<session_entry*> out;
  auto* group = find_group(ip);
  if (group == nullptr) return out;
  for (auto& entry : group->entries) {
    if (entry.user_token == user_token && entry.server_token == server_token) {
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

bool session_table::has_user_token(std::string_view user_token) const {
  for (const auto& group : groups_) {
    for (const auto& entry : group.entries) {
      if (entry.user_token == user_token) return true;
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

const session_entry* session_table::first_bound_to(conn_id socket) const {
  for (const auto& group : groups_) {
    for (const auto& entry : group.entries) {
      if (entry.connected() && entry.socket == socket) return &entry;
    }
  }
  return nullptr;
}

std::optional<session_entry> session_table::remove_first_bound_to(conn_id socket) {
  for (auto& group : groups_) {
    auto& entries = group.entries;
    const auto it = std::find_if(entries.begin(), entries.end(), [&](const session_entry& e) {
      return e.connected() && e.socket == socket;
    });
    if (it == entries.end()) continue;
    session_entry removed = std::move(*it);
    entries.erase(it);
    return removed;
  }
  return std::nullopt;
}

void session_table::remove_unconnected_created_by(conn_id creator) {
  for (auto& group : groups_) {
    auto& entries = group.entries;
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const session_entry& e) {
                                   return !e.connected() && e.creator == creator;
                                 }),
                  entries.end());
  }
}

session_table::ip_group* session_table::find_group(std::string_view ip) {
  for (auto& group : groups_) {
    if (group.ip == ip) return &group;
  }
  return nullptr;
}

}  // namespace wss_hub
