#include "ipc/server/unix_listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "daemon/common/unique_fd.hpp"
#include "daemon/common/user_db.hpp"

namespace wssd {

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Whether a daemon answers at `path`: connect() succeeds only on a live listener.
bool someone_listens(const std::string& path) {
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  return fd && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
}

}  // namespace

proto::parsed<std::unique_ptr<unix_listener>> unix_listener::open(asio::io_context& io,
                                                                  const ipc_config& c) {
  std::unique_ptr<unix_listener> listener(new unix_listener(io, c.socket));
  auto activated = listener->adopt_activated_socket();
  if (!activated) return activated.error();
  if (!*activated) {
    if (auto bound = listener->bind_path(c); !bound) return bound.error();
  }
  return listener;
}

proto::parsed<bool> unix_listener::adopt_activated_socket() {
  const int count = sd_listen_fds(1);
  if (count <= 0) return false;
  const int fd = SD_LISTEN_FDS_START;
  if (count > 1)
    return proto::failure{"systemd passed " + std::to_string(count) + " sockets; wssd takes one"};
  if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) <= 0) {
    return proto::failure{"the socket systemd passed is not a listening Unix stream socket"};
  }
  asio::error_code ec;
  acceptor_.assign(asio::local::stream_protocol(), fd, ec);
  if (ec) return proto::failure{"cannot use the socket systemd passed: " + ec.message()};
  sockaddr_un addr{};
  socklen_t size = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0 && addr.sun_path[0]) {
    path_ = addr.sun_path;
  }
  activated_ = true;
  return true;
}

proto::parsed<bool> unix_listener::bind_path(const ipc_config& c) {
  if (path_.size() >= sizeof(sockaddr_un{}.sun_path))
    return proto::failure{"socket path too long: " + path_};
  std::error_code fs_ec;
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, fs_ec);
  if (fs_ec) return proto::failure{"cannot create " + parent.string() + ": " + fs_ec.message()};

  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return proto::failure{path_ + " exists and is not a socket; not replacing it"};
    if (someone_listens(path_))
      return proto::failure{"another wssd is already listening on " + path_};
    ::unlink(path_.c_str());  // stale: its daemon is gone
  }
  asio::error_code ec;
  acceptor_.open(asio::local::stream_protocol(), ec);
  if (!ec) acceptor_.bind(asio::local::stream_protocol::endpoint(path_), ec);
  if (ec) return proto::failure{"cannot bind " + path_ + ": " + ec.message()};
  if (::chmod(path_.c_str(), c.mode) != 0)
    return proto::failure{"cannot chmod " + path_ + ": " + errno_text()};
  if (!c.group.empty()) {
    const auto gid = group_id(c.group);
    if (!gid) return proto::failure{"ipc.group: no group named " + c.group};
    if (::chown(path_.c_str(), static_cast<uid_t>(-1), *gid) != 0) {
      return proto::failure{"cannot give " + path_ + " to group " + c.group + ": " + errno_text()};
    }
  }
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return proto::failure{"cannot listen on " + path_ + ": " + ec.message()};
  if (::stat(path_.c_str(), &st) == 0) inode_ = st.st_ino;
  return true;
}

unix_listener::~unix_listener() {
  struct stat st {};
  if (!activated_ && inode_ != 0 && ::stat(path_.c_str(), &st) == 0 && st.st_ino == inode_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace wssd
