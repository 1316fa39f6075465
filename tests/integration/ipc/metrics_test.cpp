// The metrics listener and `wssctl metrics` against a real wssd on a real hub: the exposition
// passes prometheus_client's parser over TCP and a Unix socket, its values move with what wssd
// does, and scrapers that never finish (silent, 1 MiB of headers, too many) never stall it.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <cstring>
#include <fstream>
#include <thread>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

using metrics_test = gateway_test;
using clock = std::chrono::steady_clock;

// A loopback port nobody listens on now.
std::uint16_t free_port() {
  unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(addr);
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    return 0;
  }
  return ntohs(addr.sin_port);
}

unique_fd connect_tcp(std::uint16_t port) {
  unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  return fd;
}

unique_fd connect_unix(const std::string& path) {
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return {};
  return fd;
}

// Everything the peer sends until it closes; nullopt if it is still open after `limit`.
std::optional<std::string> read_to_eof(int fd, std::chrono::milliseconds limit = patience) {
  const auto until = clock::now() + limit;
  std::string out;
  char buffer[65536];
  while (clock::now() < until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return out;  // EOF, or a reset
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return std::nullopt;
}

struct http_answer {
  int status = 0;
  std::string head;
  std::string body;
};

std::optional<http_answer> exchange(unique_fd fd, const std::string& request) {
  if (!fd) return std::nullopt;
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return std::nullopt;
  }
  const auto text = read_to_eof(fd.get());
  if (!text) return std::nullopt;
  const auto end = text->find("\r\n\r\n");
  if (text->rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return std::nullopt;
  return http_answer{std::stoi(text->substr(9, 3)), text->substr(0, end), text->substr(end + 4)};
}

std::string get(const std::string& method, const std::string& path) {
  return method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n";
}

// The samples prometheus_client's parser read from `text`; a failure of the test if it refused
// it (it runs as Debian's python3, which has python3-prometheus-client).
json::object parsed(const std::string& text) {
  temp_dir dir;
  { std::ofstream(dir / "metrics") << text; }
  child_process python(
      {{"/usr/bin/python3", WSSD_SOURCE_DIR "/tests/integration/ipc/parse_metrics.py",
        dir / "metrics"},
       {},
       dir / "out",
       dir / "err"});
  const auto code = python.wait(std::chrono::seconds(30));
  if (code != std::optional(0)) {
    ADD_FAILURE() << "prometheus_client refused the exposition: " << read_file(dir / "err") << "\n"
                  << text;
    return {};
  }
  return json::parse(read_file(dir / "out")).as_object();
}

double value(const json::object& samples, const std::string& key) {
  const auto* v = samples.if_contains(key);
  if (!v) {
    ADD_FAILURE() << "no sample " << key;
    return -1;
  }
  return v->to_number<double>();
}

json::object metrics_config(const std::string& listen) {
  return {{"metrics", {{"listen", listen}}}};
}

TEST_F(metrics_test, tcp_scrapes_parse_and_follow_what_wssd_does) {
  const auto port = free_port();
  ASSERT_NE(port, 0);
  ASSERT_TRUE(start_wssd(metrics_config("127.0.0.1:" + std::to_string(port))));
  auto* peer = join_peer();
  ASSERT_NE(peer, nullptr);

  auto first = exchange(connect_tcp(port), get("GET", "/metrics"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200) << first->head;
  EXPECT_NE(first->head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
      << first->head;
  EXPECT_NE(first->head.find("Connection: close"), std::string::npos) << first->head;
  const auto before = parsed(first->body);
  EXPECT_EQ(value(before, R"(wssd_session_state{state="online"})"), 1);
  EXPECT_EQ(value(before, R"(wssd_session_state{state="backoff"})"), 0);
  EXPECT_EQ(value(before, "wssd_session_peers"), 1);

  auto c = wssd().connect();
  result_of(c, "send", {{"to", json::array{json::value(peer->private_id())}}, {"data", "hello"}});
  ASSERT_TRUE(wait_message(*peer, "direct", "hello"));

  auto second = exchange(connect_tcp(port), get("GET", "/metrics"));
  ASSERT_TRUE(second);
  const auto after = parsed(second->body);
  EXPECT_EQ(value(after, R"(wssd_messages_out_total{kind="direct"})"),
            value(before, R"(wssd_messages_out_total{kind="direct"})") + 1);
  EXPECT_GT(value(after, "wssd_server_sent_bytes_total"),
            value(before, "wssd_server_sent_bytes_total"));
  EXPECT_GE(value(after, "wssd_clients_connected"), 1);  // `c`
  EXPECT_GT(value(after, "wssd_session_online_seconds"), 0);

  // wssctl prints the same exposition, from the daemon.
  const auto printed = run_wssctl(wssd().socket(), {"metrics"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  const auto from_wssctl = parsed(printed.out);
  EXPECT_EQ(value(from_wssctl, R"(wssd_messages_out_total{kind="direct"})"),
            value(after, R"(wssd_messages_out_total{kind="direct"})"));

  const auto head = exchange(connect_tcp(port), get("HEAD", "/metrics"));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  const auto elsewhere = exchange(connect_tcp(port), get("GET", "/"));
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 404);
  const auto posted = exchange(connect_tcp(port), get("POST", "/metrics"));
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 405);
  EXPECT_NE(posted->head.find("Allow: GET, HEAD"), std::string::npos) << posted->head;
  const auto garbage = exchange(connect_tcp(port), "\x16\x03\x01 hello\r\n\r\n");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
}

TEST_F(metrics_test, a_unix_socket_scrape_parses_and_shows_the_store) {
  const auto path = dir_ / "metrics.sock";
  json::object config = metrics_config(path);
  config["spool"] = json::object{{"enabled", true}};
  ASSERT_TRUE(start_wssd(config));
  auto* peer = join_peer();
  ASSERT_NE(peer, nullptr);
  auto c = wssd().connect();
  result_of(c, "broadcast", {{"data", "to all"}});
  ASSERT_TRUE(wait_message(*peer, "broadcast", "to all"));

  const auto scraped = exchange(connect_unix(path), get("GET", "/metrics"));
  ASSERT_TRUE(scraped);
  EXPECT_EQ(scraped->status, 200);
  const auto samples = parsed(scraped->body);
  EXPECT_EQ(value(samples, R"(wssd_session_state{state="online"})"), 1);
  EXPECT_EQ(value(samples, R"(wssd_messages_out_total{kind="broadcast"})"), 1);
  EXPECT_GT(value(samples, "wssd_store_size_bytes"), 0);
  EXPECT_GT(value(samples, "wssd_events_journalled_total"), 0);
  EXPECT_GT(value(samples, "wssd_store_commit_duration_seconds_count"), 0);
  EXPECT_EQ(value(samples, R"(wssd_store_commit_duration_seconds_bucket{le="+Inf"})"),
            value(samples, "wssd_store_commit_duration_seconds_count"));
}

TEST_F(metrics_test, scrapers_that_never_finish_do_not_stall_wssd) {
  const auto port = free_port();
  ASSERT_NE(port, 0);
  ASSERT_TRUE(start_wssd(metrics_config("127.0.0.1:" + std::to_string(port))));

  // One that sends 1 MiB of headers: it is cut off (431, or the connection reset under it).
  std::optional<std::string> flood_answer;
  std::thread flood([&] {
    auto fd = connect_tcp(port);
    if (!fd) return;
    std::string request = "GET /metrics HTTP/1.1\r\n";
    while (request.size() < 1024 * 1024) request += "X-Padding: " + std::string(1000, 'a') + "\r\n";
    timeval limit{10, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
    for (std::size_t sent = 0; sent < request.size();) {
      const auto n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    flood_answer = read_to_eof(fd.get());
  });
  // Silent ones, more than the listener takes at once.
  std::vector<unique_fd> silent;
  for (int i = 0; i < 40; ++i) silent.push_back(connect_tcp(port));
  ASSERT_TRUE(silent.front());

  const auto start = clock::now();
  const auto status = run_wssctl(wssd().socket(), {"status", "--timeout", "5"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_LT(clock::now() - start, 3s) << "wssctl status waited behind the scrapers";

  flood.join();
  ASSERT_TRUE(flood_answer) << "the 1 MiB request was never cut off";
  if (!flood_answer->empty()) {
    EXPECT_EQ(flood_answer->rfind("HTTP/1.1 431", 0), 0u) << *flood_answer;
  }

  // The silent ones are closed at the listener's deadline (5 s), or at once beyond its cap.
  for (auto& fd : silent) {
    const auto rest = read_to_eof(fd.get(), 10s);
    EXPECT_TRUE(rest && rest->empty()) << "a silent scraper was kept open, or answered";
  }
  const auto after = exchange(connect_tcp(port), get("GET", "/metrics"));
  ASSERT_TRUE(after) << "the listener serves again once they are gone";
  EXPECT_EQ(after->status, 200);
}

}  // namespace
}  // namespace wssd::test
