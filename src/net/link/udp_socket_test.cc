// The UDP socket helpers shared by MediaLink and the Sfu (udp_socket.h), on real
// loopback sockets.
#include "ztm/net/udp_socket.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <array>

namespace ztm::net {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

const TransportAddress kLoopback4 = TransportAddress::v4(127, 0, 0, 1, 4242);

TEST(UdpSocket, BadBindAddressIsAnInvalidArgumentNamingItsOwner) {
  asio::io_context io;
  udp::socket socket(io);
  auto r = open_udp_socket(socket, "not-an-ip", 0, {}, "tester");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_EQ(r.error().message, "tester: bad bind address not-an-ip");
}

TEST(UdpSocket, BindsLoopbackOnAFreePortAndAppliesOptions) {
  asio::io_context io;
  udp::socket socket(io);
  UdpSocketOptions options;
  options.non_blocking = true;
  options.buffer_size_bytes = 1 << 20;
  ASSERT_TRUE(open_udp_socket(socket, "127.0.0.1", 0, options, "tester").has_value());
  const TransportAddress local = to_transport_address(socket.local_endpoint());
  EXPECT_EQ(local.family, TransportAddress::Family::ipv4);
  EXPECT_EQ(local, TransportAddress::v4(127, 0, 0, 1, local.port));
  EXPECT_NE(local.port, 0);
  EXPECT_TRUE(socket.non_blocking());
  // Nothing queued: a non-blocking read says so instead of waiting.
  std::array<std::uint8_t, 16> rx{};
  udp::endpoint from;
  boost::system::error_code ec;
  (void)socket.receive_from(asio::buffer(rx), from, 0, ec);
  EXPECT_EQ(ec, asio::error::would_block);
}

TEST(UdpSocket, SecondBindToTheSamePortIsAnIoError) {
  asio::io_context io;
  udp::socket first(io);
  ASSERT_TRUE(open_udp_socket(first, "127.0.0.1", 0, {}, "first").has_value());
  udp::socket second(io);
  auto r = open_udp_socket(second, "127.0.0.1", first.local_endpoint().port(), {}, "second");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::io_error);
  EXPECT_EQ(r.error().message.rfind("second: cannot bind 127.0.0.1: ", 0), 0u) << r.error().message;
}

TEST(UdpSocket, AddressConversionsRoundTripAndUnmapV4MappedAddresses) {
  EXPECT_EQ(to_transport_address(to_udp_endpoint(kLoopback4)), kLoopback4);
  const auto v6 =
      TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 3478);
  EXPECT_EQ(to_transport_address(to_udp_endpoint(v6)), v6);
  // How a dual-stack socket reports an IPv4 peer.
  const udp::endpoint mapped(asio::ip::make_address("::ffff:127.0.0.1"), 4242);
  EXPECT_EQ(to_transport_address(mapped), kLoopback4);
}

TEST(UdpSocket, DestinationIsV4MappedOnlyForAnIpv4PeerOfADualStackSocket) {
  EXPECT_EQ(udp_destination(kLoopback4, false), to_udp_endpoint(kLoopback4));
  EXPECT_EQ(udp_destination(kLoopback4, true),
            udp::endpoint(asio::ip::make_address("::ffff:127.0.0.1"), 4242));
  const auto v6 =
      TransportAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 3478);
  EXPECT_EQ(udp_destination(v6, true), to_udp_endpoint(v6));
}

TEST(UdpSocket, DualStackSocketExchangesDatagramsWithAnIpv4Socket) {
  asio::io_context io;
  udp::socket dual(io);
  if (!open_udp_socket(dual, "::", 0, {}, "dual").has_value()) {
    GTEST_SKIP() << "no IPv6 on this host";
  }
  udp::socket v4(io);
  ASSERT_TRUE(open_udp_socket(v4, "127.0.0.1", 0, {}, "v4").has_value());
  const TransportAddress v4_address = to_transport_address(v4.local_endpoint());
  const TransportAddress dual_at_v4 =
      TransportAddress::v4(127, 0, 0, 1, to_transport_address(dual.local_endpoint()).port);

  const std::array<std::uint8_t, 3> ping{1, 2, 3};
  dual.send_to(asio::buffer(ping), udp_destination(v4_address, true));
  std::array<std::uint8_t, 16> rx{};
  udp::endpoint from;
  ASSERT_EQ(v4.receive_from(asio::buffer(rx), from), ping.size());
  EXPECT_EQ(to_transport_address(from), dual_at_v4);

  // The answer reaches the dual-stack socket, which sees the plain IPv4 sender.
  v4.send_to(asio::buffer(ping), udp_destination(dual_at_v4, false));
  ASSERT_EQ(dual.receive_from(asio::buffer(rx), from), ping.size());
  EXPECT_TRUE(from.address().is_v6());
  EXPECT_EQ(to_transport_address(from), v4_address);
}

}  // namespace
}  // namespace ztm::net
