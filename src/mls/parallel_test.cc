// The parallel loops of MLS (the HPKE encryptions of an UpdatePath, the leaf checks
// of a joiner's tree validation) must give the same result whatever the thread
// count: commits made with 1 and with 4 threads are processed by every member, and
// a tree with several bad leaves is rejected for the first one in leaf order.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "internal/b_test_members.h"
#include "ztm/base/parallel.h"
#include "ztm/crypto/random.h"
#include "ztm/mls/group.h"

namespace ztm::mls {
namespace {

// Parallelism sets the process-wide thread count for one scope.
class Parallelism {
 public:
  explicit Parallelism(std::size_t threads) : saved_(parallelism()) { set_parallelism(threads); }
  ~Parallelism() { set_parallelism(saved_); }
  Parallelism(const Parallelism&) = delete;
  Parallelism& operator=(const Parallelism&) = delete;

 private:
  std::size_t saved_;
};

constexpr std::size_t kThreadCounts[] = {1, 4};

class ParallelGroupTest : public ::testing::Test {
 protected:
  void SetUp() override { config_.validator = &validator_; }

  MemberSigner signer(const std::string& name) {
    return {crypto::SignaturePrivateKey::generate(suite_.signature_scheme()).value(),
            Credential::basic(to_bytes(name))};
  }

  // make_group has members[0] add `count - 1` members in one commit (a sparse tree:
  // every parent blank, so an UpdatePath encrypts to every other member).
  std::vector<Group> make_group(std::uint32_t count) {
    std::vector<Group> members;
    members.push_back(
        Group::create(suite_, crypto::random_bytes(16), signer("m0"), {}, config_).value());
    std::vector<KeyPackageBundle> kps;
    CommitOptions batch;
    for (std::uint32_t i = 1; i < count; ++i) {
      kps.push_back(create_key_package(suite_, signer("m" + std::to_string(i))).value());
      batch.by_value.push_back(Proposal{Add{kps.back().key_package}});
    }
    auto added = members[0].commit(batch);
    if (!added) {
      ADD_FAILURE() << added.error().what();
      return members;
    }
    members[0] = *added->next;
    for (const auto& kp : kps) {
      auto joined = Group::join(std::get<Welcome>(added->welcome->value), kp, config_);
      if (!joined) {
        ADD_FAILURE() << joined.error().what();
        continue;
      }
      members.push_back(std::move(*joined));
    }
    return members;
  }

  CipherSuite suite_ = CipherSuite::create(1).value();
  BasicCredentialValidator validator_;
  GroupConfig config_;
};

// Removes with a path from a 40-member sparse tree (38 encryptions per commit,
// enough for several parallel tasks), made alternately with 1 and 4 threads; every
// remaining member processes each commit and all agree on the new epoch.
TEST_F(ParallelGroupTest, CommitsWithOneAndFourThreadsAreProcessedByEveryMember) {
  std::vector<Group> members = make_group(40);
  ASSERT_EQ(members.size(), 40u);
  std::uint32_t next_removed = 39;
  for (std::size_t threads : kThreadCounts) {
    for (std::size_t committer : {std::size_t{0}, std::size_t{7}}) {
      Parallelism scope(threads);
      CommitOptions remove;
      remove.by_value = {Proposal{Remove{members[next_removed].own_leaf().value}}};
      auto result = members[committer].commit(remove);
      ASSERT_TRUE(result) << threads << " threads: " << result.error().what();
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i == committer || i == next_removed) continue;
        auto processed = members[i].process(result->commit);
        ASSERT_TRUE(processed) << threads << " threads, member " << i << ": "
                               << processed.error().what();
        members[i] = *processed->next;
      }
      members[committer] = *result->next;
      members.erase(members.begin() + next_removed);
      --next_removed;
      for (const Group& g : members) {
        EXPECT_EQ(g.epoch(), members[0].epoch());
        EXPECT_TRUE(equal(g.epoch_authenticator(), members[0].epoch_authenticator()));
      }
    }
  }
}

// A batch Add whose Welcome secrets are sealed with 1 and with 4 threads: every
// joiner finds its own entry, joins, and agrees with the committer.
TEST_F(ParallelGroupTest, BatchAddWelcomesEveryJoinerWithOneAndFourThreads) {
  for (std::size_t threads : kThreadCounts) {
    Parallelism scope(threads);
    std::vector<Group> members = make_group(21);
    ASSERT_EQ(members.size(), 21u) << threads << " threads";
    for (const Group& g : members) {
      EXPECT_EQ(g.epoch(), members[0].epoch());
      EXPECT_TRUE(equal(g.epoch_authenticator(), members[0].epoch_authenticator()));
    }
  }
}

// A TreeKEM-level check that create_update_path fills encrypted_path_secret in
// resolution order whatever the thread count: each member decrypts the entry at
// its own position in its copath node's resolution.
TEST(ParallelTreeKem, UpdatePathsDecryptAtEveryLeafWithOneAndFourThreads) {
  const CipherSuite suite = CipherSuite::create(1).value();
  test::TestGroup group(suite);
  for (int i = 0; i < 37; ++i) group.add("member " + std::to_string(i));
  for (std::size_t threads : kThreadCounts) {
    Parallelism scope(threads);
    group.commit(LeafIndex{threads == 1 ? 3u : 30u});
    if (HasFatalFailure()) return;
  }
}

// --- tree validation for joiners ------------------------------------------------

// RecordingValidator accepts basic credentials except those whose identity is in
// `refused`, and records the thread and order of its calls.
class RecordingValidator : public CredentialValidator {
 public:
  RecordingValidator(std::vector<std::string> refused, bool thread_safe)
      : refused_(std::move(refused)), thread_safe_(thread_safe) {}

  Result<void> validate(const Credential& credential, ByteView) const override {
    const auto* basic = std::get_if<BasicCredential>(&credential.value);
    const std::string identity =
        basic ? std::string(basic->identity.begin(), basic->identity.end()) : std::string();
    {
      std::lock_guard lock(mutex_);
      calls_.push_back({identity, std::this_thread::get_id()});
    }
    for (const auto& r : refused_) {
      if (r == identity) return fail(Errc::untrusted, "refused " + identity);
    }
    return ok();
  }
  bool thread_safe() const override { return thread_safe_; }

  struct Call {
    std::string identity;
    std::thread::id thread;
  };
  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  std::vector<std::string> refused_;
  bool thread_safe_;
  mutable std::mutex mutex_;
  mutable std::vector<Call> calls_;
};

// BadTree is a 48-leaf sparse tree in which some leaves have a broken signature;
// its GroupContext carries the resulting tree hash, so only the leaf checks fail.
struct BadTree {
  explicit BadTree(std::vector<std::uint32_t> bad_signatures) : group(suite) {
    for (int i = 0; i < 48; ++i) group.add("leaf " + std::to_string(i));
    for (std::uint32_t i : bad_signatures) {
      LeafNode leaf = *group.tree.leaf(LeafIndex{i});
      leaf.signature[5] ^= 0x40;
      EXPECT_TRUE(group.tree.set_node(LeafIndex{i}.node(), Node{leaf}));
    }
    group.context.tree_hash = group.tree.root_tree_hash();
  }

  std::string error(const CredentialValidator& validator, std::size_t threads) {
    Parallelism scope(threads);
    auto r = group.tree.validate_for_join(group.context, validator, std::nullopt);
    return r ? std::string("accepted") : r.error().message;
  }

  CipherSuite suite = CipherSuite::create(1).value();
  test::TestGroup group;
};

TEST(ParallelJoinValidation, FirstBadSignatureInLeafOrderWins) {
  BadTree tree({29, 11});
  BasicCredentialValidator validator;
  for (std::size_t threads : kThreadCounts) {
    const std::string error = tree.error(validator, threads);
    EXPECT_EQ(error.rfind("leaf_node.signature_invalid: leaf 11:", 0), 0u)
        << threads << " threads: " << error;
  }
}

TEST(ParallelJoinValidation, FirstFailingLeafWinsWhateverTheReason) {
  BadTree tree({30, 12});
  for (bool thread_safe : {false, true}) {
    // Leaf 5's credential is refused before leaf 12's signature is bad.
    RecordingValidator refuses_5({"leaf 5", "leaf 40"}, thread_safe);
    // Leaf 12's signature is bad before leaf 20's credential is refused.
    RecordingValidator refuses_20({"leaf 20"}, thread_safe);
    // Leaf 12 has both a bad signature and a refused credential: the credential is
    // checked first within a leaf, as in validate_leaf_node.
    RecordingValidator refuses_12({"leaf 12"}, thread_safe);
    for (std::size_t threads : kThreadCounts) {
      const std::string context =
          std::to_string(threads) + " threads, thread_safe " + std::to_string(thread_safe);
      EXPECT_EQ(tree.error(refuses_5, threads), "leaf_node.credential_rejected: refused leaf 5")
          << context;
      const std::string at_12 = tree.error(refuses_20, threads);
      EXPECT_EQ(at_12.rfind("leaf_node.signature_invalid: leaf 12:", 0), 0u) << context << at_12;
      EXPECT_EQ(tree.error(refuses_12, threads), "leaf_node.credential_rejected: refused leaf 12")
          << context;
    }
  }
}

// A validator that is not thread-safe is called only from the validating thread,
// once per leaf, in leaf order.
TEST(ParallelJoinValidation, ValidatorThatIsNotThreadSafeIsCalledSeriallyInLeafOrder) {
  BadTree tree({});
  RecordingValidator validator({}, /*thread_safe=*/false);
  EXPECT_EQ(tree.error(validator, 4), "accepted");
  const auto calls = validator.calls();
  ASSERT_EQ(calls.size(), 48u);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].identity, "leaf " + std::to_string(i));
    EXPECT_EQ(calls[i].thread, std::this_thread::get_id());
  }
}

// A thread-safe validator sees every leaf exactly once (in any order, on any thread).
TEST(ParallelJoinValidation, ThreadSafeValidatorSeesEveryLeafOnce) {
  BadTree tree({});
  RecordingValidator validator({}, /*thread_safe=*/true);
  EXPECT_EQ(tree.error(validator, 4), "accepted");
  auto calls = validator.calls();
  ASSERT_EQ(calls.size(), 48u);
  std::vector<std::string> seen;
  for (const auto& c : calls) seen.push_back(c.identity);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

// --- the Adds of one commit ------------------------------------------------------

// A commit of twelve Adds in which two KeyPackages fail, for different reasons: the
// error is the first failing Add's, whatever the thread count and whether the
// validator is thread-safe.
TEST(ParallelAddValidation, FirstFailingKeyPackageInProposalOrderWins) {
  const CipherSuite suite = CipherSuite::create(1).value();
  const auto signer = [&](const std::string& name) {
    return MemberSigner{crypto::SignaturePrivateKey::generate(suite.signature_scheme()).value(),
                        Credential::basic(to_bytes(name))};
  };
  struct Case {
    std::uint32_t bad_signature;
    std::string refused;
    std::string expected;  // a piece of the error message
  };
  const Case cases[] = {
      {3, "kp 9", "key_package.signature_invalid"},
      {9, "kp 3", "refused kp 3"},
      {5, "kp 5", "refused kp 5"},  // both faults on one Add: the credential comes first
  };
  for (bool thread_safe : {false, true}) {
    for (const Case& c : cases) {
      RecordingValidator validator({c.refused}, thread_safe);
      GroupConfig config;
      config.validator = &validator;
      Group alice =
          Group::create(suite, crypto::random_bytes(16), signer("alice"), {}, config).value();
      CommitOptions adds;
      for (std::uint32_t i = 0; i < 12; ++i) {
        KeyPackage kp = create_key_package(suite, signer("kp " + std::to_string(i)))->key_package;
        if (i == c.bad_signature) kp.signature[7] ^= 0x01;
        adds.by_value.push_back(Proposal{Add{std::move(kp)}});
      }
      for (std::size_t threads : kThreadCounts) {
        Parallelism scope(threads);
        auto result = alice.commit(adds);
        ASSERT_FALSE(result);
        EXPECT_NE(result.error().message.find(c.expected), std::string::npos)
            << threads << " threads, thread_safe " << thread_safe << ": " << result.error().message;
      }
    }
  }
}

}  // namespace
}  // namespace ztm::mls
