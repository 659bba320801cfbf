// `ztmeet join`: join a meeting as an enrolled identity (ztm/client/client.h).
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>

#include "commands.h"
#include "ztm/client/client.h"
#include "ztm/client/identity.h"

namespace ztm::app {
namespace {

struct JoinArgs {
  std::string service;
  std::vector<std::string> more_services;
  std::string service_ca;
  std::string meeting;
  std::string token;
  std::string name;
  std::string identity_dir;
  std::string key_file;
  std::string chain_file;
  std::vector<std::string> anchors;
  std::uint16_t suite = 1;
  std::string policy = "provider-allowed";
  bool no_audio = false;
  double tone_hz = 440.0;
  std::string audio_file;
  bool video = false;
  std::string video_file;
  unsigned width = 320;
  unsigned height = 240;
  unsigned fps = 15;
  std::string record_dir;
  std::string key_log;
  double duration_s = 0;
  double leave_after_s = 0;
  bool json = false;
  bool log = false;
  bool commands_stdin = false;
  int status_interval_ms = 1000;
};

// A signal asks the loop to leave cleanly (the leave reaches the service, keys are
// erased); a second one is not needed: the loop checks at least every 100 ms.
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  g_stop = true;
}

[[noreturn]] void die(const std::string& message) {
  std::cerr << "ztmeet join: error: " << message << "\n";
  throw CLI::RuntimeError(1);
}

void run(const JoinArgs& a) {
  client::IdentityFiles files{a.identity_dir, a.key_file, a.chain_file, a.anchors};
  if (a.identity_dir.empty() && (a.key_file.empty() || a.chain_file.empty())) {
    die("give --identity DIR (as written by `ztmeet enroll --out DIR`), or --key and --chain");
  }
  auto identity = client::load_client_identity(files, a.suite);
  if (!identity) die(identity.error().what());
  if (!identity->own_status.credential) {
    // The other members would refuse this credential: say so before connecting.
    die("our own certificate does not validate against the given anchors: " +
        identity->own_status.summary());
  }

  client::ClientOptions o;
  o.service_url = a.service;
  o.more_service_urls = a.more_services;
  o.service_ca_bundle = a.service_ca;
  o.meeting = a.meeting;
  o.auth_token = a.token;
  o.display_name = a.name;
  o.cipher_suite = a.suite;
  o.policy = a.policy == "verified-only" ? meeting::Policy::verified_only
                                         : meeting::Policy::provider_allowed;
  o.media.audio = !a.no_audio;
  o.media.tone_hz = a.tone_hz;
  o.media.audio_file = a.audio_file;
  o.media.video = a.video || !a.video_file.empty();
  o.media.video_file = a.video_file;
  o.media.width = a.width;
  o.media.height = a.height;
  o.media.fps = a.fps;
  o.media.video_seed = static_cast<std::uint32_t>(a.tone_hz);
  o.record_dir = a.record_dir;
  o.key_log = a.key_log;
  if (a.duration_s > 0)
    o.duration = std::chrono::milliseconds(static_cast<long>(a.duration_s * 1000));
  if (a.leave_after_s > 0) {
    o.leave_after = std::chrono::milliseconds(static_cast<long>(a.leave_after_s * 1000));
  }
  o.commands_from_stdin = a.commands_stdin;
  o.output = a.json ? client::OutputMode::json
                    : (a.log ? client::OutputMode::log : client::OutputMode::live);
  o.status_interval = std::chrono::milliseconds(a.status_interval_ms);
  o.stop_requested = &g_stop;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  auto summary =
      client::run(o, std::move(*identity), client::make_websocket_connector(), std::cout);
  if (!summary) die(summary.error().what());
}

}  // namespace

void add_join_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "join",
      "Join a meeting: connect to the service (wss), run MLS with the other members, send\n"
      "an Opus tone (and VP8 video with --video) encrypted end to end with SFrame, and\n"
      "show who is in the meeting as their certificates say, with the security code.\n"
      "Example: ztmeet join --service wss://meet.example.com:8443/v1/meetings \\\n"
      "           --meeting standup --identity ~/.ztmeet/id \\\n"
      "           --anchor 'org:Example Corp:example.com:example-ca.pem' --anchor "
      "provider:provider-ca.pem");
  auto a = std::make_shared<JoinArgs>();
  cmd->add_option("--service", a->service,
                  "The service's WebSocket URL (wss://host:port/v1/meetings)")
      ->required();
  cmd->add_option("--also-service", a->more_services,
                  "Another node of the same multi-node service, tried when the others cannot "
                  "be reached (repeatable)");
  cmd->add_option("--service-ca", a->service_ca,
                  "PEM trust anchors for the service's TLS certificate (default: system store)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--meeting", a->meeting, "Meeting id")->required();
  cmd->add_option("--token", a->token,
                  "The service's access token (transport only, never E2E trust)");
  cmd->add_option("--name", a->name, "Display hint for the service's roster");
  cmd->add_option("--identity", a->identity_dir,
                  "Directory with signature-key.pem and chain.pem (ztmeet enroll --out)");
  cmd->add_option("--key", a->key_file, "Signature key file (instead of --identity)");
  cmd->add_option("--chain", a->chain_file, "Certificate chain file (instead of --identity)");
  cmd->add_option("--anchor", a->anchors,
                  "Trust anchor, repeatable: org:<organization>:<domain,...>:<ca.pem> or "
                  "provider:<ca.pem>")
      ->required();
  cmd->add_option("--suite", a->suite, "MLS cipher suite")->capture_default_str();
  cmd->add_option("--policy", a->policy, "Policy when this client creates the group")
      ->check(CLI::IsMember({"verified-only", "provider-allowed"}))
      ->capture_default_str();
  cmd->add_flag("--no-audio", a->no_audio, "Send no audio");
  cmd->add_option("--tone", a->tone_hz, "Frequency of the generated audio tone (Hz)")
      ->capture_default_str();
  cmd->add_option("--audio-file", a->audio_file, "Send this Ogg Opus file instead of the tone")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--video", a->video, "Send generated VP8 video");
  cmd->add_option("--video-file", a->video_file, "Send this IVF (VP8) file")
      ->check(CLI::ExistingFile);
  cmd->add_option("--width", a->width, "Generated video width")->capture_default_str();
  cmd->add_option("--height", a->height, "Generated video height")->capture_default_str();
  cmd->add_option("--fps", a->fps, "Generated video frame rate")
      ->check(CLI::Range(1, 60))
      ->capture_default_str();
  cmd->add_option("--record-dir", a->record_dir,
                  "Write decrypted media per participant (Ogg/IVF) and frame hash logs here");
  cmd->add_option("--keylog", a->key_log,
                  "Append each epoch's SFrame base key to this file (created 0600), to decrypt "
                  "captured media later; whoever reads it can decrypt the meeting");
  cmd->add_option("--duration", a->duration_s, "Leave after this many seconds");
  cmd->add_option("--leave-after", a->leave_after_s,
                  "Leave this many seconds after being admitted to the group");
  cmd->add_flag("--json", a->json,
                "One JSON event per line on stdout, for scripts (docs/client.md)");
  cmd->add_flag("--log", a->log, "Print the view when it changes, without redrawing the terminal");
  cmd->add_flag("--commands-stdin", a->commands_stdin,
                "Read commands from stdin: leave, keyframe, status");
  cmd->add_option("--status-interval-ms", a->status_interval_ms,
                  "How often the view/status updates")
      ->check(CLI::Range(50, 60000))
      ->capture_default_str();
  cmd->callback([a] { run(*a); });
}

ZTM_REGISTER_COMMAND(55, add_join_command);

}  // namespace ztm::app
