// Client: one participant in one meeting — `ztmeet join` as a library call. It
// joins the meeting engine (ztm/meeting/engine.h, sans-I/O) to the service over a
// SignalingChannel, to the SFU over a MediaLink (ICE/DTLS-SRTP), and to media
// sources and sinks: it sends a generated Opus tone (or an Ogg Opus file) and
// optionally generated VP8 video (or an IVF file), one SFrame per frame, and writes
// every frame it decrypts per remote participant (Ogg/IVF) with a frame hash log.
//
// Threading: run() owns the calling thread and runs one loop that alone touches the
// engine and the media pipelines (STYLE rule 18). Signaling, media link and stdin
// threads only hand copies of what they received to that loop through a queue.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ztm/base/error.h"
#include "ztm/client/identity.h"
#include "ztm/client/signaling.h"
#include "ztm/client/status.h"
#include "ztm/meeting/policy.h"

namespace ztm::client {

// MediaOptions say what this participant sends.
struct MediaOptions {
  bool audio = true;
  double tone_hz = 440.0;  // the generated tone (when no audio_file)
  std::string audio_file;  // an Ogg Opus file to send instead of the tone
  bool video = false;
  std::string video_file;  // an IVF (VP8) file to send instead of generated frames
  unsigned width = 320;
  unsigned height = 240;
  unsigned fps = 15;
  std::uint32_t video_seed = 0;  // pattern of the generated video
};

// OutputMode: who reads the client's output.
enum class OutputMode : std::uint8_t {
  live,  // a person: the terminal view, redrawn in place
  log,   // a person reading a log: the view printed when it changes, no escape codes
  json,  // scripts and tests: one JSON object per line (see docs/client.md)
};

struct ClientOptions {
  std::string service_url;  // wss://host:port/v1/meetings
  // more_service_urls: other nodes of the same multi-node service. When the node in
  // use cannot be reached, the client tries the next of service_url and these; a node
  // that does not own the meeting redirects to the one that does (at most
  // protocol::kMaxRedirects in a row).
  std::vector<std::string> more_service_urls;
  std::string service_ca_bundle;  // PEM trust anchors for the service's TLS certificate
  std::string meeting;
  std::string auth_token;
  std::string display_name;
  std::uint16_t cipher_suite = 1;
  meeting::Policy policy = meeting::Policy::provider_allowed;  // if this client creates the group
  MediaOptions media;
  // record_dir: decrypted media per remote participant (leaf<N>-audio.opus,
  // leaf<N>-video.ivf), sent.framelog and received.framelog. Empty: nothing written.
  std::filesystem::path record_dir;
  // key_log: append each epoch's SFrame base key to this file (created 0600; an
  // existing one must not be readable by others), to decrypt captured media later.
  // Empty: no key leaves the process. Anyone holding the file can decrypt the media.
  std::filesystem::path key_log;
  // duration: leave after this long in total. leave_after: leave this long after
  // being admitted to the group. Either ends the run; without both, the client runs
  // until the meeting ends, it is removed, or it is told to leave.
  std::optional<std::chrono::milliseconds> duration;
  std::optional<std::chrono::milliseconds> leave_after;
  // connect_timeout bounds the first connection to the service.
  std::chrono::milliseconds connect_timeout{10000};
  // reconnect: when the signaling connection drops, reconnect and resume (catch-up)
  // for up to reconnect_window before giving up.
  std::chrono::milliseconds reconnect_window{30000};
  // commands_from_stdin: read "leave", "keyframe", "status", "quit" lines from stdin.
  bool commands_from_stdin = false;
  OutputMode output = OutputMode::live;
  // stop_requested: when it becomes true (e.g. set by a SIGINT/SIGTERM handler), the
  // client leaves the meeting cleanly and returns. May be null.
  const std::atomic<bool>* stop_requested = nullptr;
  // status_interval: how often the view is redrawn / a "status" event is written.
  std::chrono::milliseconds status_interval{1000};
};

// RunSummary is what run() reports at the end (also the final "summary" event).
struct RunSummary {
  ClientStatus final_status;
  bool left_cleanly = false;  // the client left (or the meeting ended) by itself
  bool keys_erased = false;   // no SFrame key or MLS group remains
  std::string end_reason;
};

// run joins the meeting and returns when it is over for this client. Errors are for
// failures before the meeting could start (no connection, identity refused, bad
// media file); what happens later is reported in the summary and the events.
Result<RunSummary> run(const ClientOptions& options, ClientIdentity identity,
                       const SignalingConnector& connector, std::ostream& out);

}  // namespace ztm::client
