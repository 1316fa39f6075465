// The peers connected to the server besides us, with the options each announced.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "proto/wss_codec.hpp"

namespace wssd {

// The server (and the peers on it) decide what goes in here, so it is bounded: options of more
// than max_options_bytes are kept as {}, and past max_bytes new peers are not tracked (their
// messages still arrive; only the list misses them).
class peer_table {
 public:
  static constexpr std::size_t max_options_bytes = 4 * 1024;
  static constexpr std::size_t max_bytes = 16 * 1024 * 1024;

  using peer = proto::peer_connected;

  struct difference {
    std::vector<peer> joined;  // new, or back with other options
    std::vector<std::string> left;
  };

  // Replaces the table with the server's list (after a (re)connect) and says what changed.
  difference replace(std::vector<peer> peers);
  // Each returns whether the table changed; add() refuses a new peer once the table is full.
  bool add(const peer& p);
  bool remove(const std::string& private_id);
  bool rename(const std::string& old_id, const std::string& new_id);
  bool full() const { return bytes_ >= max_bytes; }

  bool contains(const std::string& private_id) const { return peers_.count(private_id) != 0; }
  std::size_t size() const { return peers_.size(); }
  const std::map<std::string, boost::json::object>& all() const { return peers_; }

 private:
  static std::size_t cost(const std::string& pid, const boost::json::object& options);
  boost::json::object bounded(const boost::json::object& options) const;

  std::map<std::string, boost::json::object> peers_;
  std::size_t bytes_ = 0;
};

}  // namespace wssd
