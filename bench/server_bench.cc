// The DeliveryService's own cost, without sockets or TLS (docs/performance.md,
// "Meeting service: signaling"): one application message fanned out to a meeting of
// N members (routing + MLS header check + one JSON encoding, as the service does it),
// one Commit accepted (header checks, log, persistence to memory), against a raw
// baseline that only JSON-encodes the delivery once and copies it to N-1 recipients.
#include <benchmark/benchmark.h>

#include <string>
#include <unordered_map>

#include "ztm/mls/messages/mls_message.h"
#include "ztm/server/delivery_service.h"

namespace {

using namespace ztm::server;
namespace protocol = ztm::meeting::protocol;

const ztm::Bytes kGroup = ztm::to_bytes(std::string_view("bench-group"));

ztm::Bytes envelope(std::uint64_t epoch, ztm::mls::ContentType type, std::size_t bytes) {
  ztm::mls::PrivateMessage m;
  m.group_id = kGroup;
  m.epoch = epoch;
  m.content_type = type;
  m.encrypted_sender_data = ztm::Bytes(16, 1);
  m.ciphertext = ztm::Bytes(bytes, 2);
  return ztm::mls::MLSMessage{m}.encode();
}

ztm::Bytes group_info(std::uint64_t epoch) {
  ztm::mls::GroupInfo info;
  info.group_context.cipher_suite = 1;
  info.group_context.group_id = kGroup;
  info.group_context.epoch = epoch;
  return ztm::mls::MLSMessage{info}.encode();
}

// Fixture: a meeting of n members, all admitted, on a DeliveryService in memory.
struct Meeting {
  MemoryStorage storage;
  std::unique_ptr<DeliveryService> ds;
  std::uint64_t epoch = 0;
  TimePoint now{};

  explicit Meeting(int n) {
    DeliveryConfig config;
    config.make_token = [k = 0]() mutable { return "t" + std::to_string(++k); };
    config.max_log_entries = std::size_t{1} << 40;
    ds = std::move(*DeliveryService::create(config, storage, now));
    ztm::mls::KeyPackage kp;
    kp.cipher_suite = 1;
    const ztm::Bytes key_package = ztm::mls::MLSMessage{kp}.encode();
    ztm::mls::Welcome w;
    w.cipher_suite = 1;
    const ztm::Bytes welcome = ztm::mls::MLSMessage{w}.encode();
    for (int i = 1; i <= n; ++i) {
      (void)ds->on_open(static_cast<ConnectionId>(i), now);
      protocol::Hello h;
      h.meeting = "m";
      (void)ds->on_message(static_cast<ConnectionId>(i), h, now);
      if (i == 1) {
        (void)ds->on_message(1, protocol::GroupCreated{kGroup, group_info(0)}, now);
        continue;
      }
      (void)ds->on_message(static_cast<ConnectionId>(i), protocol::SubmitKeyPackage{key_package},
                           now);
      (void)ds->on_message(
          1,
          protocol::SubmitCommit{epoch,
                                 envelope(epoch, ztm::mls::ContentType::commit, 64),
                                 welcome,
                                 {},
                                 {{"p" + std::to_string(i), static_cast<std::uint32_t>(i - 1)}},
                                 {}},
          now);
      ++epoch;
    }
  }
};

std::size_t encode_all(const Output& out) {
  std::unordered_map<const protocol::ServerMessage*, std::string> encoded;
  std::size_t bytes = 0;
  for (const auto& o : out.messages) {
    auto it = encoded.find(o.message.get());
    if (it == encoded.end())
      it = encoded.emplace(o.message.get(), protocol::encode(*o.message)).first;
    bytes += it->second.size();
  }
  return bytes;
}

void BM_DeliveryFanOut(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Meeting meeting(n);
  const protocol::ClientMessage message =
      protocol::SendMls{protocol::MlsKind::application, meeting.epoch,
                        envelope(meeting.epoch, ztm::mls::ContentType::application, 200)};
  for (auto _ : state) {
    Output out = meeting.ds->on_message(2, message, meeting.now);
    benchmark::DoNotOptimize(encode_all(out));
  }
  state.SetItemsProcessed(state.iterations() * (n - 1));
}
BENCHMARK(BM_DeliveryFanOut)->Arg(5)->Arg(200);

void BM_RawEncodeBaseline(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const protocol::ServerMessage delivery =
      protocol::MlsDelivery{1, protocol::MlsKind::application, 4, "p2",
                            envelope(4, ztm::mls::ContentType::application, 200)};
  std::vector<std::string> out(static_cast<std::size_t>(n - 1));
  for (auto _ : state) {
    const std::string text = protocol::encode(delivery);
    for (auto& o : out) o = text;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * (n - 1));
}
BENCHMARK(BM_RawEncodeBaseline)->Arg(5)->Arg(200);

void BM_DeliveryCommit(benchmark::State& state) {
  Meeting meeting(5);
  for (auto _ : state) {
    Output out = meeting.ds->on_message(
        1,
        protocol::SubmitCommit{meeting.epoch,
                               envelope(meeting.epoch, ztm::mls::ContentType::commit, 400),
                               {},
                               {},
                               {},
                               {}},
        meeting.now);
    ++meeting.epoch;
    benchmark::DoNotOptimize(encode_all(out));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeliveryCommit);

}  // namespace
