// Fuzzes DtlsEndpoint::handle_datagram on a fresh server endpoint: the input is a
// sequence of datagrams, each prefixed by a 2-byte length. Checks our datagram BIO and
// state handling around OpenSSL's DTLS record parser: no crash, no leak, and no
// untrusted input ever yields a connected endpoint (no fingerprint matches).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ztm/net/dtls.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ztm;
  using namespace ztm::net;
  static const DtlsCertificate cert = DtlsCertificate::generate().value();
  DtlsConfig config;
  config.role = SrtpRole::server;  // expects a fingerprint no input can present
  auto endpoint = DtlsEndpoint::create(cert, config);
  if (!endpoint) std::abort();
  const auto now = DtlsEndpoint::Clock::now();
  std::size_t pos = 0;
  while (size - pos >= 2) {
    const std::size_t len = std::min<std::size_t>((data[pos] << 8) | data[pos + 1], size - pos - 2);
    pos += 2;
    (void)endpoint->handle_datagram(ByteView(data + pos, len), now);
    pos += len;
    while (endpoint->pop_datagram()) {
    }
    (void)endpoint->handle_timeout(now);
  }
  if (endpoint->state() == DtlsState::connected) std::abort();
  return 0;
}
