// The fault proxy between test peers and the real wss-hub: what passes, what each fault does
// to both sides, and that it leaves nothing behind.
#include "tests/support/fault_proxy.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <future>

#include "daemon/unique_fd.hpp"
#include "tests/support/hub_process.hpp"
#include "tests/support/test_peer.hpp"

namespace wssd::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// A payload whose every byte depends on its place: a reordered or corrupted copy differs.
std::string pattern(std::size_t size) {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s(size, ' ');
  for (std::size_t i = 0; i < size; ++i) s[i] = digits[(i * 7 + i / 36) % 36];
  return s;
}

std::function<bool(const json::object&)> is_direct(const json::value& data) {
  return [data](const json::object& p) {
    return p.contains("type") && p.at("type") == "direct" && p.contains("data") &&
           p.at("data") == data;
  };
}

std::function<bool(const json::object&)> is_session(const std::string& key,
                                                    const std::string& pid) {
  return [key, pid](const json::object& p) {
    return p.contains("type") && p.at("type") == "session" && p.contains(key) &&
           p.at(key) == json::value(pid);
  };
}

// A bare blocking TCP connection to 127.0.0.1:port.
unique_fd tcp_connect(std::uint16_t port) {
  unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(port);
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) return {};
  return fd;
}

std::size_t entries(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

class fault_proxy_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(hub_.start());
    proxy_ = std::make_unique<fault_proxy>("127.0.0.1", hub_.ws_port());
  }

  // `near_` joins through the proxy, `far_` straight on the hub, and each knows the other.
  void join_both() {
    ASSERT_TRUE(near_.join(proxy_->ws_url())) << near_.last_error();
    ASSERT_TRUE(far_.join(hub_.ws_url())) << far_.last_error();
    ASSERT_TRUE(near_.wait_push(is_session("connect", far_.private_id())));
  }

  // Whether the hub saw `near_`'s connection end (it tells `far_`).
  bool hub_saw_near_leave() {
    return far_.wait_push(is_session("disconnect", near_.private_id()), 2s).has_value();
  }

  hub_process hub_;
  std::unique_ptr<fault_proxy> proxy_;
  test_peer near_;
  test_peer far_;
};

TEST_F(fault_proxy_test, forwards_both_ways) {
  join_both();
  ASSERT_TRUE(far_.send_direct(near_.private_id(), "down"));
  const auto down = near_.wait_push(is_direct("down"));
  ASSERT_TRUE(down);
  EXPECT_EQ(down->at("from"), json::value(far_.private_id()));
  ASSERT_TRUE(near_.send_direct(far_.private_id(), "up"));
  EXPECT_TRUE(far_.wait_push(is_direct("up")));

  EXPECT_EQ(proxy_->accepted(), 1u);
  EXPECT_EQ(proxy_->open_connections(), 1u);
  EXPECT_GT(proxy_->bytes_to_server(), 0u);
  EXPECT_GT(proxy_->bytes_to_client(), 0u);
  EXPECT_EQ(proxy_->ws_url(), "ws://127.0.0.1:" + std::to_string(proxy_->port()) + "/");
}

TEST_F(fault_proxy_test, cut_ends_both_sides_at_once) {
  join_both();
  proxy_->cut();
  EXPECT_EQ(proxy_->open_connections(), 0u);
  EXPECT_TRUE(near_.ws().wait_closed(1s));
  EXPECT_TRUE(hub_saw_near_leave());
}

TEST_F(fault_proxy_test, reset_ends_both_sides_at_once_with_a_reset) {
  join_both();
  proxy_->reset();
  EXPECT_EQ(proxy_->open_connections(), 0u);
  ASSERT_TRUE(near_.ws().wait_closed(1s));
  EXPECT_NE(near_.ws().close_reason().find("reset"), std::string::npos)
      << near_.ws().close_reason();
  EXPECT_TRUE(hub_saw_near_leave());
}

TEST_F(fault_proxy_test, stall_holds_traffic_then_releases_it_intact) {
  join_both();
  // Larger than the proxy's buffer, so that part of each waits in the kernel.
  const json::value down(pattern(256 * 1024));
  const json::value up(pattern(200 * 1024));
  proxy_->stall(true);
  const auto to_server = proxy_->bytes_to_server();
  const auto to_client = proxy_->bytes_to_client();

  ASSERT_TRUE(far_.send_direct(near_.private_id(), down));
  // near_ waits for its answer on another thread until the stall ends.
  auto sent =
      std::async(std::launch::async, [&] { return near_.send_direct(far_.private_id(), up); });
  EXPECT_FALSE(far_.next_push(300ms));
  EXPECT_EQ(proxy_->bytes_to_server(), to_server);
  EXPECT_EQ(proxy_->bytes_to_client(), to_client);
  EXPECT_EQ(proxy_->open_connections(), 1u);

  proxy_->stall(false);
  EXPECT_TRUE(sent.get());
  EXPECT_TRUE(far_.wait_push(is_direct(up)));
  EXPECT_TRUE(near_.wait_push(is_direct(down)));
}

TEST_F(fault_proxy_test, black_hole_never_opens_a_websocket) {
  proxy_->black_hole(true);
  {
    ws_test_client client;
    EXPECT_FALSE(client.connect(proxy_->ws_url(), 500ms));
  }
  EXPECT_EQ(proxy_->accepted(), 1u);
  EXPECT_EQ(proxy_->bytes_to_server(), 0u);
  EXPECT_EQ(proxy_->bytes_to_client(), 0u);
  // The client gave up: the black hole sees it leave.
  EXPECT_TRUE(eventually([&] { return proxy_->open_connections() == 0; }, 2s));

  proxy_->black_hole(false);
  EXPECT_TRUE(near_.join(proxy_->ws_url())) << near_.last_error();
}

TEST_F(fault_proxy_test, drip_slows_a_transfer) {
  join_both();
  constexpr std::size_t bytes = 4096;
  constexpr auto every = 20ms;
  const json::value data(pattern(64 * 1024));
  proxy_->drip(bytes, every);
  const auto start = clock_type::now();
  ASSERT_TRUE(far_.send_direct(near_.private_id(), data));
  ASSERT_TRUE(near_.wait_push(is_direct(data)));
  // 64 KiB in 4 KiB steps is at least 16 chunks, with a pause between each two.
  EXPECT_GE(clock_type::now() - start, (64 * 1024 / bytes - 1) * every);

  proxy_->drip(0, {});
  ASSERT_TRUE(far_.send_direct(near_.private_id(), "fast again"));
  EXPECT_TRUE(near_.wait_push(is_direct("fast again")));
}

TEST_F(fault_proxy_test, reset_mid_frame_breaks_the_client_inside_a_frame) {
  join_both();
  const std::string data = pattern(100 * 1024);
  const auto before = proxy_->bytes_to_client();
  proxy_->reset_mid_frame();
  ASSERT_TRUE(far_.send_direct(near_.private_id(), json::value(data)));
  ASSERT_TRUE(near_.ws().wait_closed(2s));
  EXPECT_FALSE(near_.next_push(0ms));
  const auto delivered = proxy_->bytes_to_client() - before;
  EXPECT_GT(delivered, 0u);
  EXPECT_LT(delivered, data.size());
  EXPECT_TRUE(hub_saw_near_leave());
}

TEST_F(fault_proxy_test, refuse_closes_new_connections_but_keeps_current_ones) {
  join_both();
  proxy_->refuse(true);
  {
    ws_test_client client;
    const auto start = clock_type::now();
    EXPECT_FALSE(client.connect(proxy_->ws_url(), 3s));
    EXPECT_LT(clock_type::now() - start, 3s) << "it timed out instead of being closed";
  }
  EXPECT_EQ(proxy_->accepted(), 2u);
  EXPECT_EQ(proxy_->open_connections(), 1u);
  ASSERT_TRUE(far_.send_direct(near_.private_id(), "still here"));
  EXPECT_TRUE(near_.wait_push(is_direct("still here")));

  proxy_->refuse(false);
  test_peer later;
  EXPECT_TRUE(later.join(proxy_->ws_url())) << later.last_error();
}

TEST_F(fault_proxy_test, retarget_follows_a_hub_restarted_on_another_port) {
  ASSERT_TRUE(near_.join(proxy_->ws_url())) << near_.last_error();
  ASSERT_TRUE(hub_.stop());
  EXPECT_TRUE(near_.ws().wait_closed(2s));

  hub_process moved;
  ASSERT_TRUE(moved.start());
  ASSERT_NE(moved.ws_port(), hub_.ws_port());
  test_peer too_early;
  EXPECT_FALSE(too_early.join(proxy_->ws_url()));

  proxy_->retarget(moved.ws_port());
  test_peer witness;
  ASSERT_TRUE(witness.join(moved.ws_url())) << witness.last_error();
  test_peer again;
  ASSERT_TRUE(again.join(proxy_->ws_url())) << again.last_error();
  EXPECT_TRUE(witness.wait_push(is_session("connect", again.private_id())));
}

TEST_F(fault_proxy_test, destruction_closes_everything_and_leaves_no_fd_or_thread) {
  proxy_.reset();
  const auto fds = entries("/proc/self/fd");
  const auto threads = entries("/proc/self/task");
  {
    ws_test_client open, stalled;
    auto proxy = std::make_unique<fault_proxy>("127.0.0.1", hub_.ws_port());
    ASSERT_TRUE(open.connect(proxy->ws_url()));
    ASSERT_TRUE(stalled.connect(proxy->ws_url()));
    proxy->stall(true);
    ASSERT_TRUE(stalled.send_text(pattern(300 * 1024)));
    proxy->black_hole(true);
    const auto swallowed = tcp_connect(proxy->port());
    ASSERT_TRUE(swallowed);
    ASSERT_TRUE(eventually([&] { return proxy->open_connections() == 3; }, 2s));
    proxy.reset();
    EXPECT_TRUE(open.wait_closed(1s));
    EXPECT_TRUE(stalled.wait_closed(1s));
    pollfd ready{swallowed.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&ready, 1, 1000), 1);
    char byte;
    EXPECT_LE(::read(swallowed.get(), &byte, 1), 0);
  }
  EXPECT_EQ(entries("/proc/self/fd"), fds);
  EXPECT_EQ(entries("/proc/self/task"), threads);
}

}  // namespace
}  // namespace wssd::test
