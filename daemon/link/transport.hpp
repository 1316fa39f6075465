// The WebSocket link to the server, as the session engine sees it.
//
// websocketpp stays behind this interface in one translation unit
// (websocket_transport.cpp): it is header-heavy and unmaintained, so it must stay replaceable.
#pragma once

#include <asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "daemon/config/tls_options.hpp"

namespace wssd {

class transport {
 public:
  struct closed {
    std::string reason;            // human-readable
    bool message_too_big = false;  // the server sent a message over the limit (Close 1009)
  };
  struct handlers {
    std::function<void()> on_open;
    std::function<void(std::string_view text)> on_message;
    std::function<void()> on_pong;
    // Called once per connect(), after on_open or instead of it.
    std::function<void(closed)> on_close;
  };

  virtual ~transport() = default;

  // Opens a WebSocket to a ws:// or wss:// URL. Exactly one on_close follows, eventually.
  virtual void connect(const std::string& url, handlers h) = 0;
  // The text is moved in: the frame is built around it, not copied.
  virtual std::error_code send(std::string text) = 0;
  virtual std::error_code ping() = 0;
  // Sends a Close frame and drops TCP promptly; on_close follows.
  virtual void close(std::string_view reason) = 0;
  // Drops TCP at once without a Close frame; on_close follows.
  virtual void abort() = 0;
};

// Messages over `max_message` bytes end the connection (websocketpp reads no further than the
// frame header, sends Close 1009 and drops it): the bound on what the server can make wssd hold.
std::unique_ptr<transport> make_websocket_transport(asio::io_context& io, tls_options tls,
                                                    std::size_t max_message = 128 * 1024 * 1024);

}  // namespace wssd
