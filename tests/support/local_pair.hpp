// A connected Unix socket pair for in-process tests of a local connection: wssd's end goes to
// the code under test, the test keeps the client's end and reads it without ever blocking.
#pragma once

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace wssd::test {

class local_pair {
 public:
  using socket = asio::local::stream_protocol::socket;

  explicit local_pair(asio::io_context& io);

  // wssd's end, to move into the connection. With the kernel's least send buffer (about
  // 4.5 KiB), so that what the socket holds is small next to any queue limit under test.
  socket& wssd_end() { return wssd_end_; }

  void write(std::string_view text);
  // No more requests: the client half-closes its end.
  void shutdown_send();

  // Takes the lines that arrived so far (each one JSON object), waiting for nothing.
  void read_available();
  const std::vector<boost::json::object>& lines() const { return lines_; }
  // The stream ended (EOF or reset): nothing more will come.
  bool ended() const { return ended_; }

 private:
  socket wssd_end_;
  socket client_;
  std::string partial_;
  std::vector<boost::json::object> lines_;
  bool ended_ = false;
};

}  // namespace wssd::test
