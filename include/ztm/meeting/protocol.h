// The signaling protocol between a client and the meeting service, version 1
// (docs/protocol.md is its specification; this header is its C++ form).
//
// Every message is one JSON object in one WebSocket text frame, with "type" naming
// it. MLS messages travel as base64url (RFC 4648 §5, no padding) of their TLS
// encoding (RFC 9420 §6). The service is untrusted: nothing it says changes who is
// in the group; the MLS messages it relays are authenticated end to end, and the
// hints it adds (roster, participant ids, leaf indexes) are checked against the
// group or only used for routing.
//
// Decoding is strict: unknown types, missing or mistyped fields, oversized values
// and malformed base64 are typed errors (Errc::invalid_encoding or
// Errc::length_too_large) naming the field. Unknown extra fields are ignored, so a
// later minor version can add fields without breaking version-1 peers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::meeting::protocol {

inline constexpr int kVersion = 1;

// Limits applied while decoding (a Commit at 10 000 members with a path is a few
// hundred kilobytes; a Welcome with an inline ratchet tree is larger).
inline constexpr std::size_t kMaxMessageBytes = 16 * 1024 * 1024;  // one JSON frame
inline constexpr std::size_t kMaxIdLength = 128;  // meeting and participant ids, tokens
inline constexpr std::size_t kMaxListLength = 100000;

// ParticipantId names one connection's participant inside a meeting. The service
// assigns it; it is routing information, never identity (the MLS credential is).
using ParticipantId = std::string;

// Role is what the service asks a participant to do.
enum class Role : std::uint8_t {
  creator,  // no group exists: create it (epoch 0) and lead it
  leader,   // a group member designated to commit Adds and Removes
  member,   // a group member
  joiner,   // not in the group yet: send a KeyPackage and wait for a Welcome
};

// MlsKind is what an MLS message carries, as the sender declares it; the service
// checks the declaration against the message's cleartext header (content_type and
// epoch are visible in both PublicMessage and PrivateMessage, RFC 9420 §6).
enum class MlsKind : std::uint8_t { commit, proposal, application };

// RosterEntry is the service's view of one participant: a hint only. Clients build
// their participant list from the MLS group and flag disagreements.
struct RosterEntry {
  ParticipantId participant;
  std::string display_hint;           // what the participant called itself at hello
  std::optional<std::uint32_t> leaf;  // the leaf the leader said it was added at
  bool in_group = false;              // the service saw a Welcome/commit admitting it
};

// ExternalSender is the service's MLS external-sender identity (RFC 9420
// §12.1.8.1): the creator puts it into the group's external_senders extension so
// the service can propose the Remove of a participant whose connection died.
struct ExternalSender {
  Bytes signature_key;  // SignaturePublicKey of the group's cipher suite
  Bytes credential;     // TLS-encoded Credential (basic, identity = service name)
};

// ---------------------------------------------------------------- client -> service

// Hello opens a session. A reconnecting client presents its resume token and the
// sequence number of the last MLS message it processed, and the service replays
// every later one (catch-up).
struct Hello {
  int version = kVersion;
  std::string meeting;
  std::string auth_token;  // transport-level authentication only, never trusted for E2E
  std::string display_hint;
  std::uint16_t cipher_suite = 1;  // the MLS suite the client runs (all members must agree)
  std::optional<std::string> resume_token;
  std::optional<std::uint64_t> last_seq;
};

// GroupCreated: the creator made the group at epoch 0 and is its leaf 0.
struct GroupCreated {
  Bytes group_id;
  Bytes group_info;  // MLSMessage(GroupInfo) of epoch 0, for the service's records
};

// SubmitKeyPackage: a joiner's KeyPackage (MLSMessage), to be routed to the leader.
struct SubmitKeyPackage {
  Bytes key_package;
};

// Admission tells the service which participant a Commit adds and at which leaf,
// so it can route the Welcome and keep the leaf hints of its roster.
struct Admission {
  ParticipantId participant;
  std::uint32_t leaf = 0;
};

// SubmitCommit: a Commit built on `epoch`. The service accepts the first Commit for
// the meeting's current epoch and refuses every later one for that epoch.
struct SubmitCommit {
  std::uint64_t epoch = 0;
  Bytes commit;                        // MLSMessage (Public or PrivateMessage)
  std::optional<Bytes> welcome;        // MLSMessage(Welcome) if it adds members
  std::optional<Bytes> group_info;     // MLSMessage(GroupInfo) of the new epoch
  std::vector<Admission> added;        // who the Welcome is for
  std::vector<ParticipantId> removed;  // who the Commit removes
};

// SendMls: a proposal or application message to fan out to every other member.
struct SendMls {
  MlsKind kind = MlsKind::application;
  std::uint64_t epoch = 0;
  Bytes message;
};

// Ready: this member holds the receive keys of `epoch` (prepare/ready/execute, see
// SwitchEpoch).
struct Ready {
  std::uint64_t epoch = 0;
};

// MediaOffer: the client's ICE-lite credentials and DTLS certificate fingerprint for
// its media link to the SFU (RFC 8839 ice-ufrag/ice-pwd, RFC 8122 fingerprint).
struct MediaOffer {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint;  // "sha-256 AB:CD:..."
};

// Report: a client tells the service (and its logs) what it detected, e.g. two
// different Commits for one epoch. Informational: the client does not rely on it.
struct Report {
  std::string kind;  // "fork", "tamper", "replay", "policy_violation", ...
  std::string detail;
};

// Leave: a graceful leave; the service asks the leader to remove the participant.
struct Leave {};

using ClientMessage = std::variant<Hello, GroupCreated, SubmitKeyPackage, SubmitCommit, SendMls,
                                   Ready, MediaOffer, Report, Leave>;

// ---------------------------------------------------------------- service -> client

// Session answers Hello.
struct Session {
  ParticipantId participant;
  std::string resume_token;
  Role role = Role::joiner;
  std::uint64_t epoch = 0;        // the meeting's current epoch (0 if no group yet)
  std::optional<Bytes> group_id;  // absent when role == creator
  std::optional<ExternalSender> external_sender;
  std::vector<RosterEntry> roster;
};

// LeaderChanged: the service designated a new leader (docs/protocol.md gives the
// deterministic rule). `previous` is set when the old leader is gone: the new
// leader's first Commit removes it.
struct LeaderChanged {
  ParticipantId leader;
  std::optional<ParticipantId> previous;
  std::optional<std::uint32_t> previous_leaf;
};

// JoinRequest: a joiner's KeyPackage, delivered to the leader (again to each new
// leader until the joiner is admitted).
struct JoinRequest {
  ParticipantId participant;
  Bytes key_package;
};

// RemoveRequest: the service asks the leader to remove a participant that left or
// whose connection died. When the group lists the service as an external sender,
// `proposal` carries its signed Remove proposal (MLSMessage) for the leader to
// commit by reference.
struct RemoveRequest {
  ParticipantId participant;
  std::optional<std::uint32_t> leaf;
  std::optional<Bytes> proposal;
};

// MlsDelivery: one message of the meeting's ordered handshake/application stream.
// Handshake messages (commits and proposals) carry consecutive sequence numbers that a
// reconnecting client presents in Hello.last_seq; application messages carry the
// sequence number of the last handshake message before them.
struct MlsDelivery {
  std::uint64_t seq = 0;
  MlsKind kind = MlsKind::application;
  std::uint64_t epoch = 0;
  ParticipantId sender;  // routing hint; the MLS sender inside is authoritative
  Bytes message;
};

// WelcomeDelivery: the Welcome that admits this joiner.
struct WelcomeDelivery {
  std::uint64_t epoch = 0;  // the epoch the Welcome is for
  std::uint64_t seq = 0;    // the sequence number of the Commit that made it
  Bytes welcome;
};

// CommitResult answers SubmitCommit.
struct CommitResult {
  bool accepted = false;
  std::uint64_t epoch = 0;  // the meeting's current epoch after the decision
  std::optional<std::uint64_t> seq;
  std::string reason;  // why a Commit was refused ("epoch_taken", "not_a_member", ...)
};

// SwitchEpoch: every member (or the ready quorum, or the timeout) holds the keys of
// `epoch`; senders switch their media to it now.
struct SwitchEpoch {
  std::uint64_t epoch = 0;
};

// RosterUpdate: the service's roster changed (a hint, see RosterEntry).
struct RosterUpdate {
  std::vector<RosterEntry> roster;
};

// MediaAnswer: the SFU's side of the media link.
struct MediaAnswer {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint;
  std::string candidate;  // "ip:port" of the SFU's UDP socket
};

// KeyframeRequest: a receiver (e.g. a joiner that now holds the key) needs a video
// keyframe from this sender.
struct KeyframeRequest {
  ParticipantId requester;
};

// MeetingEnded: the meeting is over; erase every key.
struct MeetingEnded {
  std::string reason;
};

// ServiceError: a request was refused. Codes: "unsupported_version",
// "unauthorized", "malformed", "not_leader", "not_a_member", "unknown_participant",
// "too_large", "rate_limited", "internal", "unavailable" (a node of a multi-node
// service cannot reach its shared state: retry).
struct ServiceError {
  std::string code;
  std::string message;
};

// Redirect answers a Hello on a node of a multi-node service that does not own the
// meeting: the client closes this connection and says the same hello (with its
// resume token) at `url`, the owning node's wss URL. Clients follow at most
// kMaxRedirects in a row (docs/decisions/0075-multi-node-redis-leases.md).
struct Redirect {
  std::string url;
};
inline constexpr int kMaxRedirects = 3;
inline constexpr std::size_t kMaxUrlLength = 2048;

using ServerMessage =
    std::variant<Session, LeaderChanged, JoinRequest, RemoveRequest, MlsDelivery, WelcomeDelivery,
                 CommitResult, SwitchEpoch, RosterUpdate, MediaAnswer, KeyframeRequest,
                 MeetingEnded, ServiceError, Redirect>;

// ---------------------------------------------------------------- codec

std::string encode(const ClientMessage& message);
std::string encode(const ServerMessage& message);
Result<ClientMessage> decode_client_message(std::string_view json);
Result<ServerMessage> decode_server_message(std::string_view json);

// type_name is the message's "type" string ("hello", "commit_result", ...), for logs.
std::string_view type_name(const ClientMessage& message);
std::string_view type_name(const ServerMessage& message);

std::string_view to_string(Role role);
std::string_view to_string(MlsKind kind);

}  // namespace ztm::meeting::protocol
