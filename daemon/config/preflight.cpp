#include "daemon/config/preflight.hpp"

#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "daemon/common/user_db.hpp"

namespace wssd {

namespace fs = std::filesystem;

namespace {

// Whether wssd may create `path` as a directory, or use it if it is one: the nearest existing
// ancestor must let us write. An empty optional means yes; otherwise why not.
std::optional<std::string> directory_problem(const fs::path& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!fs::is_directory(path, ec)) return "exists and is not a directory";
    if (::access(path.c_str(), W_OK | X_OK) != 0)
      return std::string("not writable: ") + std::strerror(errno);
    return std::nullopt;
  }
  for (auto parent = path.parent_path(); !parent.empty(); parent = parent.parent_path()) {
    if (!fs::exists(parent, ec)) {
      if (parent == parent.root_path()) break;
      continue;
    }
    if (!fs::is_directory(parent, ec)) return parent.string() + " is not a directory";
    if (::access(parent.c_str(), W_OK | X_OK) != 0) {
      return "cannot be created: " + parent.string() + " is not writable";
    }
    return std::nullopt;
  }
  return std::nullopt;  // a relative path under the working directory
}

}  // namespace

std::vector<std::string> preflight(const config& c) {
  std::vector<std::string> problems;
  if (auto why = directory_problem(c.state_dir)) {
    problems.push_back("state_dir: " + c.state_dir + " " + *why);
  }
  // Under socket activation systemd made the socket: its path is not wssd's to create.
  if (sd_listen_fds(0) <= 0) {
    if (c.ipc.socket.size() >= sizeof(sockaddr_un{}.sun_path)) {
      problems.push_back("ipc.socket: " + std::to_string(c.ipc.socket.size()) +
                         " bytes, longer than a Unix socket path may be (" +
                         std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + ")");
    } else if (const auto parent = fs::path(c.ipc.socket).parent_path(); !parent.empty()) {
      if (auto why = directory_problem(parent)) {
        problems.push_back("ipc.socket: " + parent.string() + " " + *why);
      }
    }
  }
  if (!c.ipc.group.empty() && !group_id(c.ipc.group)) {
    problems.push_back("ipc.group: no group " + c.ipc.group);
  }
  if (!c.tls.ca_file.empty() && !std::ifstream(c.tls.ca_file)) {
    problems.push_back("tls.ca_file: cannot read " + c.tls.ca_file + ": " + std::strerror(errno));
  }
  return problems;
}

}  // namespace wssd
