// Rendering the client's status (ztm/client/status.h).
#include "ztm/client/status.h"

#include <cstdio>
#include <sstream>

namespace ztm::client {

const char* shield_name(Shield shield) {
  switch (shield) {
    case Shield::connecting:
      return "connecting";
    case Shield::joining:
      return "joining";
    case Shield::secure:
      return "secure";
    case Shield::alert:
      return "alert";
    case Shield::ended:
      return "ended";
  }
  return "unknown";
}

namespace {

nlohmann::json counters_json(const StreamCounters& c) {
  return {{"frames", c.frames}, {"bytes", c.bytes}, {"sframe_overhead", c.sframe_overhead}};
}

std::string shield_line(Shield shield) {
  switch (shield) {
    case Shield::connecting:
      return "[ .. ] connecting to the service";
    case Shield::joining:
      return "[ .. ] joining: waiting to be admitted to the group";
    case Shield::secure:
      return "[SECURE] end-to-end encrypted; every member validated";
    case Shield::alert:
      return "[ALERT!] the client detected tampering: see below";
    case Shield::ended:
      return "[ENDED] meeting over; keys erased";
  }
  return {};
}

}  // namespace

std::string render_view(const ClientStatus& s, bool ansi) {
  std::ostringstream out;
  if (ansi) out << "\x1b[H\x1b[2J";
  out << shield_line(s.shield) << "\n";
  out << "meeting " << s.meeting << "   me: " << s.self_identity << "   epoch " << s.epoch << "\n";
  out << "security code: " << (s.security_code.empty() ? "(not in the group yet)" : s.security_code)
      << "\n";
  out << "participants (" << s.participants.size() << ", from the MLS group):\n";
  for (const auto& p : s.participants) {
    char line[512];
    std::snprintf(line, sizeof line, "  %c%c leaf %-3u %-32s %-22s", p.self ? '*' : ' ',
                  p.leader ? 'L' : ' ', p.leaf, p.identity.c_str(), p.status.c_str());
    out << line;
    if (!p.organization.empty()) out << " (" << p.organization << ")";
    if (!p.self) {
      out << "  rx audio " << p.audio_received.frames << " video " << p.video_received.frames;
      if (p.decrypt_errors != 0) out << "  DECRYPT ERRORS " << p.decrypt_errors;
    }
    out << "\n";
  }
  out << "sent: audio " << s.audio_sent.frames << " frames, video " << s.video_sent.frames
      << " frames; media link " << (s.media_connected ? "up" : "down") << "\n";
  if (s.undecryptable_frames != 0) {
    out << "frames without a key (e.g. sent before we joined): " << s.undecryptable_frames << "\n";
  }
  for (const auto& a : s.alerts) out << "  ! " << a << "\n";
  return out.str();
}

nlohmann::json status_json(const ClientStatus& s) {
  nlohmann::json participants = nlohmann::json::array();
  for (const auto& p : s.participants) {
    participants.push_back({{"leaf", p.leaf},
                            {"identity", p.identity},
                            {"status", p.status},
                            {"organization", p.organization},
                            {"self", p.self},
                            {"leader", p.leader},
                            {"audio_received", counters_json(p.audio_received)},
                            {"video_received", counters_json(p.video_received)},
                            {"decrypt_errors", p.decrypt_errors}});
  }
  return {{"shield", shield_name(s.shield)},
          {"meeting", s.meeting},
          {"participant_id", s.participant_id},
          {"self", s.self_identity},
          {"epoch", s.epoch},
          {"security_code", s.security_code},
          {"participants", participants},
          {"audio_sent", counters_json(s.audio_sent)},
          {"video_sent", counters_json(s.video_sent)},
          {"undecryptable_frames", s.undecryptable_frames},
          {"alerts", s.alerts},
          {"media_connected", s.media_connected}};
}

}  // namespace ztm::client
