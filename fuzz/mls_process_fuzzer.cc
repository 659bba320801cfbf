// Fuzzes Group::process (src/mls/group/): everything a member does with an
// untrusted MLSMessage of its group — framing, decryption, signature and
// membership checks, proposal caching and the whole of Commit processing.
//
// A three-member suite-1 group (alice, bob, carol) is built once at start-up;
// every input is processed by a fresh copy of bob's state, which must never
// crash. Keys are random per run, so raw bytes rarely pass authentication; to
// get past it, input byte 0 picks a mode:
//   even: the rest is an MLSMessage, decoded and processed as it is;
//   odd:  byte 1 picks one of the real messages made at start-up (application
//         messages, proposals, Commits of every kind, an external Commit), and
//         each following 3-byte group (offset hi, offset lo, xor) flips bytes of
//         it before it is processed. An input without edits must be accepted.
// ZTM_MLS_FUZZ_WRITE_SEEDS=<dir> writes every start-up message as a mode-0 seed.
#include <cstdint>
#include <memory>
#include <vector>

#include "mls_fuzz_group.h"

namespace {

using namespace ztm;
using namespace ztm::mls;
using mls_fuzz::require;

struct World {
  mls_fuzz::GroupSetup setup;
  std::unique_ptr<Group> bob;
  std::vector<Bytes> templates;  // encoded messages bob accepts as they are
};

std::unique_ptr<World> build() {
  auto w = std::make_unique<World>();
  const mls_fuzz::GroupSetup& setup = w->setup;
  Group alice = setup.create("alice");
  const KeyPackageBundle bob_kp = setup.key_package("bob");
  const KeyPackageBundle carol_kp = setup.key_package("carol");
  const CommitResult added = mls_fuzz::GroupSetup::add(alice, {&bob_kp, &carol_kp});
  Group a = *added.next;
  Group bob = setup.join(added, bob_kp);
  Group c = setup.join(added, carol_kp);

  const auto keep = [&](const Result<MLSMessage>& m) {
    require(m.has_value());
    w->templates.push_back(m->encode());
  };
  const auto commit_of = [&](Group& g, CommitOptions options) {
    auto r = g.commit(options);
    require(r.has_value());
    w->templates.push_back(r->commit.encode());
  };
  commit_of(a, {});  // empty commit with path
  CommitOptions remove_carol;
  remove_carol.by_value = {Proposal{Remove{2}}};
  commit_of(a, remove_carol);
  CommitOptions remove_bob;
  remove_bob.by_value = {Proposal{Remove{1}}};
  commit_of(c, remove_bob);
  const KeyPackageBundle eve_kp = setup.key_package("eve");
  CommitOptions add_eve;
  add_eve.by_value = {Proposal{Add{eve_kp.key_package}}};
  add_eve.authenticated_data = to_bytes("ad");
  commit_of(c, add_eve);
  auto info = a.group_info(true, true);
  require(info.has_value());
  auto ext = Group::join_external(*info, setup.signer("frank"), setup.config);
  require(ext.has_value());
  w->templates.push_back(ext->commit.encode());
  // Proposals last: a proposal is cached by its sender and would go into
  // that sender's later Commits by reference.
  keep(a.protect(as_bytes("hello from alice"), as_bytes("aad")));
  keep(c.protect(as_bytes("hello from carol")));
  keep(c.propose(Proposal{Remove{0}}));
  const KeyPackageBundle dave_kp = setup.key_package("dave");
  keep(a.propose(Proposal{Add{dave_kp.key_package}}));
  w->bob = std::make_unique<Group>(std::move(bob));

  mls_fuzz::require_all_processed(*w->bob, w->templates);
  mls_fuzz::write_seeds(w->templates, "message_");
  return w;
}

void process(const World& w, ByteView wire) {
  auto message = MLSMessage::decode(wire);
  if (!message) return;
  Group copy = *w.bob;
  auto processed = copy.process(*message);
  if (processed && processed->next) {
    // A new epoch must be usable.
    require(processed->next->epoch() == copy.epoch() + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::unique_ptr<World> world = build();
  if (auto wire = mls_fuzz::pick_input({data, size}, world->templates)) process(*world, *wire);
  return 0;
}
