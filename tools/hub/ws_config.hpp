// websocketpp configurations of the hub's two endpoints, plain and TLS.
#pragma once

#include <websocketpp/config/asio.hpp>

namespace wss_hub {

// websocketpp's own loggers write to stdout and stderr; they are compiled out so that stdout
// carries nothing but the `listening` line. The hub logs what matters through spdlog.
struct plain_config : websocketpp::config::asio {
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
};

struct tls_config : websocketpp::config::asio_tls {
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
};

}  // namespace wss_hub
