// Fuzzes the meeting engine's handling of service messages (src/meeting/): the
// input is a sequence of signaling frames (JSON, docs/protocol.md) separated by
// newlines; each one that decodes is handed to two engines — a creator that leads
// a one-member group, and a joiner waiting for its Welcome — with the clock moving
// 100 ms per frame so every timer runs. Nothing the service sends may crash an
// engine or trip ASan/UBSan. No roster invariant is checked: the creator rightly
// grows its group when a JoinRequest carries a valid KeyPackage (the seeds hold one).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "ztm/crypto/signature.h"
#include "ztm/meeting/engine.h"

namespace {

using namespace ztm;
using namespace ztm::meeting;

struct World {
  BasicIdentityVerifier verifier;
  std::unique_ptr<Engine> make(const char* name, protocol::Role role) {
    EngineConfig config;
    config.verifier = &verifier;
    auto key = crypto::SignaturePrivateKey::generate(crypto::SignatureScheme::ed25519).value();
    auto engine =
        Engine::create(config, {std::move(key), mls::Credential::basic(to_bytes(name))}).value();
    const TimePoint t0{};
    (void)engine->start(t0);
    protocol::Session s;
    s.participant = name;
    s.resume_token = "r";
    s.role = role;
    (void)engine->handle(s, t0);
    return engine;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  auto leader = world.make("verified:lead", protocol::Role::creator);
  auto joiner = world.make("verified:join", protocol::Role::joiner);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  TimePoint now{};
  while (!input.empty()) {
    const auto nl = input.find('\n');
    const std::string_view frame = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
    now += std::chrono::milliseconds(100);
    auto message = protocol::decode_server_message(frame);
    if (!message) continue;
    (void)leader->handle(*message, now);
    (void)joiner->handle(*message, now);
    (void)leader->tick(now);
    (void)joiner->tick(now);
  }
  (void)leader->tick(now + std::chrono::seconds(30));
  (void)joiner->tick(now + std::chrono::seconds(30));
  return 0;
}
