// The DeliveryService's state and the helpers its two source files share:
// delivery_service.cc (sessions, leader designation, timers, persistence) and
// delivery_handshake.cc (commits, proposals, application messages, ready, media).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ztm/server/delivery_service.h"

namespace ztm::server {

// Participant is a ParticipantRecord plus what lives only while the process runs.
struct Participant {
  ParticipantRecord record;
  std::optional<ConnectionId> connection;
  std::optional<TimePoint> disconnected_at;  // set while it has no connection
  bool remove_requested = false;             // a remove_request went to the current leader
  bool dirty = false;                        // to be written to storage
};

struct Meeting {
  MeetingRecord row;  // participants and log live below, not in row
  std::map<std::string, Participant> participants;
  std::vector<LogRecord> log;
  // The leader lost while no other member was connected: the next designated leader
  // (other than it) must remove it.
  std::optional<std::string> lost_leader;
  // A join/remove request is pending with the leader since this time.
  std::optional<TimePoint> leader_deadline;
  // Rule 7: the epoch being switched to, the members that are ready, the deadline.
  std::optional<std::uint64_t> switch_epoch;
  std::set<std::string> ready;
  std::optional<TimePoint> switch_deadline;
  std::optional<TimePoint> idle_since;  // nobody connected since
  std::optional<TimePoint> roster_sent_at;
  bool dirty = false;
};

struct ConnectionState {
  std::optional<std::string> meeting;
  std::optional<std::string> participant;
};

struct DeliveryService::State {
  DeliveryConfig config;
  Storage* storage = nullptr;
  std::map<std::string, Meeting> meetings;
  std::unordered_map<ConnectionId, ConnectionState> connections;
  // resume token hash (hex) -> (meeting, participant)
  std::unordered_map<std::string, std::pair<std::string, std::string>> tokens;
  DeliveryStats stats;
  std::set<std::string> deleted_meetings;  // to erase from storage at flush
  std::vector<std::pair<std::string, std::string>> deleted_participants;
  std::vector<std::pair<std::string, LogRecord>> new_log;

  // ---- output helpers
  Output out;
  void send(ConnectionId to, protocol::ServerMessage message);
  void send_shared(ConnectionId to, const std::shared_ptr<const protocol::ServerMessage>& m);
  void error(ConnectionId to, std::string code, std::string message);
  void info(std::string text) { out.log.push_back({0, std::move(text)}); }
  void warn(std::string text) { out.log.push_back({1, std::move(text)}); }
  Output take();

  // ---- lookups
  Participant* participant_of(ConnectionId connection, Meeting** meeting);
  static std::vector<protocol::RosterEntry> roster(const Meeting& meeting);
  void broadcast_roster(Meeting& meeting, std::optional<ConnectionId> except = {});
  std::set<std::string> roster_due;  // meetings whose roster changed since last sent
  void send_rosters(TimePoint now);
  std::chrono::milliseconds roster_interval(const Meeting& meeting) const;
  // Sends to every connected group member (optionally excepting one participant).
  void fan_out(Meeting& meeting, const std::shared_ptr<const protocol::ServerMessage>& m,
               const std::string* except_participant);
  std::set<std::string> dirty_meetings;
  void touch(Meeting& meeting);
  void touch(Meeting& meeting, Participant& p);

  // ---- sessions (delivery_service.cc)
  void on_hello(ConnectionId c, const protocol::Hello& hello, TimePoint now);
  void on_leave(Meeting& m, Participant& p, const std::string& id, TimePoint now);

  // ---- leader (delivery_service.cc)
  bool eligible_leader(const Participant& p) const;
  // designate picks the leader by rule 3 and announces a change. `previous` is the
  // leader being replaced because it is gone or failed (it is marked for removal).
  void designate(Meeting& meeting, std::optional<std::string> previous, TimePoint now);
  // serve_leader re-sends every pending join/remove request to the current leader.
  void serve_leader(Meeting& meeting, TimePoint now);
  protocol::RemoveRequest remove_request(Meeting& meeting, const std::string& id,
                                         const Participant& p);
  void request_removal(Meeting& meeting, Participant& p, const std::string& id, TimePoint now);
  void forget_participant(Meeting& meeting, const std::string& participant);
  // end_meeting erases the meeting: `meeting` dangles afterwards.
  void end_meeting(Meeting& meeting, const std::string& reason);
  void update_idle(Meeting& meeting, TimePoint now);

  // ---- handshake (delivery_handshake.cc)
  void on_group_created(ConnectionId c, Meeting& m, Participant& p,
                        const protocol::GroupCreated& msg, TimePoint now);
  void on_key_package(ConnectionId c, Meeting& m, Participant& p,
                      const protocol::SubmitKeyPackage& msg, TimePoint now);
  void on_commit(ConnectionId c, Meeting& m, Participant& p, const protocol::SubmitCommit& msg,
                 TimePoint now);
  void on_mls(ConnectionId c, Meeting& m, Participant& p, const protocol::SendMls& msg);
  void on_ready(Meeting& m, Participant& p, const protocol::Ready& msg);
  void on_media_offer(ConnectionId c, Meeting& m, Participant& p, const protocol::MediaOffer& msg);
  void check_switch(Meeting& m, bool timed_out);

  // ---- persistence
  void flush();
};

// connected_members counts the group members with a live connection.
std::size_t connected_members(const Meeting& meeting);

}  // namespace ztm::server
