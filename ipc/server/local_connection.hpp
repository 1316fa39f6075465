// One process connected to the local socket, seen from wssd: reads request lines, writes
// answers and events. The socket is non-blocking, so a client that writes in pieces or not at
// all never holds the loop.
//
// A subscriber is a cursor into the event log: events are handed to its socket from the ring as
// it drains, at most ipc.client_queue bytes ahead of its reading, so a replay of any size or a
// moment of slowness costs no copy and loses nothing. A client that falls behind what the ring
// keeps is told how many events it lost (one `lagged` notice where they are missing) and, once
// that passes ipc.client_queue_hard bytes, is disconnected. Answers are never dropped: a client
// that does not read them is disconnected at ipc.client_queue_hard.
#pragma once

#include <asio/local/stream_protocol.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/service/event_log.hpp"
#include "daemon/service/metrics.hpp"
#include "ipc/server/access_policy.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

class local_connection : public std::enable_shared_from_this<local_connection> {
 public:
  using socket = asio::local::stream_protocol::socket;
  using line_handler = std::function<void(local_connection&, std::string_view line)>;
  using close_handler = std::function<void(local_connection&)>;

  struct subscription {
    proto::event_types types = proto::all_event_types;
    std::set<std::string, std::less<>> peers;  // empty: all; events about no peer always pass
    std::string consumer;                      // the durable consumer it reads as, if any
    // Told the seq of the last event written to the socket (a consumer's auto-ack).
    std::function<void(std::uint64_t seq)> written;
  };

  // `counters` (the socket server's, for every client) hears of its lags and disconnection.
  local_connection(socket s, const ipc_config& c, const event_log& log, client_counters& counters,
                   peer_credentials who, rights may, line_handler on_line, close_handler on_close);

  void start();
  // At once: what is queued is lost.
  void close();
  // Reads no more and closes once everything queued is written (answers, then the end).
  void finish();

  // A request whose answer will come: a client that half-closed stays until it is written.
  void expect_answer() { ++unanswered_; }
  void answer(const boost::json::value& id, proto::rpc_result<boost::json::value> outcome);
  // An answer to a line that was no request (its id, if any, could not be read).
  void send_response(const boost::json::value& id, proto::rpc_result<boost::json::value> outcome);

  // Events from `next_seq` on, through the filter; `lost` is the notice to give first.
  void subscribe(subscription s, std::uint64_t next_seq, std::optional<std::string> lost = {});
  void unsubscribe();
  bool subscribed() const { return subscription_.has_value(); }
  // The durable consumer this connection holds, or empty.
  const std::string& consumer() const;
  void on_appended(const event_log::appended& a);

  const peer_credentials& credentials() const { return who_; }
  const rights& may() const { return may_; }
  void set_rights(rights may) { may_ = may; }

 private:
  void read();
  void drain();
  void consume(std::string_view data);
  void push(std::shared_ptr<const std::string> line, std::uint64_t seq = 0);
  void pump();
  void take(const event_ptr& record);
  void push_lagged();
  void flush();
  void write_queued();
  void written(std::size_t buffers, std::size_t bytes);
  bool wants(const event_record& e) const;
  void close_when_done();

  socket socket_;
  const ipc_config& config_;
  const event_log& log_;
  client_counters& counters_;
  peer_credentials who_;
  rights may_;
  line_handler on_line_;
  close_handler on_close_;
  bool closed_ = false;
  bool reading_done_ = false;  // EOF, or finish(): no more requests
  std::size_t unanswered_ = 0;

  std::string partial_;
  bool discarding_ = false;  // inside an over-long line: skip to its end

  struct queued {
    std::shared_ptr<const std::string> line;
    std::uint64_t seq;  // of the event it is, or 0
  };
  std::deque<queued> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool flush_posted_ = false;

  std::optional<subscription> subscription_;
  std::uint64_t cursor_ = 0;         // the next seq to look at
  std::uint64_t dropped_ = 0;        // events it wanted that the ring let go, not yet told
  std::uint64_t dropped_bytes_ = 0;  // their bytes, since it last caught up
};

}  // namespace wssd
