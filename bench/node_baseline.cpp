#include "bench/node_baseline.hpp"

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "bench/wssd_instance.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace wssd::bench {

namespace json = boost::json;

namespace {

constexpr auto script_limit = std::chrono::seconds(120);

std::string join(const std::vector<int>& values) {
  std::string out;
  for (const auto v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

long long to_ms(clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

node_figures measure_node(event_loop& loop, sink& to, const std::string& hub_url,
                          const node_plan& plan) {
  test::temp_dir dir;
  const auto sink_before = to.received();
  test::child_process script(
      {{plan.node, WSSD_BENCH_DIR "/node_relay.js", hub_url, to.private_id(),
        std::to_string(plan.payload), join(plan.in_flight),
        std::to_string(to_ms(plan.timing.warm_up)), std::to_string(to_ms(plan.timing.measured)),
        std::to_string(plan.latency_rounds)},
       {},
       dir / "out",
       dir / "err"});
  register_child(script.pid());
  // The sink counts on this thread while the script runs.
  if (!loop.run_until([&] { return !script.running(); }, script_limit))
    throw std::runtime_error("node_relay.js did not finish");
  const auto status = script.wait(std::chrono::milliseconds(1000));
  if (status != 0) {
    throw std::runtime_error("node_relay.js failed (" + std::to_string(status.value_or(-1)) +
                             "): " + test::read_file(dir / "err"));
  }
  const auto out = json::parse(test::read_file(dir / "out")).as_object();
  to.expect(sink_before + static_cast<std::uint64_t>(out.at("sent").to_number<double>()));
  node_figures f;
  for (const auto& p : out.at("points").as_array()) {
    f.msgs_per_s.emplace_back(static_cast<int>(p.at("in_flight").to_number<double>()),
                              p.at("msgs_per_s").to_number<double>());
  }
  f.ack_p50_us = out.at("ack_p50_us").to_number<double>();
  f.ack_p99_us = out.at("ack_p99_us").to_number<double>();
  f.versions = "node " + std::string(out.at("node").as_string()) + ", ws " +
               std::string(out.at("ws").as_string());
  return f;
}

}  // namespace wssd::bench
