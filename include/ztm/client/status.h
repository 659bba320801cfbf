// ClientStatus: what `ztmeet join` shows a person (the live terminal view) and tells
// scripts (`--json`: one JSON object per line). It is a snapshot the client builds
// from its meeting engine and media counters; rendering it does no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ztm::client {

// Shield is the one-word security state at the top of the view.
enum class Shield : std::uint8_t {
  connecting,  // no session with the service yet
  joining,     // waiting for a Welcome (or creating the group)
  secure,      // in the group, every member validated, nothing suspicious seen
  alert,       // in the group, but the client detected tampering, a fork or a policy breach
  ended,       // the meeting ended or this client left; every key is erased
};
const char* shield_name(Shield shield);

// StreamCounters count one direction of one media stream.
struct StreamCounters {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;            // media bytes (plaintext frames)
  std::uint64_t sframe_overhead = 0;  // SFrame header + tag bytes over those frames
};

// ParticipantView is one line of the participant list: a leaf of the MLS group and
// what the credential validated to (never the service's roster).
struct ParticipantView {
  std::uint32_t leaf = 0;
  std::string identity;      // email, device name or service URI from the certificate
  std::string status;        // "verified", "provider-authenticated", "invalid"
  std::string organization;  // the vouching organization (verified only)
  bool self = false;
  bool leader = false;
  StreamCounters audio_received;
  StreamCounters video_received;
  std::uint64_t decrypt_errors = 0;  // frames from this sender that failed SFrame
};

struct ClientStatus {
  Shield shield = Shield::connecting;
  std::string meeting;
  std::string participant_id;  // the service's routing id (not identity)
  std::string self_identity;
  std::uint64_t epoch = 0;
  std::string security_code;  // empty until in the group
  std::vector<ParticipantView> participants;
  StreamCounters audio_sent;
  StreamCounters video_sent;
  std::uint64_t undecryptable_frames = 0;  // no key for the frame's KID/epoch
  std::vector<std::string> alerts;         // what made the shield `alert`, newest last
  bool media_connected = false;
};

// render_view draws the terminal view (plain text, one screen, no escape codes
// except when `ansi` is set, which adds a clear-screen prefix for live redraws).
std::string render_view(const ClientStatus& status, bool ansi);

// status_json is the snapshot as JSON (the "status" event's body).
nlohmann::json status_json(const ClientStatus& status);

}  // namespace ztm::client
