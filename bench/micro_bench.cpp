// Micro-benchmarks, in process: the serialise-once fan-out DESIGN.md chose against serialising
// per subscriber, and the codecs on wssd's hot paths.
#include <benchmark/benchmark.h>

#include <boost/json/serialize.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/ratio_reporter.hpp"
#include "daemon/service/event_log.hpp"
#include "proto/events.hpp"
#include "proto/local_protocol.hpp"
#include "proto/wss_codec.hpp"

namespace {

namespace json = boost::json;
using line_ptr = std::shared_ptr<const std::string>;
namespace events = wssd::proto::events;

// Private ids are hex SHA-256 digests.
const std::string peer_id(64, 'a');
constexpr std::size_t ring_capacity = 10000;  // wssd's default event_ring

json::value typical_data() {
  return json::object{{"move", "e2e4"}, {"clock", 299712}};
}

wssd::proto::event typical_message_event() {
  return events::message{wssd::proto::message_kind::direct, peer_id, typical_data()};
}

// What fan-out does to a local client's queue: the line waits there until written, then goes.
struct subscriber_queue {
  std::deque<wssd::event_ptr> lines;
};

void drain(std::vector<subscriber_queue>& subscribers) {
  for (auto& s : subscribers) s.lines.clear();
}

// wssd's way: event_log::append serialises once into the ring's record; every subscriber
// holds the same record.
void BM_serialise_once(benchmark::State& state) {
  std::vector<subscriber_queue> subscribers(static_cast<std::size_t>(state.range(0)));
  wssd::event_log log(wssd::ring_limits{ring_capacity});
  log.listen([&](const wssd::event_log::appended& a) {
    for (auto& s : subscribers) s.lines.push_back(a.record);
  });
  for (auto _ : state) {
    log.append(typical_message_event());
    drain(subscribers);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// The alternative: the same event, encoded again for every subscriber.
void BM_serialise_per_subscriber(benchmark::State& state) {
  std::vector<std::deque<line_ptr>> subscribers(static_cast<std::size_t>(state.range(0)));
  std::uint64_t seq = 0;
  for (auto _ : state) {
    const auto e = typical_message_event();
    ++seq;
    for (auto& s : subscribers) {
      s.push_back(std::make_shared<const std::string>(wssd::proto::encode_event_line(seq, e)));
    }
    for (auto& s : subscribers) s.clear();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_serialise_once)->Arg(1)->Arg(100)->Arg(1000);
BENCHMARK(BM_serialise_per_subscriber)->Arg(1)->Arg(100)->Arg(1000);

void decode_each(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    auto frame = wssd::proto::decode_frame(text);
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_decode_direct_push(benchmark::State& state) {
  decode_each(state,
              json::serialize(json::object{
                  {"jsonrpc", "2.0"},
                  {"result", {{"type", "direct"}, {"from", peer_id}, {"data", typical_data()}}}}));
}

// The answer to WSS_Connect: decoded as a frame, then read into the peer table's input.
std::optional<wssd::proto::connect_result> connect_result_of(const std::string& text) {
  auto frame = wssd::proto::decode_frame(text);
  if (!frame) return std::nullopt;
  const auto* answer = std::get_if<wssd::proto::response>(&*frame);
  if (!answer || !answer->outcome) return std::nullopt;
  auto result = wssd::proto::connect_result_from(*answer->outcome);
  if (!result) return std::nullopt;
  return std::move(*result);
}

void BM_decode_connect_result(benchmark::State& state) {
  json::array pids, options;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    pids.push_back(json::value(std::string(64, "0123456789abcdef"[i % 16])));
    options.push_back(json::object{{"wss", true}, {"webrtc", false}, {"ortc", false}});
  }
  const auto text = json::serialize(json::object{
      {"jsonrpc", "2.0"},
      {"result",
       {{"message", "open"}, {"connect", pids}, {"options", options}, {"private_id", peer_id}}},
      {"id", 2}});
  for (auto _ : state) {
    auto result = connect_result_of(text);
    benchmark::DoNotOptimize(result);
  }
  if (!connect_result_of(text)) state.SkipWithError("the connect result did not decode");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_parse_local_request_send(benchmark::State& state) {
  const auto line = json::serialize(json::object{
      {"jsonrpc", "2.0"},
      {"id", 7},
      {"method", "send"},
      {"params", {{"to", json::array{json::value(peer_id)}}, {"data", typical_data()}}}});
  for (auto _ : state) {
    auto request = wssd::proto::parse_local_request(line);
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(line.size()));
}

BENCHMARK(BM_decode_direct_push);
BENCHMARK(BM_decode_connect_result)->Arg(100);
BENCHMARK(BM_parse_local_request_send);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  using comparison = wssd::bench::ratio_reporter::comparison;
  wssd::bench::ratio_reporter reporter(
      {comparison{"BM_serialise_per_subscriber", "BM_serialise_once"}});
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
