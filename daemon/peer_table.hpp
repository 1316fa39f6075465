// The peers connected to the server besides us, with the options each announced.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "proto/wss_codec.hpp"

namespace wssd {

class peer_table {
 public:
  using peer = proto::peer_connected;

  struct difference {
    std::vector<peer> joined;  // new, or back with other options
    std::vector<std::string> left;
  };

  // Replaces the table with the server's list (after a (re)connect) and says what changed.
  difference replace(std::vector<peer> peers);
  // Each returns whether the table changed.
  bool add(const peer& p);
  bool remove(const std::string& private_id);
  bool rename(const std::string& old_id, const std::string& new_id);
  void clear() { peers_.clear(); }

  bool contains(const std::string& private_id) const { return peers_.count(private_id) != 0; }
  std::size_t size() const { return peers_.size(); }
  const std::map<std::string, boost::json::object>& all() const { return peers_; }

 private:
  std::map<std::string, boost::json::object> peers_;
};

}  // namespace wssd
