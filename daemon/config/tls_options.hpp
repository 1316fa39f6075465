// How wssd verifies the server's TLS certificate (config `tls`).
#pragma once

#include <string>

namespace wssd {

struct tls_options {
  std::string ca_file;    // empty: the system CA store
  bool insecure = false;  // no peer or host-name verification

  bool operator==(const tls_options& o) const {
    return ca_file == o.ca_file && insecure == o.insecure;
  }
  bool operator!=(const tls_options& o) const { return !(*this == o); }
};

}  // namespace wssd
