// Participant: one `ztmeet join --json --commands-stdin` process, driven from the
// demo or an integration test. Its JSON line events (docs/client.md) are read as
// they come; the driver waits for the events it needs and sends commands
// ("leave", "keyframe", "status") on the client's stdin.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ztm/base/error.h"
#include "ztm/demo/process.h"

namespace ztm::demo {

struct ParticipantOptions {
  std::string ztmeet;       // the binary
  std::string name;         // for messages ("alice")
  std::string service_url;  // wss://127.0.0.1:<port>/v1/meetings
  std::string service_ca;   // PEM trust for the service's TLS
  std::string meeting;
  std::filesystem::path identity_dir;
  std::vector<std::string> anchors;
  std::filesystem::path record_dir;
  std::filesystem::path log_file;  // the client's stderr
  double tone_hz = 440.0;
  bool audio = true;
  bool video = false;
  std::string policy;  // "" (client default), "verified-only", "provider-allowed"
  std::vector<std::string> extra_args;
};

class Participant {
 public:
  static Result<Participant> start(const ParticipantOptions& options);

  const std::string& name() const { return options_.name; }
  const ParticipantOptions& options() const { return options_; }
  Process& process() { return process_; }

  // wait_for reads events until one named `event` satisfies `match` (nullptr: any),
  // and returns it; nullopt after timeout or when the client's output ends. Every
  // event read is kept in events().
  std::optional<nlohmann::json> wait_for(const std::string& event,
                                         const std::function<bool(const nlohmann::json&)>& match,
                                         std::chrono::milliseconds timeout);
  // poll reads what is available now without waiting.
  void poll();
  // latest returns the most recent event of that name already read.
  std::optional<nlohmann::json> latest(const std::string& event) const;
  const std::vector<nlohmann::json>& events() const { return events_; }

  Result<void> command(const std::string& line) { return process_.write_line(line); }
  // finish waits for the client to exit (after leave or meeting end) and returns its
  // "summary" event.
  std::optional<nlohmann::json> finish(std::chrono::milliseconds timeout);

 private:
  Participant() = default;
  bool read_one(std::chrono::milliseconds timeout);
  ParticipantOptions options_;
  Process process_;
  std::vector<nlohmann::json> events_;
};

// wait_converged waits until the newest status event of every participant satisfies
// `match` and all of them show the same epoch and security code (statuses come
// every status interval, so a member that just moved on is waited for), and returns
// those statuses by participant name; nullopt after timeout.
std::optional<std::map<std::string, nlohmann::json>> wait_converged(
    const std::vector<Participant*>& participants,
    const std::function<bool(const nlohmann::json&)>& match, std::chrono::milliseconds timeout);

}  // namespace ztm::demo
