// DeliveryService: adopting and dropping single meetings, for a node of a multi-node
// service (include/ztm/server/cluster.h). A node holds the meetings whose Redis lease
// it owns; it adopts a meeting when it takes the lease and drops it when it loses it.
#include <algorithm>

#include "internal/delivery_state.h"
#include "ztm/server/delivery_service.h"

namespace ztm::server {

bool DeliveryService::has_meeting(const std::string& meeting) const {
  return state_->meetings.contains(meeting);
}

Result<void> DeliveryService::adopt_meeting(MeetingRecord record, TimePoint now) {
  State& s = *state_;
  if (s.meetings.contains(record.meeting)) {
    return fail(Errc::invalid_state, "delivery: the meeting is loaded already");
  }
  // create() loads each stored meeting at a restart through here too: to the members,
  // an owner change is a service restart.
  Meeting m;
  m.log = std::move(record.log);
  std::sort(m.log.begin(), m.log.end(),
            [](const LogRecord& a, const LogRecord& b) { return a.seq < b.seq; });
  for (auto& pr : record.participants) {
    Participant p;
    p.disconnected_at = now;
    if (!pr.resume_token_hash.empty()) {
      s.tokens[to_hex(pr.resume_token_hash)] = {record.meeting, pr.participant};
    }
    // A remove_request sent before (by the previous owner or process) went to a leader
    // connection that is gone.
    p.remove_requested = false;
    p.record = std::move(pr);
    std::string id = p.record.participant;
    m.participants.emplace(std::move(id), std::move(p));
  }
  record.participants.clear();
  m.row = std::move(record);
  m.idle_since = now;
  std::string id = m.row.meeting;
  s.meetings.emplace(std::move(id), std::move(m));
  return ok();
}

Output DeliveryService::drop_meeting(const std::string& meeting) {
  State& s = *state_;
  auto it = s.meetings.find(meeting);
  if (it == s.meetings.end()) return s.take();
  Meeting& m = it->second;
  for (auto& [id, p] : m.participants) {
    if (!p.record.resume_token_hash.empty()) s.tokens.erase(to_hex(p.record.resume_token_hash));
    if (s.config.media) s.config.media->remove_peer(meeting, id);
    if (p.connection) {
      s.out.close.push_back(*p.connection);
      s.connections.erase(*p.connection);
    }
  }
  // Nothing of it is written any more: its state in storage is the new owner's.
  s.dirty_meetings.erase(meeting);
  s.deleted_meetings.erase(meeting);
  s.roster_due.erase(meeting);
  std::erase_if(s.deleted_participants, [&](const auto& d) { return d.first == meeting; });
  std::erase_if(s.new_log, [&](const auto& d) { return d.first == meeting; });
  s.info("meeting " + meeting + " dropped: another node owns it now");
  s.meetings.erase(it);
  return s.take();
}

}  // namespace ztm::server
