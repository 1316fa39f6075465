#include "tests/support/ws_test_client.hpp"

#include <asio/post.hpp>
#include <future>
#include <utility>

namespace wssd::test {

namespace {

// How long teardown waits for a connection it aborts to report its end.
constexpr std::chrono::milliseconds teardown_timeout{1000};

}  // namespace

ws_test_client::ws_test_client(tls_options tls)
    : work_(asio::make_work_guard(io_)),
      transport_(make_websocket_transport(io_, std::move(tls))),
      thread_([this] { io_.run(); }) {}

ws_test_client::~ws_test_client() {
  if (is_active()) abort(teardown_timeout);
  work_.reset();
  io_.stop();
  thread_.join();
  transport_.reset();
}

template <class F>
auto ws_test_client::on_io_thread(F f) -> decltype(f()) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  asio::post(io_, [&task] { task(); });
  return result.get();
}

transport::handlers ws_test_client::make_handlers() {
  transport::handlers h;
  h.on_open = [this] {
    std::lock_guard lock(mutex_);
    state_ = state::open;
    changed_.notify_all();
  };
  h.on_message = [this](std::string_view text) {
    std::lock_guard lock(mutex_);
    frames_.emplace_back(text);
    changed_.notify_all();
  };
  h.on_pong = [this] {
    std::lock_guard lock(mutex_);
    ++pongs_;
    changed_.notify_all();
  };
  h.on_close = [this](transport::closed closed) {
    std::lock_guard lock(mutex_);
    state_ = state::closed;
    close_reason_ = std::move(closed.reason);
    changed_.notify_all();
  };
  return h;
}

bool ws_test_client::connect(const std::string& url, std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mutex_);
    state_ = state::connecting;
    frames_.clear();
  }
  on_io_thread([&] { transport_->connect(url, make_handlers()); });
  if (!wait_until_not(state::connecting, timeout)) {
    abort(teardown_timeout);
    return false;
  }
  return is_open();
}

bool ws_test_client::send_text(std::string_view text) {
  return !on_io_thread([&] { return transport_->send(std::string(text)); });
}

bool ws_test_client::ping() {
  return !on_io_thread([&] { return transport_->ping(); });
}

std::optional<std::string> ws_test_client::receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return !frames_.empty() || state_ == state::closed; });
  if (frames_.empty()) return std::nullopt;
  auto frame = std::move(frames_.front());
  frames_.pop_front();
  return frame;
}

bool ws_test_client::close(std::chrono::milliseconds timeout) {
  on_io_thread([&] { transport_->close("test done"); });
  return wait_closed(timeout);
}

bool ws_test_client::abort(std::chrono::milliseconds timeout) {
  on_io_thread([&] { transport_->abort(); });
  return wait_closed(timeout);
}

bool ws_test_client::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return state_ == state::closed; });
}

bool ws_test_client::wait_until_not(state s, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return state_ != s; });
}

bool ws_test_client::is_open() const {
  std::lock_guard lock(mutex_);
  return state_ == state::open;
}

bool ws_test_client::is_active() const {
  std::lock_guard lock(mutex_);
  return state_ == state::open || state_ == state::connecting;
}

int ws_test_client::pongs() const {
  std::lock_guard lock(mutex_);
  return pongs_;
}

std::string ws_test_client::close_reason() const {
  std::lock_guard lock(mutex_);
  return close_reason_;
}

}  // namespace wssd::test
