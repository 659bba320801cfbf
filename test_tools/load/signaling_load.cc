// ztm_signaling_load: the meeting service's signaling load program (docs/performance.md,
// "Meeting service: signaling"). It starts a real `ztmeet server` process on loopback,
// opens M meetings x N members over real TLS WebSockets (all clients on one client
// thread), and measures:
//   - join: every joiner sends its KeyPackage at once (a join storm); the leader of
//     each meeting commits every pending Add in one Commit (as the engine batches);
//     latency = KeyPackage sent ->
//     Welcome received, as percentiles;
//   - fan-out: every member sends R application messages; messages/s received by the
//     clients (each message reaches N-1 members) and accepted by the service;
//   - the service's CPU (utime+stime from /proc/<pid>/stat, per phase) and memory
//     (VmRSS, VmHWM).
// The MLS messages are envelopes with correct cleartext headers (all the service
// reads of them), so the figures are the service's own cost, not MLS's.
// The service keeps its state in SQLite (default), in memory (--memory) or in a Redis
// the caller runs (--redis URL, optionally as a cluster node: --node-id, which adds
// the meeting leases).
// Bounded: every phase has a deadline; the server is stopped at the end. Loopback only.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "ztm/meeting/protocol.h"
#include "ztm/mls/messages/mls_message.h"
#include "ztm/net/websocket.h"

namespace {

namespace protocol = ztm::meeting::protocol;
namespace ws = ztm::net::websocket;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

ztm::Bytes envelope(const ztm::Bytes& group, std::uint64_t epoch, ztm::mls::ContentType type,
                    std::size_t ciphertext_bytes) {
  ztm::mls::PrivateMessage m;
  m.group_id = group;
  m.epoch = epoch;
  m.content_type = type;
  m.encrypted_sender_data = ztm::Bytes(16, 1);
  m.ciphertext = ztm::Bytes(ciphertext_bytes, 2);
  return ztm::mls::MLSMessage{m}.encode();
}

ztm::Bytes group_info(const ztm::Bytes& group, std::uint64_t epoch) {
  ztm::mls::GroupInfo info;
  info.group_context.cipher_suite = 1;
  info.group_context.group_id = group;
  info.group_context.epoch = epoch;
  return ztm::mls::MLSMessage{info}.encode();
}

ztm::Bytes welcome() {
  ztm::mls::Welcome w;
  w.cipher_suite = 1;
  w.encrypted_group_info = ztm::Bytes(600, 3);
  return ztm::mls::MLSMessage{w}.encode();
}

ztm::Bytes key_package() {
  ztm::mls::KeyPackage kp;
  kp.cipher_suite = 1;
  return ztm::mls::MLSMessage{kp}.encode();
}

struct ProcStat {
  double cpu_seconds = 0;
  long rss_kib = 0;
  long hwm_kib = 0;
};

ProcStat read_proc(pid_t pid) {
  ProcStat s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    unsigned long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoul(field);
      if (i == 15) stime = std::stoul(field);
    }
    s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stol(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kib = std::stol(line.substr(6));
  }
  return s;
}

struct Member;

struct Meeting {
  std::string id;
  ztm::Bytes group;
  std::uint64_t epoch = 0;
  std::vector<Member*> members;
  std::deque<protocol::JoinRequest> pending;  // join requests the leader has not committed
  bool committing = false;
  std::uint32_t next_leaf = 1;
  std::size_t in_flight = 0;  // join requests in the Commit awaiting its result
};

struct Member {
  Meeting* meeting = nullptr;
  int index = 0;
  std::unique_ptr<ws::WebSocketClient> client;
  std::string participant;
  Clock::time_point kp_sent{};
  bool admitted = false;
};

struct Counters {
  std::atomic<int> sessions{0};
  std::atomic<int> admitted{0};
  std::atomic<long> deliveries{0};
  std::atomic<int> errors{0};
  std::atomic<int> refused{0};
};

std::vector<double> g_join_ms;  // context thread only

// Handles one frame for one member (on the client context's thread).
void on_frame(Member& me, Counters& counters, std::string&& text) {
  auto decoded = protocol::decode_server_message(text);
  if (!decoded) {
    ++counters.errors;
    return;
  }
  Meeting& m = *me.meeting;
  auto send = [&](Member& who, const protocol::ClientMessage& msg) {
    if (!who.client->send(protocol::encode(msg))) ++counters.errors;
  };
  auto commit_next = [&]() {
    if (m.committing || m.pending.empty()) return;
    m.committing = true;
    // Like the meeting engine, the leader batches every pending Add into one Commit.
    protocol::SubmitCommit commit;
    commit.epoch = m.epoch;
    commit.commit = envelope(m.group, m.epoch, ztm::mls::ContentType::commit, 400);
    commit.welcome = welcome();
    commit.group_info = group_info(m.group, m.epoch + 1);
    for (const auto& request : m.pending)
      commit.added.push_back({request.participant, m.next_leaf++});
    m.in_flight = m.pending.size();
    send(*m.members[0], commit);
  };
  std::visit(
      [&](auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, protocol::Session>) {
          me.participant = msg.participant;
          ++counters.sessions;
          if (msg.role == protocol::Role::creator) {
            send(me, protocol::GroupCreated{m.group, group_info(m.group, 0)});
            me.admitted = true;
          }
        } else if constexpr (std::is_same_v<T, protocol::JoinRequest>) {
          m.pending.push_back(msg);
          commit_next();
        } else if constexpr (std::is_same_v<T, protocol::CommitResult>) {
          m.committing = false;
          if (msg.accepted) {
            m.epoch = msg.epoch;
            m.pending.erase(m.pending.begin(), m.pending.begin() + static_cast<long>(m.in_flight));
          } else {
            m.next_leaf -= static_cast<std::uint32_t>(m.in_flight);
            ++counters.refused;
            m.epoch = msg.epoch;
          }
          commit_next();
        } else if constexpr (std::is_same_v<T, protocol::WelcomeDelivery>) {
          me.admitted = true;
          g_join_ms.push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - me.kp_sent).count());
          ++counters.admitted;
        } else if constexpr (std::is_same_v<T, protocol::MlsDelivery>) {
          if (msg.kind == protocol::MlsKind::application) ++counters.deliveries;
        } else if constexpr (std::is_same_v<T, protocol::ServiceError>) {
          ++counters.errors;
          std::fprintf(stderr, "error: %s %s\n", msg.code.c_str(), msg.message.c_str());
        }
      },
      *decoded);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(index, v.size() - 1)];
}

template <class F>
bool wait_until(F done, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Signaling load on a real `ztmeet server` (loopback only)."};
  std::string ztmeet = "build/release/apps/ztmeet/ztmeet";
  int meetings = 200;
  int members = 5;
  int rounds = 20;
  int port = 18743;
  bool memory = false;
  std::string redis;
  std::string node_id;
  std::size_t app_bytes = 200;
  std::string label;
  app.add_option("--ztmeet", ztmeet, "the ztmeet binary")->capture_default_str();
  app.add_option("--meetings", meetings)->capture_default_str();
  app.add_option("--members", members, "members per meeting")->capture_default_str();
  app.add_option("--rounds", rounds, "application messages each member sends")
      ->capture_default_str();
  app.add_option("--port", port)->capture_default_str();
  app.add_option("--app-bytes", app_bytes, "ciphertext bytes of each application message")
      ->capture_default_str();
  app.add_flag("--memory", memory, "state in memory instead of SQLite");
  app.add_option("--redis", redis,
                 "state in this Redis instead of SQLite (redis://host:port/db; the database "
                 "should be empty: the service resumes what it finds)");
  app.add_option("--node-id", node_id, "with --redis: run the service as this cluster node");
  app.add_option("--label", label);
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (meetings < 1 || members < 2 || meetings * members > 20000 || rounds < 0) {
    std::fprintf(stderr, "bad sizes\n");
    return 2;
  }
  if ((memory && !redis.empty()) || (!node_id.empty() && redis.empty())) {
    std::fprintf(stderr, "--memory and --redis exclude each other; --node-id needs --redis\n");
    return 2;
  }
  const std::string storage =
      memory ? "memory"
             : (redis.empty() ? std::string("SQLite")
                              : std::string("Redis") + (node_id.empty() ? "" : " (cluster node)"));

  char dir_pattern[] = "/tmp/ztm-load-XXXXXX";
  const std::string dir = mkdtemp(dir_pattern);
  const std::string log = dir + "/server.log";
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    std::vector<std::string> args = {ztmeet,
                                     "server",
                                     "--open",
                                     "--self-signed",
                                     dir + "/tls",
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(port),
                                     "--log-level",
                                     "warn"};
    if (!redis.empty()) {
      args.insert(args.end(), {"--redis", redis});
      if (!node_id.empty()) args.insert(args.end(), {"--node-id", node_id});
    } else if (!memory) {
      args.push_back("--db");
      args.push_back(dir + "/service.db");
    }
    std::vector<char*> argv_c;
    for (auto& a : args) argv_c.push_back(a.data());
    argv_c.push_back(nullptr);
    execv(ztmeet.c_str(), argv_c.data());
    _exit(127);
  }
  auto server_log = [&] {
    std::ifstream in(log);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  if (!wait_until([&] { return server_log().find("listening on") != std::string::npos; }, 20s)) {
    std::fprintf(stderr, "server did not start:\n%s\n", server_log().c_str());
    kill(pid, SIGKILL);
    return 1;
  }
  const ProcStat start = read_proc(pid);

  ws::ClientContext context;
  Counters counters;
  std::vector<std::unique_ptr<Meeting>> all_meetings;
  std::vector<std::unique_ptr<Member>> all_members;
  ws::ClientOptions options;
  options.url = "wss://127.0.0.1:" + std::to_string(port) + "/v1/meetings";
  options.ca_file = dir + "/tls/cert.pem";

  // Phase 1: connect and say hello (creators first, so every meeting has its group).
  const auto t_connect = Clock::now();
  for (int mi = 0; mi < meetings; ++mi) {
    auto meeting = std::make_unique<Meeting>();
    meeting->id = "load-" + std::to_string(mi);
    meeting->group = ztm::to_bytes(meeting->id);
    for (int i = 0; i < members; ++i) {
      auto member = std::make_unique<Member>();
      member->meeting = meeting.get();
      member->index = i;
      Member* raw = member.get();
      options.on_message = [raw, &counters](std::string&& text) {
        on_frame(*raw, counters, std::move(text));
      };
      auto client = ws::WebSocketClient::connect(options, &context);
      if (!client) {
        std::fprintf(stderr, "connect %zu: %s\n", all_members.size(),
                     client.error().what().c_str());
        kill(pid, SIGTERM);
        return 1;
      }
      member->client = std::move(*client);
      meeting->members.push_back(raw);
      all_members.push_back(std::move(member));
    }
    all_meetings.push_back(std::move(meeting));
  }
  const double connect_s = std::chrono::duration<double>(Clock::now() - t_connect).count();
  const ProcStat after_connect = read_proc(pid);

  for (auto& m : all_meetings) {
    protocol::Hello h;
    h.meeting = m->id;
    h.display_hint = "creator";
    (void)m->members[0]->client->send(protocol::encode(protocol::ClientMessage{h}));
  }
  wait_until([&] { return counters.sessions.load() >= meetings; }, 60s);
  std::this_thread::sleep_for(200ms);  // group_created processed
  for (auto& m : all_meetings) {
    for (std::size_t i = 1; i < m->members.size(); ++i) {
      protocol::Hello h;
      h.meeting = m->id;
      h.display_hint = "member";
      (void)m->members[i]->client->send(protocol::encode(protocol::ClientMessage{h}));
    }
  }
  const int total = meetings * members;
  if (!wait_until([&] { return counters.sessions.load() >= total; }, 120s)) {
    std::fprintf(stderr, "only %d sessions of %d\n", counters.sessions.load(), total);
  }

  // Phase 2: the join storm.
  const ProcStat before_join = read_proc(pid);
  const auto t_join = Clock::now();
  const ztm::Bytes kp = key_package();
  for (auto& member : all_members) {
    if (member->index == 0) continue;
    member->kp_sent = Clock::now();
    (void)member->client->send(
        protocol::encode(protocol::ClientMessage{protocol::SubmitKeyPackage{kp}}));
  }
  const int joiners = meetings * (members - 1);
  const bool joined = wait_until([&] { return counters.admitted.load() >= joiners; }, 300s);
  const double join_s = std::chrono::duration<double>(Clock::now() - t_join).count();
  const ProcStat after_join = read_proc(pid);

  // Phase 3: application fan-out.
  std::this_thread::sleep_for(200ms);
  const ProcStat before_fanout = read_proc(pid);
  const auto t_fanout = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (auto& member : all_members) {
      const auto& m = *member->meeting;
      (void)member->client->send(protocol::encode(protocol::ClientMessage{protocol::SendMls{
          protocol::MlsKind::application, m.epoch,
          envelope(m.group, m.epoch, ztm::mls::ContentType::application, app_bytes)}}));
    }
  }
  const long expected = static_cast<long>(rounds) * total * (members - 1);
  const bool fanned = wait_until([&] { return counters.deliveries.load() >= expected; }, 300s);
  const double fanout_s = std::chrono::duration<double>(Clock::now() - t_fanout).count();
  const ProcStat after_fanout = read_proc(pid);

  const double sent = static_cast<double>(rounds) * total;
  std::printf("# ztm_signaling_load %s: %d meetings x %d members (%d connections), %s storage\n",
              label.c_str(), meetings, members, total, storage.c_str());
  std::printf("connect+TLS+upgrade: %d connections in %.2f s (%.0f /s), service CPU %.2f s\n",
              total, connect_s, total / connect_s, after_connect.cpu_seconds - start.cpu_seconds);
  std::printf(
      "join storm: %d/%d admitted in %.2f s (%.0f joins/s)%s; latency ms p50 %.1f p90 %.1f "
      "p99 %.1f max %.1f; service CPU %.2f s\n",
      counters.admitted.load(), joiners, join_s, counters.admitted.load() / join_s,
      joined ? "" : " INCOMPLETE", percentile(g_join_ms, 50), percentile(g_join_ms, 90),
      percentile(g_join_ms, 99), percentile(g_join_ms, 100),
      after_join.cpu_seconds - before_join.cpu_seconds);
  std::printf(
      "fan-out: %.0f messages in, %ld delivered in %.2f s: %.0f in/s, %.0f out/s%s; "
      "service CPU %.2f s (%.0f%% of one core)\n",
      sent, counters.deliveries.load(), fanout_s, sent / fanout_s,
      static_cast<double>(counters.deliveries.load()) / fanout_s, fanned ? "" : " INCOMPLETE",
      after_fanout.cpu_seconds - before_fanout.cpu_seconds,
      100.0 * (after_fanout.cpu_seconds - before_fanout.cpu_seconds) / fanout_s);
  std::printf("service memory: RSS %.1f MiB, peak %.1f MiB (%.1f KiB per connection)\n",
              after_fanout.rss_kib / 1024.0, after_fanout.hwm_kib / 1024.0,
              static_cast<double>(after_fanout.rss_kib) / total);
  std::printf("errors %d, refused commits %d\n", counters.errors.load(), counters.refused.load());

  all_members.clear();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  std::filesystem::remove_all(dir);
  return (joined && fanned && counters.errors.load() == 0) ? 0 : 1;
}
