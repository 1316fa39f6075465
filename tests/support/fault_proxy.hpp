// A TCP proxy between a client under test and its server that injects network faults on
// command: cut or reset connections, refuse new ones, stall or slow the traffic, swallow it, or
// break a frame in the middle. It runs its own io_context on a background thread; every method
// is thread-safe and returns promptly. Memory is bounded: one fixed buffer per direction and
// connection, and a side that cannot take more stops the reading of the other.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>

namespace wssd::test {

class fault_proxy {
 public:
  // Listens on 127.0.0.1 on a free port and forwards every connection to the target; a
  // connection whose target cannot be reached is reset, as a refused connect would be.
  fault_proxy(std::string target_host, std::uint16_t target_port);
  ~fault_proxy();
  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;

  std::uint16_t port() const { return port_; }
  // ws://127.0.0.1:PORT/
  std::string ws_url() const;

  // New connections go to this port of the target host (a server restarted elsewhere).
  void retarget(std::uint16_t port);
  // Closes every current connection, both sides, with a FIN. Linux follows the FIN with a RST
  // on a side whose bytes the proxy had not read yet (a stalled one).
  void cut();
  // Closes every current connection, both sides, with a RST (SO_LINGER 0).
  void reset();
  // While on, new connections are accepted and closed at once.
  void refuse(bool on);
  // While on, nothing is forwarded either way; connections stay open and their bytes wait in
  // the proxy's buffers and then in the kernel's.
  void stall(bool on);
  // While on, new connections are accepted and read, but nothing is forwarded or answered.
  void black_hole(bool on);
  // Forwards at most `bytes` per `every` in each direction of each connection; 0 bytes: off.
  void drip(std::size_t bytes, std::chrono::milliseconds every);
  // The next server-to-client chunk of at least 2 bytes: forwards only its first half, then
  // resets both sides of that connection. Once.
  void reset_mid_frame();

  // Connections accepted so far, refused ones included.
  std::size_t accepted() const { return accepted_; }
  // Accepted connections not closed yet (black-holed ones included).
  std::size_t open_connections() const { return open_; }
  std::uint64_t bytes_to_server() const { return bytes_to_server_; }
  std::uint64_t bytes_to_client() const { return bytes_to_client_; }

 private:
  class link;
  friend class link;
  enum class ending { fin, rst };

  // Runs `f` on the I/O thread and waits for it: when a method returns, its effect is in place.
  template <class F>
  void on_io_thread(F f);
  void accept();
  void end_all(ending how);
  void resume_all();

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;

  // Only touched on the I/O thread.
  std::string target_host_;
  std::uint16_t target_port_;
  std::set<std::shared_ptr<link>> links_;
  bool refusing_ = false;
  bool stalled_ = false;
  bool black_holing_ = false;
  bool reset_mid_frame_armed_ = false;
  std::size_t drip_bytes_ = 0;
  std::chrono::milliseconds drip_every_{0};
  bool stopping_ = false;

  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::uint64_t> bytes_to_server_{0};
  std::atomic<std::uint64_t> bytes_to_client_{0};

  std::thread thread_;  // last: starts once everything else is in place
};

}  // namespace wssd::test
