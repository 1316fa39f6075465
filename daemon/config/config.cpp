#include "daemon/config/config.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "daemon/common/user_db.hpp"
#include "daemon/config/listen_address.hpp"
#include "daemon/config/url.hpp"

namespace wssd {

namespace json = boost::json;

namespace {

// Walks one JSON object against the keys it may hold, collecting errors with their paths.
class object_reader {
 public:
  using field = std::function<void(const json::value&, const std::string& path)>;

  object_reader(std::vector<std::string>& errors, std::string path)
      : errors_(errors), path_(std::move(path)) {}

  object_reader& on(std::string key, field f) {
    fields_.emplace(std::move(key), std::move(f));
    return *this;
  }

  void read(const json::value& v) {
    if (keys_) return list_keys();
    const auto* o = v.if_object();
    if (!o) return fail(path_, "expected an object, got " + std::string(proto::kind_name(v)));
    for (const auto& [key, value] : *o) {
      const auto path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
      const auto it = fields_.find(std::string(key));
      if (it == fields_.end()) {
        fail(path, "unknown key");
      } else {
        it->second(value, path);
      }
    }
  }

  void fail(const std::string& path, const std::string& what) {
    errors_.push_back((path.empty() ? std::string("(top level)") : path) + ": " + what);
  }

  field string(std::string& out) {
    return [this, &out](const json::value& v, const std::string& path) {
      if (!v.is_string()) return fail(path, "expected a string, got " + kind(v));
      out = std::string(v.as_string());
    };
  }

  field boolean(bool& out) {
    return [this, &out](const json::value& v, const std::string& path) {
      if (!v.is_bool()) return fail(path, "expected true or false, got " + kind(v));
      out = v.as_bool();
    };
  }

  field duration(seconds& out, double min, double max) {
    return [this, &out, min, max](const json::value& v, const std::string& path) {
      if (!v.is_number()) return fail(path, "expected a number of seconds, got " + kind(v));
      const double s = v.to_number<double>();
      if (s < min || s > max)
        return fail(path, "must be between " + number(min) + " and " + number(max) + " seconds");
      out = seconds(s);
    };
  }

  field count(std::size_t& out, std::size_t min, std::size_t max) {
    return [this, &out, min, max](const json::value& v, const std::string& path) {
      json::error_code ec;
      const auto n = v.is_number() ? v.to_number<std::uint64_t>(ec) : 0;
      if (!v.is_number() || ec) return fail(path, "expected a whole number, got " + describe(v));
      if (n < min || n > max)
        return fail(path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      out = static_cast<std::size_t>(n);
    };
  }

  // A permission mode: "0660" (octal text, as chmod takes it) or a number.
  field file_mode(unsigned& out) {
    return [this, &out](const json::value& v, const std::string& path) {
      unsigned mode = 0;
      bool ok = false;
      if (v.is_string()) {
        const auto text = std::string_view(v.as_string());
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
        ok = ec == std::errc() && end == text.data() + text.size() && !text.empty();
      } else if (v.is_int64() && v.as_int64() >= 0) {
        mode = static_cast<unsigned>(v.as_int64());
        ok = true;
      }
      if (!ok || mode > 0777) return fail(path, "expected a mode such as \"0660\"");
      out = mode;
    };
  }

  // One of a few names, each standing for a value.
  template <class T>
  field choice(T& out, std::vector<std::pair<std::string, T>> names) {
    return [this, &out, names](const json::value& v, const std::string& path) {
      std::string all;
      for (const auto& [name, value] : names) {
        if (v.is_string() && v.get_string() == name) {
          out = value;
          return;
        }
        all += (all.empty() ? "" : ", ") + name;
      }
      fail(path, "must be one of " + all);
    };
  }

  field strings(std::vector<std::string>& out) {
    return [this, &out](const json::value& v, const std::string& path) {
      if (!v.is_array()) return fail(path, "expected an array of strings, got " + kind(v));
      out.clear();
      for (std::size_t i = 0; i < v.as_array().size(); ++i) {
        const auto& item = v.as_array()[i];
        if (!item.is_string())
          return fail(path + "[" + std::to_string(i) + "]", "expected a string, got " + kind(item));
        out.emplace_back(item.as_string());
      }
    };
  }

  field object(std::function<void(object_reader&)> describe_keys) {
    return [this, describe_keys](const json::value& v, const std::string& path) {
      object_reader nested(errors_, path);
      nested.keys_ = keys_;
      describe_keys(nested);
      nested.read(v);
    };
  }

 private:
  static std::string kind(const json::value& v) { return std::string(proto::kind_name(v)); }
  static std::string describe(const json::value& v) {
    return v.is_number() ? number(v.to_number<double>()) : kind(v);
  }
  static std::string number(double d) {
    std::ostringstream s;
    s << d;
    return s.str();
  }

  // config_key_paths(): read() ignores its value and lists the path of every key it accepts;
  // each field gets null, so nested objects list theirs (the leaves' complaints are dropped).
  void list_keys() {
    for (const auto& [key, f] : fields_) {
      const auto path = path_.empty() ? key : path_ + "." + key;
      keys_->push_back(path);
      f(json::value(), path);
    }
  }
  friend std::vector<std::string> wssd::config_key_paths();
  std::vector<std::string>* keys_ = nullptr;

  std::vector<std::string>& errors_;
  std::string path_;
  std::map<std::string, field> fields_;
};

void describe_config(object_reader& r, config& c) {
  r.on("server", r.string(c.server))
      .on("handshake_url", r.string(c.handshake_url))
      .on("private_id", r.string(c.private_id))
      .on("options",
          [&r, &c](const json::value& v, const std::string& path) {
            if (!v.is_object()) return r.fail(path, "expected an object");
            for (const auto& [k, val] : v.as_object()) c.options[k] = val;
          })
      .on("tls", r.object([&c](object_reader& t) {
        t.on("ca_file", t.string(c.tls.ca_file)).on("insecure", t.boolean(c.tls.insecure));
      }))
      .on("connect_timeout", r.duration(c.connect_timeout, 0.1, 3600))
      .on("request_timeout", r.duration(c.request_timeout, 0.1, 3600))
      .on("ping_interval", r.duration(c.ping_interval, 0.1, 3600))
      .on("ping_timeout", r.duration(c.ping_timeout, 0.1, 3600))
      .on("backoff", r.object([&c](object_reader& b) {
        b.on("base", b.duration(c.backoff.base, 0.01, 3600))
            .on("cap", b.duration(c.backoff.cap, 0.01, 86400))
            .on("reset_after", b.duration(c.backoff.reset_after, 0, 86400))
            .on("too_many_connections", b.duration(c.backoff.too_many_connections, 0.01, 86400));
      }))
      .on("state_dir", r.string(c.state_dir))
      .on("bus", r.string(c.bus))
      .on("log_level", r.string(c.log_level))
      .on("ipc", r.object([&c](object_reader& i) {
        i.on("socket", i.string(c.ipc.socket))
            .on("group", i.string(c.ipc.group))
            .on("mode", i.file_mode(c.ipc.mode))
            .on("max_line", i.count(c.ipc.max_line, 1024, 256 * 1024 * 1024))
            .on("max_clients", i.count(c.ipc.max_clients, 1, 1000000))
            .on("client_queue", i.count(c.ipc.client_queue, 4096, std::size_t(1) << 34))
            .on("client_queue_hard", i.count(c.ipc.client_queue_hard, 4096, std::size_t(1) << 36))
            .on("access", i.object([&c](object_reader& a) {
              a.on("read", a.strings(c.ipc.access.read)).on("send", a.strings(c.ipc.access.send));
            }));
      }))
      .on("outbox", r.object([&c](object_reader& o) {
        o.on("ttl", o.duration(c.outbox.ttl, 0.1, 86400 * 7))
            .on("max_messages", o.count(c.outbox.max_messages, 1, 10000000))
            .on("max_bytes", o.count(c.outbox.max_bytes, 1024, std::size_t(1) << 36));
      }))
      .on("event_ring", r.count(c.event_ring, 16, 10000000))
      .on("event_ring_bytes", r.count(c.event_ring_bytes, 64 * 1024, std::size_t(1) << 40))
      .on("max_message", r.count(c.max_message, 1024, 1024 * 1024 * 1024))
      .on("spool", r.object([&c](object_reader& s) {
        s.on("enabled", s.boolean(c.spool.enabled))
            .on("sync", s.choice(c.spool.sync, {{"full", spool_sync::full},
                                                {"batch", spool_sync::batch},
                                                {"off", spool_sync::off}}))
            .on("sync_interval", s.duration(c.spool.sync_interval, 0.001, 60))
            .on("journal_events", s.count(c.spool.journal_events, 16, 1000000000))
            .on("journal_bytes", s.count(c.spool.journal_bytes, 64 * 1024, std::size_t(1) << 40))
            .on("journal_age", s.duration(c.spool.journal_age, 60, 86400 * 366));
      }))
      .on("consumer_ttl", r.duration(c.consumer_ttl, 60, 86400 * 366))
      .on("metrics",
          r.object([&c](object_reader& m) { m.on("listen", m.string(c.metrics.listen)); }));
}

// Entries are users ("alice", "1000") or groups ("@wssd", "@100"); numbers must be ids.
void check_access_list(const std::vector<std::string>& entries, const std::string& key,
                       std::vector<std::string>& errors) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto path = key + "[" + std::to_string(i) + "]";
    const std::string_view entry = entries[i];
    const bool group = !entry.empty() && entry.front() == '@';
    const auto name = group ? entry.substr(1) : entry;
    if (name.empty()) {
      errors.push_back(path + ": empty " + (group ? "group" : "user") + " name");
    } else if (all_digits(name) && !numeric_id(name)) {
      errors.push_back(path + ": " + (group ? "group" : "user") + " id " + std::string(name) +
                       " is out of range");
    }
  }
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

}  // namespace

proto::parsed<config> parse_config(std::string_view text, config base) {
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  options.max_depth = proto::max_json_depth;
  json::error_code ec;
  const auto document = json::parse(text, ec, {}, options);
  if (ec) return proto::failure{"not valid JSON: " + ec.message()};
  std::vector<std::string> errors;
  object_reader reader(errors, "");
  describe_config(reader, base);
  reader.read(document);
  if (!errors.empty()) return proto::failure{join(errors)};
  return base;
}

proto::parsed<config> load_config_file(const std::string& path, config base) {
  std::ifstream in(path);
  if (!in) return proto::failure{"cannot read " + path + ": " + std::strerror(errno)};
  std::stringstream text;
  text << in.rdbuf();
  auto c = parse_config(text.str(), std::move(base));
  if (!c) {
    std::string prefixed;
    std::istringstream lines(c.error().what);
    for (std::string line; std::getline(lines, line);) {
      prefixed += (prefixed.empty() ? "" : "\n") + path + ": " + line;
    }
    return proto::failure{prefixed};
  }
  return c;
}

std::vector<std::string> validate(const config& c) {
  std::vector<std::string> errors;
  if (c.server.empty()) {
    errors.push_back("server: not set (use --server ws://HOST:PORT/ or \"server\" in the config)");
  } else if (auto u = parse_url(c.server); !u) {
    errors.push_back("server: " + u.error().what);
  } else if (u->scheme != "ws" && u->scheme != "wss") {
    errors.push_back("server: must be a ws:// or wss:// URL");
  }
  if (!c.handshake_url.empty()) {
    if (auto u = parse_url(c.handshake_url); !u) {
      errors.push_back("handshake_url: " + u.error().what);
    } else if (u->scheme != "http" && u->scheme != "https") {
      errors.push_back("handshake_url: must be an http:// or https:// URL");
    }
  }
  if (c.bus != "system" && c.bus != "session" && c.bus != "none") {
    errors.push_back("bus: must be system, session or none, not \"" + c.bus + "\"");
  }
  static const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(std::begin(levels), std::end(levels), c.log_level) == std::end(levels)) {
    errors.push_back("log_level: must be one of trace, debug, info, warn, error, critical, off");
  }
  if (c.backoff.cap < c.backoff.base)
    errors.push_back("backoff.cap: must not be below backoff.base");
  if (c.ipc.client_queue_hard < c.ipc.client_queue) {
    errors.push_back("ipc.client_queue_hard: must not be below ipc.client_queue");
  }
  if (!c.tls.ca_file.empty() && c.tls.insecure) {
    errors.push_back("tls.insecure: contradicts tls.ca_file; choose one");
  }
  check_access_list(c.ipc.access.read, "ipc.access.read", errors);
  check_access_list(c.ipc.access.send, "ipc.access.send", errors);
  if (all_digits(c.ipc.group) && !numeric_id(c.ipc.group)) {
    errors.push_back("ipc.group: group id " + c.ipc.group + " is out of range");
  }
  if (!c.metrics.listen.empty()) {
    if (auto address = parse_listen_address(c.metrics.listen); !address) {
      errors.push_back("metrics.listen: " + address.error().what);
    }
  }
  return errors;
}

namespace {

// The keys SIGHUP cannot apply: where wssd is, what it holds open, who it is. Everything else
// applies at once.
struct restart_key {
  std::string_view path;
  bool (*differs)(const config& a, const config& b);
  void (*keep)(config& into, const config& from);
};

#define WSSD_RESTART_KEY(path, field)                                          \
  restart_key {                                                                \
    path, [](const config& a, const config& b) { return a.field != b.field; }, \
        [](config& into, const config& from) { into.field = from.field; }      \
  }

const restart_key restart_keys[] = {
    WSSD_RESTART_KEY("server", server),
    WSSD_RESTART_KEY("handshake_url", handshake_url),
    WSSD_RESTART_KEY("private_id", private_id),
    WSSD_RESTART_KEY("state_dir", state_dir),
    WSSD_RESTART_KEY("bus", bus),
    WSSD_RESTART_KEY("ipc.socket", ipc.socket),
    WSSD_RESTART_KEY("ipc.group", ipc.group),
    WSSD_RESTART_KEY("ipc.mode", ipc.mode),
    WSSD_RESTART_KEY("max_message", max_message),  // the transport was made with it
    WSSD_RESTART_KEY("tls.ca_file", tls.ca_file),  // and with these
    WSSD_RESTART_KEY("tls.insecure", tls.insecure),
    WSSD_RESTART_KEY("spool.enabled", spool.enabled),  // the store was opened with these
    WSSD_RESTART_KEY("spool.sync", spool.sync),
    WSSD_RESTART_KEY("spool.sync_interval", spool.sync_interval),
    WSSD_RESTART_KEY("spool.journal_events", spool.journal_events),
    WSSD_RESTART_KEY("spool.journal_bytes", spool.journal_bytes),
    WSSD_RESTART_KEY("spool.journal_age", spool.journal_age),
    WSSD_RESTART_KEY("metrics.listen", metrics.listen),  // the listener was bound at start
};

#undef WSSD_RESTART_KEY

}  // namespace

std::string_view to_string(spool_sync s) {
  switch (s) {
    case spool_sync::full:
      return "full";
    case spool_sync::batch:
      return "batch";
    case spool_sync::off:
      return "off";
  }
  return "batch";
}

bool applies_on_reload(std::string_view key_path) {
  return std::none_of(std::begin(restart_keys), std::end(restart_keys),
                      [&](const restart_key& k) { return k.path == key_path; });
}

std::vector<std::string> apply_reloadable(config& running, const config& next) {
  std::vector<std::string> needs_restart;
  config updated = next;
  for (const auto& key : restart_keys) {
    if (key.differs(running, next)) needs_restart.emplace_back(key.path);
    key.keep(updated, running);
  }
  running = std::move(updated);
  return needs_restart;
}

std::vector<std::string> config_key_paths() {
  std::vector<std::string> all, ignored;
  config c;
  object_reader reader(ignored, "");
  reader.keys_ = &all;
  describe_config(reader, c);
  reader.read(json::value());
  // Keep the leaves: "tls" only holds "tls.ca_file" and "tls.insecure".
  std::vector<std::string> leaves;
  for (const auto& path : all) {
    const auto parent_of = [&path](const std::string& p) { return p.rfind(path + ".", 0) == 0; };
    if (std::none_of(all.begin(), all.end(), parent_of)) leaves.push_back(path);
  }
  std::sort(leaves.begin(), leaves.end());
  return leaves;
}

}  // namespace wssd
