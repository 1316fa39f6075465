// One client never stalls wssd: a request written in pieces, a read that fills wssd's buffer
// exactly, or a client that half-closes its end. Every other client and the session go on.
#include <algorithm>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using stuck_client_test = gateway_test;

constexpr std::size_t read_chunk = 64 * 1024;  // wssd's shared read buffer
constexpr auto quick = 3s;                     // an answer that takes longer means a stall

// A broadcast request line of exactly `size` bytes, its '\n' included.
std::string broadcast_line_of(std::size_t size, int id) {
  auto line = request_line(id, "broadcast", {{"data", ""}});
  const auto quote = line.find(R"("data":"")") + 8;
  line.insert(quote, size - line.size(), 'b');
  return line;
}

TEST_F(stuck_client_test, a_client_holding_one_buffer_of_a_request_stalls_nobody) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  for (const std::size_t size : {read_chunk, 2 * read_chunk}) {
    SCOPED_TRACE(size);
    auto stuck = raw_socket::connect(wssd().socket());
    ASSERT_TRUE(stuck);
    ASSERT_TRUE(stuck->send(std::string(size, 'x')));  // no newline, and it holds on

    auto other = raw_socket::connect(wssd().socket());
    ASSERT_TRUE(other);
    ASSERT_TRUE(other->send(request_line(1, "status")));
    const auto answer = read_object(*other, quick);
    ASSERT_TRUE(answer) << "wssd did not answer another client";
    EXPECT_EQ(answer->at("result").at("state"), "online");

    // The session goes on too: a peer's message reaches a subscriber.
    subscriber listener(wssd(), {{"types", json::array{"message"}}});
    ASSERT_TRUE(peer->send_direct(wssd().private_id(), static_cast<std::int64_t>(size)));
    const auto e = listener.next(quick);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->at("data"), size);
  }
}

TEST_F(stuck_client_test, a_request_line_of_exactly_one_buffer_is_served) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  for (const std::size_t size : {read_chunk, read_chunk + 1, 2 * read_chunk}) {
    SCOPED_TRACE(size);
    auto s = raw_socket::connect(wssd().socket());
    ASSERT_TRUE(s);
    const auto line = broadcast_line_of(size, 5);
    ASSERT_EQ(line.size(), size);
    ASSERT_TRUE(s->send(line));
    const auto answer = read_object(*s, patience);
    ASSERT_TRUE(answer) << "no answer to a line of " << size << " bytes";
    EXPECT_EQ(answer->at("id"), 5);
    EXPECT_TRUE(answer->contains("result")) << json::serialize(*answer);
    const auto data = json::parse(line).at("params").at("data");
    EXPECT_TRUE(wait_message(*peer, "broadcast", data));
  }
}

TEST_F(stuck_client_test, a_client_that_half_closes_after_its_request_gets_its_answer) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  auto s = raw_socket::connect(wssd().socket());
  ASSERT_TRUE(s);
  ASSERT_TRUE(
      s->send(request_line(1, "broadcast", {{"data", "then EOF"}}) + request_line(2, "status")));
  ASSERT_TRUE(s->shutdown_write());
  ASSERT_TRUE(wait_message(*peer, "broadcast", "then EOF"));
  const auto rest = s->read_to_eof(patience);
  ASSERT_TRUE(rest) << "wssd kept the connection open after answering";
  auto answers = json_lines(*rest);
  ASSERT_EQ(answers.size(), 2u) << *rest;
  // Answers come as they are ready: status does not wait for the server, broadcast does.
  std::sort(answers.begin(), answers.end(), [](const json::object& a, const json::object& b) {
    return a.at("id").as_int64() < b.at("id").as_int64();
  });
  EXPECT_EQ(answers[0].at("id"), 1);
  EXPECT_EQ(answers[0].at("result"), (json::value{{"message", "ok"}}));
  EXPECT_EQ(answers[1].at("id"), 2);
  EXPECT_EQ(answers[1].at("result").at("state"), "online");
}

TEST_F(stuck_client_test, a_subscriber_that_half_closes_keeps_its_events_until_it_leaves) {
  ASSERT_TRUE(start_wssd());
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  auto s = raw_socket::connect(wssd().socket());
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->send(request_line(1, "subscribe", {{"types", json::array{"message"}}})));
  ASSERT_TRUE(s->shutdown_write());
  const auto answer = read_object(*s);
  ASSERT_TRUE(answer);
  EXPECT_TRUE(answer->contains("result")) << json::serialize(*answer);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(peer->send_direct(wssd().private_id(), i));
    const auto e = read_object(*s);
    ASSERT_TRUE(e) << "event " << i << " never came";
    EXPECT_EQ(e->at("params").at("data"), i);
  }
  s->close();
  EXPECT_TRUE(eventually([&] { return wssd().status().at("clients") == 1; }));  // status's own
}

}  // namespace
}  // namespace wssd::test
