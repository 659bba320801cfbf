// The Redis key names shared by RedisStorage and the cluster's meeting leases. One
// namespace per meeting: the meeting id is always the last part of a key, so no id
// (client-chosen text) can make two meetings' keys collide.
#pragma once

#include <string>
#include <string_view>

namespace ztm::server::redis_keys {

inline constexpr std::string_view kMeetings = "ztm:meetings";         // set of meeting ids
inline constexpr std::string_view kServiceKeys = "ztm:service_keys";  // hash name -> key
inline constexpr std::string_view kNodes = "ztm:nodes";               // hash node id -> wss URL

inline std::string row(std::string_view meeting) {
  return "ztm:row:" + std::string(meeting);  // string: the MeetingRecord row (CBOR)
}
inline std::string participants(std::string_view meeting) {
  return "ztm:participants:" + std::string(meeting);  // hash participant -> record (CBOR)
}
inline std::string log(std::string_view meeting) {
  return "ztm:log:" + std::string(meeting);  // hash seq (decimal) -> LogRecord (CBOR)
}
inline std::string lease(std::string_view meeting) {
  return "ztm:lease:" + std::string(meeting);  // string: the owning node's id, with a TTL
}

}  // namespace ztm::server::redis_keys
