// MemoryStorage: the Storage interface over maps in this process.
#include "ztm/server/storage.h"

namespace ztm::server {

Result<std::vector<MeetingRecord>> MemoryStorage::load_all() {
  std::vector<MeetingRecord> all;
  for (const auto& [id, stored] : meetings_) {
    MeetingRecord m = stored.row;
    for (const auto& [pid, p] : stored.participants) m.participants.push_back(p);
    m.log = stored.log;
    all.push_back(std::move(m));
  }
  return all;
}

Result<void> MemoryStorage::put_meeting(const MeetingRecord& meeting) {
  auto& stored = meetings_[meeting.meeting];
  stored.row = meeting;
  stored.row.participants.clear();
  stored.row.log.clear();
  return ok();
}

Result<void> MemoryStorage::delete_meeting(const std::string& meeting) {
  meetings_.erase(meeting);
  return ok();
}

Result<void> MemoryStorage::put_participant(const std::string& meeting,
                                            const ParticipantRecord& participant) {
  auto it = meetings_.find(meeting);
  if (it == meetings_.end()) return fail(Errc::not_found, "storage: no meeting " + meeting);
  it->second.participants[participant.participant] = participant;
  return ok();
}

Result<void> MemoryStorage::delete_participant(const std::string& meeting,
                                               const std::string& participant) {
  auto it = meetings_.find(meeting);
  if (it != meetings_.end()) it->second.participants.erase(participant);
  return ok();
}

Result<void> MemoryStorage::append_log(const std::string& meeting, const LogRecord& entry) {
  auto it = meetings_.find(meeting);
  if (it == meetings_.end()) return fail(Errc::not_found, "storage: no meeting " + meeting);
  it->second.log.push_back(entry);
  return ok();
}

Result<std::optional<SecretBytes>> MemoryStorage::service_key(const std::string& name) {
  auto it = keys_.find(name);
  if (it == keys_.end()) return std::optional<SecretBytes>{};
  return std::optional<SecretBytes>{it->second};
}

Result<void> MemoryStorage::put_service_key(const std::string& name, const SecretBytes& key) {
  keys_.insert_or_assign(name, key);
  return ok();
}

}  // namespace ztm::server
