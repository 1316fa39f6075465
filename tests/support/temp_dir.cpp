#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>

namespace wssd::test {

temp_dir::temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "wssd-test.XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace wssd::test
