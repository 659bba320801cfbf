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
#include <cstdlib>
#include <memory>
#include <vector>

#include "ztm/crypto/random.h"
#include "ztm/mls/external_sender.h"

namespace {

using namespace ztm;
using namespace ztm::mls;

struct World {
  CipherSuite suite = *CipherSuite::create(1);
  BasicCredentialValidator validator;
  GroupConfig config;
  std::unique_ptr<Group> bob;
  std::vector<Bytes> templates;
};

MemberSigner signer(const CipherSuite& suite, const char* name) {
  return {*crypto::SignaturePrivateKey::generate(suite.signature_scheme()),
          Credential::basic(to_bytes(name))};
}

void require(bool ok) {
  if (!ok) std::abort();
}

std::unique_ptr<World> build() {
  auto w = std::make_unique<World>();
  w->config.validator = &w->validator;
  auto ds = ExternalSigner::generate(w->suite, Credential::basic(to_bytes("service")));
  require(ds.has_value());
  ExternalSendersExtension senders;
  senders.senders.push_back(ds->external_sender());
  ExtensionList extensions;
  extensions.put(senders);
  auto alice = Group::create(w->suite, crypto::random_bytes(16), signer(w->suite, "alice"),
                             extensions, w->config);
  require(alice.has_value());
  auto bob_kp = create_key_package(w->suite, signer(w->suite, "bob"));
  require(bob_kp.has_value());
  CommitOptions add;
  add.by_value = {Proposal{Add{bob_kp->key_package}}};
  auto added = alice->commit(add);
  require(added.has_value());
  auto bob = Group::join(std::get<Welcome>(added->welcome->value), *bob_kp, w->config);
  require(bob.has_value());
  const GroupContext& context = bob->context();

  const auto keep = [&](const Result<MLSMessage>& m) {
    require(m.has_value());
    w->templates.push_back(m->encode());
  };
  keep(ds->propose_remove(context, LeafIndex{0}));
  auto carol = create_key_package(w->suite, signer(w->suite, "carol"));
  require(carol.has_value());
  keep(ds->propose(context, Proposal{Add{carol->key_package}}));
  keep(ds->propose(context, Proposal{GroupContextExtensions{extensions}}));
  auto dave = create_key_package(w->suite, signer(w->suite, "dave"));
  require(dave.has_value());
  keep(propose_new_member_add(context, *dave));
  w->bob = std::make_unique<Group>(std::move(*bob));

  for (const Bytes& t : w->templates) {
    Group copy = *w->bob;
    auto m = MLSMessage::decode(t);
    require(m.has_value());
    require(copy.process(*m).has_value());
  }
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
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    run(*world, ByteView(data + 1, size - 1));
    return 0;
  }
  if (size < 2) return 0;
  Bytes wire = world->templates[data[1] % world->templates.size()];
  for (std::size_t i = 2; i + 2 < size; i += 3) {
    const std::size_t offset = ((std::size_t{data[i]} << 8) | data[i + 1]) % wire.size();
    wire[offset] ^= data[i + 2];
  }
  run(*world, wire);
  return 0;
}
