#include "ipc/server/local_api.hpp"

#include "daemon/common/version.hpp"
#include "proto/events.hpp"
#include "proto/wssd_errors.hpp"

namespace wssd {

namespace json = boost::json;

namespace {

proto::rpc_error invalid_params(std::string why) {
  return {proto::error_code::invalid_params, std::move(why), {}};
}

// A reference: the payload is serialised into the command from where it was parsed.
const json::value& data_param(const json::object& params) {
  static const json::value none;
  const auto* data = params.if_contains("data");
  return data ? *data : none;
}

}  // namespace

local_api::local_api(service& s, std::function<json::object()> server_status,
                     std::function<std::string()> metrics_text)
    : service_(s),
      server_status_(std::move(server_status)),
      metrics_text_(std::move(metrics_text)) {
  methods_ = {
      {"hello", {needs::nothing, &local_api::hello}},
      {"status", {needs::read, &local_api::status}},
      {"metrics", {needs::read, &local_api::metrics}},
      {"peers", {needs::read, &local_api::peers}},
      {"subscribe", {needs::read, &local_api::subscribe}},
      {"unsubscribe", {needs::read, &local_api::unsubscribe}},
      {"ack", {needs::read, &local_api::ack}},
      {"send", {needs::send, &local_api::send}},
      {"broadcast", {needs::send, &local_api::broadcast}},
      {"set_private_id", {needs::send, &local_api::set_private_id}},
      {"rpc", {needs::send, &local_api::rpc}},
      {"reconnect", {needs::send, &local_api::reconnect}},
  };
}

void local_api::handle(local_connection& client, std::string_view line) {
  auto request = proto::parse_local_request(line);
  if (!request) return client.send_response(request.error().id, request.error().error);

  if (request->id) client.expect_answer();
  std::weak_ptr<local_connection> weak = client.shared_from_this();
  reply respond = [weak, id = request->id](proto::rpc_result<json::value> outcome) {
    auto alive = weak.lock();  // a client may leave before its answer; the command still runs
    if (alive && id) alive->answer(*id, std::move(outcome));
  };
  const auto found = methods_.find(request->method);
  if (found == methods_.end()) {
    return respond(proto::rpc_error{proto::error_code::method_not_found,
                                    "method \"" + request->method + "\" does not exist",
                                    {}});
  }
  const auto [required, handler] = found->second;
  const auto& may = client.may();
  if ((required == needs::read && !may.read) || (required == needs::send && !may.send)) {
    return respond(proto::rpc_error{
        proto::wssd_error::denied,
        "permission denied: uid " + std::to_string(client.credentials().uid) + " may not " +
            (required == needs::read ? "read (ipc.access.read)" : "send (ipc.access.send)"),
        {}});
  }
  (this->*handler)(client, *request, std::move(respond));
}

void local_api::hello(local_connection&, const proto::local_request&, reply done) {
  done(json::value(json::object{{"protocol", proto::local_protocol_version},
                                {"wssd", WSSD_VERSION},
                                {"seq", service_.events().last_seq()},
                                {"instance", service_.events().instance()}}));
}

void local_api::status(local_connection&, const proto::local_request&, reply done) {
  const auto r = service_.status();
  json::object s{
      {"version", WSSD_VERSION},
      {"state", proto::to_string(r.state)},
      {"server", r.server},
      {"private_id", r.private_id.empty() ? json::value(nullptr) : json::value(r.private_id)},
      {"peers", r.peers},
      {"uptime", r.uptime.count()},
      {"reconnects", r.counters.reconnects},
      {"seq", r.seq},
      {"counters",
       {{"messages_in", r.counters.messages_in.total()},
        {"messages_out", r.counters.messages_out.total()},
        {"bad_frames", r.counters.bad_frames},
        {"oversized_messages", r.counters.oversized_messages},
        {"expired", r.expired}}},
      {"queue", {{"depth", r.queue_depth}, {"bytes", r.queue_bytes}}},
      {"ring", {{"events", r.ring_events}, {"bytes", r.ring_bytes}, {"first_seq", r.first_seq}}},
  };
  json::array consumers;
  for (const auto& c : r.consumers) {
    consumers.push_back(json::object{{"name", c.name},
                                     {"acked", c.acked},
                                     {"lag", r.seq > c.acked ? r.seq - c.acked : 0},
                                     {"connected", c.connected},
                                     {"auto_ack", c.auto_ack}});
  }
  s["consumers"] = std::move(consumers);
  for (auto& [key, value] : server_status_()) s[key] = value;
  done(json::value(std::move(s)));
}

// The exposition as one string: wssctl prints it as it is, with no engine of its own.
void local_api::metrics(local_connection&, const proto::local_request&, reply done) {
  done(
      json::value(json::object{{"content_type", metrics_content_type}, {"text", metrics_text_()}}));
}

void local_api::peers(local_connection&, const proto::local_request&, reply done) {
  json::array list;
  for (const auto& [pid, options] : service_.peers().all()) {
    list.push_back(json::object{{"private_id", pid}, {"options", options}});
  }
  done(json::value(std::move(list)));
}

// An optional string parameter; a failure names it.
proto::parsed<std::string> optional_string_param(const json::object& params, std::string_view key) {
  if (!params.contains(key) || params.at(key).is_null()) return std::string();
  return proto::string_param(params, key);
}

void local_api::send(local_connection&, const proto::local_request& r, reply done) {
  auto to = proto::string_list_param(r.params, "to", true);
  if (!to) return done(invalid_params(to.error().what));
  auto msg_id = optional_string_param(r.params, "msg_id");
  if (!msg_id) return done(invalid_params(msg_id.error().what));
  service_.send(*to, data_param(r.params), std::move(done), std::nullopt, *msg_id);
}

void local_api::broadcast(local_connection&, const proto::local_request& r, reply done) {
  auto exclude = proto::string_list_param(r.params, "exclude", false);
  if (!exclude) return done(invalid_params(exclude.error().what));
  auto msg_id = optional_string_param(r.params, "msg_id");
  if (!msg_id) return done(invalid_params(msg_id.error().what));
  service_.broadcast(data_param(r.params), *exclude, std::move(done), std::nullopt, *msg_id);
}

void local_api::set_private_id(local_connection&, const proto::local_request& r, reply done) {
  auto pid = proto::string_param(r.params, "private_id");
  if (!pid) return done(invalid_params(pid.error().what));
  service_.set_private_id(*pid, std::move(done));
}

void local_api::subscribe(local_connection& client, const proto::local_request& r, reply done) {
  auto types = proto::string_list_param(r.params, "types", false);
  if (!types) return done(invalid_params(types.error().what));
  local_connection::subscription wanted;
  if (!types->empty()) wanted.types = 0;
  for (const auto& t : *types) {
    const auto bit = proto::type_bit(t);
    if (!bit) return done(invalid_params("types: unknown event type \"" + t + "\""));
    wanted.types |= *bit;
  }
  auto peers = proto::string_list_param(r.params, "peers", false);
  if (!peers) return done(invalid_params(peers.error().what));
  wanted.peers = {peers->begin(), peers->end()};
  auto since = proto::count_param(r.params, "since");
  if (!since) return done(invalid_params(since.error().what));
  std::string instance;
  if (r.params.contains("instance")) {
    auto given = proto::string_param(r.params, "instance");
    if (!given) return done(invalid_params(given.error().what));
    instance = std::move(*given);
  }

  auto consumer = optional_string_param(r.params, "consumer");
  if (!consumer) return done(invalid_params(consumer.error().what));
  const auto* auto_ack = r.params.if_contains("auto_ack");
  if (auto_ack && !auto_ack->is_bool())
    return done(invalid_params("auto_ack must be true or false"));

  release_consumer(client);
  const auto& events = service_.events();
  std::uint64_t next = events.last_seq() + 1;
  std::optional<std::string_view> lost;
  std::uint64_t asked = since->value_or(0);
  json::object answer{{"seq", events.last_seq()}, {"instance", events.instance()}};
  if (!consumer->empty()) {
    // A durable consumer resumes after what it acknowledged; `since` places a new one.
    auto& consumers = service_.consumers();
    auto bound =
        consumers.bind(*consumer, *since, auto_ack && auto_ack->as_bool(), events.last_seq());
    if (!bound) return done(bound.error());
    asked = bound->acked;
    next = bound->acked + 1;
    if (next < events.first_seq()) lost = "ring overflow";
    wanted.consumer = *consumer;
    if (auto_ack && auto_ack->as_bool()) {
      wanted.written = [&consumers, name = *consumer](std::uint64_t seq) {
        consumers.ack(name, seq);
      };
    }
    answer["consumer"] = *consumer;
    answer["acked"] = bound->acked;
  } else if (*since) {
    const auto start = events.resume(**since, instance);
    next = start.next;
    lost = start.lost;
  }
  answer["recovered"] = !lost;
  done(json::value(std::move(answer)));
  std::optional<std::string> notice;
  if (lost) notice = proto::encode_events_lost_line(asked, *lost);
  client.subscribe(std::move(wanted), next, std::move(notice));
}

void local_api::ack(local_connection& client, const proto::local_request& r, reply done) {
  auto seq = proto::count_param(r.params, "seq");
  if (!seq || !*seq) return done(invalid_params("seq must be a whole number ≥ 0"));
  if (client.consumer().empty()) {
    return done(invalid_params("ack needs a subscription with a consumer"));
  }
  if (**seq > service_.events().last_seq()) {
    return done(invalid_params("seq " + std::to_string(**seq) + " is beyond the last event (" +
                               std::to_string(service_.events().last_seq()) + ")"));
  }
  service_.consumers().ack(client.consumer(), **seq);
  done(json::value(json::object{{"acked", **seq}}));
}

void local_api::release_consumer(local_connection& client) {
  if (!client.consumer().empty()) service_.consumers().release(client.consumer());
}

void local_api::unsubscribe(local_connection& client, const proto::local_request&, reply done) {
  release_consumer(client);
  client.unsubscribe();
  done(json::value(json::object{}));
}

void local_api::rpc(local_connection&, const proto::local_request& r, reply done) {
  auto method = proto::string_param(r.params, "method");
  if (!method) return done(invalid_params(method.error().what));
  const auto* params = r.params.if_contains("params");
  service_.rpc(std::move(*method), params ? *params : json::value(json::object{}), std::move(done));
}

void local_api::reconnect(local_connection&, const proto::local_request&, reply done) {
  service_.reconnect();
  done(json::value(json::object{}));
}

}  // namespace wssd
