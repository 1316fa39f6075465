#include "tests/integration/hub/raw_ws.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace wssd::test {

namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t masking_key[4] = {0x12, 0x34, 0x56, 0x78};

int remaining_ms(std::chrono::steady_clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string frame_header(std::uint8_t op, std::size_t size) {
  std::string header{static_cast<char>(fin_bit | op)};
  if (size < 126) {
    header += static_cast<char>(mask_bit | size);
  } else if (size <= 0xFFFF) {
    header += static_cast<char>(mask_bit | 126);
    for (int shift = 8; shift >= 0; shift -= 8) header += static_cast<char>(size >> shift);
  } else {
    header += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) header += static_cast<char>(size >> shift);
  }
  header.append(reinterpret_cast<const char*>(masking_key), sizeof masking_key);
  return header;
}

}  // namespace

bool raw_ws::open(std::uint16_t port, std::chrono::milliseconds timeout) {
  fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!fd_ || ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return false;
  }
  const std::string upgrade =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (!write_all(fd_.get(), upgrade)) return false;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (buffer_.find("\r\n\r\n") == std::string::npos) {
    if (fill(buffer_.size() + 1, until) != status::frame) return false;
  }
  const auto end = buffer_.find("\r\n\r\n") + 4;
  const bool switched = buffer_.compare(0, 12, "HTTP/1.1 101") == 0;
  buffer_.erase(0, end);
  return switched;
}

bool raw_ws::send(std::uint8_t op, std::string_view payload) {
  std::string data = frame_header(op, payload.size());
  for (std::size_t i = 0; i < payload.size(); ++i) {
    data += static_cast<char>(payload[i] ^ static_cast<char>(masking_key[i % 4]));
  }
  return write_all(fd_.get(), data);
}

raw_ws::status raw_ws::read(frame& out, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  if (const auto s = fill(2, until); s != status::frame) return s;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(buffer_[i]); };
  std::size_t header = 2;
  std::uint64_t size = byte(1) & 0x7F;
  const std::size_t extended = size == 126 ? 2 : size == 127 ? 8 : 0;
  if (extended != 0) {
    if (const auto s = fill(header + extended, until); s != status::frame) return s;
    size = 0;
    for (std::size_t i = 0; i < extended; ++i) size = (size << 8) | byte(header + i);
    header += extended;
  }
  if (const auto s = fill(header + size, until); s != status::frame) return s;
  out.opcode = byte(0) & 0x0F;
  out.payload = buffer_.substr(header, size);
  buffer_.erase(0, header + size);
  return status::frame;
}

raw_ws::status raw_ws::fill(std::size_t size, deadline until) {
  while (buffer_.size() < size) {
    pollfd pfd{fd_.get(), POLLIN, 0};
    if (::poll(&pfd, 1, remaining_ms(until)) <= 0) return status::timeout;
    char chunk[65536];
    const auto n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n <= 0) return status::eof;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  return status::frame;
}

}  // namespace wssd::test
