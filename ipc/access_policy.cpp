#include "ipc/access_policy.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "ipc/user_db.hpp"

namespace wssd {

std::optional<peer_credentials> credentials_of(int fd) {
  struct ucred cred {};
  socklen_t size = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0) return std::nullopt;
  return peer_credentials{cred.pid, cred.uid, cred.gid};
}

rights access_policy::rights_for(const peer_credentials& peer) const {
  if (peer.uid == 0 || peer.uid == ::geteuid()) return {true, true};
  return {config_.read.empty() || listed(config_.read, peer),
          config_.send.empty() || listed(config_.send, peer)};
}

bool access_policy::listed(const std::vector<std::string>& entries,
                           const peer_credentials& peer) const {
  const auto name = user_name(peer.uid);
  std::optional<std::vector<gid_t>> groups;  // looked up only if a group entry needs it
  for (const auto& entry : entries) {
    if (entry.empty()) continue;
    if (entry.front() != '@') {
      if (entry == std::to_string(peer.uid) || (name && entry == *name)) return true;
      continue;
    }
    const auto gid = group_id(entry.substr(1));
    if (!gid) continue;
    if (!groups) groups = groups_of(peer.uid, peer.gid);
    if (std::find(groups->begin(), groups->end(), *gid) != groups->end()) return true;
  }
  return false;
}

}  // namespace wssd
