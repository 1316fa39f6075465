// The listening Unix socket: handed over by systemd (LISTEN_FDS), or bound at a path with the
// configured mode and group. A live daemon's socket is never unlinked; a stale one is.
#pragma once

#include <sys/types.h>

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <memory>
#include <string>

#include "daemon/config/config.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class unix_listener {
 public:
  using acceptor = asio::local::stream_protocol::acceptor;

  static proto::parsed<std::unique_ptr<unix_listener>> open(asio::io_context& io,
                                                            const ipc_config& c);
  ~unix_listener();

  acceptor& get() { return acceptor_; }
  const std::string& path() const { return path_; }
  bool activated() const { return activated_; }

 private:
  unix_listener(asio::io_context& io, std::string path) : acceptor_(io), path_(std::move(path)) {}
  proto::parsed<bool> adopt_activated_socket();
  proto::parsed<bool> bind_path(const ipc_config& c);

  acceptor acceptor_;
  std::string path_;
  bool activated_ = false;
  ino_t inode_ = 0;  // of the file we bound, so we unlink only our own
};

}  // namespace wssd
