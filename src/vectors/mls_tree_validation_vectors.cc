// tree-validation.json: resolutions, per-node tree hashes, parent-hash validity and
// leaf signatures of decoded ratchet trees (RFC 9420 §4.1.2, §7.8, §7.9.2, §7.3).
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/ratchet_tree.h"

namespace ztm::vectors {

namespace {

using mls::NodeIndex;

Result<void> run_case(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto suite, mls::CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));
  ZTM_TRY_ASSIGN(auto tree_bytes, hex_field(c, "tree"));
  ZTM_TRY_ASSIGN(auto group_id, hex_field(c, "group_id"));
  ZTM_TRY_ASSIGN(auto tree, mls::RatchetTree::decode(suite, tree_bytes));
  if (tree.encode() != tree_bytes) return fail(Errc::invalid_encoding, "tree re-encoding differs");

  const auto& resolutions = c.at("resolutions");
  const auto& hashes = c.at("tree_hashes");
  if (resolutions.size() != tree.width() || hashes.size() != tree.width()) {
    return fail(Errc::invalid_encoding, "vector lists " + std::to_string(resolutions.size()) +
                                            " nodes, tree has " + std::to_string(tree.width()));
  }
  for (std::uint32_t i = 0; i < tree.width(); ++i) {
    std::vector<std::uint32_t> got;
    for (NodeIndex n : tree.resolution(NodeIndex{i})) got.push_back(n.value);
    if (got != resolutions[i].get<std::vector<std::uint32_t>>()) {
      return fail(Errc::invalid_encoding, "resolution of node " + std::to_string(i) + " differs");
    }
    ZTM_TRY_ASSIGN(auto expected, from_hex(hashes[i].get<std::string>()));
    if (!equal(tree.tree_hash(NodeIndex{i}), expected)) {
      return fail(Errc::invalid_encoding, "tree hash of node " + std::to_string(i) + " differs");
    }
  }
  ZTM_TRY(tree.verify_parent_hashes());
  ZTM_TRY(tree.verify_unmerged_leaves());
  ZTM_TRY(tree.verify_unique_keys());
  for (std::uint32_t i = 0; i < tree.leaf_count().value; ++i) {
    if (const auto* leaf = tree.leaf(mls::LeafIndex{i})) {
      ZTM_TRY(mls::verify_leaf_signature(suite, *leaf, group_id, mls::LeafIndex{i}));
    }
  }
  return ok();
}

Runner mls_tree_validation_runner() {
  return {
      "mls/tree-validation",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "tree-validation.json";
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) {
          report.check(
              "case " + std::to_string(index++) + " (suite " + c.at("cipher_suite").dump() + ")",
              run_case(c));
        }
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_tree_validation_runner);

}  // namespace ztm::vectors
