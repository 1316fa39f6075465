// Whatever a client writes, it gets a clear error (or is dropped alone), and wssd keeps
// serving everyone else: a second client is checked after each case.
#include <random>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

constexpr std::size_t max_line = 4096;

class bad_input_test : public gateway_test {
 protected:
  void SetUp() override {
    gateway_test::SetUp();
    ASSERT_TRUE(start_wssd({{"ipc", {{"max_line", max_line}}}}));
    bystander_ = std::make_unique<client>(wssd().connect());
  }

  void TearDown() override {
    if (bystander_) expect_bystander_served();
  }

  // A fresh raw connection to wssd.
  raw_socket connect_raw() {
    auto s = raw_socket::connect(wssd().socket());
    if (!s) throw std::runtime_error("cannot connect to " + wssd().socket());
    return std::move(*s);
  }

  // Sends `line` (a newline is added) on a fresh connection; the answer must be the error
  // `code` whose message contains `message`, under `id`.
  void expect_error(std::string_view line, std::int64_t code, std::string_view message,
                    const json::value& id = nullptr) {
    SCOPED_TRACE(std::string(line));
    auto s = connect_raw();
    ASSERT_TRUE(s.send(std::string(line) + "\n"));
    const auto answer = read_object(s);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->at("id"), id);
    const auto error = error_in(*answer);
    ASSERT_TRUE(error.contains("code")) << json::serialize(*answer);
    EXPECT_EQ(error.at("code"), code);
    EXPECT_NE(std::string(error.at("message").as_string()).find(message), std::string::npos)
        << json::serialize(*answer);
    expect_bystander_served();
  }

  // The other client still gets answers, and the session is still up.
  void expect_bystander_served() {
    EXPECT_EQ(result_of(*bystander_, "status").at("state"), "online");
  }

  std::unique_ptr<client> bystander_;
};

TEST_F(bad_input_test, malformed_json_is_a_parse_error) {
  expect_error(R"({"jsonrpc":"2.0","id":1,"method":)", -32700, "malformed JSON");
  expect_error("{'single': 'quotes'}", -32700, "malformed JSON");
}

TEST_F(bad_input_test, json_that_is_not_a_request_object_is_an_invalid_request) {
  expect_error(R"([{"jsonrpc":"2.0","id":1,"method":"hello"}])", -32600,
               "batches are not supported: one request per line");
  expect_error("42", -32600, "expected a request object, got a number");
  expect_error(R"("hello")", -32600, "expected a request object, got a string");
}

TEST_F(bad_input_test, an_id_is_echoed_as_it_came) {
  for (const std::string id : {"1.5", "-7", "1e+21", R"("x")", "null", "18446744073709551615"}) {
    SCOPED_TRACE(id);
    auto s = connect_raw();
    ASSERT_TRUE(s.send(R"({"jsonrpc":"2.0","method":"hello","id":)" + id + "}\n"));
    const auto line = s.read_line(patience);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find(R"("id":)" + id + "}"), std::string::npos) << *line;
  }
}

TEST_F(bad_input_test, wrong_params_name_the_param) {
  const std::pair<json::object, std::string> cases[] = {
      {{{"method", "send"}, {"params", json::object{}}}, "to is required"},
      {{{"method", "send"}, {"params", {{"to", "abc"}}}},
       "to must be an array of strings, got a string"},
      {{{"method", "send"}, {"params", {{"to", {1}}}}},
       "to must hold only strings, found a number"},
      {{{"method", "send"}, {"params", {{"to", json::array{}}}}}, "to: no recipients"},
      {{{"method", "send"}, {"params", {{"to", {"ok", ""}}}}}, "to[1] is empty"},
      {{{"method", "send"}, {"params", {{"to", {std::string(1025, 'p')}}}}},
       "to[0] is longer than 1024 bytes"},
      {{{"method", "broadcast"}, {"params", {{"exclude", 3}}}},
       "exclude must be an array of strings, got a number"},
      {{{"method", "subscribe"}, {"params", {{"since", -1}}}}, "since must be a whole number"},
      {{{"method", "subscribe"}, {"params", {{"peers", {true}}}}},
       "peers must hold only strings, found a boolean"},
      {{{"method", "subscribe"}, {"params", {{"types", {"bogus"}}}}},
       R"(types: unknown event type "bogus")"},
      {{{"method", "set_private_id"}, {"params", json::object{}}}, "private_id must be a string"},
      {{{"method", "set_private_id"}, {"params", {{"private_id", ""}}}}, "private_id is empty"},
      {{{"method", "rpc"}, {"params", {{"method", 1}}}}, "method must be a string, got a number"},
      {{{"method", "status"}, {"params", {1, 2}}}, "params must be an object"},
  };
  int id = 100;
  for (auto [request, message] : cases) {
    request["jsonrpc"] = "2.0";
    request["id"] = ++id;
    expect_error(json::serialize(request), -32602, message, id);
  }
}

TEST_F(bad_input_test, an_over_long_line_is_refused_and_the_next_one_is_served) {
  auto s = connect_raw();
  ASSERT_TRUE(s.send(std::string(10000, 'x') + "\n" + request_line(2, "hello")));
  const auto refused = read_object(s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused,
            (json::object{
                {"jsonrpc", "2.0"},
                {"error", {{"code", -32600}, {"message", "request line longer than 4096 bytes"}}},
                {"id", nullptr}}));
  const auto next = read_object(s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->at("id"), 2) << json::serialize(*next);
  EXPECT_TRUE(next->contains("result")) << json::serialize(*next);
}

TEST_F(bad_input_test, a_line_of_exactly_the_limit_is_served) {
  auto s = connect_raw();
  auto line = request_line(3, "hello");
  line.insert(line.size() - 2, max_line - line.size() + 1, ' ');  // spaces before the last '}'
  ASSERT_EQ(line.size(), max_line + 1);                           // with its '\n'
  ASSERT_TRUE(s.send(line));
  const auto answer = read_object(s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->at("id"), 3) << json::serialize(*answer);
  EXPECT_TRUE(answer->contains("result")) << json::serialize(*answer);
}

TEST_F(bad_input_test, binary_garbage_is_a_parse_error_and_the_connection_goes_on) {
  std::mt19937 random(20240601);
  std::string garbage(2000, '\0');
  for (auto& c : garbage) c = static_cast<char>(random() % 256);
  for (auto& c : garbage) {
    if (c == '\n') c = '\xff';
  }
  garbage[0] = '\0';
  garbage[1] = '\xc3';  // a UTF-8 lead byte without its continuation
  garbage[2] = '(';

  auto s = connect_raw();
  ASSERT_TRUE(s.send(garbage + "\n" + request_line(9, "hello")));
  const auto refused = read_object(s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(error_in(*refused).at("code"), -32700) << json::serialize(*refused);
  const auto next = read_object(s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->at("id"), 9) << json::serialize(*next);
}

TEST_F(bad_input_test, a_client_that_leaves_in_the_middle_of_a_line_harms_nobody) {
  auto s = connect_raw();
  ASSERT_TRUE(s.send(R"({"jsonrpc":"2.0","id":1,"meth)"));
  s.close();
  expect_bystander_served();
  EXPECT_TRUE(eventually([&] { return wssd().status().at("clients") == 2; }));  // bystander, status
}

TEST_F(bad_input_test, a_send_whose_client_left_before_the_answer_still_goes_out) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  auto s = connect_raw();
  ASSERT_TRUE(s.send(request_line(
      1, "send", {{"to", json::array{json::value(peer->private_id())}}, {"data", "left early"}})));
  s.close();
  const auto received = wait_message(*peer, "direct", "left early");
  ASSERT_TRUE(received);
  EXPECT_EQ(received->at("from"), json::value(wssd().private_id()));
}

TEST_F(bad_input_test, a_notification_runs_but_gets_no_answer) {
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  auto s = connect_raw();
  ASSERT_TRUE(s.send(R"({"jsonrpc":"2.0","method":"broadcast","params":{"data":"notified"}})"
                     "\n"));
  ASSERT_TRUE(wait_message(*peer, "broadcast", "notified"));
  // Once wssd counted the server's answer, an answer to the client would already be queued
  // ahead of the next one.
  ASSERT_TRUE(eventually(
      [&] { return wssd().status().at("counters").at("messages_out") == json::value(1); }));
  ASSERT_TRUE(s.send(request_line(6, "hello")));
  const auto next = read_object(s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->at("id"), 6) << json::serialize(*next);
}

}  // namespace
}  // namespace wssd::test
