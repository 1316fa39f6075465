// What the server's loops over `x.length` and `x[i]` read from a JSON value: arrays, strings
// (their UTF-16 code units) and objects with a numeric `length` member.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <optional>
#include <vector>

namespace wss_hub {

class array_like {
 public:
  // nullopt where `typeof v.length != "number"`.
  static std::optional<array_like> of(const boost::json::value& v);

  double length() const { return length_; }
  // How many times `for (i = 0; i < length; i++)` runs; for objects at most
  // max_object_iterations, a bound the server does not have.
  std::size_t iterations() const { return iterations_; }
  // v[i]; nullptr where it is undefined.
  const boost::json::value* at(std::size_t i) const;

  static constexpr std::size_t max_object_iterations = 1 << 16;

 private:
  const boost::json::value* source_ = nullptr;
  std::vector<boost::json::value> code_units_;  // of a string, each as a one-unit string
  double length_ = 0;
  std::size_t iterations_ = 0;
};

}  // namespace wss_hub
