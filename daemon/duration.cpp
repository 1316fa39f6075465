#include "daemon/duration.hpp"

#include <sstream>

namespace wssd {

std::string format_seconds(seconds s) {
  std::ostringstream out;
  out.precision(s.count() < 10 ? 2 : 3);
  out << s.count() << " s";
  return out.str();
}

}  // namespace wssd
