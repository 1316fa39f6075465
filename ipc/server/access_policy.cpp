#include "ipc/server/access_policy.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "daemon/common/user_db.hpp"

namespace wssd {

namespace {

std::optional<std::vector<gid_t>> peer_groups(int fd) {
  std::vector<gid_t> groups(16);
  while (true) {
    socklen_t size = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &size) == 0) {
      groups.resize(size / sizeof(gid_t));
      return groups;
    }
    if (errno != ERANGE) return std::nullopt;
    groups.resize(size / sizeof(gid_t) + 1);
  }
}

}  // namespace

std::optional<peer_credentials> credentials_of(int fd) {
  struct ucred cred {};
  socklen_t size = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0) return std::nullopt;
  peer_credentials who{cred.pid, cred.uid, cred.gid, {}};
  if (auto groups = peer_groups(fd)) {
    who.groups = std::move(*groups);
  } else {
    who.groups = groups_of(cred.uid, cred.gid);  // documented: not what the process has
  }
  return who;
}

rights access_policy::rights_for(const peer_credentials& peer) const {
  if (peer.uid == 0 || peer.uid == ::geteuid()) return {true, true};
  return {config_.read.empty() || listed(config_.read, peer),
          config_.send.empty() || listed(config_.send, peer)};
}

bool access_policy::listed(const std::vector<std::string>& entries,
                           const peer_credentials& peer) const {
  std::optional<std::optional<std::string>> name;  // looked up only if an entry needs it
  for (const auto& entry : entries) {
    if (entry.empty()) continue;
    if (entry.front() == '@') {
      const auto gid = group_id(entry.substr(1));
      if (!gid) continue;
      if (*gid == peer.gid ||
          std::find(peer.groups.begin(), peer.groups.end(), *gid) != peer.groups.end()) {
        return true;
      }
    } else if (all_digits(entry)) {
      if (numeric_id(entry) == peer.uid) return true;
    } else {
      if (!name) name = user_name(peer.uid);
      if (*name && entry == **name) return true;
    }
  }
  return false;
}

}  // namespace wssd
