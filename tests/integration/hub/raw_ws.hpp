// A bare WebSocket client over a POSIX socket, for what wssd's transport will not do: never
// answer pings, send binary frames, and see exactly which frames arrive before the TCP end.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/common/unique_fd.hpp"

namespace wssd::test {

namespace opcode {
inline constexpr std::uint8_t text = 0x1;
inline constexpr std::uint8_t binary = 0x2;
inline constexpr std::uint8_t close = 0x8;
inline constexpr std::uint8_t ping = 0x9;
inline constexpr std::uint8_t pong = 0xA;
}  // namespace opcode

class raw_ws {
 public:
  struct frame {
    std::uint8_t opcode = 0;
    std::string payload;
  };
  enum class status { frame, timeout, eof };

  // TCP connect to 127.0.0.1:port and the opening handshake.
  bool open(std::uint16_t port, std::chrono::milliseconds timeout);
  // One final, masked frame.
  bool send(std::uint8_t opcode, std::string_view payload);
  status read(frame& out, std::chrono::milliseconds timeout);

 private:
  using deadline = std::chrono::steady_clock::time_point;

  // Buffers at least `size` bytes; status::frame when they are there.
  status fill(std::size_t size, deadline until);

  unique_fd fd_;
  std::string buffer_;
};

}  // namespace wssd::test
