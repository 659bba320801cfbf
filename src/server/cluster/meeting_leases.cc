// MeetingLeases: per-meeting leases in Redis (include/ztm/server/cluster.h). Each
// operation is one Lua script, so the check and the write cannot be split by another
// node's command (a GET then PEXPIRE could extend a lease another node just took).
#include <algorithm>

#include "storage/redis_connection.h"
#include "storage/redis_keys.h"
#include "ztm/server/cluster.h"

namespace ztm::server {
namespace {

namespace keys = redis_keys;

// ARGV: lease key, node id, ttl ms. Returns {1, node} when the lease is (now) this
// node's, {0, owner} otherwise.
constexpr std::string_view kClaimScript = R"lua(
if redis.call('SET', ARGV[1], ARGV[2], 'NX', 'PX', ARGV[3]) then return {1, ARGV[2]} end
local owner = redis.call('GET', ARGV[1])
if owner == ARGV[2] then
  redis.call('PEXPIRE', ARGV[1], ARGV[3])
  return {1, owner}
end
return {0, owner or ''}
)lua";

// ARGV: node id, ttl ms, lease keys. Returns one integer per key: 1 renewed, 0 lost.
constexpr std::string_view kRenewScript = R"lua(
local out = {}
for i = 3, #ARGV do
  if redis.call('GET', ARGV[i]) == ARGV[1] then
    redis.call('PEXPIRE', ARGV[i], ARGV[2])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
)lua";

// ARGV: lease key, node id. Deletes the lease only if it is this node's.
constexpr std::string_view kReleaseScript = R"lua(
if redis.call('GET', ARGV[1]) == ARGV[2] then return redis.call('DEL', ARGV[1]) end
return 0
)lua";

}  // namespace

struct MeetingLeases::Impl {
  ClusterConfig config;
  std::unique_ptr<redis::Connection> redis;
  std::string ttl_ms;
};

MeetingLeases::MeetingLeases(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MeetingLeases::~MeetingLeases() = default;

Result<std::unique_ptr<MeetingLeases>> MeetingLeases::open(const std::string& redis_url,
                                                           ClusterConfig config,
                                                           const RedisAuth& auth) {
  if (config.node_id.empty()) return fail(Errc::invalid_argument, "cluster: empty node id");
  if (!config.advertised_url.starts_with("wss://")) {
    return fail(Errc::invalid_argument, "cluster: the advertised URL must be wss://");
  }
  // Renewal runs every ttl/3 from the signaling tick (100 ms): shorter TTLs would
  // expire between two renewals of a busy node.
  if (config.lease_ttl < std::chrono::milliseconds(1000)) {
    return fail(Errc::invalid_argument, "cluster: the lease TTL must be at least 1000 ms");
  }
  ZTM_TRY_ASSIGN(auto url, redis::parse_url(redis_url));
  auto impl = std::make_unique<Impl>();
  ZTM_TRY_ASSIGN(impl->redis, redis::Connection::connect(url, redis::kDefaultTimeout, auth));
  impl->config = std::move(config);
  impl->ttl_ms = std::to_string(impl->config.lease_ttl.count());
  ZTM_TRY(impl->redis->command(
      {"HSET", keys::kNodes, impl->config.node_id, impl->config.advertised_url}));
  return std::unique_ptr<MeetingLeases>(new MeetingLeases(std::move(impl)));
}

const ClusterConfig& MeetingLeases::config() const {
  return impl_->config;
}

Result<MeetingLeases::Claim> MeetingLeases::claim(const std::string& meeting) {
  const std::string key = keys::lease(meeting);
  ZTM_TRY_ASSIGN(auto reply, impl_->redis->command({"EVAL", kClaimScript, "0", key,
                                                    impl_->config.node_id, impl_->ttl_ms}));
  if (reply.elements.size() != 2) return fail(Errc::io_error, "cluster: bad claim reply");
  return Claim{reply.elements[0].integer == 1, reply.elements[1].text};
}

Result<std::set<std::string>> MeetingLeases::renew(const std::set<std::string>& meetings) {
  std::set<std::string> lost;
  if (meetings.empty()) return lost;
  std::vector<std::string> lease_keys;
  lease_keys.reserve(meetings.size());
  for (const auto& m : meetings) lease_keys.push_back(keys::lease(m));
  std::vector<std::string_view> args = {"EVAL", kRenewScript, "0", impl_->config.node_id,
                                        impl_->ttl_ms};
  for (const auto& k : lease_keys) args.push_back(k);
  ZTM_TRY_ASSIGN(auto reply, impl_->redis->command(args));
  if (reply.elements.size() != meetings.size()) {
    return fail(Errc::io_error, "cluster: bad renew reply");
  }
  std::size_t i = 0;
  for (const auto& m : meetings) {
    if (reply.elements[i++].integer != 1) lost.insert(m);
  }
  return lost;
}

Result<void> MeetingLeases::release(const std::string& meeting) {
  const std::string key = keys::lease(meeting);
  ZTM_TRY(impl_->redis->command({"EVAL", kReleaseScript, "0", key, impl_->config.node_id}));
  return ok();
}

Result<std::optional<std::string>> MeetingLeases::node_url(const std::string& node) {
  ZTM_TRY_ASSIGN(auto reply, impl_->redis->command({"HGET", keys::kNodes, node}));
  if (reply.is_nil()) return std::optional<std::string>();
  return std::optional<std::string>(reply.text);
}

}  // namespace ztm::server
