#include "ztm_sim/simulation.h"

#include <time.h>

#include <algorithm>
#include <stdexcept>

#include "ztm/identity/trust_store.h"

namespace ztm_sim {

using ztm::meeting::MisbehaviorDetected;
using ztm::meeting::MisbehaviorKind;

namespace {

ztm::mls::Credential credential_of(const ztm::identity::Certificate& leaf) {
  return ztm::mls::Credential::x509({ztm::mls::Certificate{leaf.der()}});
}

std::uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// Stopwatch adds one engine call's cost to a member: the calling thread's CPU time,
// the process's CPU time (the call's work on every thread: the simulation makes one
// engine call at a time) and the wall time.
class Stopwatch {
 public:
  explicit Stopwatch(Member& member)
      : member_(member),
        cpu0_(clock_ns(CLOCK_THREAD_CPUTIME_ID)),
        work0_(clock_ns(CLOCK_PROCESS_CPUTIME_ID)),
        wall0_(clock_ns(CLOCK_MONOTONIC)) {}
  ~Stopwatch() {
    member_.cpu_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0_;
    member_.work_ns += clock_ns(CLOCK_PROCESS_CPUTIME_ID) - work0_;
    member_.wall_ns += clock_ns(CLOCK_MONOTONIC) - wall0_;
  }
  Stopwatch(const Stopwatch&) = delete;
  Stopwatch& operator=(const Stopwatch&) = delete;

 private:
  Member& member_;
  std::uint64_t cpu0_;
  std::uint64_t work0_;
  std::uint64_t wall0_;
};

}  // namespace

Simulation::Simulation(SimOptions options)
    : options_(options),
      rng_(options.seed),
      now_(TimePoint{} + std::chrono::hours(1)),
      service_(options.service),
      org_(ztm_test::make_root(ztm_test::ca_spec("Org Root", "Example Corp"))),
      provider_(ztm_test::make_root(ztm_test::ca_spec("Provider Root"))),
      rogue_(ztm_test::make_root(ztm_test::ca_spec("Rogue Root", "Example Corp"))) {
  ztm::identity::TrustStore store;
  if (!store.add_organization_anchor(org_.cert, "Example Corp", {"example.com"}) ||
      !store.add_provider_anchor(provider_.cert)) {
    throw std::runtime_error("simulation: trust store");
  }
  validator_ = std::make_unique<ztm::identity::Validator>(std::move(store));
  verifier_ = new_verifier();
  if (options_.backend) backend_ = options_.backend();
  active_ = backend_ ? backend_.get() : &service_;
}

Simulation::~Simulation() = default;

std::unique_ptr<ztm::meeting::IdentityVerifier> Simulation::new_verifier() const {
  if (!options_.x509) return std::make_unique<ztm::meeting::BasicIdentityVerifier>();
  return std::make_unique<ztm::meeting::X509IdentityVerifier>(
      *validator_, ztm::crypto::SignatureScheme::ed25519);
}

ztm::mls::MemberSigner Simulation::make_signer(IdentityKind kind, const std::string& name) {
  auto key = ztm::crypto::SignaturePrivateKey::generate(ztm::crypto::SignatureScheme::ed25519);
  if (!key) throw std::runtime_error("simulation: key");
  ztm::mls::Credential credential;
  if (!options_.x509) {
    const std::string prefix = kind == IdentityKind::verified   ? "verified:"
                               : kind == IdentityKind::provider ? "provider:"
                                                                : "forged:";
    credential = ztm::mls::Credential::basic(ztm::to_bytes(prefix + name + "@example.com"));
  } else {
    const auto spec = ztm_test::leaf_spec({ztm_test::SanEntry::email, name + "@example.com"});
    const ztm_test::Ca& ca = kind == IdentityKind::verified   ? org_
                             : kind == IdentityKind::provider ? provider_
                                                              : rogue_;
    credential = credential_of(ztm_test::issue(spec, key->evp_pkey(), &ca));
  }
  return ztm::mls::MemberSigner{std::move(*key), std::move(credential)};
}

std::size_t Simulation::add_member(IdentityKind kind) {
  return add_engine(kind, verifier_.get());
}

std::size_t Simulation::add_member_with_own_verifier(IdentityKind kind) {
  own_verifiers_.push_back(new_verifier());
  return add_engine(kind, own_verifiers_.back().get());
}

std::size_t Simulation::add_shadow(IdentityKind kind) {
  const std::size_t i = members_.size();
  Member m;
  m.kind = kind;
  m.connected = true;
  m.shadow = true;
  members_.push_back(std::move(m));
  service_.mute(static_cast<ConnId>(i));
  const auto suite = ztm::mls::CipherSuite::create(1).value();
  ztm::mls::KeyPackageOptions options;
  options.capabilities.versions = {ztm::mls::ProtocolVersion::mls10};
  options.capabilities.cipher_suites = {1};
  options.capabilities.credentials = {ztm::mls::CredentialType::basic,
                                      ztm::mls::CredentialType::x509};
  options.capabilities.extensions = {ztm::meeting::kPolicyExtensionType};
  auto kp =
      ztm::mls::create_key_package(suite, make_signer(kind, "shadow" + std::to_string(i)), options);
  if (!kp) throw std::runtime_error("simulation: shadow key package");
  protocol::Hello hello;
  hello.meeting = "sim";
  hello.display_hint = "shadow" + std::to_string(i);
  to_service_.emplace_back(static_cast<ConnId>(i), std::move(hello));
  to_service_.emplace_back(
      static_cast<ConnId>(i),
      protocol::SubmitKeyPackage{ztm::mls::MLSMessage{kp->key_package}.encode()});
  return i;
}

std::size_t Simulation::add_engine(IdentityKind kind,
                                   const ztm::meeting::IdentityVerifier* verifier) {
  const std::size_t i = members_.size();
  EngineConfig config;
  config.meeting = "sim";
  config.auth_token = "t";
  config.display_hint = "user" + std::to_string(i);
  config.verifier = verifier;
  config.policy = options_.policy;
  config.batch_window = options_.batch_window;
  config.fill_tree = options_.fill_tree;
  config.fill_quiet_period = options_.fill_quiet_period;
  config.fill_slot = options_.fill_slot;
  auto engine = Engine::create(std::move(config), make_signer(kind, "user" + std::to_string(i)));
  if (!engine) throw std::runtime_error("simulation: " + engine.error().what());
  Member m;
  m.engine = std::move(*engine);
  m.kind = kind;
  m.connected = true;
  members_.push_back(std::move(m));
  ztm::meeting::Output out;
  {
    Stopwatch watch(members_[i]);
    out = members_[i].engine->start(now_);
  }
  step_outputs(i, std::move(out));
  return i;
}

void Simulation::leave(std::size_t i) {
  step_outputs(i, members_[i].engine->leave(now_));
  members_[i].connected = false;
}

void Simulation::disconnect(std::size_t i) {
  Outbox out;
  active_->disconnect(static_cast<ConnId>(i), now_, out);
  for (auto& o : out) to_clients_.push_back(std::move(o));
  members_[i].connected = false;
  members_[i].engine->disconnected();
  // Messages in flight to it are lost.
  std::erase_if(to_clients_, [&](const auto& m) { return m.first == static_cast<ConnId>(i); });
}

void Simulation::reconnect(std::size_t i) {
  members_[i].connected = true;
  step_outputs(i, members_[i].engine->start(now_));
}

void Simulation::inject(ConnId to, protocol::ServerMessage m) {
  to_clients_.emplace_back(to, std::move(m));
}

void Simulation::from_client(ConnId from, protocol::ClientMessage m) {
  to_service_.emplace_back(from, std::move(m));
}

void Simulation::step_outputs(std::size_t i, ztm::meeting::Output out) {
  Member& m = members_[i];
  for (auto& msg : out.messages) {
    if (m.connected) to_service_.emplace_back(static_cast<ConnId>(i), std::move(msg));
  }
  for (auto& e : out.events) {
    if (auto* mis = std::get_if<MisbehaviorDetected>(&e)) m.misbehavior.push_back(*mis);
    if (auto* j = std::get_if<ztm::meeting::Joined>(&e)) m.joined_epoch = j->epoch;
    if (std::holds_alternative<ztm::meeting::KeyframeNeeded>(e)) ++m.keyframe_requests;
    if (std::holds_alternative<ztm::meeting::Removed>(e)) m.removed = true;
    if (std::holds_alternative<ztm::meeting::ResyncNeeded>(e)) {
      ++m.resyncs;
      m.resync_pending = true;
    }
  }
}

bool Simulation::deliver_one() {
  if (!to_service_.empty()) {
    auto [from, msg] = std::move(to_service_.front());
    to_service_.pop_front();
    Outbox out;
    active_->receive(from, msg, now_, out);
    for (auto& o : out) to_clients_.push_back(std::move(o));
    return true;
  }
  if (!to_clients_.empty()) {
    auto [to, msg] = std::move(to_clients_.front());
    to_clients_.pop_front();
    const auto i = static_cast<std::size_t>(to);
    if (i >= members_.size() || !members_[i].connected || members_[i].shadow) return true;
    std::vector<protocol::ServerMessage> msgs;
    if (filter_) {
      msgs = filter_(to, std::move(msg));
    } else {
      msgs.push_back(std::move(msg));
    }
    for (auto& m : msgs) {
      ++deliveries_;
      ztm::meeting::Output out;
      {
        Stopwatch watch(members_[i]);
        out = members_[i].engine->handle(m, now_);
      }
      step_outputs(i, std::move(out));
      resync_if_needed(i);
      if (options_.media_every != 0 && deliveries_ % options_.media_every == 0) media_round();
    }
    return true;
  }
  return false;
}

void Simulation::fire_timers() {
  Outbox out;
  active_->tick(now_, out);
  for (auto& o : out) to_clients_.push_back(std::move(o));
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (!members_[i].connected || members_[i].shadow) continue;
    auto d = members_[i].engine->next_deadline();
    if (d && *d <= now_) {
      ztm::meeting::Output out;
      {
        Stopwatch watch(members_[i]);
        out = members_[i].engine->tick(now_);
      }
      step_outputs(i, std::move(out));
    }
    resync_if_needed(i);
  }
}

void Simulation::resync_if_needed(std::size_t i) {
  Member& m = members_[i];
  if (!m.resync_pending || !m.connected) return;
  m.resync_pending = false;
  // The client reopens its session on the same connection: the service replays
  // the handshake log after last_seq.
  m.engine->disconnected();
  step_outputs(i, m.engine->start(now_));
}

void Simulation::run(Duration limit) {
  const TimePoint end = now_ + limit;
  int stuck = 0;  // timers due now that fired without effect: move the clock on
  for (;;) {
    while (deliver_one()) {
    }
    if (options_.media_every != 0) media_round();
    // Next timer.
    std::optional<TimePoint> next = active_->next_deadline();
    for (const auto& m : members_) {
      if (!m.connected || m.shadow) continue;
      auto d = m.engine->next_deadline();
      if (d && (!next || *d < *next)) next = d;
    }
    if (!next || *next > end) {
      now_ = std::max(now_, end);
      fire_timers();
      while (deliver_one()) {
      }
      return;
    }
    if (*next <= now_ && ++stuck > 100) {
      now_ += std::chrono::milliseconds(1);
      stuck = 0;
    }
    now_ = std::max(now_, *next);
    fire_timers();
  }
}

void Simulation::run_for(Duration d) {
  run(d);
}

std::vector<std::size_t> Simulation::in_group() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    const auto& m = members_[i];
    if (m.connected && m.honest && !m.shadow &&
        m.engine->state() == ztm::meeting::EngineState::member) {
      out.push_back(i);
    }
  }
  return out;
}

std::string Simulation::agreement() const {
  const auto ids = in_group();
  if (ids.empty()) return "";
  const Engine& first = *members_[ids[0]].engine;
  for (auto i : ids) {
    const Engine& e = *members_[i].engine;
    const std::string who = "member " + std::to_string(i) + " vs " + std::to_string(ids[0]);
    if (e.epoch() != first.epoch()) {
      return who + ": epoch " + std::to_string(e.epoch().value_or(0)) + " vs " +
             std::to_string(first.epoch().value_or(0));
    }
    if (e.security_code() != first.security_code()) return who + ": security code";
    if (e.roster().size() != first.roster().size()) return who + ": roster size";
    for (std::size_t k = 0; k < e.roster().size(); ++k) {
      if (e.roster()[k].leaf != first.roster()[k].leaf ||
          e.roster()[k].identity != first.roster()[k].identity) {
        return who + ": roster entry " + std::to_string(k);
      }
    }
    const auto a = e.group()->epoch_authenticator();
    const auto b = first.group()->epoch_authenticator();
    if (!std::equal(a.begin(), a.end(), b.begin(), b.end())) return who + ": epoch authenticator";
  }
  return "";
}

void Simulation::media_round() {
  const auto ids = in_group();
  if (ids.size() < 2) return;
  std::vector<std::size_t> senders = ids;
  if (options_.media_senders != 0 && senders.size() > options_.media_senders) {
    std::shuffle(senders.begin(), senders.end(), rng_);
    senders.resize(options_.media_senders);
  }
  // Frames held earlier: decrypt once the receiver has caught up.
  for (auto r : ids) {
    Member& m = members_[r];
    auto held = std::move(m.held);
    m.held.clear();
    for (auto& h : held) {
      if (m.engine->epoch().value_or(0) < h.epoch) {
        m.held.push_back(std::move(h));
        continue;
      }
      auto pt = m.engine->media_keys().unprotect(h.frame, {}, now_);
      if (!pt) {
        ++media_failures_;
        last_media_failure_ = "held frame of " + std::to_string(h.sender) + " at " +
                              std::to_string(r) + ": " + pt.error().what();
      }
    }
  }
  for (auto s : senders) {
    Member& sender = members_[s];
    if (!sender.engine->media_allowed()) continue;
    const auto epoch = sender.engine->media_keys().sending_epoch();
    if (!epoch) continue;
    const std::string text = "frame " + std::to_string(++frame_counter_);
    ztm::Bytes buf(text.size() + 64);
    auto ct = sender.engine->protect(0, ztm::to_bytes(text), {}, buf);
    if (!ct) continue;
    ztm::Bytes frame(ct->begin(), ct->end());
    ++media_frames_;
    for (auto r : ids) {
      if (r == s) continue;
      Member& rec = members_[r];
      // Intended receivers: members of the sender's epoch.
      if (!rec.joined_epoch || *rec.joined_epoch > *epoch) continue;
      if (rec.engine->epoch().value_or(0) < *epoch) {
        rec.held.push_back({frame, *epoch, s});
        continue;
      }
      auto pt = rec.engine->media_keys().unprotect(frame, {}, now_);
      if (!pt || std::string(pt->begin(), pt->end()) != text) {
        ++media_failures_;
        last_media_failure_ = "frame of " + std::to_string(s) + " (epoch " +
                              std::to_string(*epoch) + ") at " + std::to_string(r) + " (epoch " +
                              std::to_string(rec.engine->epoch().value_or(0)) +
                              "): " + (pt ? "wrong plaintext" : pt.error().what());
      }
    }
  }
}

std::size_t Simulation::misbehavior_count() const {
  std::size_t n = 0;
  for (const auto& m : members_) {
    if (m.honest) n += m.misbehavior.size();
  }
  return n;
}

std::size_t Simulation::misbehavior_count(MisbehaviorKind kind) const {
  std::size_t n = 0;
  for (const auto& m : members_) {
    if (!m.honest) continue;
    for (const auto& x : m.misbehavior) n += x.kind == kind ? 1 : 0;
  }
  return n;
}

}  // namespace ztm_sim
