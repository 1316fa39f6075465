// Who may do what on the local socket, from the peer's kernel credentials (SO_PEERCRED).
// Entries name users ("alice", "1000") or groups ("@wssd", "@100").
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "daemon/config.hpp"

namespace wssd {

struct peer_credentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct rights {
  bool read = false;  // status, peers, subscribe
  bool send = false;  // send, broadcast, set_private_id, rpc, reconnect
};

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
