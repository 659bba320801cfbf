// A multi-node meeting service over one Redis (docs/decisions/0075-multi-node-redis-
// leases.md, docs/operations.md "Running a cluster").
//
// Every node runs the whole single-node service (DeliveryService, SFU) for the
// meetings it owns. A meeting is owned by exactly one node through a lease in Redis:
// the key ztm:lease:M holds the owner's node id with a time to live, set with
// SET NX PX and renewed by the owner every lease_ttl/3. Every storage write of a
// meeting is conditional on that lease (RedisStorage's fence), so a node that lost
// the lease — paused, partitioned, presumed dead — cannot write the meeting after
// its successor has loaded it. A hello for a meeting owned elsewhere is answered
// with redirect{url} of the owner; when the owner dies, its leases expire, the
// members reconnect (to any node they know), and the first node asked takes the
// lease, loads the meeting from Redis and continues it at its epoch.
//
// Threading: not thread-safe. Everything runs on the signaling thread of the node
// (as the DeliveryService does); Redis calls block it for one round trip.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "ztm/base/error.h"
#include "ztm/server/delivery_service.h"
#include "ztm/server/storage.h"

namespace ztm::server {

// ClusterConfig is this node's place in the cluster.
struct ClusterConfig {
  // node_id names this node in leases and in the fence of its storage writes. Unique
  // per node, stable across restarts of the same node (a restarted node within the
  // TTL finds its own leases and keeps its meetings).
  std::string node_id;
  // advertised_url is the wss://host:port/v1/meetings URL other nodes redirect this
  // node's members to (kept in the Redis hash ztm:nodes).
  std::string advertised_url;
  // lease_ttl: a dead owner's meetings move after at most this long (renewed every
  // lease_ttl/3; a node that cannot renew within the TTL loses its meetings).
  std::chrono::milliseconds lease_ttl{10000};
};

// MeetingLeases are the per-meeting leases in Redis.
class MeetingLeases {
 public:
  // open connects to Redis (redis://host[:port][/db], authenticating with `auth`
  // when it has a password) and publishes this node's URL.
  // Errors: invalid_argument (config, URL), io_error (Redis), authentication_failed.
  static Result<std::unique_ptr<MeetingLeases>> open(const std::string& redis_url,
                                                     ClusterConfig config,
                                                     const RedisAuth& auth = {});
  ~MeetingLeases();
  MeetingLeases(const MeetingLeases&) = delete;
  MeetingLeases& operator=(const MeetingLeases&) = delete;

  // Claim is the outcome of claim(): ours, or the owning node's id.
  struct Claim {
    bool ours = false;
    std::string owner;
  };
  // claim takes the meeting's lease if it is free (or renews it if this node holds
  // it already) and otherwise says who holds it.
  Result<Claim> claim(const std::string& meeting);
  // renew extends each lease this node still holds and returns the meetings whose
  // lease it no longer holds (expired, or taken by another node).
  Result<std::set<std::string>> renew(const std::set<std::string>& meetings);
  // release gives a lease back if this node holds it (a meeting ended, or the node
  // stops), so another node can take the meeting at once.
  Result<void> release(const std::string& meeting);
  // node_url is a node's advertised URL, or nullopt if it never published one.
  Result<std::optional<std::string>> node_url(const std::string& node);

  const ClusterConfig& config() const;

  struct Impl;

 private:
  explicit MeetingLeases(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ClusterNode routes a node's hellos by lease and keeps its leases: the glue between
// the transport, MeetingLeases, the (fenced) Storage and the DeliveryService.
class ClusterNode {
 public:
  // The three references must outlive the node. The DeliveryService must have been
  // created with load_stored_meetings = false on the Storage. `authorize` is the
  // DeliveryService's: a hello it would refuse claims no lease and learns no owner.
  ClusterNode(MeetingLeases& leases, Storage& storage, DeliveryService& delivery,
              Authorizer authorize = {});

  // Route is on_hello's decision: dispatch `output` first (log lines; or a
  // redirect{owner url} or error{"unavailable"} and the close of the connection), then
  // hand the hello to the DeliveryService if `deliver`.
  struct Route {
    bool deliver = false;
    Output output;
  };
  // on_hello runs before a hello reaches the DeliveryService. It delivers when the
  // meeting's lease is (now) this node's, after adopting the stored meeting if it was
  // not loaded here.
  Route on_hello(ConnectionId connection, const protocol::Hello& hello, TimePoint now);
  // on_tick renews the leases every lease_ttl/3, gives back those of meetings that
  // ended, and drops the meetings whose lease was lost (their members are redirected
  // and disconnected, to come back through the new owner).
  Output on_tick(TimePoint now);
  // release_all gives back every lease (the node is stopping: another node takes its
  // meetings at the members' next hello instead of after the TTL).
  void release_all();

  // owned lists the meetings this node holds the lease of.
  const std::set<std::string>& owned() const { return owned_; }

 private:
  Output refuse(ConnectionId connection, std::string code, std::string message);

  MeetingLeases& leases_;
  Storage& storage_;
  DeliveryService& delivery_;
  Authorizer authorize_;
  std::set<std::string> owned_;
  std::optional<TimePoint> next_renew_;
};

}  // namespace ztm::server
