// tree-operations.json: applying one Add, Update or Remove proposal to a ratchet
// tree (RFC 9420 §12.1), checking the resulting tree and both tree hashes.
#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/ratchet_tree.h"

namespace ztm::vectors {

namespace {

Result<void> run_case(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto suite, mls::CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));
  ZTM_TRY_ASSIGN(auto before, hex_field(c, "tree_before"));
  ZTM_TRY_ASSIGN(auto after, hex_field(c, "tree_after"));
  ZTM_TRY_ASSIGN(auto hash_before, hex_field(c, "tree_hash_before"));
  ZTM_TRY_ASSIGN(auto hash_after, hex_field(c, "tree_hash_after"));
  ZTM_TRY_ASSIGN(auto proposal_bytes, hex_field(c, "proposal"));
  const mls::LeafIndex sender{c.at("proposal_sender").get<std::uint32_t>()};

  ZTM_TRY_ASSIGN(auto tree, mls::RatchetTree::decode(suite, before));
  if (tree.root_tree_hash() != hash_before) {
    return fail(Errc::invalid_encoding, "tree_hash_before differs");
  }
  ZTM_TRY_ASSIGN(auto proposal, tls::decode<mls::Proposal>(proposal_bytes));
  if (const auto* add = std::get_if<mls::Add>(&proposal.value)) {
    ZTM_TRY(tree.apply(*add));
  } else if (const auto* update = std::get_if<mls::Update>(&proposal.value)) {
    ZTM_TRY(tree.apply(*update, sender));
  } else if (const auto* remove = std::get_if<mls::Remove>(&proposal.value)) {
    ZTM_TRY(tree.apply(*remove));
  } else {
    return fail(Errc::unsupported, "proposal is not add, update or remove");
  }
  if (tree.encode() != after) return fail(Errc::invalid_encoding, "tree_after differs");
  if (tree.root_tree_hash() != hash_after) {
    return fail(Errc::invalid_encoding, "tree_hash_after differs");
  }
  return ok();
}

Runner mls_tree_operations_runner() {
  return {
      "mls/tree-operations",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "tree-operations.json";
      },
      [](const nlohmann::json& doc, Report& report) {
        std::size_t index = 0;
        for (const auto& c : doc) report.check("case " + std::to_string(index++), run_case(c));
      },
  };
}

}  // namespace

ZTM_REGISTER_VECTOR_RUNNER(mls_tree_operations_runner);

}  // namespace ztm::vectors
