// TransportAddress: an IP address and UDP port, as STUN reports it in
// XOR-MAPPED-ADDRESS. Kept free of socket headers so the protocol code stays
// sans-I/O; the transport converts to and from sockaddr.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace ztm::net {

struct TransportAddress {
  enum class Family : std::uint8_t { ipv4 = 1, ipv6 = 2 };  // the STUN family codes

  Family family = Family::ipv4;
  // ip holds 4 bytes (ipv4, the rest zero) or 16 bytes (ipv6), network order.
  std::array<std::uint8_t, 16> ip{};
  std::uint16_t port = 0;

  static TransportAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                             std::uint16_t port) {
    TransportAddress t;
    t.ip = {a, b, c, d};
    t.port = port;
    return t;
  }
  static TransportAddress v6(const std::array<std::uint8_t, 16>& ip, std::uint16_t port) {
    TransportAddress t;
    t.family = Family::ipv6;
    t.ip = ip;
    t.port = port;
    return t;
  }
  std::size_t ip_size() const { return family == Family::ipv4 ? 4 : 16; }

  // to_string renders "192.0.2.1:3478" or "[2001:db8::1]:3478" (uncompressed hex
  // groups) for logs.
  std::string to_string() const;

  friend bool operator==(const TransportAddress&, const TransportAddress&) = default;
};

}  // namespace ztm::net
