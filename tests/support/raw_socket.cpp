#include "tests/support/raw_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace wssd::test {

namespace {

using clock = std::chrono::steady_clock;

std::optional<sockaddr_un> address_of(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return std::nullopt;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

}  // namespace

std::optional<raw_socket> raw_socket::connect(const std::string& path) {
  const auto addr = address_of(path);
  if (!addr) return std::nullopt;
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0)
    return std::nullopt;
  return raw_socket(std::move(fd));
}

bool raw_socket::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool raw_socket::shutdown_write() {
  return ::shutdown(fd_.get(), SHUT_WR) == 0;
}

raw_socket::status raw_socket::fill(clock::time_point until) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
    pollfd p{fd_.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return status::timeout;
    char chunk[65536];
    const auto n = ::read(fd_.get(), chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return status::eof;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return status::line;
  }
}

raw_socket::status raw_socket::read_line(std::string& out, std::chrono::milliseconds timeout) {
  const auto until = clock::now() + timeout;
  while (true) {
    if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
      out = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return status::line;
    }
    if (const auto s = fill(until); s != status::line) return s;
  }
}

std::optional<std::string> raw_socket::read_line(std::chrono::milliseconds timeout) {
  std::string line;
  if (read_line(line, timeout) != status::line) return std::nullopt;
  return line;
}

std::optional<std::string> raw_socket::read_to_eof(std::chrono::milliseconds timeout) {
  const auto until = clock::now() + timeout;
  while (true) {
    const auto s = fill(until);
    if (s == status::timeout) return std::nullopt;
    if (s == status::eof) return std::exchange(buffer_, {});
  }
}

bool make_stale_socket(const std::string& path) {
  const auto addr = address_of(path);
  if (!addr) return false;
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return fd && ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) == 0;
}

}  // namespace wssd::test
