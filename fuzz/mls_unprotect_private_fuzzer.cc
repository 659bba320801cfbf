// Fuzzes unprotect_private (src/mls/framing.cc, RFC 9420 §6.3): sender-data
// decryption, the secret tree's generation lookup, content decryption and the
// PrivateMessageContent parser with its padding rule, on untrusted bytes.
//
// A suite-1 secret tree for four leaves is built once; every input runs against
// a fresh copy of it, which must never crash. Input byte 0 picks a mode:
//   even: the rest is a PrivateMessage (TLS encoding), decrypted as it is;
//   odd:  byte 1 picks one of the real PrivateMessages made at start-up
//         (application and handshake content, several senders and
//         generations, padded and not), and each following 3-byte group
//         (offset hi, offset lo, xor) flips a byte of its encoding. An input
//         without edits must decrypt.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "mls_fuzz_group.h"
#include "ztm/crypto/random.h"
#include "ztm/mls/framing.h"

namespace {

using namespace ztm;
using namespace ztm::mls;
using mls_fuzz::require;

struct World {
  CipherSuite suite = *CipherSuite::create(1);
  GroupContext context;
  SecretBytes sender_data_secret;
  std::unique_ptr<SecretTree> tree;
  std::vector<Bytes> templates;
};

std::unique_ptr<World> build() {
  auto w = std::make_unique<World>();
  w->context.cipher_suite = 1;
  w->context.group_id = to_bytes("fuzz group");
  w->context.epoch = 7;
  w->sender_data_secret = crypto::random_secret(w->suite.hash_size());
  const SecretBytes encryption_secret = crypto::random_secret(w->suite.hash_size());
  auto tree = SecretTree::create(w->suite, encryption_secret, LeafCount{4}, {});
  auto sender_tree = SecretTree::create(w->suite, encryption_secret, LeafCount{4}, {});
  require(tree && sender_tree);
  w->tree = std::make_unique<SecretTree>(std::move(*tree));
  auto key = crypto::SignaturePrivateKey::generate(w->suite.signature_scheme());
  require(key.has_value());
  for (std::uint32_t leaf = 0; leaf < 3; ++leaf) {
    for (int i = 0; i < 3; ++i) {
      FramedContent content;
      content.group_id = w->context.group_id;
      content.epoch = w->context.epoch;
      content.sender = Sender::member(leaf);
      content.authenticated_data = to_bytes(i == 0 ? "" : "aad");
      if (i == 2) {
        content.content = Proposal{Remove{3}};
      } else {
        content.content = ApplicationData{to_bytes("hello " + std::to_string(leaf))};
      }
      auto signed_content =
          sign_content(w->suite, WireFormat::mls_private_message, content, w->context, *key);
      require(signed_content.has_value());
      PrivateProtectOptions options;
      options.pad_to_multiple_of = i == 1 ? 32 : 0;
      auto message =
          protect_private(w->suite, *signed_content, *sender_tree, w->sender_data_secret, options);
      require(message.has_value());
      w->templates.push_back(tls::encode(*message));
    }
  }
  for (const Bytes& t : w->templates) {
    SecretTree copy = *w->tree;
    auto m = tls::decode<PrivateMessage>(t);
    require(m.has_value());
    require(unprotect_private(w->suite, *m, w->context, copy, w->sender_data_secret).has_value());
  }
  return w;
}

void run(const World& w, ByteView wire) {
  auto message = tls::decode<PrivateMessage>(wire);
  if (!message) return;
  SecretTree copy = *w.tree;
  auto content = unprotect_private(w.suite, *message, w.context, copy, w.sender_data_secret);
  // A second try of the same message is a replay: its key was consumed.
  if (content)
    require(!unprotect_private(w.suite, *message, w.context, copy, w.sender_data_secret));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::unique_ptr<World> world = build();
  if (auto wire = mls_fuzz::pick_input({data, size}, world->templates)) run(*world, *wire);
  return 0;
}
