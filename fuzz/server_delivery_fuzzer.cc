// Fuzzes the DeliveryService (src/server/delivery/) with hostile clients: the input
// is a script of frames, each sent on one of four connections of one meeting (or a
// close, a reconnect or a clock step). Frames go through the real protocol decoder,
// so MLS envelopes inside them reach the service's MLS header checks. The service
// must never crash, and its counters must stay consistent.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ztm/server/delivery_service.h"
#include "ztm/server/storage.h"

namespace protocol = ztm::meeting::protocol;
using namespace ztm::server;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  MemoryStorage storage;
  DeliveryConfig config;
  config.make_token = [n = 0]() mutable { return "token-" + std::to_string(++n); };
  TimePoint now{};
  auto service = DeliveryService::create(config, storage, now);
  if (!service) std::abort();
  DeliveryService& ds = **service;
  ConnectionId next = 1;
  ConnectionId conns[4] = {0, 0, 0, 0};
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t op = data[i++];
    const int slot = op & 3;
    switch ((op >> 2) & 3) {
      case 0: {  // a frame: length byte, then that many bytes of JSON
        if (i >= size) break;
        std::size_t len = data[i++];
        if (len > size - i) len = size - i;
        const std::string_view text(reinterpret_cast<const char*>(data + i), len);
        i += len;
        if (!conns[slot]) {
          conns[slot] = next++;
          (void)ds.on_open(conns[slot], now);
        }
        auto message = protocol::decode_client_message(text);
        if (message) {
          (void)ds.on_message(conns[slot], *message, now);
        } else {
          (void)ds.on_malformed(conns[slot], message.error(), now);
        }
        break;
      }
      case 1:  // close
        if (conns[slot]) (void)ds.on_close(conns[slot], now);
        conns[slot] = 0;
        break;
      case 2:  // time passes
        now += std::chrono::milliseconds(250 * ((op >> 4) + 1));
        (void)ds.on_tick(now);
        break;
      case 3: {  // a well-formed hello (so later frames reach a session)
        if (!conns[slot]) {
          conns[slot] = next++;
          (void)ds.on_open(conns[slot], now);
        }
        protocol::Hello hello;
        hello.meeting = "m";
        hello.display_hint = std::to_string(slot);
        (void)ds.on_message(conns[slot], hello, now);
        break;
      }
    }
  }
  const auto stats = ds.stats();
  if (stats.sessions > stats.participants) std::abort();
  (void)ds.shutdown();
  return 0;
}
