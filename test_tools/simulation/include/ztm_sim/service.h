// An in-memory meeting service following the rules of docs/protocol.md, for the
// meeting simulation: roles, leader designation and failover, one Commit per
// epoch, ordered fan-out with a handshake log and catch-up, ready/switch, leave and
// reconnect grace. It is the simulation's own small service (the server layer's
// DeliveryService did not exist when this was written). Connections are numbered by
// the harness; the service maps them to participant ids.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ztm/meeting/engine.h"
#include "ztm/meeting/protocol.h"

namespace ztm_sim {

namespace protocol = ztm::meeting::protocol;
using ztm::meeting::Duration;
using ztm::meeting::TimePoint;

struct ServiceConfig {
  Duration leader_timeout = std::chrono::seconds(5);
  Duration switch_timeout = std::chrono::seconds(1);
  Duration reconnect_grace = std::chrono::seconds(10);
};

using ConnId = int;
using Outbox = std::vector<std::pair<ConnId, protocol::ServerMessage>>;

struct ReportRecord {
  protocol::ParticipantId participant;
  std::string kind;
  std::string detail;
};

// ServiceBackend is what the simulation needs of a service: this file's Service, or
// the server layer's DeliveryService behind an adapter (delivery_backend.h).
class ServiceBackend {
 public:
  virtual ~ServiceBackend() = default;
  virtual void receive(ConnId conn, const protocol::ClientMessage& message, TimePoint now,
                       Outbox& out) = 0;
  // disconnect: the connection closed (a crash or network loss, not a leave).
  virtual void disconnect(ConnId conn, TimePoint now, Outbox& out) = 0;
  virtual void tick(TimePoint now, Outbox& out) = 0;
  virtual std::optional<TimePoint> next_deadline() const = 0;
};

class Service final : public ServiceBackend {
 public:
  explicit Service(ServiceConfig config = {}) : config_(config) {}

  void receive(ConnId conn, const protocol::ClientMessage& message, TimePoint now,
               Outbox& out) override;
  void disconnect(ConnId conn, TimePoint now, Outbox& out) override;
  void tick(TimePoint now, Outbox& out) override;
  std::optional<TimePoint> next_deadline() const override;

  // --- what tests look at
  std::uint64_t epoch() const { return epoch_; }
  std::uint64_t seq() const { return seq_; }
  const std::optional<protocol::ParticipantId>& leader() const { return leader_; }
  const std::vector<ReportRecord>& reports() const { return reports_; }
  const std::vector<protocol::MlsDelivery>& log() const { return log_; }
  std::size_t in_group_count() const;
  std::uint64_t commits_refused() const { return commits_refused_; }
  std::uint64_t leader_changes() const { return leader_changes_; }
  // participant_of: the participant id of a connection ("" if none).
  protocol::ParticipantId participant_of(ConnId conn) const;

  // --- hostile hooks (the service is untrusted; tests drive these)
  // fan_out sends an MLS message to every in-group connected participant as the
  // next handshake message (used to inject, e.g., an external Commit).
  void fan_out(const protocol::MlsDelivery& delivery, Outbox& out, bool advance_epoch);
  // accept_any_commit: accept every Commit (no epoch rule): a forking service.
  bool accept_any_commit = false;
  // mute: never send to this connection (a silent benchmark participant; saves
  // copying a multi-megabyte Welcome to it).
  void mute(ConnId conn) { muted_.insert(conn); }

 private:
  struct Participant {
    protocol::ParticipantId id;
    ConnId conn = -1;
    bool connected = false;
    bool in_group = false;
    bool left = false;
    std::optional<std::uint32_t> leaf;
    std::uint64_t admission = 0;
    std::string display;
    std::string token;
    std::optional<TimePoint> disconnected_at;
    bool remove_requested = false;
  };

  void session(Participant& p, protocol::Role role, const protocol::Hello& h, Outbox& out);
  void designate_leader(TimePoint now, Outbox& out,
                        std::optional<protocol::ParticipantId> previous);
  void send_roster(Outbox& out);
  void request_removal(Participant& p, TimePoint now, Outbox& out);
  void check_switch(Outbox& out);
  std::vector<protocol::RosterEntry> roster() const;
  Participant* by_conn(ConnId conn);
  void to(const Participant& p, protocol::ServerMessage m, Outbox& out) {
    if (p.connected && muted_.count(p.conn) == 0) out.emplace_back(p.conn, std::move(m));
  }
  std::set<ConnId> muted_;

  ServiceConfig config_;
  std::map<protocol::ParticipantId, Participant> parts_;
  std::map<ConnId, protocol::ParticipantId> conns_;
  std::uint64_t next_id_ = 1;
  bool group_ = false;
  ztm::Bytes group_id_;
  std::uint64_t epoch_ = 0;
  std::uint64_t seq_ = 0;
  std::vector<protocol::MlsDelivery> log_;
  std::optional<protocol::ParticipantId> leader_;
  std::set<protocol::ParticipantId> demoted_;
  std::map<protocol::ParticipantId, ztm::Bytes> pending_joins_;
  std::set<protocol::ParticipantId> pending_removals_;
  std::optional<TimePoint> leader_deadline_;
  std::set<protocol::ParticipantId> ready_;
  std::optional<TimePoint> switch_deadline_;
  std::vector<ReportRecord> reports_;
  std::uint64_t commits_refused_ = 0;
  std::uint64_t leader_changes_ = 0;
};

}  // namespace ztm_sim
