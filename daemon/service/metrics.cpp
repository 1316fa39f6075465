#include "daemon/service/metrics.hpp"

#include <spdlog/fmt/fmt.h>

#include <initializer_list>
#include <string_view>
#include <utility>

#include "daemon/common/version.hpp"

namespace wssd {

namespace {

using label = std::pair<std::string_view, std::string_view>;

// Label values may hold anything a client chose (a consumer's name): \, " and newline are
// escaped as the format requires.
std::string escaped(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class exposition {
 public:
  // Every family is announced once, before its samples.
  exposition& family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    return *this;
  }

  template <class Number>
  exposition& sample(std::string_view name, Number value,
                     std::initializer_list<label> labels = {}) {
    out_ += name;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [key, text] : labels) {
        out_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", key, escaped(text));
        first = false;
      }
      out_ += '}';
    }
    out_ += fmt::format(" {}\n", value);
    return *this;
  }

  // A family with one sample.
  template <class Number>
  exposition& single(std::string_view name, std::string_view type, std::string_view help,
                     Number value) {
    return family(name, type, help).sample(name, value);
  }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

constexpr proto::session_state all_states[] = {
    proto::session_state::offline,     proto::session_state::connecting,
    proto::session_state::handshaking, proto::session_state::online,
    proto::session_state::backoff,     proto::session_state::stopped};

void session_metrics(exposition& m, const service::status_report& s) {
  m.family("wssd_info", "gauge", "The running wssd's version.")
      .sample("wssd_info", 1, {{"version", WSSD_VERSION}});
  m.single("wssd_uptime_seconds", "gauge", "Seconds since wssd started.", s.uptime.count());
  m.family("wssd_session_state", "gauge", "The session's state: 1 for the current one.");
  for (const auto state : all_states) {
    m.sample("wssd_session_state", state == s.state ? 1 : 0, {{"state", proto::to_string(state)}});
  }
  m.single("wssd_session_online_seconds", "gauge",
           "Seconds the session has been online; 0 unless it is.", s.online_for.count());
  m.single("wssd_session_peers", "gauge", "Peers the server says are connected.", s.peers);
  m.family("wssd_reconnects_total", "counter",
           "Links lost while the session was to stay up, each followed by a reconnect, by "
           "reason.");
  for (std::size_t i = 0; i < link_loss_count; ++i) {
    m.sample("wssd_reconnects_total", s.counters.link_losses[i],
             {{"reason", to_string(static_cast<link_loss>(i))}});
  }
  constexpr proto::message_kind kinds[] = {proto::message_kind::direct,
                                           proto::message_kind::broadcast};
  m.family("wssd_messages_in_total", "counter", "Messages received from peers, by kind.");
  for (const auto k : kinds) {
    m.sample("wssd_messages_in_total", s.counters.messages_in[k], {{"kind", proto::to_string(k)}});
  }
  m.family("wssd_messages_out_total", "counter",
           "Messages sent that the server accepted, by kind.");
  for (const auto k : kinds) {
    m.sample("wssd_messages_out_total", s.counters.messages_out[k],
             {{"kind", proto::to_string(k)}});
  }
  m.single("wssd_server_received_bytes_total", "counter",
           "Bytes of WebSocket messages received from the server.", s.counters.bytes_in);
  m.single("wssd_server_sent_bytes_total", "counter",
           "Bytes of WebSocket messages sent to the server.", s.counters.bytes_out);
  m.single("wssd_bad_frames_total", "counter",
           "Frames from the server that made no sense, and were ignored.", s.counters.bad_frames);
  m.single("wssd_oversized_messages_total", "counter",
           "Messages from the server over max_message (each cost the link).",
           s.counters.oversized_messages);
}

void outbox_metrics(exposition& m, const service::status_report& s) {
  m.single("wssd_outbox_commands", "gauge", "Commands waiting for the server's answer.",
           s.queue_depth);
  m.single("wssd_outbox_bytes", "gauge", "Bytes of the commands waiting.", s.queue_bytes);
  m.single("wssd_outbox_oldest_age_seconds", "gauge",
           "How long the oldest waiting command has waited; 0 when none waits.",
           s.queue_oldest.count());
  m.single("wssd_outbox_expired_total", "counter", "Commands dropped after waiting past their TTL.",
           s.expired);
  m.single("wssd_outbox_failed_total", "counter",
           "Commands that ended with another error (refused, unanswered, not spooled, "
           "stopping).",
           s.failed);
}

void client_metrics(exposition& m, const client_counters& c) {
  m.single("wssd_clients_connected", "gauge", "Clients connected to the local socket.",
           c.connected);
  m.single("wssd_clients_lagged_total", "counter",
           "Times a client lost events the ring no longer held (each a lagged notice).", c.lagged);
  m.single("wssd_client_events_dropped_total", "counter",
           "Events clients wanted and lost because they read too slowly.", c.events_dropped);
  m.family("wssd_clients_disconnected_total", "counter", "Clients wssd disconnected, by reason.")
      .sample("wssd_clients_disconnected_total", c.disconnected_unread,
              {{"reason", "unread_answers"}})
      .sample("wssd_clients_disconnected_total", c.disconnected_behind,
              {{"reason", "too_far_behind"}});
}

void event_metrics(exposition& m, const service::status_report& s) {
  m.single("wssd_event_seq", "gauge", "The seq of the last event.", s.seq);
  m.single("wssd_ring_events", "gauge", "Events the ring holds for replay.", s.ring_events);
  m.single("wssd_ring_bytes", "gauge", "Bytes of the events the ring holds.", s.ring_bytes);
  m.single("wssd_consumers", "gauge", "Durable consumers known.", s.consumers.size());
  m.family("wssd_consumer_lag_events", "gauge",
           "Events after the last one a durable consumer acknowledged.");
  for (const auto& c : s.consumers) {
    m.sample("wssd_consumer_lag_events", s.seq > c.acked ? s.seq - c.acked : 0,
             {{"consumer", c.name}});
  }
}

void store_metrics(exposition& m, const store_report& r) {
  m.single("wssd_store_size_bytes", "gauge", "The durable store's files on disk.", r.file_bytes);
  m.single("wssd_journal_events", "gauge", "Events the journal keeps.", r.journal_events);
  m.single("wssd_journal_bytes", "gauge", "Bytes of the events the journal keeps.",
           r.journal_bytes);
  m.single("wssd_events_journalled_total", "counter", "Events written to the journal.",
           r.journalled);
  m.single("wssd_store_commit_failures_total", "counter",
           "Commits that failed (a full disk): what they held was refused.", r.failed_commits);
  constexpr std::string_view name = "wssd_store_commit_duration_seconds";
  m.family(name, "histogram", "How long each commit of the store took, fsync included.");
  const auto& h = r.commit_latency;
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < latency_histogram::bounds.size(); ++i) {
    m.sample(bucket, h.bucket(i), {{"le", fmt::format("{}", latency_histogram::bounds[i])}});
  }
  m.sample(bucket, h.count(), {{"le", "+Inf"}});
  m.sample(std::string(name) + "_sum", h.sum());
  m.sample(std::string(name) + "_count", h.count());
}

}  // namespace

std::string render_metrics(const service::status_report& s, const client_counters& clients) {
  exposition m;
  session_metrics(m, s);
  outbox_metrics(m, s);
  client_metrics(m, clients);
  event_metrics(m, s);
  if (s.store) store_metrics(m, *s.store);
  return m.take();
}

}  // namespace wssd
