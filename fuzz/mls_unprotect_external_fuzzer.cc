// Fuzzes the receipt of external proposals (RFC 9420 §12.1.8) by a member:
// PublicMessage decoding and checks for `external` and `new_member_proposal`
// senders, the external_senders lookup, signature verification and the
// proposal-sender rules, then a Commit of whatever was accepted.
//
// A suite-1 group (alice, bob) whose context lists one external sender is built
// once; every input is processed by a fresh copy of bob's state, which must
// never crash. Input byte 0 picks a mode:
//   even: the rest is an MLSMessage, processed as it is;
//   odd:  byte 1 picks one of the real external proposals made at start-up
//         (Remove, Add, GroupContextExtensions from the external sender; a
//         self-Add from a new member), and each following 3-byte group
//         (offset hi, offset lo, xor) flips a byte of it. An input without
//         edits must be accepted.
#include <cstdint>
#include <memory>
#include <vector>

#include "mls_fuzz_group.h"
#include "ztm/mls/external_sender.h"

namespace {

using namespace ztm;
using namespace ztm::mls;
using mls_fuzz::require;

struct World {
  mls_fuzz::GroupSetup setup;
  std::unique_ptr<Group> bob;
  std::vector<Bytes> templates;
};

std::unique_ptr<World> build() {
  auto w = std::make_unique<World>();
  const mls_fuzz::GroupSetup& setup = w->setup;
  auto ds = ExternalSigner::generate(setup.suite, Credential::basic(to_bytes("service")));
  require(ds.has_value());
  ExternalSendersExtension senders;
  senders.senders.push_back(ds->external_sender());
  ExtensionList extensions;
  extensions.put(senders);
  Group alice = setup.create("alice", extensions);
  const KeyPackageBundle bob_kp = setup.key_package("bob");
  Group bob = setup.join(mls_fuzz::GroupSetup::add(alice, {&bob_kp}), bob_kp);
  const GroupContext& context = bob.context();

  const auto keep = [&](const Result<MLSMessage>& m) {
    require(m.has_value());
    w->templates.push_back(m->encode());
  };
  keep(ds->propose_remove(context, LeafIndex{0}));
  const KeyPackageBundle carol = setup.key_package("carol");
  keep(ds->propose(context, Proposal{Add{carol.key_package}}));
  keep(ds->propose(context, Proposal{GroupContextExtensions{extensions}}));
  const KeyPackageBundle dave = setup.key_package("dave");
  keep(propose_new_member_add(context, dave));
  w->bob = std::make_unique<Group>(std::move(bob));

  mls_fuzz::require_all_processed(*w->bob, w->templates);
  return w;
}

void run(const World& w, ByteView wire) {
  auto message = MLSMessage::decode(wire);
  if (!message) return;
  Group copy = *w.bob;
  auto processed = copy.process(*message);
  if (processed && copy.pending_proposals() > 0) {
    // Whatever was accepted must be committable or refused with an error.
    auto committed = copy.commit();
    if (committed) require(committed->next->epoch() == copy.epoch() + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::unique_ptr<World> world = build();
  if (auto wire = mls_fuzz::pick_input({data, size}, world->templates)) run(*world, *wire);
  return 0;
}
