#include "daemon/service/metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace wssd {
namespace {

using namespace std::chrono_literals;

service::status_report sample_report() {
  service::status_report r;
  r.state = session_state::online;
  r.uptime = 42s;
  r.online_for = std::chrono::duration<double>(1.5);
  r.peers = 2;
  r.counters.messages_in[proto::message_kind::direct] = 7;
  r.counters.messages_in[proto::message_kind::broadcast] = 1;
  r.counters.messages_out[proto::message_kind::direct] = 3;
  r.counters.bytes_in = 1000;
  r.counters.bytes_out = 2000;
  r.counters.bad_frames = 4;
  r.counters.link_losses[static_cast<std::size_t>(link_loss::ping_timeout)] = 5;
  r.expired = 6;
  r.failed = 8;
  r.queue_depth = 9;
  r.queue_bytes = 900;
  r.queue_oldest = std::chrono::duration<double>(2.25);
  r.seq = 100;
  r.consumers = {{"plain", 90, true, false}, {"odd \"name\"\\\nhere", 100, false, true}};
  return r;
}

std::map<std::string, std::string> samples_of(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

TEST(metrics, values_are_where_the_report_puts_them) {
  const auto s = samples_of(render_metrics(sample_report(), {3, 10, 55, 1, 2}));
  EXPECT_EQ(s.at(R"(wssd_session_state{state="online"})"), "1");
  EXPECT_EQ(s.at(R"(wssd_session_state{state="backoff"})"), "0");
  EXPECT_EQ(s.at("wssd_session_online_seconds"), "1.5");
  EXPECT_EQ(s.at("wssd_uptime_seconds"), "42");
  EXPECT_EQ(s.at(R"(wssd_reconnects_total{reason="ping_timeout"})"), "5");
  EXPECT_EQ(s.at(R"(wssd_reconnects_total{reason="dropped"})"), "0");
  EXPECT_EQ(s.at(R"(wssd_messages_in_total{kind="direct"})"), "7");
  EXPECT_EQ(s.at(R"(wssd_messages_in_total{kind="broadcast"})"), "1");
  EXPECT_EQ(s.at(R"(wssd_messages_out_total{kind="direct"})"), "3");
  EXPECT_EQ(s.at("wssd_server_received_bytes_total"), "1000");
  EXPECT_EQ(s.at("wssd_server_sent_bytes_total"), "2000");
  EXPECT_EQ(s.at("wssd_bad_frames_total"), "4");
  EXPECT_EQ(s.at("wssd_outbox_commands"), "9");
  EXPECT_EQ(s.at("wssd_outbox_oldest_age_seconds"), "2.25");
  EXPECT_EQ(s.at("wssd_outbox_expired_total"), "6");
  EXPECT_EQ(s.at("wssd_outbox_failed_total"), "8");
  EXPECT_EQ(s.at("wssd_clients_connected"), "3");
  EXPECT_EQ(s.at("wssd_clients_lagged_total"), "10");
  EXPECT_EQ(s.at("wssd_client_events_dropped_total"), "55");
  EXPECT_EQ(s.at(R"(wssd_clients_disconnected_total{reason="unread_answers"})"), "1");
  EXPECT_EQ(s.at(R"(wssd_clients_disconnected_total{reason="too_far_behind"})"), "2");
  EXPECT_EQ(s.at("wssd_consumers"), "2");
  EXPECT_EQ(s.at(R"(wssd_consumer_lag_events{consumer="plain"})"), "10");
  // A client's name cannot break the format: \, " and newline are escaped.
  EXPECT_EQ(s.at(R"(wssd_consumer_lag_events{consumer="odd \"name\"\\\nhere"})"), "0");
  EXPECT_EQ(s.count("wssd_store_size_bytes"), 0u) << "no store, no store metrics";
}

TEST(metrics, every_family_is_announced_once_before_its_samples_and_named_by_convention) {
  auto r = sample_report();
  r.store = store_report{};
  r.store->file_bytes = 4096;
  r.store->journalled = 12;
  r.store->commit_latency.observe(200us);
  r.store->commit_latency.observe(3ms);
  r.store->commit_latency.observe(2s);
  const auto text = render_metrics(r, {});
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::istringstream lines(text);
  const std::regex sample(
      R"(^([a-z_]+)(\{[a-z_]+="([^"\\]|\\.)*"(,[a-z_]+="([^"\\]|\\.)*")*\})? \S+$)");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) {
      const auto name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(helped.insert(name).second) << "HELP twice for " << name;
    } else if (line.rfind("# TYPE ", 0) == 0) {
      const auto name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(helped.count(name)) << "TYPE before HELP for " << name;
      EXPECT_TRUE(types.emplace(name, line.substr(line.rfind(' ') + 1)).second)
          << "TYPE twice for " << name;
    } else {
      ASSERT_TRUE(std::regex_match(line, m, sample)) << "not a sample line: " << line;
      std::string name = m[1];
      for (const auto* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s = suffix;
        if (!types.count(name) && name.size() > s.size() &&
            name.compare(name.size() - s.size(), s.size(), s) == 0) {
          name.resize(name.size() - s.size());
        }
      }
      ASSERT_TRUE(types.count(name)) << "a sample before its TYPE: " << line;
    }
  }
  for (const auto& [name, type] : types) {
    EXPECT_EQ(name.rfind("wssd_", 0), 0u) << name;
    const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(type == "counter", total) << name << " is a " << type;
  }
  EXPECT_EQ(types.at("wssd_store_commit_duration_seconds"), "histogram");

  const auto s = samples_of(text);
  EXPECT_EQ(s.at("wssd_store_size_bytes"), "4096");
  EXPECT_EQ(s.at("wssd_events_journalled_total"), "12");
  // Buckets count what is at or below them, +Inf all of it.
  EXPECT_EQ(s.at(R"(wssd_store_commit_duration_seconds_bucket{le="0.0001"})"), "0");
  EXPECT_EQ(s.at(R"(wssd_store_commit_duration_seconds_bucket{le="0.00025"})"), "1");
  EXPECT_EQ(s.at(R"(wssd_store_commit_duration_seconds_bucket{le="0.005"})"), "2");
  EXPECT_EQ(s.at(R"(wssd_store_commit_duration_seconds_bucket{le="1"})"), "2");
  EXPECT_EQ(s.at(R"(wssd_store_commit_duration_seconds_bucket{le="+Inf"})"), "3");
  EXPECT_EQ(s.at("wssd_store_commit_duration_seconds_count"), "3");
  EXPECT_NEAR(std::stod(s.at("wssd_store_commit_duration_seconds_sum")), 2.0032, 1e-9);
}

}  // namespace
}  // namespace wssd
