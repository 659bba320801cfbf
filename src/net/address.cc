#include "ztm/net/address.h"

#include <cstdio>

namespace ztm::net {

std::string TransportAddress::to_string() const {
  char buf[64];
  if (family == Family::ipv4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", ip[0], ip[1], ip[2], ip[3], port);
    return buf;
  }
  std::string out = "[";
  for (int i = 0; i < 16; i += 2) {
    std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", (ip[i] << 8) | ip[i + 1]);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "]:%u", port);
  return out + buf;
}

}  // namespace ztm::net
