// The DeliveryService rules of docs/protocol.md, one test per rule or failure path.
#include "ztm/server/delivery_service.h"

#include <gtest/gtest.h>

#include <array>
#include <tuple>

#include "delivery/delivery_test_util.h"

namespace ztm::server {
namespace {

using namespace std::chrono_literals;
using testing::commit_message;
using testing::group_info_message;
using testing::Harness;
using testing::key_package_message;
using testing::private_message;
using testing::welcome_message;

const Bytes kGroup = to_bytes(std::string_view("group-1"));

struct Member {
  ConnectionId c = 0;
  protocol::Session session;
  std::string id() const { return session.participant; }
};

// Meeting builds "m" with a creator (leader) and `joiners` admitted one Commit each.
class MeetingTest : public ::testing::Test {
 protected:
  MeetingTest() : h(storage, config()) {}

  static DeliveryConfig config() {
    DeliveryConfig c;
    c.leader_timeout = 5000ms;
    c.reconnect_grace = 10000ms;
    c.switch_timeout = 1000ms;
    return c;
  }

  Member create() {
    auto [c, s] = h.join("m", "alice");
    EXPECT_EQ(s.role, protocol::Role::creator);
    h.send(c, protocol::GroupCreated{kGroup, group_info_message(kGroup, 0)});
    EXPECT_TRUE(h.take<protocol::ServiceError>(c).empty());
    return {c, s};
  }

  // admit: a new joiner sends its KeyPackage; `leader` commits its Add at the
  // meeting's current epoch.
  Member admit(const Member& leader, std::uint64_t epoch, std::uint32_t leaf) {
    auto [c, s] = h.join("m", "joiner");
    EXPECT_EQ(s.role, protocol::Role::joiner);
    h.send(c, protocol::SubmitKeyPackage{key_package_message()});
    auto requests = h.take<protocol::JoinRequest>(leader.c);
    EXPECT_EQ(requests.size(), 1u);
    protocol::SubmitCommit commit;
    commit.epoch = epoch;
    commit.commit = commit_message(kGroup, epoch);
    commit.welcome = welcome_message();
    commit.added = {{s.participant, leaf}};
    h.send(leader.c, commit);
    auto results = h.take<protocol::CommitResult>(leader.c);
    EXPECT_EQ(results.size(), 1u);
    EXPECT_TRUE(!results.empty() && results[0].accepted);
    auto welcomes = h.take<protocol::WelcomeDelivery>(c);
    EXPECT_EQ(welcomes.size(), 1u);
    return {c, s};
  }

  // meeting: the creator and N - 1 joiners admitted one Commit each (so the epoch is
  // N - 1), with all they were sent while joining taken away.
  template <std::size_t N>
  std::array<Member, N> meeting() {
    std::array<Member, N> members;
    members[0] = create();
    for (std::size_t i = 1; i < N; ++i) {
      members[i] = admit(members[0], i - 1, static_cast<std::uint32_t>(i));
    }
    h.clear();
    return members;
  }

  protocol::CommitResult commit(const Member& m, std::uint64_t epoch, Bytes commit_bytes,
                                std::vector<std::string> removed = {}) {
    protocol::SubmitCommit commit;
    commit.epoch = epoch;
    commit.commit = std::move(commit_bytes);
    commit.removed = std::move(removed);
    h.send(m.c, commit);
    auto results = h.take<protocol::CommitResult>(m.c);
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? protocol::CommitResult{} : results[0];
  }

  MemoryStorage storage;
  Harness h;
};

TEST_F(MeetingTest, FirstParticipantCreatesLaterOnesJoin) {
  Member a = create();
  EXPECT_FALSE(a.session.group_id.has_value());
  auto [c, s] = h.join("m", "bob");
  EXPECT_EQ(s.role, protocol::Role::joiner);
  ASSERT_TRUE(s.group_id.has_value());
  EXPECT_EQ(*s.group_id, kGroup);
  EXPECT_NE(s.participant, a.id());
  EXPECT_NE(s.resume_token, a.session.resume_token);
  ASSERT_EQ(s.roster.size(), 2u);
}

TEST_F(MeetingTest, KeyPackageGoesToLeaderAndWelcomeToAdded) {
  Member a = create();
  auto [c, s] = h.join("m", "bob");
  h.send(c, protocol::SubmitKeyPackage{key_package_message()});
  auto requests = h.take<protocol::JoinRequest>(a.c);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].participant, s.participant);
  EXPECT_EQ(requests[0].key_package, key_package_message());

  protocol::SubmitCommit sc{0,
                            commit_message(kGroup, 0),
                            welcome_message(),
                            group_info_message(kGroup, 1),
                            {{s.participant, 1}},
                            {}};
  h.send(a.c, sc);
  auto results = h.take<protocol::CommitResult>(a.c);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].accepted);
  EXPECT_EQ(results[0].epoch, 1u);
  EXPECT_EQ(results[0].seq, 1u);
  auto mls = h.take<protocol::MlsDelivery>(a.c);
  ASSERT_EQ(mls.size(), 1u);  // the committer gets its own Commit in the stream
  EXPECT_EQ(mls[0].seq, 1u);
  EXPECT_EQ(mls[0].kind, protocol::MlsKind::commit);
  EXPECT_EQ(mls[0].epoch, 0u);
  auto welcomes = h.take<protocol::WelcomeDelivery>(c);
  ASSERT_EQ(welcomes.size(), 1u);
  EXPECT_EQ(welcomes[0].epoch, 1u);
  EXPECT_EQ(welcomes[0].seq, 1u);
  EXPECT_EQ(welcomes[0].welcome, welcome_message());
  EXPECT_TRUE(h.take<protocol::MlsDelivery>(c).empty());  // a joiner does not get the Commit
  h.advance(250ms);  // roster hints are coalesced and sent from the timer
  auto rosters = h.take<protocol::RosterUpdate>(c);
  ASSERT_FALSE(rosters.empty());
  bool found = false;
  for (const auto& e : rosters.back().roster) {
    if (e.participant == s.participant) {
      found = true;
      EXPECT_TRUE(e.in_group);
      EXPECT_EQ(e.leaf, 1u);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(MeetingTest, RosterUpdatesAreCoalesced) {
  Member a = create();
  h.advance(1s);
  h.clear();
  for (int i = 0; i < 5; ++i) h.join("m", "guest");
  EXPECT_TRUE(h.take<protocol::RosterUpdate>(a.c).empty());
  h.advance(250ms);
  auto rosters = h.take<protocol::RosterUpdate>(a.c);
  ASSERT_EQ(rosters.size(), 1u);
  EXPECT_EQ(rosters[0].roster.size(), 6u);
  h.join("m", "late");
  h.advance(100ms);
  EXPECT_TRUE(h.take<protocol::RosterUpdate>(a.c).empty());  // not twice within the interval
  h.advance(150ms);
  EXPECT_EQ(h.take<protocol::RosterUpdate>(a.c).size(), 1u);
}

TEST_F(MeetingTest, KeyPackageBeforeGroupWaitsForLeader) {
  auto [a, sa] = h.join("m", "alice");
  auto [b, sb] = h.join("m", "bob");
  EXPECT_EQ(sb.role, protocol::Role::joiner);
  h.send(b, protocol::SubmitKeyPackage{key_package_message()});
  EXPECT_TRUE(h.take<protocol::JoinRequest>(a).empty());
  h.send(a, protocol::GroupCreated{kGroup, group_info_message(kGroup, 0)});
  auto requests = h.take<protocol::JoinRequest>(a);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].participant, sb.participant);
}

TEST_F(MeetingTest, OnlyOneCommitPerEpoch) {
  auto [a, b] = meeting<2>();
  auto first = commit(b, 1, commit_message(kGroup, 1, 1));
  EXPECT_TRUE(first.accepted);
  EXPECT_EQ(first.epoch, 2u);
  auto second = commit(a, 1, commit_message(kGroup, 1, 2));
  EXPECT_FALSE(second.accepted);
  EXPECT_EQ(second.reason, "epoch_taken");
  EXPECT_EQ(second.epoch, 2u);
  // Everyone got exactly the winner.
  auto stream = h.take<protocol::MlsDelivery>(a.c);
  ASSERT_EQ(stream.size(), 1u);
  EXPECT_EQ(stream[0].message, commit_message(kGroup, 1, 1));
  EXPECT_EQ(h.service().stats().commits_refused, 1u);
}

TEST_F(MeetingTest, CommitForFutureEpochIsRefused) {
  Member a = create();
  EXPECT_EQ(commit(a, 5, commit_message(kGroup, 5)).reason, "wrong_epoch");
}

TEST_F(MeetingTest, CommitWhoseMlsHeaderDisagreesIsRefused) {
  Member a = create();
  EXPECT_EQ(commit(a, 0, commit_message(to_bytes(std::string_view("other")), 0)).reason,
            "wrong_group");
  EXPECT_EQ(commit(a, 0, commit_message(kGroup, 3)).reason, "epoch_mismatch");
  EXPECT_EQ(commit(a, 0, private_message(kGroup, 0, mls::ContentType::proposal)).reason,
            "not_a_commit");
  EXPECT_EQ(commit(a, 0, Bytes{0, 1, 0, 2, 0xff}).reason, "malformed_commit");
  EXPECT_EQ(commit(a, 0, key_package_message()).reason, "malformed_commit");
  // After all refusals the epoch is still open.
  EXPECT_TRUE(commit(a, 0, commit_message(kGroup, 0)).accepted);
}

TEST_F(MeetingTest, CommitAddingWithoutWelcomeOrUnknownParticipantIsRefused) {
  Member a = create();
  auto [c, s] = h.join("m", "bob");
  protocol::SubmitCommit sc{
      0, commit_message(kGroup, 0), std::nullopt, std::nullopt, {{s.participant, 1}}, {}};
  h.send(a.c, sc);
  EXPECT_EQ(h.take<protocol::CommitResult>(a.c).at(0).reason, "missing_welcome");
  sc.welcome = welcome_message();
  sc.added = {{"p999", 1}};
  h.send(a.c, sc);
  EXPECT_EQ(h.take<protocol::CommitResult>(a.c).at(0).reason, "unknown_participant");
  sc.added = {{s.participant, 1}};
  sc.group_info = group_info_message(kGroup, 7);
  h.send(a.c, sc);
  EXPECT_EQ(h.take<protocol::CommitResult>(a.c).at(0).reason, "malformed_group_info");
}

TEST_F(MeetingTest, NonMemberCannotCommitOrSendMls) {
  Member a = create();
  auto [c, s] = h.join("m", "bob");
  h.send(c, protocol::SubmitCommit{0, commit_message(kGroup, 0), {}, {}, {}, {}});
  EXPECT_EQ(h.take<protocol::CommitResult>(c).at(0).reason, "not_a_member");
  h.send(c, protocol::SendMls{protocol::MlsKind::application, 0,
                              private_message(kGroup, 0, mls::ContentType::application)});
  EXPECT_EQ(h.take<protocol::ServiceError>(c).at(0).code, "not_a_member");
  EXPECT_TRUE(h.take<protocol::MlsDelivery>(a.c).empty());
}

TEST_F(MeetingTest, ProposalsAreSequencedApplicationsCarryLastSeq) {
  auto [a, b, c] = meeting<3>();
  h.send(b.c, protocol::SendMls{protocol::MlsKind::proposal, 2,
                                private_message(kGroup, 2, mls::ContentType::proposal)});
  h.send(c.c, protocol::SendMls{protocol::MlsKind::application, 2,
                                private_message(kGroup, 2, mls::ContentType::application)});
  auto at_a = h.take<protocol::MlsDelivery>(a.c);
  ASSERT_EQ(at_a.size(), 2u);
  EXPECT_EQ(at_a[0].seq, 3u);
  EXPECT_EQ(at_a[0].kind, protocol::MlsKind::proposal);
  EXPECT_EQ(at_a[0].sender, b.id());
  EXPECT_EQ(at_a[1].seq, 3u);  // the last handshake message before it
  EXPECT_EQ(at_a[1].kind, protocol::MlsKind::application);
  // Fan-out goes to every other member, not back to the sender.
  EXPECT_EQ(h.take<protocol::MlsDelivery>(b.c).size(), 1u);
  EXPECT_EQ(h.take<protocol::MlsDelivery>(c.c).size(), 1u);
}

TEST_F(MeetingTest, MlsWhoseHeaderDisagreesIsAnError) {
  auto [a, b] = meeting<2>();
  // Declared a proposal, is application data.
  h.send(b.c, protocol::SendMls{protocol::MlsKind::proposal, 1,
                                private_message(kGroup, 1, mls::ContentType::application)});
  EXPECT_EQ(h.take<protocol::ServiceError>(b.c).at(0).code, "malformed");
  // Declared epoch 1, header says 0.
  h.send(b.c, protocol::SendMls{protocol::MlsKind::application, 1,
                                private_message(kGroup, 0, mls::ContentType::application)});
  EXPECT_EQ(h.take<protocol::ServiceError>(b.c).size(), 1u);
  // A proposal for a past epoch.
  h.send(b.c, protocol::SendMls{protocol::MlsKind::proposal, 0,
                                private_message(kGroup, 0, mls::ContentType::proposal)});
  EXPECT_EQ(h.take<protocol::ServiceError>(b.c).size(), 1u);
  EXPECT_TRUE(h.take<protocol::MlsDelivery>(a.c).empty());
}

TEST_F(MeetingTest, LeaderDisconnectDesignatesNextByAdmissionOrder) {
  auto [a, b, c] = meeting<3>();
  h.close(a.c);
  for (auto who : {b.c, c.c}) {
    auto changed = h.take<protocol::LeaderChanged>(who);
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].leader, b.id());
    EXPECT_EQ(changed[0].previous, a.id());
    EXPECT_EQ(changed[0].previous_leaf, 0u);
  }
  // The new leader's first Commit removes the previous one.
  auto removed = commit(b, 2, commit_message(kGroup, 2), {a.id()});
  EXPECT_TRUE(removed.accepted);
  auto [x, sx] = h.join("m", "late");
  for (const auto& e : sx.roster) EXPECT_NE(e.participant, a.id());
}

TEST_F(MeetingTest, LeaderTimeoutReplacesLeaderAndReservesKeyPackages) {
  auto [a, b] = meeting<2>();
  auto [j, sj] = h.join("m", "joiner");
  h.send(j, protocol::SubmitKeyPackage{key_package_message()});
  ASSERT_EQ(h.take<protocol::JoinRequest>(a.c).size(), 1u);
  h.advance(4999ms);
  EXPECT_TRUE(h.take<protocol::LeaderChanged>(b.c).empty());
  h.advance(1ms);
  auto changed = h.take<protocol::LeaderChanged>(b.c);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].leader, b.id());
  EXPECT_EQ(changed[0].previous, a.id());
  auto requests = h.take<protocol::JoinRequest>(b.c);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].participant, sj.participant);
}

TEST_F(MeetingTest, LeaderThatCommitsInTimeKeepsLeading) {
  auto [a, b] = meeting<2>();
  h.advance(60s);
  EXPECT_TRUE(h.take<protocol::LeaderChanged>(b.c).empty());
}

TEST_F(MeetingTest, DeadConnectionGetsRemoveRequestAfterGrace) {
  auto [a, b, c] = meeting<3>();
  h.close(c.c);
  h.advance(9999ms);
  EXPECT_TRUE(h.take<protocol::RemoveRequest>(a.c).empty());
  h.advance(1ms);
  auto requests = h.take<protocol::RemoveRequest>(a.c);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].participant, c.id());
  EXPECT_EQ(requests[0].leaf, 2u);
  EXPECT_FALSE(requests[0].proposal.has_value());  // no external sender configured
}

TEST_F(MeetingTest, ReconnectWithinGraceCancelsRemoval) {
  auto [a, b] = meeting<2>();
  h.close(b.c);
  h.advance(5s);
  auto [c2, s2] = h.join("m", "bob", b.session.resume_token, 1);
  EXPECT_EQ(s2.participant, b.id());
  EXPECT_EQ(s2.role, protocol::Role::member);
  h.advance(20s);
  EXPECT_TRUE(h.take<protocol::RemoveRequest>(a.c).empty());
}

TEST_F(MeetingTest, ResumeReplaysHandshakeAfterLastSeq) {
  Member a = create();
  Member b = admit(a, 0, 1);  // seq 1
  h.close(b.c);
  Member c = admit(a, 1, 2);  // seq 2
  h.send(a.c, protocol::SendMls{protocol::MlsKind::proposal, 2,
                                private_message(kGroup, 2, mls::ContentType::proposal)});  // 3
  EXPECT_TRUE(commit(a, 2, commit_message(kGroup, 2)).accepted);                           // 4
  h.send(c.c, protocol::SendMls{protocol::MlsKind::application, 3,
                                private_message(kGroup, 3, mls::ContentType::application)});
  auto [b2, s2] = h.join("m", "bob", b.session.resume_token, 1);
  EXPECT_EQ(s2.role, protocol::Role::member);
  EXPECT_EQ(s2.epoch, 3u);
  auto replay = h.take<protocol::MlsDelivery>(b2);
  ASSERT_EQ(replay.size(), 3u);
  EXPECT_EQ(replay[0].seq, 2u);
  EXPECT_EQ(replay[1].seq, 3u);
  EXPECT_EQ(replay[1].kind, protocol::MlsKind::proposal);
  EXPECT_EQ(replay[2].seq, 4u);
  EXPECT_TRUE(h.take<protocol::WelcomeDelivery>(b2).empty());
  // The old token is spent; the new one works.
  EXPECT_NE(s2.resume_token, b.session.resume_token);
  auto [b3, s3] = h.join("m", "bob", b.session.resume_token);
  EXPECT_NE(s3.participant, b.id());
}

TEST_F(MeetingTest, ResumeBeforeWelcomeGetsWelcomeAgain) {
  Member a = create();
  auto [j, sj] = h.join("m", "joiner");
  h.send(j, protocol::SubmitKeyPackage{key_package_message()});
  h.close(j);  // gone before the Commit
  protocol::SubmitCommit sc{0,  commit_message(kGroup, 0), welcome_message(),
                            {}, {{sj.participant, 1}},     {}};
  h.send(a.c, sc);
  ASSERT_TRUE(h.take<protocol::CommitResult>(a.c).at(0).accepted);
  auto [j2, s2] = h.join("m", "joiner", sj.resume_token);
  EXPECT_EQ(s2.role, protocol::Role::member);
  auto welcomes = h.take<protocol::WelcomeDelivery>(j2);
  ASSERT_EQ(welcomes.size(), 1u);
  EXPECT_EQ(welcomes[0].seq, 1u);
  EXPECT_TRUE(h.take<protocol::MlsDelivery>(j2).empty());  // not its own admitting Commit
}

TEST_F(MeetingTest, ReadyFromEveryMemberSwitchesEpoch) {
  auto [a, b] = meeting<2>();
  h.send(a.c, protocol::Ready{1});
  EXPECT_TRUE(h.take<protocol::SwitchEpoch>(a.c).empty());
  h.send(b.c, protocol::Ready{0});  // a stale epoch does not count
  EXPECT_TRUE(h.take<protocol::SwitchEpoch>(a.c).empty());
  h.send(b.c, protocol::Ready{1});
  for (auto c : {a.c, b.c}) {
    auto sw = h.take<protocol::SwitchEpoch>(c);
    ASSERT_EQ(sw.size(), 1u);
    EXPECT_EQ(sw[0].epoch, 1u);
  }
}

TEST_F(MeetingTest, SwitchEpochAfterTimeoutWithoutEveryReady) {
  auto [a, b] = meeting<2>();
  h.send(a.c, protocol::Ready{1});
  h.advance(999ms);
  EXPECT_TRUE(h.take<protocol::SwitchEpoch>(a.c).empty());
  h.advance(1ms);
  EXPECT_EQ(h.take<protocol::SwitchEpoch>(b.c).size(), 1u);
}

TEST_F(MeetingTest, RemoveOnlyCommitNeedsNoSwitch) {
  Member a = create();
  Member b = admit(a, 0, 1);
  h.advance(2s);
  h.clear();
  EXPECT_TRUE(commit(a, 1, commit_message(kGroup, 1), {b.id()}).accepted);
  h.advance(2s);
  EXPECT_TRUE(h.take<protocol::SwitchEpoch>(a.c).empty());
  // The removed member still got the Commit that removes it.
  EXPECT_EQ(h.take<protocol::MlsDelivery>(b.c).size(), 1u);
}

TEST_F(MeetingTest, LeaveAsksLeaderToRemove) {
  auto [a, b] = meeting<2>();
  h.send(b.c, protocol::Leave{});
  auto requests = h.take<protocol::RemoveRequest>(a.c);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].participant, b.id());
}

TEST_F(MeetingTest, LastMemberLeavingEndsMeeting) {
  Member a = create();
  h.send(a.c, protocol::Leave{});
  EXPECT_EQ(h.take<protocol::MeetingEnded>(a.c).size(), 1u);
  EXPECT_TRUE(h.closed.contains(a.c));
  EXPECT_EQ(h.service().stats().meetings, 0u);
  auto [c, s] = h.join("m", "new");
  EXPECT_EQ(s.role, protocol::Role::creator);  // a fresh meeting
}

TEST_F(MeetingTest, EndMeetingTellsEveryone) {
  Member a = create();
  Member b = admit(a, 0, 1);
  h.absorb(h.service().end_meeting("m", "host ended", h.now));
  for (auto c : {a.c, b.c}) {
    auto ended = h.take<protocol::MeetingEnded>(c);
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].reason, "host ended");
    EXPECT_TRUE(h.closed.contains(c));
  }
}

TEST_F(MeetingTest, IdleMeetingEnds) {
  Member a = create();
  h.close(a.c);
  EXPECT_EQ(h.service().stats().meetings, 1u);
  h.advance(31min);
  EXPECT_EQ(h.service().stats().meetings, 0u);
}

TEST_F(MeetingTest, MessagesBeforeHelloAreRefused) {
  ConnectionId c = h.connect();
  h.send(c, protocol::Ready{0});
  EXPECT_EQ(h.take<protocol::ServiceError>(c).at(0).code, "unknown_participant");
}

TEST_F(MeetingTest, MalformedFrameIsAnsweredAndConnectionSurvives) {
  Member a = create();
  h.absorb(h.service().on_malformed(a.c, Error{Errc::invalid_encoding, "protocol.x: bad"}, h.now));
  EXPECT_EQ(h.take<protocol::ServiceError>(a.c).at(0).code, "malformed");
  EXPECT_FALSE(h.closed.contains(a.c));
  Member b = admit(a, 0, 1);  // still works
  EXPECT_FALSE(b.id().empty());
}

TEST_F(MeetingTest, WrongVersionAndSecondHelloAreErrors) {
  ConnectionId c = h.connect();
  protocol::Hello hello;
  hello.version = 2;
  hello.meeting = "m";
  h.send(c, hello);
  EXPECT_EQ(h.take<protocol::ServiceError>(c).at(0).code, "unsupported_version");
  Member a = create();
  protocol::Hello again;
  again.meeting = "m";
  h.send(a.c, again);
  EXPECT_EQ(h.take<protocol::ServiceError>(a.c).at(0).code, "malformed");
}

TEST_F(MeetingTest, WrongKeyPackagesAreRefused) {
  Member a = create();
  auto [c, s] = h.join("m", "bob");
  h.send(c, protocol::SubmitKeyPackage{welcome_message()});
  EXPECT_EQ(h.take<protocol::ServiceError>(c).size(), 1u);
  h.send(c, protocol::SubmitKeyPackage{key_package_message(3)});  // another suite
  EXPECT_EQ(h.take<protocol::ServiceError>(c).size(), 1u);
  EXPECT_TRUE(h.take<protocol::JoinRequest>(a.c).empty());
}

TEST(DeliveryAuthTest, UnauthorizedHelloIsClosed) {
  MemoryStorage storage;
  DeliveryConfig config;
  config.authorize = [](const protocol::Hello& hello) { return hello.auth_token == "good"; };
  Harness h(storage, config);
  ConnectionId c = h.connect();
  protocol::Hello hello;
  hello.meeting = "m";
  hello.auth_token = "bad";
  h.send(c, hello);
  EXPECT_EQ(h.take<protocol::ServiceError>(c).at(0).code, "unauthorized");
  EXPECT_TRUE(h.closed.contains(c));
  EXPECT_EQ(h.service().stats().meetings, 0u);
}

// AliceAndBob: alice's connection and session (creator, leader), and bob's.
struct AliceAndBob {
  ConnectionId a = 0;
  protocol::Session sa;
  ConnectionId b = 0;
  protocol::Session sb;
};

// alice_adds_bob: alice creates meeting "m" and commits bob's Add at epoch 0, with
// no GroupInfo in the Commit, so the meeting is at epoch 1.
AliceAndBob alice_adds_bob(Harness& h) {
  AliceAndBob m;
  std::tie(m.a, m.sa) = h.join("m", "alice");
  h.send(m.a, protocol::GroupCreated{kGroup, group_info_message(kGroup, 0)});
  std::tie(m.b, m.sb) = h.join("m", "bob");
  h.send(m.b, protocol::SubmitKeyPackage{key_package_message()});
  h.send(m.a,
         protocol::SubmitCommit{
             0, commit_message(kGroup, 0), welcome_message(), {}, {{m.sb.participant, 1}}, {}});
  return m;
}

// A restart on the same storage: the meeting is at its epoch, the leader is kept
// for the reconnect grace, members resume with catch-up.
void restart_scenario(Storage& storage) {
  Harness h(storage);
  auto [a, sa, b, sb] = alice_adds_bob(h);
  auto [j, sj] = h.join("m", "pending");
  h.send(j, protocol::SubmitKeyPackage{key_package_message()});
  h.send(a, protocol::SubmitCommit{1, commit_message(kGroup, 1, 9), {}, {}, {}, {}});

  h.restart();
  EXPECT_EQ(h.service().stats().meetings, 1u);
  EXPECT_EQ(h.service().stats().sessions, 0u);
  auto [b2, sb2] = h.join("m", "bob", sb.resume_token, 1);
  EXPECT_EQ(sb2.participant, sb.participant);
  EXPECT_EQ(sb2.role, protocol::Role::member);
  EXPECT_EQ(sb2.epoch, 2u);
  ASSERT_TRUE(sb2.group_id.has_value());
  EXPECT_EQ(*sb2.group_id, kGroup);
  auto replay = h.take<protocol::MlsDelivery>(b2);
  ASSERT_EQ(replay.size(), 1u);
  EXPECT_EQ(replay[0].seq, 2u);
  EXPECT_EQ(replay[0].message, commit_message(kGroup, 1, 9));
  // The old leader comes back within the grace and still leads; it gets the pending
  // join request again.
  auto [a2, sa2] = h.join("m", "alice", sa.resume_token, 2);
  EXPECT_EQ(sa2.role, protocol::Role::leader);
  auto requests = h.take<protocol::JoinRequest>(a2);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].participant, sj.participant);
  // The epoch is still the one to build on.
  h.send(a2, protocol::SubmitCommit{1, commit_message(kGroup, 1), {}, {}, {}, {}});
  EXPECT_EQ(h.take<protocol::CommitResult>(a2).at(0).reason, "epoch_taken");
  h.send(a2, protocol::SubmitCommit{2, commit_message(kGroup, 2), {}, {}, {}, {}});
  auto result = h.take<protocol::CommitResult>(a2).at(0);
  EXPECT_TRUE(result.accepted);
  EXPECT_EQ(result.seq, 3u);
}

TEST(DeliveryRestartTest, MemoryStorageResumes) {
  MemoryStorage storage;
  restart_scenario(storage);
}

TEST(DeliveryRestartTest, LeaderMissingAfterRestartFailsOverAfterGrace) {
  MemoryStorage storage;
  Harness h(storage);
  auto [a, sa, b, sb] = alice_adds_bob(h);
  h.restart();
  auto [b2, sb2] = h.join("m", "bob", sb.resume_token, 1);
  EXPECT_EQ(sb2.role, protocol::Role::member);
  h.advance(10s);
  auto changed = h.take<protocol::LeaderChanged>(b2);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].leader, sb.participant);
  EXPECT_EQ(changed[0].previous, sa.participant);
}

}  // namespace
}  // namespace ztm::server
