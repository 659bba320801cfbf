// The meeting engine's private state (docs/meeting.md). Split over engine.cc
// (inputs, session, stream ordering), engine_epoch.cc (entering an epoch: roster,
// policy, security code, media keys) and engine_commit.cc (the leader's batches,
// self-updates, lost commits).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ztm/meeting/engine.h"
#include "ztm/mls/cipher_suite.h"

namespace ztm::meeting {

// Timers that are not configurable (bounds on what a hostile service can stall).
inline constexpr Duration kSwitchTimeout = std::chrono::seconds(2);  // > service's 1 s
inline constexpr Duration kCommitTimeout = std::chrono::seconds(3);  // no commit_result
inline constexpr Duration kGapTimeout = std::chrono::seconds(1);     // missing seq
inline constexpr Duration kRosterSettle = std::chrono::seconds(1);   // hint lag allowed
inline constexpr std::size_t kMaxBufferedDeliveries = 256;           // reorder buffer
inline constexpr std::size_t kCommitHistory = 256;                   // epochs remembered

// EngineValidator is the MLS Authentication Service hook (RFC 9420 §5.3.1): it lets
// a credential into the group when the verifier accepts it at all (verified or
// provider-authenticated); the meeting policy is checked separately so that a
// violation is reported as such rather than as a broken message.
class EngineValidator final : public mls::CredentialValidator {
 public:
  explicit EngineValidator(const IdentityVerifier* verifier) : verifier_(verifier) {}
  Result<void> validate(const mls::Credential& credential, ByteView signature_key) const override;
  // thread_safe: as the verifier (a joiner then judges its tree's leaves in parallel).
  bool thread_safe() const override { return verifier_->thread_safe(); }

 private:
  const IdentityVerifier* verifier_;
};

struct PendingJoin {
  protocol::ParticipantId participant;
  mls::KeyPackage key_package;
};

struct PendingRemove {
  std::optional<protocol::ParticipantId> participant;
  std::uint32_t leaf = 0;
  Bytes leaf_key;  // who was at that leaf when asked: a later occupant is not removed
};

// InFlight is a Commit this member sent and has not yet seen in the stream.
struct InFlight {
  std::uint64_t epoch = 0;
  Bytes commit_hash;
  std::shared_ptr<const mls::Group> next;
  TimePoint sent_at{};
  bool self_update = false;
};

struct Engine::Impl {
  Impl(EngineConfig c, mls::MemberSigner sg, mls::CipherSuite s, sframe::MlsContext m)
      : config(std::move(c)),
        signer(std::move(sg)),
        suite(std::move(s)),
        media(std::move(m)),
        validator(config.verifier) {}

  EngineConfig config;
  mls::MemberSigner signer;
  mls::CipherSuite suite;
  sframe::MlsContext media;
  std::size_t sframe_nk = 16;
  EngineValidator validator;
  mls::GroupConfig group_config;

  EngineState state = EngineState::idle;
  protocol::Role role = protocol::Role::joiner;
  protocol::ParticipantId participant;
  protocol::ParticipantId leader;
  std::string resume_token;
  std::optional<Bytes> expected_group_id;
  std::optional<protocol::ExternalSender> external_sender;
  std::optional<mls::KeyPackageBundle> key_package;
  std::optional<mls::Group> group;

  // The ordered stream.
  std::optional<std::uint64_t> last_seq;
  std::map<std::uint64_t, protocol::MlsDelivery> future;  // early deliveries by seq
  std::optional<TimePoint> gap_since;
  std::uint64_t max_seen_seq = 0;
  std::uint64_t benign_duplicates_until = 0;  // a resync replays what we had
  bool gap_reported = false;
  std::map<std::uint64_t, Bytes> hash_by_seq;      // what each seq carried
  std::map<std::uint64_t, Bytes> tampered_seqs;    // seqs whose message failed, by hash
  std::map<std::uint64_t, Bytes> commit_by_epoch;  // epoch e -> hash of its Commit
  std::optional<Bytes> last_commit_hash;           // the Commit that made this epoch

  // The group as shown.
  std::optional<Policy> policy;
  bool policy_violated = false;
  std::vector<RosterMember> roster;
  std::vector<Bytes> leaf_keys;  // per leaf: signature key || credential ("" = blank)
  std::string security_code;
  std::map<std::uint32_t, protocol::ParticipantId> participant_by_leaf;
  std::optional<std::vector<protocol::RosterEntry>> roster_hint;
  std::optional<TimePoint> disagreement_since;
  std::string disagreement_reported;  // the last disagreement reported

  // Media keys (prepare / ready / execute).
  std::set<std::uint64_t> epochs_with_adds;
  std::optional<std::uint64_t> awaiting_switch;
  TimePoint switch_deadline{};
  std::optional<std::uint64_t> early_switch;  // switch_epoch before its Commit
  std::optional<TimePoint> grace_erase_at;    // when an old epoch's keys go

  // Leader and committer.
  std::vector<PendingJoin> pending_joins;
  std::vector<PendingRemove> pending_removes;
  std::optional<TimePoint> batch_deadline;
  std::optional<InFlight> in_flight;
  std::optional<TimePoint> self_update_at;
  TimePoint last_commit_at{};

  EngineStats stats;

  // engine.cc
  void send(Output& out, protocol::ClientMessage message);
  void report(Output& out, MisbehaviorKind kind, std::string detail);
  void on_session(const protocol::Session& s, TimePoint now, Output& out);
  void on_delivery(const protocol::MlsDelivery& d, TimePoint now, Output& out);
  void on_in_order(const protocol::MlsDelivery& d, TimePoint now, Output& out);
  void on_commit(const protocol::MlsDelivery& d, const Bytes& hash, TimePoint now, Output& out);
  void tampered(const protocol::MlsDelivery& d, const Bytes& hash, std::string detail, Output& out);
  void on_welcome(const protocol::WelcomeDelivery& w, TimePoint now, Output& out);
  void on_switch(std::uint64_t epoch, TimePoint now, Output& out);
  void on_roster_hint(std::vector<protocol::RosterEntry> roster, TimePoint now, Output& out);
  void check_roster(TimePoint now, Output& out);
  void create_group(TimePoint now, Output& out);
  void send_key_package(Output& out);
  void erase_everything();
  bool is_leader() const {
    return state == EngineState::member &&
           (role == protocol::Role::leader || role == protocol::Role::creator);
  }

  // engine_epoch.cc
  // enter_epoch makes next the current group: roster, policy, code, media keys.
  void enter_epoch(mls::Group next, std::optional<Bytes> commit_hash, bool joined, TimePoint now,
                   Output& out);
  Result<void> install_media_keys(bool adds, bool first, TimePoint now, Output& out);
  bool own_path_complete() const;
  void schedule_self_update(TimePoint now);

  // engine_commit.cc
  void on_join_request(const protocol::JoinRequest& r, TimePoint now, Output& out);
  void on_remove_request(const protocol::RemoveRequest& r, TimePoint now, Output& out);
  void queue_remove(std::optional<protocol::ParticipantId> participant, std::uint32_t leaf,
                    TimePoint now);
  void on_commit_result(const protocol::CommitResult& r, TimePoint now, Output& out);
  void commit_pending(TimePoint now, Output& out);
  void commit_self_update(TimePoint now, Output& out);
  void prune_pending();
  bool has_pending() const { return !pending_joins.empty() || !pending_removes.empty(); }
  void run_timers(TimePoint now, Output& out);
  std::optional<TimePoint> next_deadline() const;
};

// leaf_key is what identifies a member's leaf content for roster diffs.
Bytes leaf_key(const mls::LeafNode& leaf);

}  // namespace ztm::meeting
