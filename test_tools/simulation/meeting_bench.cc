// ztm_meeting_bench: the meeting engine at N = 10, 100, 1 000, 10 000 members
// (docs/performance.md "Meeting engine"). It runs the simulation (engines + the
// in-memory service, network excluded, crypto included) and reports the wall time
// of the engines' calls (ztm::parallel_for's pool included; ZTM_BENCH_CPU=1: the
// simulation thread's CPU time instead, ZTM_THREADS=1: everything serial):
//
//   join -> joiner has key   the leader's work until the joiner's Welcome is
//                            delivered (the KeyPackage check, the Commit + Welcome;
//                            not its own merge of the Commit, which runs on its
//                            machine while the joiner works on its own), then the
//                            joiner's Welcome processing (its verifier starts cold:
//                            every X.509 chain of the group is validated)
//   join -> all have key     leader's Commit + the slowest member's processing
//                            (members process in parallel in reality)
//   leave -> all rekeyed     the same for a Remove (with its path)
//   burst 50 -> all          50 joins batched into one Commit
//   bytes                    per member received per join / leave (the Commit),
//                            the joiner's Welcome, the leader's upload
//   Remove commit            bytes and leader CPU right after the burst of joins
//                            (sparse tree) and after the staggered self-updates
//
// Large meetings use "shadow" members (participants whose client is silent: a
// KeyPackage and nothing else) for all but the engines that matter: the leader,
// the measured joiners and observers, and (N >= 1 000) one engine every N/64
// leaves, which are the first self-updaters of the bit-reversed stagger
// (docs/meeting.md). Usage: ztm_meeting_bench [N ...]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ztm/base/parallel.h"
#include "ztm/mls/tree_math.h"
#include "ztm_sim/simulation.h"

using namespace std::chrono_literals;
using ztm_sim::IdentityKind;
using ztm_sim::Simulation;

namespace {

// Snapshot measures engines' wall time (Member::wall_ns: the engine calls only,
// pool work included, the service and the simulated network excluded), or with
// ZTM_BENCH_CPU=1 the simulation thread's CPU time (what the figures before
// parallel validation used; it misses work done by pool threads).
enum class Measure { wall, thread_cpu, work };

Measure default_measure() {
  return std::getenv("ZTM_BENCH_CPU") != nullptr ? Measure::thread_cpu : Measure::wall;
}

struct Snapshot {
  std::vector<const ztm_sim::Member*> members;
  std::vector<ztm_sim::Member> before;
  explicit Snapshot(Simulation& sim) {
    for (std::size_t i = 0; i < sim.size(); ++i) {
      ztm_sim::Member copy;
      copy.cpu_ns = sim.member(i).cpu_ns;
      copy.work_ns = sim.member(i).work_ns;
      copy.wall_ns = sim.member(i).wall_ns;
      before.push_back(std::move(copy));
    }
  }
  static std::uint64_t of(const ztm_sim::Member& m, Measure measure) {
    switch (measure) {
      case Measure::thread_cpu:
        return m.cpu_ns;
      case Measure::work:
        return m.work_ns;
      case Measure::wall:
        break;
    }
    return m.wall_ns;
  }
  double ms(Simulation& sim, std::size_t i, Measure measure = default_measure()) const {
    const std::uint64_t start = i < before.size() ? of(before[i], measure) : 0;
    return static_cast<double>(of(sim.member(i), measure) - start) / 1e6;
  }
  // slowest non-leader engine that took part
  double max_other(Simulation& sim, std::size_t leader) const {
    double m = 0;
    for (std::size_t i = 0; i < sim.size(); ++i) {
      if (i == leader || sim.member(i).shadow) continue;
      m = std::max(m, ms(sim, i));
    }
    return m;
  }
};

// ZTM_BENCH_PERF_FIFO=path: the control FIFO of `perf record -D -1 --control
// fifo:path`, so a profile covers the cold join only (not the long set-up).
void perf_control(const char* command) {
  const char* fifo = std::getenv("ZTM_BENCH_PERF_FIFO");
  if (fifo == nullptr) return;
  if (std::FILE* f = std::fopen(fifo, "w")) {
    std::fprintf(f, "%s\n", command);
    std::fclose(f);
  }
}

// LeaderShare records the leader's engine time at the moment the joiner's Welcome
// is delivered: the leader's part of a join's critical path (its KeyPackage check
// and the Commit + Welcome). What the leader does afterwards (merging its own
// Commit when the service echoes it) runs on the leader's machine while the joiner
// processes the Welcome on its own, so it is not on the way to the joiner's key.
struct LeaderShare {
  double ms = -1;
  void arm(Simulation& sim, const Snapshot& snap, std::size_t leader, std::size_t joiner) {
    sim.set_filter([this, &sim, &snap, leader, joiner](ztm_sim::ConnId to,
                                                       ztm_sim::protocol::ServerMessage m) {
      if (ms < 0 && to == static_cast<ztm_sim::ConnId>(joiner) &&
          std::holds_alternative<ztm_sim::protocol::WelcomeDelivery>(m)) {
        ms = snap.ms(sim, leader);
      }
      std::vector<ztm_sim::protocol::ServerMessage> out;
      out.push_back(std::move(m));
      return out;
    });
  }
  static void disarm(Simulation& sim) { sim.set_filter(nullptr); }
};

std::size_t leader_of(Simulation& sim) {
  for (std::size_t i = 0; i < sim.size(); ++i) {
    if (!sim.member(i).shadow && sim.member(i).connected && sim.member(i).engine->is_leader()) {
      return i;
    }
  }
  return 0;
}

void run(std::size_t n) {
  ztm_sim::SimOptions o;
  o.media_every = 0;
  o.fill_quiet_period = 500ms;
  o.fill_slot = 5ms;
  // ZTM_BENCH_BASIC=1: basic credentials (no X.509), to separate certificate cost.
  o.x509 = std::getenv("ZTM_BENCH_BASIC") == nullptr;
  Simulation sim(o);
  const std::size_t leader = sim.add_member();
  sim.run(100ms);
  std::size_t stride = n >= 10000 ? n : (n >= 1000 ? n / 64 : 1);
  if (const char* st = std::getenv("ZTM_BENCH_STRIDE")) stride = std::strtoul(st, nullptr, 10);
  std::vector<std::size_t> real;
  for (std::size_t i = 1; i < n; ++i) {
    if (i % stride == 0 || i == 1) {
      real.push_back(sim.add_member());
    } else {
      sim.add_shadow();
    }
    // Deliver now, so KeyPackages reach the leader in this order and participant i
    // gets leaf i (a shadow's KeyPackage would otherwise overtake an engine's,
    // which waits for its session first).
    sim.run(0s);
  }
  sim.run(300ms);  // the burst is committed; self-updates wait for 500 ms of quiet
  const std::size_t in_group = sim.service().in_group_count();

  // --- one join (the joiner's verifier is cold)
  perf_control("enable");
  Snapshot s1(sim);
  const std::uint64_t leader_bytes0 = sim.member(leader).engine->stats().bytes_sent;
  const std::size_t joiner = sim.add_member_with_own_verifier();
  LeaderShare share1;
  share1.arm(sim, s1, leader, joiner);
  sim.run(200ms);
  LeaderShare::disarm(sim);
  const double join_leader = s1.ms(sim, leader);
  const double join_joiner = s1.ms(sim, joiner);
  const double join_all = join_leader + s1.max_other(sim, leader);
  const std::size_t join_commit = sim.member(leader).engine->stats().last_commit_bytes;
  const std::uint64_t join_upload = sim.member(leader).engine->stats().bytes_sent - leader_bytes0;
  const bool joined = sim.member(joiner).engine->state() == ztm::meeting::EngineState::member;
  perf_control("disable");

  // ZTM_BENCH_JOIN_ONLY=1: one cold and one warm join, then stop (for profiling and
  // for N = 10 000, whose full run takes long). It prints, for leader + joiner: wall
  // ms, the simulation thread's CPU ms, and the process CPU ms (all threads' work).
  if (std::getenv("ZTM_BENCH_JOIN_ONLY") != nullptr) {
    Snapshot sw(sim);
    const std::size_t warm_joiner = sim.add_member();
    LeaderShare share_w;
    share_w.arm(sim, sw, leader, warm_joiner);
    sim.run(200ms);
    LeaderShare::disarm(sim);
    auto cold = [&](Measure m) { return s1.ms(sim, leader, m) + s1.ms(sim, joiner, m); };
    auto warm = [&](Measure m) { return sw.ms(sim, leader, m) + sw.ms(sim, warm_joiner, m); };
    std::printf(
        "| %zu | threads %zu | cold: wall %.1f, thread CPU %.1f, work %.1f | warm: wall %.1f, "
        "thread CPU %.1f, work %.1f | %s | leader to Welcome %.1f + joiner %.1f = %.1f (leader "
        "in all %.1f); warm %.1f + %.1f = %.1f |\n",
        n, ztm::parallelism(), cold(Measure::wall), cold(Measure::thread_cpu), cold(Measure::work),
        warm(Measure::wall), warm(Measure::thread_cpu), warm(Measure::work),
        joined && sim.member(warm_joiner).engine->state() == ztm::meeting::EngineState::member
            ? "joined"
            : "NOT JOINED",
        share1.ms, s1.ms(sim, joiner), share1.ms + s1.ms(sim, joiner), s1.ms(sim, leader),
        share_w.ms, sw.ms(sim, warm_joiner), share_w.ms + sw.ms(sim, warm_joiner));
    std::fflush(stdout);
    return;
  }

  // --- one more join, the joiner's verifier warm (every chain already validated)
  Snapshot s1w(sim);
  const std::size_t warm = sim.add_member();
  LeaderShare share1w;
  share1w.arm(sim, s1w, leader, warm);
  sim.run(200ms);
  LeaderShare::disarm(sim);
  const double join_warm = share1w.ms + s1w.ms(sim, warm);

  // --- one leave (an engine far from the leader), right after the burst
  Snapshot s2(sim);
  const std::size_t leaver = real.size() > 1 ? real[real.size() / 2] : real.front();
  sim.leave(leaver);
  sim.run(200ms);
  const double leave_leader = s2.ms(sim, leader);
  const double leave_all = leave_leader + s2.max_other(sim, leader);
  const std::size_t burst_remove = sim.member(leader).engine->stats().last_commit_bytes;

  // --- a burst of 50 joins in one Commit
  Snapshot s3(sim);
  std::vector<std::size_t> burst;
  for (int k = 0; k < 50; ++k) {
    if (n >= 10000 && k > 0) {
      sim.add_shadow();
    } else {
      burst.push_back(sim.add_member());
    }
  }
  sim.run(300ms);
  const double burst_all = s3.ms(sim, leader) + s3.max_other(sim, leader);

  // --- settle: staggered self-updates, then a Remove again
  double settled_leave_leader = 0;
  double settled_leave_all = 0;
  std::size_t settled_remove = 0;
  std::uint64_t self_updates = 0;
  if (n >= 100 && n < 10000) {
    sim.run(n >= 1000 || std::getenv("ZTM_BENCH_STRIDE") ? 2400s : 120s);
    for (std::size_t i = 0; i < sim.size(); ++i) {
      if (!sim.member(i).shadow) self_updates += sim.member(i).engine->stats().self_updates_sent;
    }
    if (std::getenv("ZTM_BENCH_DEBUG") != nullptr) {
      const auto& tree = sim.member(leader).engine->group()->tree();
      const auto lc = tree.leaf_count();
      std::size_t total = 0;
      for (auto c : ztm::mls::copath(ztm::mls::NodeIndex{ztm::mls::LeafIndex{0}}, lc)) {
        const auto r = tree.resolution(c).size();
        std::fprintf(stderr, "copath node %u: resolution %zu\n", c.value, r);
        total += r;
      }
      std::size_t incomplete = 0;
      for (std::size_t i = 0; i < sim.size(); ++i) {
        if (sim.member(i).shadow || !sim.member(i).engine->group()) continue;
        const auto& e = *sim.member(i).engine;
        if (e.stats().self_updates_sent == 0) {
          ++incomplete;
          const auto& t = e.group()->tree();
          bool complete = true;
          for (auto nd : t.filtered_direct_path(e.group()->own_leaf())) {
            const auto* p = t.parent_node(nd);
            if (p == nullptr) complete = false;
          }
          auto d = e.next_deadline();
          std::fprintf(
              stderr, "engine %zu leaf %u complete %d deadline_in %lld ms sent %llu lost %llu\n", i,
              e.group()->own_leaf().value, complete,
              d ? (long long)std::chrono::duration_cast<std::chrono::milliseconds>(*d - sim.now())
                      .count()
                : -1LL,
              (unsigned long long)e.stats().commits_sent,
              (unsigned long long)e.stats().commits_lost);
        }
      }
      std::fprintf(stderr, "total %zu, engines without self-update %zu\n", total, incomplete);
      for (std::size_t i = 0; i < sim.size(); ++i) {
        for (const auto& m : sim.member(i).misbehavior) {
          std::fprintf(stderr, "member %zu: %s\n", i, m.detail.c_str());
        }
      }
    }
    Snapshot s4(sim);
    sim.leave(real.back());
    sim.run(200ms);
    settled_leave_leader = s4.ms(sim, leader);
    settled_leave_all = settled_leave_leader + s4.max_other(sim, leader);
    settled_remove = sim.member(leader).engine->stats().last_commit_bytes;
  }
  const auto& stats = sim.member(leader_of(sim)).engine->stats();
  std::printf(
      "| %zu | %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %zu / %zu / %llu | %zu | %.1f | %zu "
      "| "
      "%.1f | %llu | %s |\n",
      n, in_group, share1.ms + join_joiner, join_warm, join_all, leave_all, burst_all, leave_leader,
      join_commit, sim.member(joiner).engine->group() ? join_upload - join_commit : 0,
      static_cast<unsigned long long>(join_upload), burst_remove, settled_leave_all, settled_remove,
      settled_leave_leader, static_cast<unsigned long long>(self_updates),
      joined && sim.agreement().empty() ? "yes" : ("NO: " + sim.agreement()).c_str());
  (void)stats;
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::strtoul(argv[i], nullptr, 10));
  if (sizes.empty()) sizes = {10, 100, 1000, 10000};
  std::printf(
      "| N | in group | join->joiner key ms (cold X.509) | (warm) | join->all ms | leave->all ms | "
      "burst50->all ms | "
      "leave leader ms | join: commit / welcome+info / leader upload B | burst Remove B | "
      "settled leave->all ms | settled Remove B | settled leave leader ms | self-updates | agree "
      "|\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (auto n : sizes) run(n);
  return 0;
}
