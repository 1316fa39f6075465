#include "ipc/local_api.hpp"

#include "daemon/version.hpp"
#include "proto/events.hpp"
#include "proto/wssd_errors.hpp"

namespace wssd {

namespace json = boost::json;

namespace {

proto::rpc_error invalid_params(std::string why) {
  return {proto::error_code::invalid_params, std::move(why), {}};
}

json::value data_param(const json::object& params) {
  const auto* data = params.if_contains("data");
  return data ? *data : json::value(nullptr);
}

}  // namespace

local_api::local_api(service& s, std::function<json::object()> server_status)
    : service_(s), server_status_(std::move(server_status)) {
  methods_ = {
      {"hello", {needs::nothing, &local_api::hello}},
      {"status", {needs::read, &local_api::status}},
      {"peers", {needs::read, &local_api::peers}},
      {"subscribe", {needs::read, &local_api::subscribe}},
      {"unsubscribe", {needs::read, &local_api::unsubscribe}},
      {"send", {needs::send, &local_api::send}},
      {"broadcast", {needs::send, &local_api::broadcast}},
      {"set_private_id", {needs::send, &local_api::set_private_id}},
      {"rpc", {needs::send, &local_api::rpc}},
      {"reconnect", {needs::send, &local_api::reconnect}},
  };
}

void local_api::handle(local_client& client, std::string_view line) {
  auto request = proto::parse_local_request(line);
  if (!request) return client.send_response(request.error().id, request.error().error);

  if (request->id) client.expect_answer();
  std::weak_ptr<local_client> weak = client.shared_from_this();
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

void local_api::hello(local_client&, const proto::local_request&, reply done) {
  done(json::value(json::object{{"protocol", proto::local_protocol_version},
                                {"wssd", WSSD_VERSION},
                                {"seq", service_.events().last_seq()},
                                {"instance", service_.events().instance()}}));
}

void local_api::status(local_client&, const proto::local_request&, reply done) {
  auto s = service_.status();
  for (auto& [key, value] : server_status_()) s[key] = value;
  done(json::value(std::move(s)));
}

void local_api::peers(local_client&, const proto::local_request&, reply done) {
  done(json::value(service_.peers()));
}

void local_api::send(local_client&, const proto::local_request& r, reply done) {
  auto to = proto::string_list_param(r.params, "to", true);
  if (!to) return done(invalid_params(to.error().what));
  service_.send(std::move(*to), data_param(r.params), r.size, std::move(done));
}

void local_api::broadcast(local_client&, const proto::local_request& r, reply done) {
  auto exclude = proto::string_list_param(r.params, "exclude", false);
  if (!exclude) return done(invalid_params(exclude.error().what));
  service_.broadcast(data_param(r.params), std::move(*exclude), r.size, std::move(done));
}

void local_api::set_private_id(local_client&, const proto::local_request& r, reply done) {
  auto pid = proto::string_param(r.params, "private_id");
  if (!pid) return done(invalid_params(pid.error().what));
  service_.set_private_id(std::move(*pid), std::move(done));
}

void local_api::subscribe(local_client& client, const proto::local_request& r, reply done) {
  auto types = proto::string_list_param(r.params, "types", false);
  if (!types) return done(invalid_params(types.error().what));
  local_client::subscription wanted;
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

  const auto& events = service_.events();
  done(json::value(json::object{{"seq", events.last_seq()}, {"instance", events.instance()}}));
  if (!*since) return client.subscribe(std::move(wanted), events.last_seq() + 1);
  const auto start = events.resume(**since, instance);
  std::optional<std::string> lost;
  if (start.lost) lost = proto::encode_events_lost_line(**since, *start.lost);
  client.subscribe(std::move(wanted), start.next, std::move(lost));
}

void local_api::unsubscribe(local_client& client, const proto::local_request&, reply done) {
  client.unsubscribe();
  done(json::value(json::object{}));
}

void local_api::rpc(local_client&, const proto::local_request& r, reply done) {
  auto method = proto::string_param(r.params, "method");
  if (!method) return done(invalid_params(method.error().what));
  const auto* params = r.params.if_contains("params");
  service_.rpc(std::move(*method), params ? *params : json::value(json::object{}), std::move(done));
}

void local_api::reconnect(local_client&, const proto::local_request&, reply done) {
  service_.reconnect();
  done(json::value(json::object{}));
}

}  // namespace wssd
