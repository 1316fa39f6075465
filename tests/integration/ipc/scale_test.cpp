// Many local clients at once: a thousand subscribers all get a broadcast, and the
// ipc.max_clients bound refuses the one too many with a clear error.
#include <sys/resource.h>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

constexpr std::size_t thousand = 1000;

using scale_test = gateway_test;

// The test's own descriptor soft limit up to the hard limit; whether it allows `needed`.
bool allow_descriptors(rlim_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  limit.rlim_cur = limit.rlim_max;
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= needed;
}

// A client that wssd took in (it answered hello), trying for as long as patience allows.
std::optional<client> admitted_client(const daemon_process& d) {
  std::optional<client> admitted;
  eventually([&] {
    auto c = client::connect(d.socket());
    if (!c) return false;
    auto hello = c->call("hello", {}, patience);
    if (!hello || !*hello) return false;
    admitted.emplace(std::move(*c));
    return true;
  });
  return admitted;
}

TEST_F(scale_test, a_thousand_subscribers_all_get_one_broadcast) {
  ASSERT_TRUE(allow_descriptors(thousand + 100));
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);

  std::vector<client> clients;
  clients.reserve(thousand);
  for (std::size_t i = 0; i < thousand; ++i) {
    auto c = client::connect(wssd().socket());
    ASSERT_TRUE(c) << "client " << i << ": " << c.error().what;
    auto subscribed = c->call("subscribe", {{"types", json::array{"message"}}}, patience);
    ASSERT_TRUE(subscribed && *subscribed) << "client " << i << " could not subscribe";
    clients.push_back(std::move(*c));
  }
  EXPECT_EQ(wssd().status().at("clients"), thousand + 1);  // and the status call's own

  ASSERT_TRUE(peer->broadcast({{"to", "all"}}));
  const auto deadline = std::chrono::steady_clock::now() + patience;
  std::size_t reached = 0;
  for (auto& c : clients) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto e = c.next_event(std::max(left, 0ms));
    if (e && *e && is_message(**e, "broadcast", peer->private_id(), {{"to", "all"}})) ++reached;
  }
  EXPECT_EQ(reached, thousand);

  clients.clear();
  EXPECT_TRUE(eventually([&] { return wssd().status().at("clients") == 1; }))
      << wssd().status().at("clients");
  EXPECT_EQ(wssd().status().at("state"), "online");
  EXPECT_EQ(wssd().log().find("Too many open files"), std::string::npos) << wssd().log();
}

TEST_F(scale_test, a_client_beyond_max_clients_is_refused_with_a_clear_error) {
  ASSERT_TRUE(start_wssd({{"ipc", {{"max_clients", 3}}}}));
  std::vector<std::optional<client>> admitted;
  for (int i = 0; i < 3; ++i) {
    admitted.push_back(admitted_client(wssd()));
    ASSERT_TRUE(admitted.back()) << "client " << i;
  }

  auto extra = raw_socket::connect(wssd().socket());
  ASSERT_TRUE(extra);
  const auto refusal = read_object(*extra);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(
      *refusal,
      (json::object{
          {"jsonrpc", "2.0"},
          {"error", {{"code", -32012}, {"message", "too many clients (ipc.max_clients = 3)"}}},
          {"id", nullptr}}));
  EXPECT_TRUE(extra->read_to_eof(patience)) << "the refused client was left connected";

  admitted.front().reset();  // a place frees up
  EXPECT_TRUE(admitted_client(wssd()));
}

}  // namespace
}  // namespace wssd::test
