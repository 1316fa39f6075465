#include "proto/jsonrpc.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace wssd::proto {
namespace {

namespace json = boost::json;

TEST(jsonrpc, request_has_version_id_method_and_params) {
  const auto text = serialize_request(7, "WSS_Handshake", json::object{{"user_token", "u"}});
  EXPECT_EQ(json::parse(text), json::parse(R"({"jsonrpc":"2.0","id":7,"method":"WSS_Handshake",
                                               "params":{"user_token":"u"}})"));
}

TEST(jsonrpc, request_keeps_a_string_id_a_string) {
  const auto text = serialize_request("a-1", "m", json::object{});
  EXPECT_EQ(json::parse(text).at("id"), json::value("a-1"));
}

TEST(jsonrpc, notification_has_no_id) {
  const auto text = serialize_notification("event", {{"seq", 3}});
  EXPECT_EQ(json::parse(text),
            json::parse(R"({"jsonrpc":"2.0","method":"event","params":{"seq":3}})"));
}

TEST(jsonrpc, result_echoes_the_id) {
  const auto text = serialize_result("x", json::object{{"ok", true}});
  EXPECT_EQ(json::parse(text), json::parse(R"({"jsonrpc":"2.0","result":{"ok":true},"id":"x"})"));
}

TEST(jsonrpc, error_without_data_has_no_data_key) {
  const auto text = serialize_error(nullptr, rpc_error{-32700, "bad", nullptr});
  EXPECT_EQ(json::parse(text),
            json::parse(R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"bad"},"id":null})"));
}

TEST(jsonrpc, error_with_data_carries_it) {
  const auto text = serialize_error(4, rpc_error{-32001, "full", json::object{{"n", 10}}});
  EXPECT_EQ(json::parse(text), json::parse(R"({"jsonrpc":"2.0","id":4,
      "error":{"code":-32001,"message":"full","data":{"n":10}}})"));
}

TEST(jsonrpc, error_from_json_reads_code_message_and_data) {
  const auto e = error_from_json(json::parse(R"({"code":-32602,"message":"m","data":[1]})"));
  ASSERT_TRUE(e.has_value()) << e.error().what;
  EXPECT_EQ(e->code, -32602);
  EXPECT_EQ(e->message, "m");
  EXPECT_EQ(e->data, json::parse("[1]"));
}

TEST(jsonrpc, error_from_json_without_data_leaves_it_null) {
  const auto e = error_from_json(json::parse(R"({"code":1,"message":"m"})"));
  ASSERT_TRUE(e.has_value()) << e.error().what;
  EXPECT_TRUE(e->data.is_null());
}

TEST(jsonrpc, error_from_json_rejects_a_non_object) {
  const auto e = error_from_json(json::value("boom"));
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().what, "error is a string, not an object");
}

TEST(jsonrpc, error_from_json_rejects_a_missing_code) {
  const auto e = error_from_json(json::parse(R"({"message":"m"})"));
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().what, "error.code is missing or not an integer");
}

TEST(jsonrpc, error_from_json_rejects_a_string_code) {
  const auto e = error_from_json(json::parse(R"({"code":"-1","message":"m"})"));
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().what, "error.code is missing or not an integer");
}

TEST(jsonrpc, parse_object_accepts_an_object) {
  const auto o = parse_object(R"({"a":1})");
  ASSERT_TRUE(o.has_value()) << o.error().what;
  EXPECT_EQ(o->at("a"), json::value(1));
}

TEST(jsonrpc, parse_object_reports_malformed_json) {
  const auto o = parse_object("{\"a\":");
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().what.rfind("malformed JSON: ", 0), 0u) << o.error().what;
}

TEST(jsonrpc, parse_object_names_what_it_got_instead) {
  EXPECT_EQ(parse_object("[1,2]").error().what, "expected a JSON object, got an array");
  EXPECT_EQ(parse_object("null").error().what, "expected a JSON object, got null");
  EXPECT_EQ(parse_object("12").error().what, "expected a JSON object, got a number");
}

TEST(jsonrpc, kind_name_names_every_kind) {
  EXPECT_EQ(kind_name(nullptr), "null");
  EXPECT_EQ(kind_name(true), "a boolean");
  EXPECT_EQ(kind_name(-1), "a number");
  EXPECT_EQ(kind_name(json::value(std::uint64_t{1} << 63)), "a number");
  EXPECT_EQ(kind_name(1.5), "a number");
  EXPECT_EQ(kind_name("s"), "a string");
  EXPECT_EQ(kind_name(json::array{}), "an array");
  EXPECT_EQ(kind_name(json::object{}), "an object");
}

}  // namespace
}  // namespace wssd::proto

namespace wssd::proto {
namespace {

double parsed_double(std::string_view text) {
  auto v = parse_json(text);
  EXPECT_TRUE(v && v->is_double()) << text;
  return v && v->is_double() ? v->as_double() : 0;
}

// Boost.JSON 1.81 alone reads 2.2222222222222222E73 as 2.2222222222222225E73.
TEST(parse_json, a_double_is_the_one_its_text_names) {
  EXPECT_EQ(parsed_double("2.2222222222222222E73"), 2.2222222222222222E73);
  EXPECT_EQ(
      parsed_double("22222222222222222000000000000000000000000000000000000002025619032399529756"),
      2.2222222222222222E73);
  EXPECT_EQ(parsed_double("0.30000000000000004"), 0.1 + 0.2);
  EXPECT_EQ(parsed_double("-1.7976931348623157e308"), -1.7976931348623157e308);
  EXPECT_EQ(parsed_double("5e-324"), 5e-324);
  auto in_array = parse_json(R"({"a":[1,2.2222222222222222E73,"x"]})");
  ASSERT_TRUE(in_array);
  EXPECT_EQ(in_array->at("a").at(1).as_double(), 2.2222222222222222E73);
}

TEST(parse_json, a_number_goes_through_wssd_unchanged) {
  for (const char* text : {"2.2222222222222222E73", "1.0000000000000002", "9007199254740993.5",
                           "1E300", "-4.9406564584124654E-324", "123456789012345678901234567890"}) {
    auto once = parse_json(text);
    ASSERT_TRUE(once) << text;
    const auto written = json::serialize(*once);
    auto again = parse_json(written);
    ASSERT_TRUE(again) << written;
    EXPECT_EQ(json::serialize(*again), written) << text;
  }
}

TEST(parse_json, what_is_not_one_json_text_is_still_refused) {
  EXPECT_FALSE(parse_json("1 2"));
  EXPECT_FALSE(parse_json("{\"a\":1"));
  EXPECT_TRUE(parse_json(" {\"a\":1.25e2} "));
}

}  // namespace
}  // namespace wssd::proto
