#include "proto/events.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <set>

namespace wssd::proto {
namespace {

namespace json = boost::json;

// One of every type, with every field set, and the shapes with optional fields absent.
std::vector<event> samples() {
  return {
      events::message{message_kind::direct, "p1", json::value{{"text", "hi"}, {"n", 1}}},
      events::message{message_kind::broadcast, std::nullopt, std::nullopt},
      events::update{"p2", json::value(json::array{1, "two", nullptr})},
      events::update{std::nullopt, std::nullopt},
      events::peer_connect{"p3", json::object{{"wss", true}, {"name", "ünïcode \"quoted\""}}},
      events::peer_connect{"p3", json::object{}},
      events::peer_disconnect{"p4"},
      events::peer_private_id{"old-id", "new-id"},
      events::private_id{"mine", "before"},
      events::private_id{"mine", std::nullopt},
      events::state{session_state::backoff, "connection reset; next attempt in 0.5 s"},
      events::state{session_state::stopped, ""},
      events::outbox_expired{command_kind::broadcast, "m-1", 2, "never answered"},
      events::outbox_expired{command_kind::set_private_id, std::nullopt, 0, "not sent"},
  };
}

json::object params_of(const std::string& line) {
  EXPECT_EQ(line.back(), '\n');
  const auto notification = json::parse(line).as_object();
  EXPECT_EQ(notification.at("jsonrpc"), json::value("2.0"));
  EXPECT_EQ(notification.at("method"), json::value("event"));
  EXPECT_FALSE(notification.contains("id"));
  return notification.at("params").as_object();
}

TEST(events, every_event_type_survives_encoding_and_decoding) {
  std::set<std::size_t> covered;
  for (const auto& e : samples()) {
    covered.insert(e.index());
    const auto line = encode_event_line(42, e);
    const auto params = params_of(line);
    EXPECT_EQ(params.at("seq"), json::value(42)) << line;
    EXPECT_EQ(params.at("type"), json::value(type_name(e))) << line;
    auto decoded = decode_event(params);
    ASSERT_TRUE(decoded) << line << ": " << decoded.error().what;
    EXPECT_EQ(decoded->index(), e.index()) << line;
    // Each field back where it was: the same event writes the same line.
    EXPECT_EQ(encode_event_line(42, *decoded), line);
  }
  EXPECT_EQ(covered.size(), std::variant_size_v<event>);
}

TEST(events, fields_are_written_under_their_documented_names) {
  const auto message =
      params_of(encode_event_line(1, events::message{message_kind::direct, "p1", 7}));
  EXPECT_EQ(message.at("kind"), json::value("direct"));
  EXPECT_EQ(message.at("from"), json::value("p1"));
  EXPECT_EQ(message.at("data"), json::value(7));
  const auto anonymous =
      params_of(encode_event_line(1, events::message{message_kind::broadcast, {}, {}}));
  EXPECT_TRUE(anonymous.at("from").is_null());
  EXPECT_FALSE(anonymous.contains("data"));  // none sent: none invented
  const auto renamed = params_of(encode_event_line(1, events::peer_private_id{"a", "b"}));
  EXPECT_EQ(renamed.at("old"), json::value("a"));
  EXPECT_EQ(renamed.at("new"), json::value("b"));
  const auto state = params_of(encode_event_line(1, events::state{session_state::online, "up"}));
  EXPECT_EQ(state.at("state"), json::value("online"));
  EXPECT_EQ(state.at("reason"), json::value("up"));
}

TEST(events, decoding_names_what_is_wrong) {
  EXPECT_FALSE(decode_event(json::object{{"seq", 1}}));
  const auto unknown = decode_event(json::object{{"type", "bogus"}});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().what.find("bogus"), std::string::npos);
  const auto bad_field = decode_event(json::object{{"type", "peer_disconnect"}, {"private_id", 5}});
  ASSERT_FALSE(bad_field);
  EXPECT_NE(bad_field.error().what.find("private_id"), std::string::npos);
  const auto bad_state =
      decode_event(json::object{{"type", "state"}, {"state", "dancing"}, {"reason", ""}});
  ASSERT_FALSE(bad_state);
  EXPECT_NE(bad_state.error().what.find("dancing"), std::string::npos);
}

TEST(events, each_type_name_has_its_own_bit) {
  const auto& names = event_type_names();
  ASSERT_EQ(names.size(), std::variant_size_v<event>);
  event_types all = 0;
  for (const auto& e : samples()) {
    EXPECT_EQ(type_bit(type_name(e)), std::optional<event_types>(type_bit(e)));
    all |= type_bit(e);
  }
  EXPECT_EQ(all, all_event_types);
  EXPECT_FALSE(type_bit("bogus"));
  EXPECT_FALSE(type_bit("lagged"));  // a notice about the stream, not an event
}

TEST(events, the_peer_an_event_is_about) {
  EXPECT_EQ(peer_of(events::message{message_kind::direct, "p1", {}}), "p1");
  EXPECT_EQ(peer_of(events::message{message_kind::direct, {}, {}}), "");
  EXPECT_EQ(peer_of(events::peer_private_id{"old", "new"}), "new");
  EXPECT_EQ(peer_of(events::state{}), "");
}

TEST(events, stream_notices_carry_no_seq) {
  const auto lagged = params_of(encode_lagged_line(12));
  EXPECT_EQ(lagged, (json::object{{"type", "lagged"}, {"dropped", 12}}));
  const auto lost = params_of(encode_events_lost_line(5, "ring overflow"));
  EXPECT_EQ(lost,
            (json::object{{"type", "events_lost"}, {"since", 5}, {"reason", "ring overflow"}}));
}

}  // namespace
}  // namespace wssd::proto
