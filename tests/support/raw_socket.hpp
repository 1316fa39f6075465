// A bare Unix stream socket client for tests: writes any bytes (garbage, half lines), reads
// lines or everything up to EOF, and can leave what arrives unread. Every wait is bounded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/unique_fd.hpp"

namespace wssd::test {

class raw_socket {
 public:
  enum class status { line, timeout, eof };

  // Connects to the socket at `path`; an empty optional (with errno set) on failure.
  static std::optional<raw_socket> connect(const std::string& path);

  // Writes all of `bytes`; false if the connection is gone.
  bool send(std::string_view bytes);
  // The next line without its '\n'.
  status read_line(std::string& out, std::chrono::milliseconds timeout);
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Everything up to EOF (buffered lines included); an empty optional if the connection is
  // still open after `timeout`.
  std::optional<std::string> read_to_eof(std::chrono::milliseconds timeout);
  // Half-closes: wssd reads EOF, the connection stays open for reading (as `printf | nc` does).
  bool shutdown_write();
  void close() { fd_.reset(); }
  int fd() const { return fd_.get(); }

 private:
  explicit raw_socket(unique_fd fd) : fd_(std::move(fd)) {}
  // Reads what is there into the buffer: status::line once bytes arrived, eof or timeout.
  status fill(std::chrono::steady_clock::time_point until);

  unique_fd fd_;
  std::string buffer_;
};

// Leaves a socket file at `path` that nobody listens on (bound, then closed): what a daemon
// that crashed leaves behind. False if it could not be made.
bool make_stale_socket(const std::string& path);

}  // namespace wssd::test
