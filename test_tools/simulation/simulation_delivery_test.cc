// The meeting simulation on the server layer's DeliveryService (label simulation):
// the engines against the real service logic, in memory.
#include <gtest/gtest.h>

#include "ztm_sim/delivery_backend.h"
#include "ztm_sim/simulation.h"

namespace ztm_sim {
namespace {

using namespace std::chrono_literals;
using ztm::meeting::EngineState;

SimOptions on_delivery_service() {
  SimOptions o;
  o.backend = [] { return DeliveryBackend::create(TimePoint{} + std::chrono::hours(1)); };
  return o;
}

std::size_t leader_of(Simulation& sim) {
  for (std::size_t i = 0; i < sim.size(); ++i) {
    if (sim.member(i).connected && sim.member(i).engine->is_leader()) return i;
  }
  return sim.size();
}

TEST(SimulationOnDeliveryService, JoinsLeavesAndFailover) {
  Simulation sim(on_delivery_service());
  for (int i = 0; i < 8; ++i) sim.add_member();
  sim.run(5s);
  ASSERT_EQ(sim.in_group().size(), 8u);
  EXPECT_EQ(sim.agreement(), "");
  const auto code = sim.member(1).engine->security_code();
  sim.leave(3);
  sim.run(5s);
  EXPECT_EQ(sim.member(1).engine->security_code(), code);
  sim.leave(leader_of(sim));
  sim.run(5s);
  EXPECT_LT(leader_of(sim), sim.size());
  sim.add_member(IdentityKind::provider);
  sim.run(5s);
  EXPECT_EQ(sim.in_group().size(), 7u);
  EXPECT_NE(sim.member(1).engine->security_code(), code);
  EXPECT_EQ(sim.agreement(), "");
  EXPECT_EQ(sim.misbehavior_count(), 0u);
  EXPECT_EQ(sim.media_failures(), 0u) << sim.last_media_failure();
}

TEST(SimulationOnDeliveryService, RandomChurn) {
  SimOptions o = on_delivery_service();
  o.seed = 7;
  o.media_every = 97;
  o.media_senders = 4;
  Simulation sim(o);
  for (int i = 0; i < 40; ++i) sim.add_member();
  sim.run(10s);
  ASSERT_EQ(sim.in_group().size(), 40u);
  for (int round = 0; round < 12; ++round) {
    const auto members = sim.in_group();
    const auto r = sim.rng()() % 4;
    if (r == 0) {
      sim.add_member();
      sim.add_member();
    } else if (r == 1) {
      sim.leave(members[sim.rng()() % members.size()]);
    } else if (r == 2) {
      const auto l = leader_of(sim);
      if (l < sim.size()) sim.leave(l);
    } else {
      const auto who = members[sim.rng()() % members.size()];
      sim.disconnect(who);
      sim.run(2s);
      sim.reconnect(who);
    }
    sim.run(4s);
    ASSERT_EQ(sim.agreement(), "") << "round " << round;
  }
  EXPECT_EQ(sim.misbehavior_count(), 0u);
  EXPECT_EQ(sim.media_failures(), 0u) << sim.last_media_failure();
}

}  // namespace
}  // namespace ztm_sim
