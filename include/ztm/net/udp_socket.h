// UDP socket helpers shared by the two Boost.Asio transports: the client's MediaLink
// (src/net/link/media_link.cc) and the server's Sfu (src/server/sfu/sfu.cc). Unlike
// the rest of include/ztm/net/ this header sees Asio, so only those transport .cc
// files include it; protocol code keeps to the sans-I/O TransportAddress.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <string_view>

#include "ztm/base/error.h"
#include "ztm/net/address.h"

namespace ztm::net {

// UdpSocketOptions: what a transport asks of its socket beyond binding it.
struct UdpSocketOptions {
  // non_blocking: set when the owner also reads synchronously between reactor
  // rounds (the SFU drains its queue with receive_from).
  bool non_blocking = false;
  // buffer_size_bytes: kernel send and receive buffers to ask for; 0 keeps the
  // system default. A wish, not a requirement: the kernel caps it at
  // net.core.{r,w}mem_max and a refusal is not an error.
  int buffer_size_bytes = 0;
};

// open_udp_socket opens `socket` (closed on entry) and binds it to bind_address:port
// (port 0: any free port). An IPv6 address gets a dual-stack socket (IPV6_V6ONLY off)
// so that one socket also reaches IPv4 peers, at their v4-mapped addresses (see
// udp_destination). `owner` prefixes error messages ("sfu", "media link"). Fails with
// invalid_argument when bind_address is not an IP address and io_error when the socket
// cannot be opened, configured or bound; `socket` may then be open and is the
// caller's to close or drop.
[[nodiscard]] Result<void> open_udp_socket(boost::asio::ip::udp::socket& socket,
                                           std::string_view bind_address, std::uint16_t port,
                                           const UdpSocketOptions& options, std::string_view owner);

// to_udp_endpoint converts a TransportAddress to an Asio endpoint of its own family.
boost::asio::ip::udp::endpoint to_udp_endpoint(const TransportAddress& address);

// to_transport_address converts an endpoint back; a v4-mapped IPv6 address (how a
// dual-stack socket reports IPv4 peers) becomes the plain IPv4 address, so a peer
// has one TransportAddress whichever socket family saw it.
TransportAddress to_transport_address(const boost::asio::ip::udp::endpoint& endpoint);

// udp_destination is the endpoint to send to `to` from a socket of the given family:
// a dual-stack (IPv6) socket reaches an IPv4 peer at its v4-mapped address.
boost::asio::ip::udp::endpoint udp_destination(const TransportAddress& to, bool ipv6_socket);

}  // namespace ztm::net
