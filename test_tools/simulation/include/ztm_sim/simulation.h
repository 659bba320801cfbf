// The meeting simulation: N meeting engines, the in-memory service (service.h), a
// deterministic clock and a seedable random source, all in one thread. Messages are
// delivered in order, without latency; the clock jumps to the next timer when
// nothing is in flight. Media is simulated at the SFrame level: senders protect
// frames with their engine's keys and every other member unprotects them.
//
// Identities are real X.509 credentials (test_tools/cert_factory): an organization
// CA ("Example Corp", example.com: verified), a provider CA (provider-authenticated)
// and a CA nobody trusts (forged). All engines share one validator and its cache,
// so each credential is path-validated once per simulation (a real client validates
// each credential itself; the benchmark gives the measured members their own).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ztm/identity/validator.h"
#include "ztm/meeting/engine.h"
#include "ztm_sim/service.h"
#include "ztm_test/cert_factory.h"

namespace ztm_sim {

using ztm::meeting::Engine;
using ztm::meeting::EngineConfig;
using ztm::meeting::Policy;

enum class IdentityKind { verified, provider, forged };

struct SimOptions {
  std::uint64_t seed = 1;
  Policy policy = Policy::provider_allowed;
  // x509: real certificates; otherwise basic credentials with the test verifier
  // (BasicIdentityVerifier), for large runs where certificates add nothing.
  bool x509 = true;
  ServiceConfig service;
  Duration batch_window = std::chrono::milliseconds(50);
  bool fill_tree = true;
  Duration fill_quiet_period = std::chrono::milliseconds(500);
  Duration fill_slot = std::chrono::milliseconds(5);
  // media: run a media round whenever the network goes quiet and every
  // media_every deliveries (0: never); media_senders random senders per round
  // (0: every member).
  std::size_t media_every = 64;
  std::size_t media_senders = 0;
  // backend, when set, makes the service the simulation talks to (e.g. the server
  // layer's DeliveryService); service() then still names the unused own Service.
  std::function<std::unique_ptr<ServiceBackend>()> backend;
};

// Member is one simulated participant.
struct Member {
  std::unique_ptr<Engine> engine;
  IdentityKind kind = IdentityKind::verified;
  bool connected = false;
  bool honest = true;
  std::optional<std::uint64_t> joined_epoch;
  std::vector<ztm::meeting::MisbehaviorDetected> misbehavior;
  std::size_t keyframe_requests = 0;
  std::size_t resyncs = 0;
  bool resync_pending = false;
  // A shadow is a participant without an engine (benchmarks): it sends a
  // KeyPackage and then never answers, like a member whose client is silent.
  bool shadow = false;
  // Time this member's engine spent handling inputs. cpu_ns: CPU time of the
  // simulation's thread (work handed to ztm::parallel_for's pool is not in it);
  // work_ns: CPU time of the whole process during those calls (pool included);
  // wall_ns: their wall time (on a busy machine, mostly waiting for a core).
  std::uint64_t cpu_ns = 0;
  std::uint64_t work_ns = 0;
  std::uint64_t wall_ns = 0;
  bool removed = false;
  // Frames this member holds because their epoch is newer than its own (a real
  // client holds them briefly, docs/protocol.md rule 7).
  struct Held {
    ztm::Bytes frame;
    std::uint64_t epoch;
    std::size_t sender;
  };
  std::vector<Held> held;
};

// Filter lets a hostile test see (and change, drop or duplicate) every service ->
// client message before delivery: return the messages to deliver instead.
using Filter =
    std::function<std::vector<protocol::ServerMessage>(ConnId to, protocol::ServerMessage m)>;

class Simulation {
 public:
  explicit Simulation(SimOptions options = {});
  ~Simulation();

  // add_member creates an engine with a fresh identity and connects it (hello).
  std::size_t add_member(IdentityKind kind = IdentityKind::verified);
  // add_shadow adds a silent participant (see Member::shadow).
  std::size_t add_shadow(IdentityKind kind = IdentityKind::verified);
  void leave(std::size_t i);
  void disconnect(std::size_t i);  // the connection dies (no leave)
  void reconnect(std::size_t i);   // resume with the token and last seq

  // run delivers messages and fires timers until nothing is pending or the clock
  // passes now + limit.
  void run(Duration limit = std::chrono::seconds(60));
  // run_until_settled runs until every connected honest engine is a member at
  // the service's epoch with no timer other than the grace-period erase pending.
  void run_for(Duration d);

  // --- checks
  // agreement returns "" when every connected honest member is at the same epoch
  // with the same roster (leaves and identities), security code and group state
  // (epoch authenticator); otherwise what differs.
  std::string agreement() const;
  // media_failures counts frames an intended honest receiver could not decrypt.
  std::size_t media_failures() const { return media_failures_; }
  std::size_t media_frames() const { return media_frames_; }
  std::string last_media_failure() const { return last_media_failure_; }
  void media_round();

  // misbehavior_count counts reports of honest members (all kinds).
  std::size_t misbehavior_count() const;
  std::size_t misbehavior_count(ztm::meeting::MisbehaviorKind kind) const;

  Service& service() { return service_; }
  Member& member(std::size_t i) { return members_[i]; }
  std::size_t size() const { return members_.size(); }
  std::vector<std::size_t> in_group() const;  // connected honest members in the group
  TimePoint now() const { return now_; }
  std::mt19937_64& rng() { return rng_; }
  void set_filter(Filter f) { filter_ = std::move(f); }
  // inject delivers a message to one connection now (a hostile service's own).
  void inject(ConnId to, protocol::ServerMessage m);
  // deliver_to_service: a message as if sent by this connection.
  void from_client(ConnId from, protocol::ClientMessage m);

  // make_signer makes a signature key and credential of the given kind.
  ztm::mls::MemberSigner make_signer(IdentityKind kind, const std::string& name);
  const ztm::meeting::IdentityVerifier& verifier() const { return *verifier_; }
  // new_verifier makes a verifier with a cold cache (for measurements).
  std::unique_ptr<ztm::meeting::IdentityVerifier> new_verifier() const;
  // add_member_with_verifier: as add_member, with its own verifier (which the
  // simulation keeps alive).
  std::size_t add_member_with_own_verifier(IdentityKind kind = IdentityKind::verified);

  // Counters.
  std::size_t deliveries() const { return deliveries_; }

 private:
  void step_outputs(std::size_t i, ztm::meeting::Output out);
  bool deliver_one();
  void fire_timers();
  void resync_if_needed(std::size_t i);

  SimOptions options_;
  std::mt19937_64 rng_;
  TimePoint now_;
  Service service_;
  std::unique_ptr<ServiceBackend> backend_;
  ServiceBackend* active_ = nullptr;
  std::vector<Member> members_;
  std::deque<std::pair<ConnId, protocol::ServerMessage>> to_clients_;
  std::deque<std::pair<ConnId, protocol::ClientMessage>> to_service_;
  Filter filter_;
  std::size_t deliveries_ = 0;
  std::size_t media_frames_ = 0;
  std::size_t media_failures_ = 0;
  std::string last_media_failure_;
  std::size_t frame_counter_ = 0;

  // Identity.
  ztm_test::Ca org_;
  ztm_test::Ca provider_;
  ztm_test::Ca rogue_;
  std::unique_ptr<ztm::identity::Validator> validator_;
  std::unique_ptr<ztm::meeting::IdentityVerifier> verifier_;
  std::vector<std::unique_ptr<ztm::meeting::IdentityVerifier>> own_verifiers_;
  std::size_t add_engine(IdentityKind kind, const ztm::meeting::IdentityVerifier* verifier);
};

}  // namespace ztm_sim
