// The --instance NAME option's check, the same for wssd and wssctl: a refused name is a usage
// error that says why (instance_name_error).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "daemon/common/instance.hpp"

namespace wssd {

inline CLI::Validator instance_name_validator() {
  return CLI::Validator([](std::string& name) { return instance_name_error(name).value_or(""); },
                        "NAME");
}

}  // namespace wssd
