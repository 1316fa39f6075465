// wssd's configuration: /etc/wssd/wssd.conf (JSON with comments), then command-line flags.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "daemon/config/tls_options.hpp"
#include "proto/jsonrpc.hpp"

namespace wssd {

using seconds = std::chrono::duration<double>;

struct backoff_config {
  seconds base{0.5};
  seconds cap{30};
  seconds reset_after{30};            // online this long before the next failure starts over
  seconds too_many_connections{120};  // the least wait after -32001 "Too many connections"
};

struct access_config {
  // Users and groups (names or numeric ids) allowed to read (subscribe, status, peers) and to
  // send. Root and the daemon's own user always may. Empty: socket permissions decide.
  std::vector<std::string> read;
  std::vector<std::string> send;
};

struct ipc_config {
  std::string socket;  // empty: the default path for a system or user instance
  std::string group;   // socket file group; empty: the daemon's
  unsigned mode = 0660;
  std::size_t max_line = 1024 * 1024;
  std::size_t max_clients = 1024;
  std::size_t client_queue = 4 * 1024 * 1024;        // beyond this events are dropped (lagged)
  std::size_t client_queue_hard = 16 * 1024 * 1024;  // beyond this the client is disconnected
  access_config access;
};

struct outbox_config {
  seconds ttl{60};
  std::size_t max_messages = 10000;
  std::size_t max_bytes = 64 * 1024 * 1024;
};

// The durable store (daemon/store/store.hpp says what each sync mode promises).
enum class spool_sync { full, batch, off };
std::string_view to_string(spool_sync s);
struct spool_config {
  bool enabled = false;
  spool_sync sync = spool_sync::batch;
  seconds sync_interval{0.2};  // batch: how long a commit may wait for its fsync
  std::size_t journal_events = 100000;
  std::size_t journal_bytes = 256 * 1024 * 1024;
  seconds journal_age{7 * 24 * 3600};
};

struct metrics_config {
  std::string listen;  // daemon/config/listen_address.hpp; empty: no listener
};

struct config {
  // --instance NAME, empty for the default instance. Not a key: it picks the file (NAME.conf)
  // and, unless configured, the socket, the state directory and the D-Bus name.
  std::string instance;
  std::string server;         // ws:// or wss:// (required)
  std::string handshake_url;  // http(s):// for an HTTP-POST handshake; empty: on the WebSocket
  std::string private_id;     // claim this id instead of the last one kept in the state dir
  boost::json::object options{{"wss", true}, {"webrtc", false}, {"ortc", false}};
  tls_options tls;
  seconds connect_timeout{10};
  seconds request_timeout{30};
  seconds ping_interval{20};
  seconds ping_timeout{10};
  backoff_config backoff;
  std::string state_dir;  // empty: the default for a system or user instance
  std::string bus;        // system, session or none; empty: by the kind of instance
  std::string log_level = "info";
  ipc_config ipc;
  outbox_config outbox;
  std::size_t event_ring = 10000;                   // events kept for replay, at most
  std::size_t event_ring_bytes = 32 * 1024 * 1024;  // and at most this much memory
  // The largest message taken from the server; a larger one costs the link (Close 1009).
  std::size_t max_message = 16 * 1024 * 1024;
  spool_config spool;
  seconds consumer_ttl{7 * 24 * 3600};  // a durable consumer unused this long is dropped
  metrics_config metrics;
};

// Applies a JSON-with-comments document over `base`. Every problem is reported, each naming the
// key's path ("tls.ca_file: expected a string"); nothing is applied when there is any.
proto::parsed<config> parse_config(std::string_view text, config base = {});
proto::parsed<config> load_config_file(const std::string& path, config base = {});

// What must hold once file and flags are merged (server set, URLs well-formed, ...).
std::vector<std::string> validate(const config& c);

// SIGHUP: copies into `running` what can change without a restart (log level, timeouts, pings,
// backoff, access lists and limits, outbox, ring; options for the next connect), and names the
// keys that changed but need one (server, socket, state directory, bus, TLS, ...).
std::vector<std::string> apply_reloadable(config& running, const config& next);
// Whether SIGHUP applies a key ("ipc.access.read") at once; wssd.conf(5) says the same.
bool applies_on_reload(std::string_view key_path);

// The path of every key parse_config accepts ("server", "tls.ca_file", ...; "options" is one
// key: its content is free), sorted, from the same description the parser reads: the check
// that wssd.conf(5) and wssd.conf.example document every key uses it.
std::vector<std::string> config_key_paths();

}  // namespace wssd
