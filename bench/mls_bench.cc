// MLS group operations (suite 1: X25519, AES-128-GCM, SHA-256, Ed25519) at
// N = 10, 100, 1000 and 10 000 members, on a sparse and a full tree, next to
// their cryptographic floors. docs/performance.md (## MLS) reports op / floor.
//
//   BM_Mls<Op>/<N>/<shape>  Op: AddCommit (one Add + Welcome, no path),
//     ProcessAdd, Join (Welcome with the tree inlined), RemoveCommit (with path),
//     ProcessRemove, Add10Commit.  shape 0 = sparse (straight after one batch
//     Add: every parent node blank), 1 = full (every parent node set).
//   BM_MlsExporter/<N>/<shape>
//   BM_MlsFloorJoin/<N>            N Ed25519 verifications
//   BM_MlsFloorAddCommit/<N>       one KeyPackage verification, one HPKE
//                                  encryption (GroupSecrets), one signature
//   BM_MlsFloorRemoveCommit/<N>/<shape>  one HPKE encryption per node of the
//                                  copath resolution, plus one signature
//
// Threads: the ops use ztm::parallel_for (the UpdatePath's HPKE encryptions, a
// joiner's leaf checks, the Adds' KeyPackage checks), so the op benchmarks report
// wall time (UseRealTime); run with ZTM_THREADS=1 for the serial figures. The
// floors are always serial loops on one thread (the 2-core ideal is floor / 2).
// Each op reports the thread count it ran with as the counter `threads`.
//
// The full tree: after the batch Add, every parent node gets a placeholder key,
// then every even leaf (from the right, leaf 0 last) creates a real UpdatePath
// with its own signature key (create_update_path, treekem.h). The placeholders
// keep each path's copath resolution at one node per level, so building costs
// N/2 × log N encryptions instead of N²; every placeholder is then overwritten
// by a real path, so the tree's parent hashes are valid and a joiner accepts it.
// The two tracked members (alice at leaf 0, bob at leaf 1) get the resulting
// tree and keys written into their state (GroupAccess, src/mls/internal): the
// same change at both, so they stay in agreement.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../src/mls/internal/group_state.h"
#include "ztm/base/parallel.h"
#include "ztm/crypto/random.h"
#include "ztm/mls/group.h"
#include "ztm/mls/tree_math.h"
#include "ztm/mls/treekem.h"

namespace {

using namespace ztm;
using namespace ztm::mls;

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "mls_bench setup: %s: %s\n", what, r.error().what().c_str());
    std::abort();
  }
  return std::move(*r);
}

void must(Result<void> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "mls_bench setup: %s: %s\n", what, r.error().what().c_str());
    std::abort();
  }
}

struct Fixture {
  explicit Fixture(std::uint32_t n, int shape);

  CipherSuite suite = must(CipherSuite::create(1), "suite");
  BasicCredentialValidator validator;
  GroupConfig config;
  std::vector<MemberSigner> signers;  // by leaf
  std::unique_ptr<Group> alice;       // leaf 0
  std::unique_ptr<Group> bob;         // leaf 1
  std::unique_ptr<KeyPackageBundle> joiner;
  std::vector<Proposal> ten_adds;
  std::uint32_t removed_leaf = 0;
  MLSMessage add_commit;
  Welcome welcome;
  MLSMessage remove_commit;
  std::size_t add_commit_bytes = 0, welcome_bytes = 0, remove_commit_bytes = 0;
  std::size_t remove_encryptions = 0;  // copath resolution size of the Remove commit
  std::size_t member_heap_bytes = 0;
  double setup_seconds = 0;
};

MemberSigner make_signer(const CipherSuite& suite, const std::string& name) {
  return {must(crypto::SignaturePrivateKey::generate(suite.signature_scheme()), "signer"),
          Credential::basic(to_bytes(name))};
}

// fill_tree makes every parent node non-blank with real UpdatePaths (see the
// file comment) and writes the result into alice's and bob's state.
void fill_tree(Fixture& f) {
  GroupState& a = GroupAccess::state(*f.alice);
  GroupState& b = GroupAccess::state(*f.bob);
  RatchetTree tree = a.tree;
  const auto placeholder = must(crypto::DhPrivateKey::generate(f.suite.kem_id()), "dh");
  const std::uint32_t leaves = tree.leaf_count().value;
  // covers_members: the subtree under parent node n holds a member (leaves are
  // 0..N-1); parents over blank leaves only stay blank.
  const auto covers_members = [&](std::uint32_t n) {
    const std::uint32_t k = level(NodeIndex{n});
    return (n - ((1u << k) - 1)) / 2 < f.signers.size();
  };
  for (std::uint32_t n = 1; n < tree.width(); n += 2) {
    if (!tree.is_blank(NodeIndex{n}) || !covers_members(n)) continue;
    Bytes pub = placeholder.public_key();
    pub[0] ^= static_cast<std::uint8_t>(n);
    pub[1] ^= static_cast<std::uint8_t>(n >> 8);
    pub[2] ^= static_cast<std::uint8_t>(n >> 16);
    must(tree.set_node(NodeIndex{n}, Node{ParentNode{pub, {}, {}}}), "placeholder");
  }
  GroupContext context = a.context;
  std::uint32_t last_even = (leaves - 1) & ~1u;
  std::optional<CreatedUpdatePath> from_alice;
  for (std::uint32_t i = last_even + 2; i >= 2;) {
    i -= 2;
    const LeafNode* leaf = tree.leaf(LeafIndex{i});
    if (leaf == nullptr) continue;
    auto created =
        must(create_update_path(tree, LeafIndex{i}, *leaf, f.signers[i].signature_key, context, {}),
             "create_update_path");
    if (i == 0) from_alice.emplace(std::move(created));
  }
  // Every parent with members under both children is set (the others are not
  // on any filtered direct path, §4.1.2, and stay blank in any tree).
  for (std::uint32_t n = 1; n < tree.width(); n += 2) {
    const std::uint32_t k = level(NodeIndex{n});
    const std::uint32_t first_right = (n - ((1u << k) - 1)) / 2 + (1u << (k - 1));
    if (first_right < f.signers.size() && tree.is_blank(NodeIndex{n})) std::abort();
  }
  auto at_bob = must(decrypt_update_path(tree, LeafIndex{0}, from_alice->update_path, b.private_key,
                                         tls::encode(context), {}),
                     "decrypt_update_path");
  a.context.tree_hash = tree.root_tree_hash();
  a.tree = tree;
  a.private_key = std::move(from_alice->private_key);
  b.context = a.context;
  b.tree = std::move(tree);
  b.private_key = std::move(at_bob.private_key);
}

Fixture::Fixture(std::uint32_t n, int shape) {
  const auto start = std::chrono::steady_clock::now();
  config.validator = &validator;
  signers.push_back(make_signer(suite, "alice"));
  alice = std::make_unique<Group>(
      must(Group::create(suite, to_bytes("bench group"), signers[0], {}, config), "create"));
  std::vector<KeyPackageBundle> kps;
  CommitOptions batch;
  for (std::uint32_t i = 1; i < n; ++i) {
    signers.push_back(make_signer(suite, "member " + std::to_string(i)));
    kps.push_back(must(create_key_package(suite, signers.back()), "key package"));
    batch.by_value.push_back(Proposal{Add{kps.back().key_package}});
  }
  auto added = must(alice->commit(batch), "batch add");
  *alice = *added.next;
  bob = std::make_unique<Group>(
      must(Group::join(std::get<Welcome>(added.welcome->value), kps[0], config), "bob join"));
  if (shape == 1) fill_tree(*this);
  {
    const auto before = mallinfo2().uordblks;
    auto copy = std::make_unique<Group>(*bob);
    member_heap_bytes = mallinfo2().uordblks - before;
  }

  joiner = std::make_unique<KeyPackageBundle>(
      must(create_key_package(suite, make_signer(suite, "joiner")), "joiner"));
  CommitOptions add;
  add.by_value = {Proposal{Add{joiner->key_package}}};
  auto add_result = must(alice->commit(add), "add commit");
  add_commit = add_result.commit;
  welcome = std::get<Welcome>(add_result.welcome->value);
  add_commit_bytes = add_commit.encode().size();
  welcome_bytes = add_result.welcome->encode().size();
  for (int i = 0; i < 10; ++i) {
    auto kp =
        must(create_key_package(suite, make_signer(suite, "ten " + std::to_string(i))), "ten");
    ten_adds.push_back(Proposal{Add{kp.key_package}});
  }

  removed_leaf = (n / 2) | 1;  // an odd leaf other than bob's (for n > 2)
  CommitOptions remove;
  remove.by_value = {Proposal{Remove{removed_leaf}}};
  auto remove_result = must(alice->commit(remove), "remove commit");
  remove_commit = remove_result.commit;
  remove_commit_bytes = remove_commit.encode().size();
  RatchetTree after = alice->tree();
  must(after.remove_leaf(LeafIndex{removed_leaf}), "remove_leaf");
  for (NodeIndex c : copath(LeafIndex{0}.node(), after.leaf_count())) {
    remove_encryptions += after.resolution(c).size();
  }
  setup_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// fixture keeps one Fixture at a time (benchmarks run in registration order,
// grouped by N and shape).
Fixture& fixture(std::uint32_t n, int shape) {
  static std::pair<std::uint32_t, int> key{0, -1};
  static std::unique_ptr<Fixture> current;
  if (!current || key != std::pair{n, shape}) {
    current.reset();
    current = std::make_unique<Fixture>(n, shape);
    key = {n, shape};
  }
  return *current;
}

void counters(benchmark::State& state, const Fixture& f) {
  state.counters["threads"] = static_cast<double>(parallelism());
  state.counters["commit_B"] = static_cast<double>(f.add_commit_bytes);
  state.counters["welcome_B"] = static_cast<double>(f.welcome_bytes);
  state.counters["remove_B"] = static_cast<double>(f.remove_commit_bytes);
  state.counters["member_heap_B"] = static_cast<double>(f.member_heap_bytes);
  state.counters["setup_s"] = f.setup_seconds;
}

#define ZTM_EXPECT(expr, what) \
  if (!(expr)) {               \
    state.SkipWithError(what); \
    break;                     \
  }

void BM_MlsAddCommit(benchmark::State& state, std::uint32_t n, int shape) {
  Fixture& f = fixture(n, shape);
  CommitOptions add;
  add.by_value = {Proposal{Add{f.joiner->key_package}}};
  for (auto _ : state) {
    auto r = f.alice->commit(add);
    ZTM_EXPECT(r && r->welcome, "commit failed");
    benchmark::DoNotOptimize(r->next.get());
  }
  counters(state, f);
}

void BM_MlsProcessAdd(benchmark::State& state, std::uint32_t n, int shape) {
  Fixture& f = fixture(n, shape);
  for (auto _ : state) {
    auto r = f.bob->process(f.add_commit);
    ZTM_EXPECT(r && r->next, "process failed");
    benchmark::DoNotOptimize(r->next.get());
  }
  counters(state, f);
}

void BM_MlsJoin(benchmark::State& state, std::uint32_t n, int shape) {
  Fixture& f = fixture(n, shape);
  for (auto _ : state) {
    auto g = Group::join(f.welcome, *f.joiner, f.config);
    if (!g) {
      state.SkipWithError(("join failed: " + g.error().message).c_str());
      break;
    }
    benchmark::DoNotOptimize(g->epoch());
  }
  counters(state, f);
}

void BM_MlsRemoveCommit(benchmark::State& state, std::uint32_t n, int shape) {
  Fixture& f = fixture(n, shape);
  CommitOptions remove;
  remove.by_value = {Proposal{Remove{f.removed_leaf}}};
  for (auto _ : state) {
    auto r = f.alice->commit(remove);
    ZTM_EXPECT(r, "commit failed");
    benchmark::DoNotOptimize(r->next.get());
  }
  counters(state, f);
  state.counters["encryptions"] = static_cast<double>(f.remove_encryptions);
}

void BM_MlsProcessRemove(benchmark::State& state, std::uint32_t n, int shape) {
  Fixture& f = fixture(n, shape);
  for (auto _ : state) {
    auto r = f.bob->process(f.remove_commit);
    ZTM_EXPECT(r && r->next, "process failed");
    benchmark::DoNotOptimize(r->next.get());
  }
  counters(state, f);
}

void BM_MlsAdd10Commit(benchmark::State& state, std::uint32_t n, int shape) {
  Fixture& f = fixture(n, shape);
  CommitOptions add;
  add.by_value = f.ten_adds;
  for (auto _ : state) {
    auto r = f.alice->commit(add);
    ZTM_EXPECT(r && r->welcome, "commit failed");
    benchmark::DoNotOptimize(r->next.get());
  }
  counters(state, f);
}

void BM_MlsExporter(benchmark::State& state, std::uint32_t n, int shape) {
  Fixture& f = fixture(n, shape);
  for (auto _ : state) {
    auto secret = f.alice->exporter("bench", as_bytes("context"), 32);
    ZTM_EXPECT(secret, "exporter failed");
    benchmark::DoNotOptimize(secret->expose().data());
  }
}

// --- floors: the unavoidable public-key operations of each op.

struct FloorKeys {
  CipherSuite suite = must(CipherSuite::create(1), "suite");
  crypto::SignaturePrivateKey signer =
      must(crypto::SignaturePrivateKey::generate(suite.signature_scheme()), "signer");
  crypto::DhPrivateKey recipient = must(crypto::DhPrivateKey::generate(suite.kem_id()), "dh");
  Bytes content = Bytes(300, 0x42);  // about one LeafNodeTBS
  Bytes signature = must(suite.sign_with_label(signer, "LeafNodeTBS", content), "sign");
  Bytes secret = Bytes(32, 0x17);
};

FloorKeys& floor_keys() {
  static FloorKeys keys;
  return keys;
}

void BM_MlsFloorJoin(benchmark::State& state, std::uint32_t n) {
  FloorKeys& k = floor_keys();
  const Bytes pub = k.signer.public_key();
  for (auto _ : state) {
    for (std::uint32_t i = 0; i < n; ++i) {
      auto ok = k.suite.verify_with_label(pub, "LeafNodeTBS", k.content, k.signature);
      if (!ok) std::abort();
    }
  }
}

void BM_MlsFloorAddCommit(benchmark::State& state) {
  FloorKeys& k = floor_keys();
  const Bytes pub = k.signer.public_key();
  for (auto _ : state) {
    must(k.suite.verify_with_label(pub, "LeafNodeTBS", k.content, k.signature), "verify");
    auto ct = k.suite.encrypt_with_label(k.recipient.public_key(), "Welcome", k.content, k.secret);
    auto sig = k.suite.sign_with_label(k.signer, "FramedContentTBS", k.content);
    if (!ct || !sig) std::abort();
    benchmark::DoNotOptimize(sig->data());
  }
}

void BM_MlsFloorRemoveCommit(benchmark::State& state, std::uint32_t n, int shape) {
  const std::size_t encryptions = fixture(n, shape).remove_encryptions;
  FloorKeys& k = floor_keys();
  for (auto _ : state) {
    for (std::size_t i = 0; i < encryptions; ++i) {
      auto ct = k.suite.encrypt_with_label(k.recipient.public_key(), "UpdatePathNode", k.content,
                                           k.secret);
      if (!ct) std::abort();
    }
    auto sig = k.suite.sign_with_label(k.signer, "FramedContentTBS", k.content);
    if (!sig) std::abort();
  }
  state.counters["encryptions"] = static_cast<double>(encryptions);
}

int register_all() {
  const char* max_env = std::getenv("ZTM_MLS_BENCH_MAX_N");
  const std::uint32_t max_n = max_env ? static_cast<std::uint32_t>(std::atoi(max_env)) : 10000;
  for (std::uint32_t n : {10u, 100u, 1000u, 10000u}) {
    if (n > max_n) continue;
    for (int shape : {0, 1}) {
      const std::string suffix = "/" + std::to_string(n) + "/" + std::to_string(shape);
      const auto add = [&](const char* name, void (*fn)(benchmark::State&, std::uint32_t, int),
                           bool wall_time = true) {
        auto* b = benchmark::RegisterBenchmark((std::string(name) + suffix).c_str(), fn, n, shape);
        b->Unit(benchmark::kMillisecond);
        if (wall_time) b->UseRealTime();
        if (n >= 10000) b->Iterations(3);
      };
      add("BM_MlsAddCommit", BM_MlsAddCommit);
      add("BM_MlsProcessAdd", BM_MlsProcessAdd);
      add("BM_MlsJoin", BM_MlsJoin);
      add("BM_MlsRemoveCommit", BM_MlsRemoveCommit);
      add("BM_MlsProcessRemove", BM_MlsProcessRemove);
      add("BM_MlsAdd10Commit", BM_MlsAdd10Commit);
      add("BM_MlsExporter", BM_MlsExporter);
      add("BM_MlsFloorRemoveCommit", BM_MlsFloorRemoveCommit, /*wall_time=*/false);
    }
    benchmark::RegisterBenchmark(("BM_MlsFloorJoin/" + std::to_string(n)).c_str(), BM_MlsFloorJoin,
                                 n)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("BM_MlsFloorAddCommit", BM_MlsFloorAddCommit)
      ->Unit(benchmark::kMillisecond);
  return 0;
}

const int registered = register_all();

}  // namespace
