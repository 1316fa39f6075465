// The durable store (--spool): what was accepted survives kill -9 and restarts, the event
// journal goes on numbering and replays what a client missed, durable consumers resume where
// they acknowledged, msg_id makes a retry harmless, and a damaged store file does not keep
// wssd from starting.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/ipc/gateway_fixture.hpp"

namespace wssd::test {
namespace {

const json::object spool_on{{"spool", {{"enabled", true}}}};

class durability_test : public gateway_test {
 protected:
  std::string store_file() const { return wssd().state_dir() + "/store.db"; }

  bool consumer_connected(const std::string& name) const {
    const auto s = wssd().status();
    const auto* consumers = s.if_contains("consumers");
    if (!consumers || !consumers->is_array()) return false;
    for (const auto& c : consumers->as_array()) {
      if (c.at("name") == json::value(name) && c.at("connected") == true) return true;
    }
    return false;
  }

  // wssd killed without a word (start() runs it again on the same state directory).
  void crash() {
    wssd().process().signal(SIGKILL);
    ASSERT_TRUE(wssd().process().wait(5s));
  }

  // A request that waits for its answer on a connection left open.
  raw_socket submit(const std::string& method, json::object params) {
    auto s = raw_socket::connect(wssd().socket());
    if (!s) throw std::runtime_error("cannot connect to " + wssd().socket());
    EXPECT_TRUE(s->send(request_line(1, method, std::move(params))));
    return std::move(*s);
  }
};

TEST_F(durability_test, broadcasts_accepted_before_a_kill_9_go_out_after_it_in_order) {
  ASSERT_TRUE(start_wssd(spool_on));
  const auto own_id = wssd().private_id();
  ASSERT_TRUE(hub_.stop());
  ASSERT_TRUE(wssd().wait_state("backoff"));
  std::vector<raw_socket> waiting;
  for (int i = 0; i < 5; ++i) waiting.push_back(submit("broadcast", {{"data", {{"n", i}}}}));
  ASSERT_TRUE(eventually([&] { return wssd().status().at("queue").at("depth") == 5; }));
  std::this_thread::sleep_for(300ms);  // the loop turn that took them has committed
  crash();

  // The peer is there before wssd is back: broadcasts reach only who is connected.
  ASSERT_TRUE(hub_.start());
  test_peer peer;
  ASSERT_TRUE(peer.join(hub_.ws_url())) << peer.last_error();
  wssd().start();
  for (int i = 0; i < 5; ++i) {
    const auto m = wait_message(peer, "broadcast", {{"n", i}});
    ASSERT_TRUE(m) << "broadcast " << i << " was lost:\n" << wssd().log();
    EXPECT_EQ(m->at("from"), json::value(own_id));
  }
  EXPECT_FALSE(
      peer.wait_push([](const json::object& p) { return p.at("type") == "broadcast"; }, 500ms))
      << "a broadcast came twice";
  EXPECT_TRUE(eventually([&] { return wssd().status().at("queue").at("depth") == 0; }));
}

TEST_F(durability_test, seq_goes_on_across_a_restart_and_a_resume_misses_nothing) {
  ASSERT_TRUE(start_wssd(spool_on));
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto own_id = wssd().private_id();
  std::uint64_t last_seen = 0;
  std::string instance;
  {
    subscriber before(wssd(), {{"types", json::array{"message"}}});
    ASSERT_TRUE(peer->send_direct(own_id, "before"));
    const auto e = before.next_of("message");
    ASSERT_TRUE(e);
    last_seen = e->at("seq").to_number<std::uint64_t>();
    instance = std::string(result_of(before.connection(), "hello").at("instance").as_string());
  }
  ASSERT_EQ(wssd().stop(), 0);
  wssd().start();
  ASSERT_TRUE(wssd().wait_state("online")) << wssd().log();
  ASSERT_TRUE(eventually([&] { return knows_peer(peer->private_id()); }));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(peer->send_direct(own_id, i));
  ASSERT_TRUE(eventually([&] { return wssd().status().at("counters").at("messages_in") == 3; }));

  auto c = wssd().connect();
  const auto answer = result_of(
      c, "subscribe", {{"since", last_seen}, {"instance", instance}, {"types", {"message"}}});
  EXPECT_EQ(answer.at("instance"), json::value(instance)) << "the numbering changed";
  EXPECT_EQ(answer.at("recovered"), true);
  for (int i = 0; i < 3; ++i) {
    auto e = c.next_event(patience);
    ASSERT_TRUE(e && *e) << "missed message " << i;
    EXPECT_NE((**e).at("type"), "events_lost") << json::serialize(**e);
    EXPECT_EQ((**e).at("data"), i);
    EXPECT_GT((**e).at("seq").to_number<std::uint64_t>(), last_seen);
  }
}

// The test: a monitor stopped before a burst and a wssd restart gets all of it, once.
TEST_F(durability_test, a_durable_consumer_gets_a_burst_it_missed_once_across_restarts) {
  ASSERT_TRUE(start_wssd(spool_on));
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  const auto own_id = wssd().private_id();
  {
    monitor_process first(wssd().socket(), {"--consumer", "archiver", "--type", "message"});
    ASSERT_TRUE(eventually([&] { return consumer_connected("archiver"); })) << first.errors();
    ASSERT_TRUE(peer->send_direct(own_id, "first"));
    ASSERT_TRUE(first.wait_for([](const json::object& e) { return e.at("data") == "first"; }))
        << first.errors();
    first.process().signal(SIGTERM);
    EXPECT_EQ(first.process().wait(5s), 0) << first.errors();
  }
  const int burst = 1000;
  for (int i = 0; i < burst; ++i) ASSERT_TRUE(peer->send_direct(own_id, i));
  ASSERT_TRUE(
      eventually([&] { return wssd().status().at("counters").at("messages_in") == burst + 1; }));
  ASSERT_EQ(wssd().stop(), 0);
  wssd().start();
  ASSERT_TRUE(wssd().wait_state("online")) << wssd().log();

  monitor_process second(wssd().socket(), {"--consumer", "archiver", "--type", "message"});
  ASSERT_TRUE(second.wait_for(
      [](const json::object& e) { return e.contains("data") && e.at("data") == burst - 1; }, 30s))
      << second.errors();
  const auto events = second.events();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(burst)) << "not exactly once";
  for (int i = 0; i < burst; ++i) EXPECT_EQ(events[i].at("data"), i);
  const auto status = wssd().status();
  const auto& consumers = status.at("consumers").as_array();
  ASSERT_EQ(consumers.size(), 1u);
  EXPECT_EQ(consumers[0].at("name"), "archiver");
  EXPECT_EQ(consumers[0].at("connected"), true);
}

TEST_F(durability_test, a_retry_with_the_same_msg_id_is_not_sent_twice) {
  ASSERT_TRUE(start_wssd(spool_on));
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  auto c = wssd().connect();
  const json::object params{{"data", "once"}, {"msg_id", "m-1"}};
  const auto first = call(c, "broadcast", params);
  const auto again = call(c, "broadcast", params);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(*first, *again);
  ASSERT_TRUE(wait_message(*peer, "broadcast", "once"));
  EXPECT_FALSE(
      peer->wait_push([](const json::object& p) { return p.at("type") == "broadcast"; }, 500ms))
      << "the retry went out too";
  EXPECT_EQ(wssd().status().at("counters").at("messages_out"), 1);

  // After a restart too.
  ASSERT_EQ(wssd().stop(), 0);
  wssd().start();
  ASSERT_TRUE(wssd().wait_state("online"));
  auto after = wssd().connect();
  const auto third = call(after, "broadcast", params);
  ASSERT_TRUE(third);
  EXPECT_EQ(*third, *first);
  EXPECT_EQ(wssd().status().at("counters").at("messages_out"), 0);
}

TEST_F(durability_test, a_command_past_its_ttl_after_a_restart_is_announced_not_lost_silently) {
  ASSERT_TRUE(start_wssd({{"spool", {{"enabled", true}}}, {"outbox", {{"ttl", 2}}}}));
  ASSERT_TRUE(hub_.stop());
  ASSERT_TRUE(wssd().wait_state("backoff"));
  const auto last = wssd().status().at("seq").to_number<std::uint64_t>();
  auto waiting = submit("broadcast", {{"data", "too late"}, {"msg_id", "late-1"}});
  ASSERT_TRUE(eventually([&] { return wssd().status().at("queue").at("depth") == 1; }));
  std::this_thread::sleep_for(300ms);  // committed, and well inside its TTL
  wssd().process().signal(SIGKILL);
  ASSERT_TRUE(wssd().process().wait(5s));
  std::this_thread::sleep_for(2500ms);  // its TTL passes while wssd is down

  wssd().start();
  subscriber watcher(wssd(), {{"since", last}, {"types", {"outbox_expired"}}});
  const auto e = watcher.next_of("outbox_expired");
  ASSERT_TRUE(e) << wssd().log();
  EXPECT_EQ(e->at("kind"), "broadcast");
  EXPECT_EQ(e->at("msg_id"), "late-1");
  EXPECT_EQ(e->at("sent"), 0);
  EXPECT_NE(std::string(e->at("reason").as_string()).find("not sent"), std::string::npos);
  EXPECT_EQ(wssd().status().at("queue").at("depth"), 0);
}

TEST_F(durability_test, a_damaged_store_is_moved_aside_and_wssd_starts) {
  ASSERT_TRUE(start_wssd(spool_on));
  ASSERT_EQ(wssd().stop(), 0);
  const auto file = wssd().state_dir() + "/store.db";
  const auto size = std::filesystem::file_size(file);
  std::filesystem::resize_file(file, size / 2);  // a torn file
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f << "this is not a database header";
  }
  wssd().start();
  ASSERT_TRUE(wssd().wait_state("online")) << wssd().log();
  EXPECT_NE(wssd().log().find("moved aside as " + file + ".damaged-"), std::string::npos)
      << wssd().log();
  bool kept_aside = false;
  for (const auto& entry : std::filesystem::directory_iterator(wssd().state_dir())) {
    kept_aside |= entry.path().filename().string().rfind("store.db.damaged-", 0) == 0;
  }
  EXPECT_TRUE(kept_aside);
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  EXPECT_EQ(run_wssctl(wssd().socket(), {"broadcast", "still works"}).exit_code, 0);
  EXPECT_TRUE(wait_message(*peer, "broadcast", "still works"));
}

TEST_F(durability_test, sigterm_keeps_waiting_commands_spooled_and_says_so) {
  ASSERT_TRUE(start_wssd(spool_on));
  ASSERT_TRUE(hub_.stop());
  ASSERT_TRUE(wssd().wait_state("backoff"));
  auto waiting = submit("broadcast", {{"data", "kept"}});
  ASSERT_TRUE(eventually([&] { return wssd().status().at("queue").at("depth") == 1; }));
  wssd().process().signal(SIGTERM);
  const auto answer = read_object(waiting);
  ASSERT_TRUE(answer);
  EXPECT_EQ(error_in(*answer).at("code"), -32017);
  EXPECT_EQ(error_in(*answer).at("data"), (json::value{{"spooled", true}}));
  EXPECT_EQ(wssd().process().wait(5s), 0);

  ASSERT_TRUE(hub_.start());
  test_peer peer;
  ASSERT_TRUE(peer.join(hub_.ws_url()));
  wssd().start();
  EXPECT_TRUE(wait_message(peer, "broadcast", "kept")) << wssd().log();
}

// A state directory on a small file system of its own, filled up: a command that cannot be
// kept is refused and says why; what was accepted before still goes out; once there is room
// again, commands are taken again.
TEST_F(durability_test, a_full_disk_refuses_new_commands_and_keeps_what_was_accepted) {
  const auto mount_point = dir_ / "state";  // wssd's state directory
  std::filesystem::create_directories(mount_point);
  const auto mount = "mount -t tmpfs -o size=2m tmpfs " + mount_point + " 2>/dev/null";
  if (::geteuid() != 0 || std::system(mount.c_str()) != 0) {
    GTEST_SKIP() << "needs root and a tmpfs mount to fill a file system";
  }
  struct unmount {
    std::string at;
    ~unmount() { std::system(("umount -l " + at).c_str()); }
  } unmount_later{mount_point};
  ASSERT_TRUE(start_wssd(spool_on));
  auto* peer = join_peer();
  ASSERT_TRUE(peer);
  auto c = wssd().connect();
  ASSERT_TRUE(call(c, "broadcast", {{"data", "before"}}));
  ASSERT_TRUE(wait_message(*peer, "broadcast", "before"));

  // Fill what is left.
  std::system(("dd if=/dev/zero of=" + mount_point + "/filler bs=4k 2>/dev/null").c_str());
  const auto refused = call(c, "broadcast", {{"data", std::string(64 * 1024, 'f')}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, -32018) << refused.error().message;
  EXPECT_NE(refused.error().message.find("the spool cannot be written"), std::string::npos);
  EXPECT_FALSE(
      peer->wait_push([](const json::object& p) { return p.at("type") == "broadcast"; }, 500ms))
      << "a command that was not kept went out";

  std::filesystem::remove(mount_point + "/filler");
  const auto after = call(c, "broadcast", {{"data", "after"}});
  EXPECT_TRUE(after) << after.error().message;
  EXPECT_TRUE(wait_message(*peer, "broadcast", "after"));
  EXPECT_EQ(wssd().status().at("state"), "online");
}

}  // namespace
}  // namespace wssd::test
