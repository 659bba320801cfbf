// ztm::meeting::Engine: one participant's meeting logic, free of I/O
// (docs/meeting.md). It keeps the MLS group equal to the people in the meeting:
// the leader role (batched Adds and Removes, one Commit per epoch), failover,
// fork and tamper detection, the participant list from the group, the security
// code, the meeting policy, and the SFrame media keys with prepare/ready/execute
// epoch switching.
//
// Inputs are the service's messages (protocol::ServerMessage), timer ticks and user
// actions, each with the current time; outputs are messages for the service and
// events for the user interface. No sockets, no threads, no clock reads: the same
// inputs give the same outputs, so the simulation (test_tools/simulation) runs
// thousands of engines in one process. Not thread-safe: one engine per strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/secret.h"
#include "ztm/meeting/identity_verifier.h"
#include "ztm/meeting/policy.h"
#include "ztm/meeting/protocol.h"
#include "ztm/mls/group.h"
#include "ztm/sframe/mls_context.h"

namespace ztm::meeting {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

// EngineConfig: everything an engine needs; nothing is read from the environment.
struct EngineConfig {
  // Session.
  std::string meeting;
  std::string auth_token;
  std::string display_hint;
  // cipher_suite: the MLS suite (RFC 9420 §17.1); the SFrame suite follows it
  // (suite 1 -> AES_128_GCM_SHA256_128).
  std::uint16_t cipher_suite = 1;
  // verifier judges every credential (required; must outlive the engine).
  const IdentityVerifier* verifier = nullptr;
  // policy is written into the group when this engine creates it; a joiner takes
  // the group's policy and enforces it.
  Policy policy = Policy::provider_allowed;

  // batch_window: the leader waits this long after the first pending join or
  // remove before committing, so requests arriving close together share one
  // Commit and one Welcome. Default 50 ms (docs/meeting.md: "Batching").
  Duration batch_window = std::chrono::milliseconds(50);
  // max_batch bounds the Adds + Removes of one Commit; the rest wait for the next.
  std::size_t max_batch = 256;
  // grace_period: the previous epoch's receive keys live this long after the
  // switch to a new one, then they are erased.
  Duration grace_period = std::chrono::seconds(10);
  // Tree filling (docs/meeting.md: "Keeping removals O(log N)"): a member whose
  // direct path is incomplete commits one empty self-update with a path once the
  // group has been quiet for fill_quiet_period, fill_slot times its position
  // (bit-reversed leaf order among the members with incomplete paths) after that.
  // Disabled if fill_tree is false.
  bool fill_tree = true;
  Duration fill_quiet_period = std::chrono::seconds(2);
  Duration fill_slot = std::chrono::milliseconds(20);
  // sframe_epoch_bits: RFC 9605 §5.2 E; 2^E epochs live at once.
  unsigned sframe_epoch_bits = 4;
  // encrypt_handshake sends Commits as PrivateMessage; default PublicMessage so
  // the service can check the declared epoch (docs/protocol.md rule 4).
  bool encrypt_handshake = false;
  // key_log, when set, is handed each epoch's SFrame base key (RFC 9605 §5.2) as the
  // engine installs it, with the group's leaf count: the hook behind `ztmeet join
  // --keylog` (docs/client.md). Whoever holds what it writes can decrypt the media
  // of those epochs; it is unset unless the user asks.
  std::function<void(std::uint64_t epoch, std::uint32_t leaf_count, const SecretBytes& base_key)>
      key_log;
};

// EngineState is where the participant is in its life cycle.
enum class EngineState : std::uint8_t {
  idle,        // before start()
  connecting,  // hello sent, no session yet
  joining,     // KeyPackage sent, waiting for a Welcome
  member,      // in the group
  left,        // left, was removed, or the meeting ended: every key is erased
};

// RosterMember is one line of the participant list: a leaf of the MLS group.
struct RosterMember {
  std::uint32_t leaf = 0;
  MemberIdentity identity;
  bool is_self = false;
  // participant is the service's id for this leaf, if its roster hint named one
  // (routing only).
  std::optional<protocol::ParticipantId> participant;
  bool operator==(const RosterMember&) const = default;
};

// MisbehaviorKind names what an honest member detected.
enum class MisbehaviorKind : std::uint8_t {
  fork,                 // two different Commits for one epoch
  tamper,               // an MLS message or Welcome failed verification
  replay,               // a message delivered again (same seq, or an old epoch's Commit)
  policy_violation,     // an Add that breaks the meeting policy, or a changed policy
  roster_disagreement,  // the service's roster hint differs from the group
  protocol_violation,   // anything else the service did against docs/protocol.md
};
std::string_view to_string(MisbehaviorKind kind);

// Events, in the order they happened.
struct RosterChanged {
  std::vector<RosterMember> roster;
};
struct SecurityCodeChanged {
  std::uint64_t epoch = 0;
  std::string code;  // "12345 67890 12345 67890"
};
// EpochChanged: this member now holds (receive keys of) `epoch`. `sending` says
// whether media is already sent under it (Remove-only epochs, or the creator's
// epoch 0); otherwise sending follows at EpochSwitched.
struct EpochChanged {
  std::uint64_t epoch = 0;
  bool sending = false;
};
struct EpochSwitched {
  std::uint64_t epoch = 0;  // media is now sent under this epoch
};
struct RoleChanged {
  protocol::Role role = protocol::Role::member;
};
struct MisbehaviorDetected {
  MisbehaviorKind kind = MisbehaviorKind::protocol_violation;
  std::string detail;
};
// KeyframeNeeded: send a video keyframe now (a joiner got the key, or a receiver
// asked through the service).
struct KeyframeNeeded {
  std::optional<protocol::ParticipantId> requester;
};
struct Joined {
  std::uint64_t epoch = 0;
  std::uint32_t leaf = 0;
};
struct Removed {
  std::uint64_t epoch = 0;  // the epoch whose Commit removed this member
};
struct MeetingEndedEvent {
  std::string reason;
};
// ResyncNeeded: handshake messages are missing from the stream (a sequence gap that
// did not fill): reconnect (disconnected(), then start()) so the service replays
// everything after last_seq.
struct ResyncNeeded {
  std::optional<std::uint64_t> last_seq;
};
using Event = std::variant<RosterChanged, SecurityCodeChanged, EpochChanged, EpochSwitched,
                           RoleChanged, MisbehaviorDetected, KeyframeNeeded, Joined, Removed,
                           MeetingEndedEvent, ResyncNeeded>;

// Output is what one input produced: messages for the service, in order, and events.
struct Output {
  std::vector<protocol::ClientMessage> messages;
  std::vector<Event> events;
  void append(Output other);
};

// EngineStats counts what the engine did (for benchmarks and tests).
struct EngineStats {
  std::uint64_t commits_sent = 0;
  std::uint64_t commits_lost = 0;  // refused with epoch_taken and rebuilt
  std::uint64_t self_updates_sent = 0;
  std::uint64_t commits_processed = 0;
  std::uint64_t messages_dropped = 0;  // undecodable, tampered, replayed, forked
  std::uint64_t bytes_sent = 0;        // MLS bytes in messages to the service
  std::size_t last_commit_bytes = 0;
};

class Engine {
 public:
  // create checks the config (verifier set, signer fits the suite) and makes the
  // SFrame context. signer is this participant's signature key and credential (its
  // X.509 chain). The engine starts idle.
  static Result<std::unique_ptr<Engine>> create(EngineConfig config, mls::MemberSigner signer);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // start sends hello (a reconnect presents the resume token and last seq).
  Output start(TimePoint now);
  // handle processes one service message. Malformed, tampered or replayed input is
  // dropped and reported as an event; it never changes the group.
  Output handle(const protocol::ServerMessage& message, TimePoint now);
  // tick runs timers: the batching window, self-update slots, grace-period erase.
  Output tick(TimePoint now);
  // next_deadline is when tick() next has work, if ever.
  std::optional<TimePoint> next_deadline() const;
  // leave sends `leave` and erases every key.
  Output leave(TimePoint now);
  // reconnect: the transport dropped; the next start() resumes the session.
  void disconnected();

  // --- state
  EngineState state() const;
  protocol::Role role() const;
  bool is_leader() const;
  const protocol::ParticipantId& participant() const;
  std::optional<std::uint64_t> epoch() const;
  std::optional<std::uint32_t> own_leaf() const;
  // roster is the participant list of the current epoch (empty before joining).
  const std::vector<RosterMember>& roster() const;
  // security_code is the current code, "" before joining.
  const std::string& security_code() const;
  // policy is the group's policy (known once in the group).
  std::optional<Policy> policy() const;
  // media_allowed is false once a policy violation was seen (the member refuses to
  // send media to that group) and outside the group.
  bool media_allowed() const;
  // group is the MLS state (nullptr outside the group). Valid until the next call.
  const mls::Group* group() const;
  const EngineStats& stats() const;

  // --- media (RFC 9605 §5.2 keys of this group)
  // protect encrypts a frame under the sending epoch; fails with invalid_state when
  // media is not allowed (no group, or a policy violation).
  Result<MutableByteView> protect(std::uint64_t context_id, ByteView plaintext, ByteView metadata,
                                  MutableByteView out);
  // unprotect decrypts a frame of any live epoch (grace period included).
  Result<sframe::MlsUnprotected> unprotect(ByteView sframe_ciphertext, ByteView metadata,
                                           MutableByteView out, TimePoint now);
  // media_keys is the SFrame context itself, for a pipeline that wants it directly
  // (it bypasses the policy check of protect()).
  sframe::MlsContext& media_keys();

 private:
  Engine(EngineConfig config, mls::MemberSigner signer, sframe::MlsContext media);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// security_code_for is the code shown for an epoch that admitted someone:
// MLS-Exporter(kSecurityCodeLabel, "", 32) read as four 8-byte big-endian numbers,
// each reduced mod 100000 and printed with 5 digits (docs/security.md, "Security
// code").
inline constexpr std::string_view kSecurityCodeLabel = "ztmeet security code v1";
Result<std::string> security_code_for(const mls::Group& group);

// kSFrameExporterLabel is RFC 9605 §5.2's exporter label.
inline constexpr std::string_view kSFrameExporterLabel = "SFrame 1.0 Base Key";

}  // namespace ztm::meeting
