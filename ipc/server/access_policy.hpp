// Who may do what on the local socket, from the peer's kernel credentials (SO_PEERCRED).
// Entries name users ("alice", "1000") or groups ("@wssd", "@100").
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"

namespace wssd {

// Who is on the other end of a connection, as the kernel saw it at connect().
struct peer_credentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // its supplementary groups, as it had them
};

struct rights {
  bool read = false;  // status, peers, subscribe
  bool send = false;  // send, broadcast, set_private_id, rpc, reconnect
};

// SO_PEERCRED, and the peer's own supplementary groups from SO_PEERGROUPS (Linux 4.13); on an
// older kernel, the groups the group database gives its uid.
std::optional<peer_credentials> credentials_of(int fd);

class access_policy {
 public:
  explicit access_policy(access_config c) : config_(std::move(c)) {}
  // Root and wssd's own user may do everything; an empty list leaves it to the socket's mode.
  rights rights_for(const peer_credentials& peer) const;

 private:
  bool listed(const std::vector<std::string>& entries, const peer_credentials& peer) const;

  access_config config_;
};

}  // namespace wssd
