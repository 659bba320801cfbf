// Fuzzes RatchetTree::decode and the joiner's checks (src/mls/ratchet_tree*.cc,
// tree_hash.cc) on untrusted ratchet_tree extension data: decoding, re-encoding,
// tree and parent hashes, resolutions and the unmerged-leaf and key rules must never
// crash or loop, whatever the shape of the tree.
#include <cstdint>
#include <cstdlib>

#include "ztm/mls/ratchet_tree.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto suite = *ztm::mls::CipherSuite::create(1);
  auto tree = ztm::mls::RatchetTree::decode(suite, ztm::ByteView(data, size));
  if (!tree) return 0;
  if (!ztm::equal(tree->encode(), ztm::ByteView(data, size))) std::abort();
  (void)tree->root_tree_hash();
  (void)tree->verify_unmerged_leaves();
  (void)tree->verify_unique_keys();
  (void)tree->verify_parent_hashes();
  for (std::uint32_t n = 0; n < tree->width(); ++n) {
    (void)tree->resolution(ztm::mls::NodeIndex{n});
  }
  return 0;
}
