// UDP socket helpers for the Asio transports (udp_socket.h).
#include "ztm/net/udp_socket.h"

#include <boost/asio/ip/v6_only.hpp>

#include <algorithm>
#include <string>

namespace ztm::net {

namespace asio = boost::asio;
using asio::ip::udp;

Result<void> open_udp_socket(udp::socket& socket, std::string_view bind_address, std::uint16_t port,
                             const UdpSocketOptions& options, std::string_view owner) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(std::string(bind_address), ec);
  if (ec) {
    return fail(Errc::invalid_argument,
                std::string(owner) + ": bad bind address " + std::string(bind_address));
  }
  const udp::endpoint bind_to(ip, port);
  socket.open(bind_to.protocol(), ec);
  if (!ec && bind_to.protocol() == udp::v6()) socket.set_option(asio::ip::v6_only(false), ec);
  if (!ec) socket.bind(bind_to, ec);
  if (!ec && options.non_blocking) socket.non_blocking(true, ec);
  if (ec) {
    return fail(Errc::io_error, std::string(owner) + ": cannot bind " + std::string(bind_address) +
                                    ": " + ec.message());
  }
  if (options.buffer_size_bytes > 0) {
    // Errors ignored on purpose: see UdpSocketOptions::buffer_size_bytes.
    socket.set_option(udp::socket::receive_buffer_size(options.buffer_size_bytes), ec);
    socket.set_option(udp::socket::send_buffer_size(options.buffer_size_bytes), ec);
  }
  return ok();
}

udp::endpoint to_udp_endpoint(const TransportAddress& address) {
  if (address.family == TransportAddress::Family::ipv4) {
    asio::ip::address_v4::bytes_type b{};
    std::copy_n(address.ip.begin(), 4, b.begin());
    return {asio::ip::address_v4(b), address.port};
  }
  asio::ip::address_v6::bytes_type b{};
  std::copy_n(address.ip.begin(), 16, b.begin());
  return {asio::ip::address_v6(b), address.port};
}

TransportAddress to_transport_address(const udp::endpoint& endpoint) {
  TransportAddress t;
  asio::ip::address addr = endpoint.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  if (addr.is_v4()) {
    const auto b = addr.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), t.ip.begin());
  } else {
    t.family = TransportAddress::Family::ipv6;
    const auto b = addr.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), t.ip.begin());
  }
  t.port = endpoint.port();
  return t;
}

udp::endpoint udp_destination(const TransportAddress& to, bool ipv6_socket) {
  const udp::endpoint destination = to_udp_endpoint(to);
  if (!ipv6_socket || !destination.address().is_v4()) return destination;
  return {asio::ip::make_address_v6(asio::ip::v4_mapped, destination.address().to_v4()),
          destination.port()};
}

}  // namespace ztm::net
