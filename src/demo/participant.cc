// Driving a `ztmeet join` process (ztm/demo/participant.h).
#include "ztm/demo/participant.h"

#include <set>
#include <thread>

namespace ztm::demo {

Result<Participant> Participant::start(const ParticipantOptions& o) {
  std::vector<std::string> args{"join",
                                "--service",
                                o.service_url,
                                "--service-ca",
                                o.service_ca,
                                "--meeting",
                                o.meeting,
                                "--identity",
                                o.identity_dir.string(),
                                "--json",
                                "--commands-stdin",
                                "--tone",
                                std::to_string(o.tone_hz)};
  for (const auto& a : o.anchors) {
    args.push_back("--anchor");
    args.push_back(a);
  }
  if (!o.record_dir.empty()) {
    args.push_back("--record-dir");
    args.push_back(o.record_dir.string());
  }
  if (!o.audio) args.push_back("--no-audio");
  if (o.video) args.push_back("--video");
  if (!o.policy.empty()) {
    args.push_back("--policy");
    args.push_back(o.policy);
  }
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
  Participant p;
  p.options_ = o;
  ZTM_TRY_ASSIGN(p.process_, Process::spawn({o.ztmeet, args, {}, o.log_file, true, true}));
  return p;
}

bool Participant::read_one(std::chrono::milliseconds timeout) {
  auto line = process_.read_line(timeout);
  if (!line) return false;
  auto j = nlohmann::json::parse(*line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    j = nlohmann::json{{"event", "unparsed"}, {"line", *line}};
  }
  events_.push_back(std::move(j));
  return true;
}

void Participant::poll() {
  while (read_one(std::chrono::milliseconds(0))) {
  }
}

std::optional<nlohmann::json> Participant::wait_for(
    const std::string& event, const std::function<bool(const nlohmann::json&)>& match,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Events already read count too: a test may ask after the fact.
  std::size_t checked = 0;
  for (;;) {
    for (; checked < events_.size(); ++checked) {
      const auto& e = events_[checked];
      if (e.value("event", "") == event && (!match || match(e))) return e;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (!read_one(left) && process_.stdout_closed()) return std::nullopt;
  }
}

std::optional<nlohmann::json> Participant::latest(const std::string& event) const {
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (it->value("event", "") == event) return *it;
  }
  return std::nullopt;
}

std::optional<nlohmann::json> Participant::finish(std::chrono::milliseconds timeout) {
  auto summary = wait_for("summary", nullptr, timeout);
  process_.close_stdin();
  process_.wait(std::chrono::milliseconds(5000));
  return summary;
}

std::optional<std::map<std::string, nlohmann::json>> wait_converged(
    const std::vector<Participant*>& participants,
    const std::function<bool(const nlohmann::json&)>& match, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::map<std::string, nlohmann::json> latest;
    std::set<std::pair<std::string, std::uint64_t>> seen;
    bool all = true;
    for (auto* p : participants) {
      p->poll();
      auto s = p->latest("status");
      if (!s || !match(*s)) {
        all = false;
        break;
      }
      seen.insert({s->value("security_code", ""), s->value("epoch", std::uint64_t{0})});
      latest[p->name()] = *s;
    }
    if (all && seen.size() == 1) return latest;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    // Wait for the next status of the first participant (statuses come regularly).
    participants.front()->wait_for("status", nullptr, std::chrono::milliseconds(0));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace ztm::demo
