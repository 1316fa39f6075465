#include "tests/support/fault_proxy.hpp"

#include <algorithm>
#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <cstdio>
#include <future>
#include <utility>

#include "tests/support/io_thread.hpp"

namespace wssd::test {

namespace {

using asio::ip::tcp;

// Per direction and connection: what the proxy holds before the other side must take it.
constexpr std::size_t chunk_size = 64 * 1024;

}  // namespace

// One proxied connection: the client's socket, the server's, and a pump each way. A pump
// reads only into an empty buffer, so a side that does not take bytes stops the other's
// reading, and the kernel's buffers and TCP flow control do the rest.
class fault_proxy::link : public std::enable_shared_from_this<link> {
 public:
  link(fault_proxy& proxy, tcp::socket client, std::string host, std::uint16_t port)
      : proxy_(proxy),
        client_(std::move(client)),
        server_(proxy.io_),
        resolver_(proxy.io_),
        host_(std::move(host)),
        port_(port),
        up_(proxy.io_, false),
        down_(proxy.io_, true) {}

  void start() {
    resolver_.async_resolve(host_, std::to_string(port_),
                            [self = shared_from_this()](const asio::error_code& ec,
                                                        const tcp::resolver::results_type& at) {
                              if (self->ended_) return;
                              if (ec) return self->end(ending::rst);
                              self->connect(at);
                            });
  }

  // Reads and drops whatever the client sends, forever.
  void swallow() {
    client_.async_read_some(
        asio::buffer(up_.buffer.get(), chunk_size),
        [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
          if (self->ended_) return;
          if (ec) return self->end(ec == asio::error::eof ? ending::fin : ending::rst);
          self->swallow();
        });
  }

  // Restarts the pumps a stall parked.
  void resume() {
    step(up_);
    step(down_);
  }

  void end(ending how) {
    if (ended_) return;
    ended_ = true;
    for (auto* s : {&client_, &server_}) {
      if (!s->is_open()) continue;
      asio::error_code ignored;
      if (how == ending::rst) {
        s->set_option(asio::socket_base::linger(true, 0), ignored);
      } else {
        s->shutdown(tcp::socket::shutdown_both, ignored);
      }
      s->close(ignored);
    }
    resolver_.cancel();
    up_.pause.cancel();
    down_.pause.cancel();
    proxy_.links_.erase(shared_from_this());
    --proxy_.open_;
  }

 private:
  struct pump {
    pump(asio::io_context& io, bool to_client)
        : to_client(to_client), buffer(std::make_unique<char[]>(chunk_size)), pause(io) {}

    const bool to_client;
    std::unique_ptr<char[]> buffer;
    std::size_t have = 0;  // bytes in the buffer
    std::size_t sent = 0;  // of which forwarded
    bool busy = false;     // a read, a write or a drip pause is outstanding
    bool done = false;     // the source ended and the destination was half-closed
    asio::steady_timer pause;
  };

  tcp::socket& source(const pump& p) { return p.to_client ? server_ : client_; }
  tcp::socket& destination(const pump& p) { return p.to_client ? client_ : server_; }

  void connect(const tcp::resolver::results_type& at) {
    asio::async_connect(
        server_, at, [self = shared_from_this()](const asio::error_code& ec, const tcp::endpoint&) {
          if (self->ended_) return;
          if (ec) return self->end(ending::rst);
          // Small frames must not wait for a delayed ACK, here or in a drip.
          asio::error_code ignored;
          self->client_.set_option(tcp::no_delay(true), ignored);
          self->server_.set_option(tcp::no_delay(true), ignored);
          self->connected_ = true;
          self->resume();
        });
  }

  void step(pump& p) {
    if (ended_ || !connected_ || p.busy || p.done || proxy_.stalled_) return;
    if (p.sent == p.have) return read(p);
    write(p);
  }

  void read(pump& p) {
    p.busy = true;
    source(p).async_read_some(
        asio::buffer(p.buffer.get(), chunk_size),
        [self = shared_from_this(), &p](const asio::error_code& ec, std::size_t n) {
          p.busy = false;
          if (self->ended_) return;
          if (ec) return self->source_ended(p, ec);
          p.have = n;
          p.sent = 0;
          self->step(p);
        });
  }

  void write(pump& p) {
    std::size_t n = p.have - p.sent;
    bool break_after = false;
    if (p.to_client && proxy_.reset_mid_frame_armed_ && p.sent == 0 && p.have >= 2) {
      proxy_.reset_mid_frame_armed_ = false;
      n = p.have / 2;
      break_after = true;
    } else if (proxy_.drip_bytes_ > 0) {
      n = std::min(n, proxy_.drip_bytes_);
    }
    p.busy = true;
    asio::async_write(destination(p), asio::buffer(p.buffer.get() + p.sent, n),
                      [self = shared_from_this(), &p, break_after](const asio::error_code& ec,
                                                                   std::size_t written) {
                        p.busy = false;
                        auto& counter = p.to_client ? self->proxy_.bytes_to_client_
                                                    : self->proxy_.bytes_to_server_;
                        counter += written;
                        if (self->ended_) return;
                        // A destination that failed was reset or vanished: so does the source.
                        if (ec || break_after) return self->end(ending::rst);
                        p.sent += written;
                        if (self->proxy_.drip_bytes_ > 0) return self->wait_drip(p);
                        self->step(p);
                      });
  }

  void wait_drip(pump& p) {
    p.busy = true;
    p.pause.expires_after(proxy_.drip_every_);
    p.pause.async_wait([self = shared_from_this(), &p](const asio::error_code&) {
      p.busy = false;
      if (self->ended_) return;
      self->step(p);
    });
  }

  // End of file is passed on as a half-close; an error (a reset) ends both sides the same way.
  void source_ended(pump& p, const asio::error_code& ec) {
    if (ec != asio::error::eof) return end(ending::rst);
    asio::error_code ignored;
    destination(p).shutdown(tcp::socket::shutdown_send, ignored);
    p.done = true;
    if (up_.done && down_.done) end(ending::fin);
  }

  fault_proxy& proxy_;
  tcp::socket client_;
  tcp::socket server_;
  tcp::resolver resolver_;
  const std::string host_;
  const std::uint16_t port_;
  pump up_;    // client to server
  pump down_;  // server to client
  bool connected_ = false;
  bool ended_ = false;
};

fault_proxy::fault_proxy(std::string target_host, std::uint16_t target_port)
    : work_(asio::make_work_guard(io_)),
      acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      port_(acceptor_.local_endpoint().port()),
      target_host_(std::move(target_host)),
      target_port_(target_port) {
  accept();
  thread_ = std::thread([this] { run_io_reporting(io_, "fault_proxy"); });
}

fault_proxy::~fault_proxy() {
  on_io_thread([this] {
    stopping_ = true;
    asio::error_code ignored;
    acceptor_.close(ignored);
    end_all(ending::fin);
  });
  // With the acceptor and every socket closed, run() returns once their handlers have run.
  work_.reset();
  thread_.join();
}

template <class F>
void fault_proxy::on_io_thread(F f) {
  std::packaged_task<void()> task(std::move(f));
  auto done = task.get_future();
  asio::post(io_, [&task] { task(); });
  done.get();
}

std::string fault_proxy::ws_url() const {
  return "ws://127.0.0.1:" + std::to_string(port_) + "/";
}

void fault_proxy::accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, tcp::socket socket) {
    if (stopping_) return;
    if (ec) {
      // Accepting again at once would spin (EMFILE): say why new connections hang.
      std::fprintf(stderr, "fault_proxy: accept failed, no longer accepting: %s\n",
                   ec.message().c_str());
      return;
    }
    ++accepted_;
    if (refusing_) {
      asio::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    } else {
      auto l = std::make_shared<link>(*this, std::move(socket), target_host_, target_port_);
      links_.insert(l);
      ++open_;
      if (black_holing_) {
        l->swallow();
      } else {
        l->start();
      }
    }
    accept();
  });
}

void fault_proxy::end_all(ending how) {
  // end() removes the link from links_.
  for (const auto& l : std::set<std::shared_ptr<link>>(links_)) l->end(how);
}

void fault_proxy::resume_all() {
  for (const auto& l : links_) l->resume();
}

void fault_proxy::retarget(std::uint16_t port) {
  on_io_thread([this, port] { target_port_ = port; });
}

void fault_proxy::cut() {
  on_io_thread([this] { end_all(ending::fin); });
}

void fault_proxy::reset() {
  on_io_thread([this] { end_all(ending::rst); });
}

void fault_proxy::refuse(bool on) {
  on_io_thread([this, on] { refusing_ = on; });
}

void fault_proxy::stall(bool on) {
  on_io_thread([this, on] {
    stalled_ = on;
    if (!on) resume_all();
  });
}

void fault_proxy::black_hole(bool on) {
  on_io_thread([this, on] { black_holing_ = on; });
}

void fault_proxy::drip(std::size_t bytes, std::chrono::milliseconds every) {
  on_io_thread([this, bytes, every] {
    drip_bytes_ = bytes;
    drip_every_ = every;
  });
}

void fault_proxy::reset_mid_frame() {
  on_io_thread([this] { reset_mid_frame_armed_ = true; });
}

}  // namespace wssd::test
