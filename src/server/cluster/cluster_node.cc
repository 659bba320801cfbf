// ClusterNode: hello routing by meeting lease, lease renewal, adoption and drop of
// meetings (include/ztm/server/cluster.h).
#include "ztm/server/cluster.h"

namespace ztm::server {

ClusterNode::ClusterNode(MeetingLeases& leases, Storage& storage, DeliveryService& delivery,
                         Authorizer authorize)
    : leases_(leases), storage_(storage), delivery_(delivery), authorize_(std::move(authorize)) {}

Output ClusterNode::refuse(ConnectionId connection, std::string code, std::string message) {
  Output out;
  out.messages.push_back(
      {connection, std::make_shared<const protocol::ServerMessage>(
                       protocol::ServiceError{std::move(code), std::move(message)})});
  out.close.push_back(connection);
  return out;
}

ClusterNode::Route ClusterNode::on_hello(ConnectionId connection, const protocol::Hello& hello,
                                         TimePoint now) {
  const std::string& meeting = hello.meeting;
  // Hellos the DeliveryService refuses anyway go there for the usual answer: they
  // take no lease, and an unauthorized client learns nothing about ownership.
  if (hello.version != protocol::kVersion || meeting.empty() ||
      (authorize_ && !authorize_(hello))) {
    return {true, {}};
  }
  if (owned_.contains(meeting) && delivery_.has_meeting(meeting)) return {true, {}};

  auto claim = leases_.claim(meeting);
  if (!claim) {
    Output out = refuse(connection, "unavailable", "the service cannot reach its state; retry");
    out.log.push_back({1, "cluster: lease of meeting " + meeting + ": " + claim.error().what()});
    return {false, std::move(out)};
  }
  if (!claim->ours) {
    Output out;
    if (delivery_.has_meeting(meeting)) {
      // Loaded here but owned there: the renewal has not noticed yet. Drop it now.
      owned_.erase(meeting);
      out = delivery_.drop_meeting(meeting);
    }
    auto url = leases_.node_url(claim->owner);
    if (!url || !*url) {
      Output refused = refuse(connection, "unavailable", "the meeting's node is unknown; retry");
      out.messages.insert(out.messages.end(), refused.messages.begin(), refused.messages.end());
      out.close.insert(out.close.end(), refused.close.begin(), refused.close.end());
      out.log.push_back({1, "cluster: meeting " + meeting + " is owned by node " + claim->owner +
                                ", which published no URL"});
      return {false, std::move(out)};
    }
    out.messages.push_back(
        {connection, std::make_shared<const protocol::ServerMessage>(protocol::Redirect{**url})});
    out.close.push_back(connection);
    out.log.push_back({0, "meeting " + meeting + ": redirect to node " + claim->owner});
    return {false, std::move(out)};
  }

  owned_.insert(meeting);
  if (delivery_.has_meeting(meeting)) return {true, {}};
  auto stored = storage_.load_meeting(meeting);
  if (!stored) {
    (void)leases_.release(meeting);
    owned_.erase(meeting);
    Output out = refuse(connection, "unavailable", "the service cannot load the meeting; retry");
    out.log.push_back({1, "cluster: load meeting " + meeting + ": " + stored.error().what()});
    return {false, std::move(out)};
  }
  Route route{true, {}};
  if (*stored) {
    const std::uint64_t epoch = (*stored)->epoch;
    const std::size_t participants = (*stored)->participants.size();
    auto adopted = delivery_.adopt_meeting(std::move(**stored), now);
    if (!adopted) return {false, refuse(connection, "internal", adopted.error().message)};
    route.output.log.push_back({0, "meeting " + meeting + " adopted at epoch " +
                                       std::to_string(epoch) + " with " +
                                       std::to_string(participants) + " participants"});
  }
  return route;
}

Output ClusterNode::on_tick(TimePoint now) {
  Output out;
  if (next_renew_ && now < *next_renew_) return out;
  next_renew_ = now + leases_.config().lease_ttl / 3;
  // Meetings that ended here give their lease back.
  for (auto it = owned_.begin(); it != owned_.end();) {
    if (delivery_.has_meeting(*it)) {
      ++it;
      continue;
    }
    (void)leases_.release(*it);
    it = owned_.erase(it);
  }
  auto lost = leases_.renew(owned_);
  if (!lost) {
    // Redis is unreachable: keep serving. If it stays away past the TTL, the leases
    // expire and the fence refuses this node's writes; the next renewal drops them.
    out.log.push_back({1, "cluster: cannot renew leases: " + lost.error().what()});
    return out;
  }
  for (const auto& meeting : *lost) {
    owned_.erase(meeting);
    Output dropped = delivery_.drop_meeting(meeting);
    out.messages.insert(out.messages.end(), dropped.messages.begin(), dropped.messages.end());
    out.close.insert(out.close.end(), dropped.close.begin(), dropped.close.end());
    out.log.insert(out.log.end(), dropped.log.begin(), dropped.log.end());
    out.log.push_back({1, "cluster: lost the lease of meeting " + meeting});
  }
  return out;
}

void ClusterNode::release_all() {
  for (const auto& meeting : owned_) (void)leases_.release(meeting);
  owned_.clear();
}

}  // namespace ztm::server
