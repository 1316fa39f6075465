#include "proto/events.hpp"

#include <array>
#include <boost/json/serialize.hpp>

namespace wssd::proto {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 6> state_names{"offline", "connecting", "handshaking",
                                                      "online",  "backoff",    "stopped"};

// The fields after "seq" and "type", written straight into the line: an event is serialised
// once, for every subscriber, so no intermediate object is built.
class field_writer {
 public:
  explicit field_writer(std::string& out) : out_(out) {}

  void string(std::string_view key, std::string_view value) {
    name(key);
    out_ += json::serialize(value);
  }
  void optional_string(std::string_view key, const std::optional<std::string>& value) {
    if (value) return string(key, *value);
    name(key);
    out_ += "null";
  }
  void value(std::string_view key, const json::value& v) {
    name(key);
    out_ += json::serialize(v);
  }

 private:
  void name(std::string_view key) {
    out_ += ',';
    out_ += json::serialize(key);
    out_ += ':';
  }

  std::string& out_;
};

struct field_encoder {
  field_writer& w;

  void operator()(const events::message& e) const {
    w.string("kind", to_string(e.kind));
    w.optional_string("from", e.from);
    if (e.data) w.value("data", *e.data);
  }
  void operator()(const events::update& e) const {
    w.optional_string("from", e.from);
    if (e.data) w.value("data", *e.data);
  }
  void operator()(const events::peer_connect& e) const {
    w.string("private_id", e.private_id);
    w.value("options", e.options);
  }
  void operator()(const events::peer_disconnect& e) const { w.string("private_id", e.private_id); }
  void operator()(const events::peer_private_id& e) const {
    w.string("old", e.old_id);
    w.string("new", e.new_id);
  }
  void operator()(const events::private_id& e) const {
    w.string("private_id", e.id);
    w.optional_string("previous", e.previous);
  }
  void operator()(const events::state& e) const {
    w.string("state", to_string(e.now));
    w.string("reason", e.reason);
  }
  void operator()(const events::outbox_expired& e) const {
    w.string("kind", to_string(e.kind));
    w.optional_string("msg_id", e.msg_id);
    w.value("sent", e.sent);
    w.string("reason", e.reason);
  }
};

// ---- Decoding: each field named when it is missing or of the wrong kind ----

class field_reader {
 public:
  explicit field_reader(const json::object& o) : o_(o) {}

  std::string string(std::string_view key) {
    const auto* v = o_.if_contains(key);
    if (!v || !v->is_string()) fail(std::string(key) + " must be a string");
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  }
  std::optional<std::string> optional_string(std::string_view key) {
    const auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) fail(std::string(key) + " must be a string or null");
    return v->is_string() ? std::optional<std::string>(v->get_string()) : std::nullopt;
  }
  std::optional<json::value> optional_value(std::string_view key) {
    if (const auto* v = o_.if_contains(key)) return *v;
    return std::nullopt;
  }
  std::uint64_t count(std::string_view key) {
    const auto* v = o_.if_contains(key);
    if (v && v->is_uint64()) return v->get_uint64();
    if (v && v->is_int64() && v->get_int64() >= 0)
      return static_cast<std::uint64_t>(v->get_int64());
    fail(std::string(key) + " must be a whole number");
    return 0;
  }
  json::object object(std::string_view key) {
    const auto* v = o_.if_contains(key);
    if (!v || !v->is_object()) fail(std::string(key) + " must be an object");
    return v && v->is_object() ? v->get_object() : json::object();
  }
  void fail(std::string what) {
    if (!error_) error_ = std::move(what);
  }
  const std::optional<std::string>& error() const { return error_; }

 private:
  const json::object& o_;
  std::optional<std::string> error_;
};

template <class Event>
Event decode_fields(field_reader& r);

template <>
events::message decode_fields(field_reader& r) {
  const auto kind = r.string("kind");
  if (kind != "direct" && kind != "broadcast") r.fail("kind must be direct or broadcast");
  events::message e;
  e.kind = kind == "broadcast" ? message_kind::broadcast : message_kind::direct;
  e.from = r.optional_string("from");
  e.data = r.optional_value("data");
  return e;
}
template <>
events::update decode_fields(field_reader& r) {
  return {r.optional_string("from"), r.optional_value("data")};
}
template <>
events::peer_connect decode_fields(field_reader& r) {
  return {r.string("private_id"), r.object("options")};
}
template <>
events::peer_disconnect decode_fields(field_reader& r) {
  return {r.string("private_id")};
}
template <>
events::peer_private_id decode_fields(field_reader& r) {
  return {r.string("old"), r.string("new")};
}
template <>
events::private_id decode_fields(field_reader& r) {
  return {r.string("private_id"), r.optional_string("previous")};
}
template <>
events::state decode_fields(field_reader& r) {
  events::state e;
  const auto name = r.string("state");
  const auto now = session_state_from(name);
  if (!now) r.fail("state: unknown state \"" + name + "\"");
  e.now = now.value_or(session_state::offline);
  e.reason = r.string("reason");
  return e;
}

template <>
events::outbox_expired decode_fields(field_reader& r) {
  events::outbox_expired e;
  const auto kind = r.string("kind");
  const auto known = command_kind_from(kind);
  if (!known) r.fail("kind: unknown command kind \"" + kind + "\"");
  e.kind = known.value_or(command_kind::direct);
  e.msg_id = r.optional_string("msg_id");
  e.sent = static_cast<unsigned>(r.count("sent"));
  e.reason = r.string("reason");
  return e;
}

template <std::size_t... I>
std::optional<event> decode_by_name(std::string_view name, field_reader& r,
                                    std::index_sequence<I...>) {
  std::optional<event> out;
  ((std::variant_alternative_t<I, event>::type == name
        ? void(out.emplace(decode_fields<std::variant_alternative_t<I, event>>(r)))
        : void()),
   ...);
  return out;
}

template <std::size_t... I>
std::vector<std::string> names_of(std::index_sequence<I...>) {
  return {std::string(std::variant_alternative_t<I, event>::type)...};
}

std::string notice_line(std::string_view type, std::string fields) {
  std::string line = R"({"jsonrpc":"2.0","method":"event","params":{"type":)";
  line += json::serialize(type);
  line += fields;
  line += "}}\n";
  return line;
}

}  // namespace

std::string_view to_string(session_state s) {
  return state_names[static_cast<std::size_t>(s)];
}

std::optional<session_state> session_state_from(std::string_view name) {
  for (std::size_t i = 0; i < state_names.size(); ++i) {
    if (state_names[i] == name) return static_cast<session_state>(i);
  }
  return std::nullopt;
}

std::string_view type_name(const event& e) {
  return std::visit([](const auto& alternative) { return alternative.type; }, e);
}

const std::vector<std::string>& event_type_names() {
  static const auto names = names_of(std::make_index_sequence<std::variant_size_v<event>>());
  return names;
}

std::optional<event_types> type_bit(std::string_view name) {
  const auto& names = event_type_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return 1u << i;
  }
  return std::nullopt;
}

std::string_view peer_of(const event& e) {
  struct visitor {
    std::string_view operator()(const events::message& m) const {
      return m.from ? std::string_view(*m.from) : std::string_view();
    }
    std::string_view operator()(const events::update& u) const {
      return u.from ? std::string_view(*u.from) : std::string_view();
    }
    std::string_view operator()(const events::peer_connect& p) const { return p.private_id; }
    std::string_view operator()(const events::peer_disconnect& p) const { return p.private_id; }
    std::string_view operator()(const events::peer_private_id& p) const { return p.new_id; }
    std::string_view operator()(const events::private_id&) const { return {}; }
    std::string_view operator()(const events::state&) const { return {}; }
    std::string_view operator()(const events::outbox_expired&) const { return {}; }
  };
  return std::visit(visitor{}, e);
}

std::string encode_event_line(std::uint64_t seq, const event& e) {
  std::string line = R"({"jsonrpc":"2.0","method":"event","params":{"seq":)";
  line += std::to_string(seq);
  line += R"(,"type":")";
  line += type_name(e);  // a plain identifier: nothing to escape
  line += '"';
  field_writer w(line);
  std::visit(field_encoder{w}, e);
  line += "}}\n";
  return line;
}

parsed<event> decode_event(const json::object& params) {
  const auto* type = params.if_contains("type");
  if (!type || !type->is_string()) return failure{"event without a string type"};
  field_reader r(params);
  auto e =
      decode_by_name(type->get_string(), r, std::make_index_sequence<std::variant_size_v<event>>());
  if (!e) return failure{"unknown event type \"" + std::string(type->get_string()) + "\""};
  if (r.error()) return failure{std::string(type->get_string()) + " event: " + *r.error()};
  return std::move(*e);
}

std::string encode_lagged_line(std::uint64_t dropped) {
  return notice_line("lagged", R"(,"dropped":)" + std::to_string(dropped));
}

std::string encode_events_lost_line(std::uint64_t since, std::string_view reason) {
  return notice_line("events_lost", R"(,"since":)" + std::to_string(since) + R"(,"reason":)" +
                                        json::serialize(reason));
}

}  // namespace wssd::proto
