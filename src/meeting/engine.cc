// Engine: inputs, the session, and the ordered handshake stream (docs/meeting.md).
#include <algorithm>
#include <utility>

#include "internal/engine_impl.h"
#include "ztm/crypto/hash.h"
#include "ztm/crypto/random.h"
#include "ztm/mls/extensions.h"
#include "ztm/sframe/cipher_suite.h"

namespace ztm::meeting {

namespace {

Bytes digest(ByteView data) {
  return crypto::hash(crypto::HashId::sha256, data);
}

// message_epoch reads the epoch and content type an MLS message declares in its
// cleartext header (RFC 9420 §6: both PublicMessage and PrivateMessage carry them).
struct Header {
  Bytes group_id;
  std::uint64_t epoch = 0;
  mls::ContentType content_type = mls::ContentType::application;
  const Bytes* authenticated_data = nullptr;  // PublicMessage only
};
std::optional<Header> header_of(const mls::MLSMessage& m) {
  if (const auto* pub = std::get_if<mls::PublicMessage>(&m.value)) {
    return Header{pub->content.group_id, pub->content.epoch, pub->content.content_type(),
                  &pub->content.authenticated_data};
  }
  if (const auto* priv = std::get_if<mls::PrivateMessage>(&m.value)) {
    return Header{priv->group_id, priv->epoch, priv->content_type, nullptr};
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(MisbehaviorKind kind) {
  switch (kind) {
    case MisbehaviorKind::fork:
      return "fork";
    case MisbehaviorKind::tamper:
      return "tamper";
    case MisbehaviorKind::replay:
      return "replay";
    case MisbehaviorKind::policy_violation:
      return "policy_violation";
    case MisbehaviorKind::roster_disagreement:
      return "roster_disagreement";
    case MisbehaviorKind::protocol_violation:
      return "protocol_violation";
  }
  return "unknown";
}

void Output::append(Output other) {
  for (auto& m : other.messages) messages.push_back(std::move(m));
  for (auto& e : other.events) events.push_back(std::move(e));
}

Result<void> EngineValidator::validate(const mls::Credential& credential,
                                       ByteView signature_key) const {
  const MemberIdentity id = verifier_->inspect(credential, signature_key);
  if (id.accepted()) return ok();
  switch (id.status) {
    case IdentityStatus::expired:
      return fail(Errc::expired, "meeting.credential: " + id.reason);
    case IdentityStatus::revoked:
      return fail(Errc::revoked, "meeting.credential: " + id.reason);
    default:
      return fail(Errc::untrusted, "meeting.credential: " + id.reason);
  }
}

// ------------------------------------------------------------------ Engine

Engine::Engine(EngineConfig config, mls::MemberSigner signer, sframe::MlsContext media) {
  auto suite = mls::CipherSuite::create(config.cipher_suite).value();
  impl_ = std::make_unique<Impl>(std::move(config), std::move(signer), std::move(suite),
                                 std::move(media));
  Impl& s = *impl_;
  s.sframe_nk = sframe::suite_info(s.media.suite()).value().nk;
  s.group_config.validator = &s.validator;
  s.group_config.encrypt_handshake = s.config.encrypt_handshake;
}

Engine::~Engine() {
  if (impl_) impl_->erase_everything();
}

Result<std::unique_ptr<Engine>> Engine::create(EngineConfig config, mls::MemberSigner signer) {
  if (config.verifier == nullptr) {
    return fail(Errc::invalid_argument, "meeting.engine: config.verifier is required");
  }
  ZTM_TRY_ASSIGN(const auto suite, mls::CipherSuite::create(config.cipher_suite));
  if (signer.signature_key.scheme() != suite.signature_scheme()) {
    return fail(Errc::invalid_key, "meeting.engine: the signer does not fit MLS suite " +
                                       std::to_string(config.cipher_suite));
  }
  if (config.max_batch == 0) {
    return fail(Errc::invalid_argument, "meeting.engine: max_batch must be > 0");
  }
  // RFC 9605 §5.2 pairs the MLS AEAD with the SFrame suite of the same AEAD.
  const auto sframe_suite = suite.aead_id() == crypto::AeadId::aes256gcm
                                ? sframe::CipherSuite::aes_256_gcm_sha512_128
                                : sframe::CipherSuite::aes_128_gcm_sha256_128;
  sframe::MlsOptions options;
  options.epoch_bits = config.sframe_epoch_bits;
  options.grace_period = config.grace_period;
  ZTM_TRY_ASSIGN(auto media, sframe::MlsContext::create(sframe_suite, options));
  return std::unique_ptr<Engine>(
      new Engine(std::move(config), std::move(signer), std::move(media)));
}

Output Engine::start(TimePoint /*now*/) {
  Impl& s = *impl_;
  Output out;
  if (s.state == EngineState::left) return out;
  protocol::Hello hello;
  hello.meeting = s.config.meeting;
  hello.auth_token = s.config.auth_token;
  hello.display_hint = s.config.display_hint;
  hello.cipher_suite = s.config.cipher_suite;
  if (!s.resume_token.empty()) {
    hello.resume_token = s.resume_token;
    hello.last_seq = s.last_seq;
  }
  if (s.state == EngineState::idle) s.state = EngineState::connecting;
  s.send(out, std::move(hello));
  return out;
}

void Engine::disconnected() {
  Impl& s = *impl_;
  // The stream restarts from last_seq on resume: early deliveries are replayed.
  s.benign_duplicates_until = s.max_seen_seq;
  s.future.clear();
  s.gap_since.reset();
  s.gap_reported = false;
}

Output Engine::handle(const protocol::ServerMessage& message, TimePoint now) {
  Impl& s = *impl_;
  Output out;
  if (s.state == EngineState::left) return out;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::Session>) {
          s.on_session(m, now, out);
        } else if constexpr (std::is_same_v<T, protocol::LeaderChanged>) {
          s.leader = m.leader;
          const bool was_leader = s.is_leader();
          if (m.leader == s.participant && s.state == EngineState::member) {
            if (!was_leader) {
              s.role = protocol::Role::leader;
              out.events.push_back(RoleChanged{s.role});
            }
            if (m.previous_leaf && (!s.group || *m.previous_leaf != s.group->own_leaf().value)) {
              s.queue_remove(m.previous, *m.previous_leaf, now);
            } else if (m.previous) {
              for (const auto& [leaf, p] : s.participant_by_leaf) {
                if (p == *m.previous) {
                  s.queue_remove(m.previous, leaf, now);
                  break;
                }
              }
            }
            // The first act of a new leader: commit what is pending at once.
            if (s.has_pending()) s.batch_deadline = now;
          } else if (was_leader && m.leader != s.participant) {
            s.role = protocol::Role::member;
            s.pending_joins.clear();
            s.pending_removes.clear();
            s.batch_deadline.reset();
            out.events.push_back(RoleChanged{s.role});
          }
        } else if constexpr (std::is_same_v<T, protocol::JoinRequest>) {
          s.on_join_request(m, now, out);
        } else if constexpr (std::is_same_v<T, protocol::RemoveRequest>) {
          s.on_remove_request(m, now, out);
        } else if constexpr (std::is_same_v<T, protocol::MlsDelivery>) {
          s.on_delivery(m, now, out);
        } else if constexpr (std::is_same_v<T, protocol::WelcomeDelivery>) {
          s.on_welcome(m, now, out);
        } else if constexpr (std::is_same_v<T, protocol::CommitResult>) {
          s.on_commit_result(m, now, out);
        } else if constexpr (std::is_same_v<T, protocol::SwitchEpoch>) {
          s.on_switch(m.epoch, now, out);
        } else if constexpr (std::is_same_v<T, protocol::RosterUpdate>) {
          s.on_roster_hint(m.roster, now, out);
        } else if constexpr (std::is_same_v<T, protocol::KeyframeRequest>) {
          out.events.push_back(KeyframeNeeded{m.requester});
        } else if constexpr (std::is_same_v<T, protocol::MeetingEnded>) {
          s.erase_everything();
          s.state = EngineState::left;
          out.events.push_back(MeetingEndedEvent{m.reason});
        } else if constexpr (std::is_same_v<T, protocol::ServiceError>) {
          // A refused request: nothing in the group changes. A refused hello or
          // key_package leaves the client to decide (it sees the error itself).
        } else {
          // media_answer belongs to the client's media link, not to the engine.
        }
      },
      message);
  s.run_timers(now, out);
  return out;
}

Output Engine::tick(TimePoint now) {
  Output out;
  if (impl_->state == EngineState::left) return out;
  impl_->run_timers(now, out);
  return out;
}

std::optional<TimePoint> Engine::next_deadline() const {
  return impl_->next_deadline();
}

Output Engine::leave(TimePoint /*now*/) {
  Impl& s = *impl_;
  Output out;
  if (s.state == EngineState::left) return out;
  s.send(out, protocol::Leave{});
  s.erase_everything();
  s.state = EngineState::left;
  return out;
}

EngineState Engine::state() const {
  return impl_->state;
}
protocol::Role Engine::role() const {
  return impl_->role;
}
bool Engine::is_leader() const {
  return impl_->is_leader();
}
const protocol::ParticipantId& Engine::participant() const {
  return impl_->participant;
}
std::optional<std::uint64_t> Engine::epoch() const {
  if (!impl_->group) return std::nullopt;
  return impl_->group->epoch();
}
std::optional<std::uint32_t> Engine::own_leaf() const {
  if (!impl_->group) return std::nullopt;
  return impl_->group->own_leaf().value;
}
const std::vector<RosterMember>& Engine::roster() const {
  return impl_->roster;
}
const std::string& Engine::security_code() const {
  return impl_->security_code;
}
std::optional<Policy> Engine::policy() const {
  return impl_->policy;
}
bool Engine::media_allowed() const {
  return impl_->state == EngineState::member && !impl_->policy_violated;
}
const mls::Group* Engine::group() const {
  return impl_->group ? &*impl_->group : nullptr;
}
const EngineStats& Engine::stats() const {
  return impl_->stats;
}

Result<MutableByteView> Engine::protect(std::uint64_t context_id, ByteView plaintext,
                                        ByteView metadata, MutableByteView out) {
  if (!media_allowed()) {
    return fail(Errc::invalid_state, impl_->policy_violated
                                         ? "meeting.media: the group broke its policy"
                                         : "meeting.media: not a group member");
  }
  return impl_->media.protect(context_id, plaintext, metadata, out);
}

Result<sframe::MlsUnprotected> Engine::unprotect(ByteView sframe_ciphertext, ByteView metadata,
                                                 MutableByteView out, TimePoint now) {
  return impl_->media.unprotect(sframe_ciphertext, metadata, out, now);
}

sframe::MlsContext& Engine::media_keys() {
  return impl_->media;
}

// ------------------------------------------------------------------ Impl: plumbing

void Engine::Impl::send(Output& out, protocol::ClientMessage message) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::SubmitCommit>) {
          stats.bytes_sent += m.commit.size() + (m.welcome ? m.welcome->size() : 0) +
                              (m.group_info ? m.group_info->size() : 0);
        } else if constexpr (std::is_same_v<T, protocol::SubmitKeyPackage>) {
          stats.bytes_sent += m.key_package.size();
        } else if constexpr (std::is_same_v<T, protocol::GroupCreated>) {
          stats.bytes_sent += m.group_info.size();
        }
      },
      message);
  out.messages.push_back(std::move(message));
}

void Engine::Impl::report(Output& out, MisbehaviorKind kind, std::string detail) {
  send(out, protocol::Report{std::string(to_string(kind)), detail});
  out.events.push_back(MisbehaviorDetected{kind, std::move(detail)});
}

void Engine::Impl::erase_everything() {
  media.clear();
  group.reset();
  key_package.reset();
  in_flight.reset();
  pending_joins.clear();
  pending_removes.clear();
  future.clear();
}

void Engine::Impl::on_session(const protocol::Session& sess, TimePoint now, Output& out) {
  participant = sess.participant;
  resume_token = sess.resume_token;
  external_sender = sess.external_sender;
  if (sess.group_id) expected_group_id = sess.group_id;
  const protocol::Role previous = role;
  switch (sess.role) {
    case protocol::Role::creator:
      if (group) {
        report(out, MisbehaviorKind::protocol_violation,
               "session: asked to create a group while already in one");
        return;
      }
      role = protocol::Role::creator;
      create_group(now, out);
      break;
    case protocol::Role::joiner:
      if (group) {
        // The service forgot us: we stay in our group (only a Commit removes us).
        report(out, MisbehaviorKind::protocol_violation,
               "session: told to join again while a group member");
        return;
      }
      role = protocol::Role::joiner;
      state = EngineState::joining;
      send_key_package(out);
      break;
    case protocol::Role::leader:
    case protocol::Role::member:
      if (!group) {
        // We hold no group: all we can do is ask to join.
        role = protocol::Role::joiner;
        state = EngineState::joining;
        send_key_package(out);
        break;
      }
      role = sess.role;
      if (role != previous) out.events.push_back(RoleChanged{role});
      break;
  }
  if (sess.role != protocol::Role::creator) on_roster_hint(sess.roster, now, out);
}

void Engine::Impl::create_group(TimePoint now, Output& out) {
  mls::ExtensionList extensions;
  extensions.put(MeetingPolicyExtension{1, static_cast<std::uint8_t>(config.policy)});
  if (external_sender) {
    auto credential = tls::decode<mls::Credential>(external_sender->credential);
    if (credential) {
      mls::ExternalSendersExtension senders;
      senders.senders.push_back({external_sender->signature_key, std::move(*credential)});
      extensions.put(senders);
    }
  }
  mls::KeyPackageOptions leaf;
  leaf.capabilities.versions = {mls::ProtocolVersion::mls10};
  leaf.capabilities.cipher_suites = {suite.id()};
  leaf.capabilities.credentials = {mls::CredentialType::basic, mls::CredentialType::x509};
  leaf.capabilities.extensions = {kPolicyExtensionType};
  auto created =
      mls::Group::create(suite, crypto::random_bytes(16), signer, extensions, group_config, leaf);
  if (!created) {
    report(out, MisbehaviorKind::protocol_violation, "create: " + created.error().what());
    return;
  }
  // No external_pub: joins go through the leader, never through external Commits.
  auto info = created->group_info(false, false);
  if (info) send(out, protocol::GroupCreated{created->group_id(), mls::MLSMessage{*info}.encode()});
  state = EngineState::member;
  out.events.push_back(RoleChanged{role});
  enter_epoch(std::move(*created), std::nullopt, true, now, out);
}

void Engine::Impl::send_key_package(Output& out) {
  if (!key_package) {
    mls::KeyPackageOptions options;
    options.capabilities.versions = {mls::ProtocolVersion::mls10};
    options.capabilities.cipher_suites = {suite.id()};
    options.capabilities.credentials = {mls::CredentialType::basic, mls::CredentialType::x509};
    options.capabilities.extensions = {kPolicyExtensionType};
    auto bundle = mls::create_key_package(suite, signer, options);
    if (!bundle) return;
    key_package = std::move(*bundle);
  }
  send(out, protocol::SubmitKeyPackage{mls::MLSMessage{key_package->key_package}.encode()});
}

void Engine::Impl::on_welcome(const protocol::WelcomeDelivery& w, TimePoint now, Output& out) {
  if (state != EngineState::joining || !key_package) {
    if (state == EngineState::member) {
      report(out, MisbehaviorKind::replay, "welcome while already a member");
    }
    return;
  }
  auto message = mls::MLSMessage::decode(w.welcome);
  const auto* welcome = message ? std::get_if<mls::Welcome>(&message->value) : nullptr;
  if (welcome == nullptr) {
    ++stats.messages_dropped;
    report(out, MisbehaviorKind::tamper, "welcome: not an MLS Welcome");
    return;
  }
  auto joined = mls::Group::join(*welcome, *key_package, group_config);
  if (!joined) {
    ++stats.messages_dropped;
    report(out, MisbehaviorKind::tamper, "welcome: " + joined.error().what());
    return;
  }
  if (expected_group_id && joined->group_id() != *expected_group_id) {
    report(out, MisbehaviorKind::protocol_violation,
           "welcome: for another group than the session named");
  }
  key_package.reset();
  state = EngineState::member;
  if (role == protocol::Role::joiner) role = protocol::Role::member;
  last_seq = w.seq;
  const std::uint32_t leaf = joined->own_leaf().value;
  const std::uint64_t epoch = joined->epoch();
  enter_epoch(std::move(*joined), std::nullopt, true, now, out);
  out.events.push_back(Joined{epoch, leaf});
  // Deliveries that arrived before the Welcome continue the stream.
  while (!future.empty() && future.begin()->first <= *last_seq) future.erase(future.begin());
  while (!future.empty() && future.begin()->first == *last_seq + 1) {
    auto d = std::move(future.begin()->second);
    future.erase(future.begin());
    on_in_order(d, now, out);
  }
}

// ------------------------------------------------------------------ the stream

void Engine::Impl::on_delivery(const protocol::MlsDelivery& d, TimePoint now, Output& out) {
  if (d.kind == protocol::MlsKind::application) return;  // media keys are SFrame's
  if (state == EngineState::joining) {
    // The stream after our Welcome may overtake it; keep a bounded number.
    if (future.size() < kMaxBufferedDeliveries) future.emplace(d.seq, d);
    return;
  }
  if (state != EngineState::member) return;
  const Bytes hash = digest(d.message);
  max_seen_seq = std::max(max_seen_seq, d.seq);
  if (last_seq && d.seq <= *last_seq) {
    auto it = hash_by_seq.find(d.seq);
    if (d.seq <= benign_duplicates_until && it != hash_by_seq.end() && it->second == hash) {
      return;  // the same message again after our own resync
    }
    if (it != hash_by_seq.end() && it->second != hash) {
      ++stats.messages_dropped;
      // Another message under a sequence number already used: for a Commit that is
      // two Commits for one epoch.
      report(out,
             d.kind == protocol::MlsKind::commit ? MisbehaviorKind::fork : MisbehaviorKind::tamper,
             "seq " + std::to_string(d.seq) + " delivered with different content");
    } else {
      ++stats.messages_dropped;
      report(out, MisbehaviorKind::replay, "seq " + std::to_string(d.seq) + " delivered again");
    }
    return;
  }
  if (last_seq && d.seq > *last_seq + 1) {
    if (future.size() >= kMaxBufferedDeliveries) {
      ++stats.messages_dropped;
      return;
    }
    future.emplace(d.seq, d);
    if (!gap_since) gap_since = now;
    return;
  }
  on_in_order(d, now, out);
  while (state == EngineState::member && !future.empty() && last_seq &&
         future.begin()->first <= *last_seq + 1) {
    auto next = std::move(future.begin()->second);
    future.erase(future.begin());
    if (next.seq <= *last_seq) continue;
    if (!gap_reported) {
      report(out, MisbehaviorKind::protocol_violation,
             "handshake stream out of order (seq " + std::to_string(next.seq) + " came early)");
    }
    on_in_order(next, now, out);
  }
  if (future.empty()) {
    gap_since.reset();
    gap_reported = false;
  }
}

void Engine::Impl::on_in_order(const protocol::MlsDelivery& d, TimePoint now, Output& out) {
  const Bytes hash = digest(d.message);
  last_seq = d.seq;
  hash_by_seq[d.seq] = hash;
  while (hash_by_seq.size() > kCommitHistory) hash_by_seq.erase(hash_by_seq.begin());
  while (tampered_seqs.size() > kCommitHistory) tampered_seqs.erase(tampered_seqs.begin());
  if (d.kind == protocol::MlsKind::commit) on_commit(d, hash, now, out);
  // Proposals: ztmeet commits only by value (the leader reads the service's Remove
  // proposal from remove_request), so a relayed proposal changes nothing.
}

void Engine::Impl::tampered(const protocol::MlsDelivery& d, const Bytes& hash, std::string detail,
                            Output& out) {
  ++stats.messages_dropped;
  auto [it, fresh] = tampered_seqs.try_emplace(d.seq, hash);
  if (!fresh && it->second == hash) {
    // The same broken message again (after a resync): it is in the service's log
    // as it is. Skip it, or the stream could never move on.
    return;
  }
  it->second = hash;
  // Maybe it was broken on the way: leave its sequence number open, so that a
  // resync (ResyncNeeded once the gap lasts) fetches it again.
  hash_by_seq.erase(d.seq);
  last_seq = d.seq - 1;
  report(out, MisbehaviorKind::tamper, std::move(detail));
  out.events.push_back(ResyncNeeded{last_seq});
}

void Engine::Impl::on_commit(const protocol::MlsDelivery& d, const Bytes& hash, TimePoint now,
                             Output& out) {
  auto message = mls::MLSMessage::decode(d.message);
  if (!message) {
    tampered(d, hash, "commit: " + message.error().what(), out);
    return;
  }
  const auto header = header_of(*message);
  if (!header || header->content_type != mls::ContentType::commit ||
      header->group_id != group->group_id()) {
    tampered(d, hash, "commit: not a Commit of this group", out);
    return;
  }
  const std::uint64_t current = group->epoch();
  if (header->epoch < current) {
    auto it = commit_by_epoch.find(header->epoch);
    ++stats.messages_dropped;
    if (it != commit_by_epoch.end() && it->second == hash) {
      report(out, MisbehaviorKind::replay,
             "commit of epoch " + std::to_string(header->epoch) + " delivered again");
    } else {
      report(out, MisbehaviorKind::fork,
             "a second, different Commit for epoch " + std::to_string(header->epoch));
    }
    return;
  }
  if (header->epoch > current) {
    ++stats.messages_dropped;
    report(out, MisbehaviorKind::protocol_violation,
           "commit for epoch " + std::to_string(header->epoch) + " while at epoch " +
               std::to_string(current) + " (Commits missing)");
    out.events.push_back(ResyncNeeded{last_seq});
    return;
  }
  // Every Commit names the Commit its epoch came from (authenticated_data): a
  // committer that followed a different history is on another branch.
  if (header->authenticated_data != nullptr && last_commit_hash &&
      !header->authenticated_data->empty() && *header->authenticated_data != *last_commit_hash) {
    ++stats.messages_dropped;
    report(out, MisbehaviorKind::fork,
           "commit for epoch " + std::to_string(current) + " follows another history");
    return;
  }

  if (in_flight && in_flight->epoch == current && in_flight->commit_hash == hash) {
    // Our own Commit came back through the stream: it won (§14).
    auto next_ptr = std::move(in_flight->next);
    const bool self_update = in_flight->self_update;
    in_flight.reset();
    // GroupAccess made it with make_shared<Group> and nobody else holds it, so
    // moving out of it is moving out of a non-const object.
    mls::Group next = std::move(const_cast<mls::Group&>(*next_ptr));
    if (self_update) ++stats.self_updates_sent;
    ++stats.commits_processed;
    enter_epoch(std::move(next), hash, false, now, out);
    return;
  }
  auto processed = group->process(*message);
  if (!processed) {
    tampered(d, hash,
             "commit for epoch " + std::to_string(current) + ": " + processed.error().what(), out);
    return;
  }
  if (in_flight && in_flight->epoch == current) {
    ++stats.commits_lost;  // someone else's Commit took the epoch: rebuild ours
    in_flight.reset();
  }
  ++stats.commits_processed;
  if (processed->removed_self || !processed->next) {
    erase_everything();
    state = EngineState::left;
    out.events.push_back(Removed{current});
    return;
  }
  mls::Group next = std::move(const_cast<mls::Group&>(*processed->next));
  enter_epoch(std::move(next), hash, false, now, out);
}

void Engine::Impl::on_switch(std::uint64_t epoch, TimePoint now, Output& out) {
  if (state != EngineState::member) return;
  const auto sending = media.sending_epoch();
  if (sending && epoch <= *sending) return;
  if (!media.has_epoch(epoch)) {
    // Its Commit has not arrived yet (or never will): switch once it does.
    if (!group || epoch > group->epoch()) early_switch = epoch;
    return;
  }
  if (!media.switch_epoch(epoch, now)) return;
  grace_erase_at = now + config.grace_period;
  if (awaiting_switch && *awaiting_switch <= epoch) awaiting_switch.reset();
  out.events.push_back(EpochSwitched{epoch});
  if (epochs_with_adds.count(epoch) != 0) out.events.push_back(KeyframeNeeded{});
}

// ------------------------------------------------------------------ roster hints

void Engine::Impl::on_roster_hint(std::vector<protocol::RosterEntry> hint, TimePoint now,
                                  Output& out) {
  roster_hint = std::move(hint);
  check_roster(now, out);
}

void Engine::Impl::check_roster(TimePoint now, Output& out) {
  if (!roster_hint || !group) return;
  // Which leaves the hint claims, and which the group has.
  std::set<std::uint32_t> hinted;
  bool has_leaves = false;
  for (const auto& e : *roster_hint) {
    if (e.in_group && e.leaf) {
      hinted.insert(*e.leaf);
      has_leaves = true;
    }
  }
  std::set<std::uint32_t> actual;
  for (const auto& m : roster) actual.insert(m.leaf);
  std::string problem;
  if (has_leaves && hinted != actual) {
    for (auto leaf : actual) {
      if (hinted.count(leaf) == 0) {
        problem =
            "group member at leaf " + std::to_string(leaf) + " missing from the service roster";
        break;
      }
    }
    if (problem.empty()) {
      for (auto leaf : hinted) {
        if (actual.count(leaf) == 0) {
          problem = "service roster lists leaf " + std::to_string(leaf) + " not in the group";
          break;
        }
      }
    }
  }
  if (problem.empty()) {
    disagreement_since.reset();
    disagreement_reported.clear();
    // Names for the participant list, from a hint that agrees with the group.
    for (const auto& e : *roster_hint) {
      if (e.in_group && e.leaf) participant_by_leaf[*e.leaf] = e.participant;
    }
    bool changed = false;
    for (auto& m : roster) {
      auto it = participant_by_leaf.find(m.leaf);
      std::optional<protocol::ParticipantId> p;
      if (it != participant_by_leaf.end()) p = it->second;
      if (m.participant != p) {
        m.participant = p;
        changed = true;
      }
    }
    if (changed) out.events.push_back(RosterChanged{roster});
    return;
  }
  if (problem == disagreement_reported) {
    disagreement_since.reset();
    return;
  }
  // The hint may lag the stream by a message or two: flag only a lasting
  // disagreement, once.
  if (!disagreement_since) disagreement_since = now;
  if (now - *disagreement_since >= kRosterSettle) {
    disagreement_reported = problem;
    disagreement_since.reset();
    report(out, MisbehaviorKind::roster_disagreement, problem);
  }
}

}  // namespace ztm::meeting
