// treekem.json: path secrets, UpdatePath merging and decryption, and UpdatePath
// creation (RFC 9420 §7.4–§7.6, §7.9). One case per entry covers every update path
// of the entry: its parent-hash validity, every member's decrypted path secret and
// commit secret, the tree hash after merging, and a freshly created path that every
// other member decrypts to the creator's commit secret.
#include <map>

#include <nlohmann/json.hpp>

#include "internal/runners.h"
#include "ztm/mls/treekem.h"

namespace ztm::vectors {

namespace {

using mls::LeafIndex;
using mls::NodeIndex;

struct Member {
  mls::TreeKemPrivateKey private_key;
  Bytes signature_priv;
};

Result<Bytes> hex_string(const nlohmann::json& v) {
  return from_hex(v.get<std::string>());
}

Result<void> run_case(const nlohmann::json& c) {
  ZTM_TRY_ASSIGN(auto suite, mls::CipherSuite::create(c.at("cipher_suite").get<std::uint16_t>()));
  ZTM_TRY_ASSIGN(auto tree_bytes, hex_field(c, "ratchet_tree"));
  ZTM_TRY_ASSIGN(auto tree, mls::RatchetTree::decode(suite, tree_bytes));
  mls::GroupContext context;
  context.cipher_suite = suite.id();
  ZTM_TRY_ASSIGN(context.group_id, hex_field(c, "group_id"));
  context.epoch = c.at("epoch").get<std::uint64_t>();
  ZTM_TRY_ASSIGN(context.confirmed_transcript_hash, hex_field(c, "confirmed_transcript_hash"));

  // Private states, checked against the public tree.
  std::map<std::uint32_t, Member> members;
  for (const auto& lp : c.at("leaves_private")) {
    const LeafIndex index{lp.at("index").get<std::uint32_t>()};
    ZTM_TRY_ASSIGN(auto enc_priv, hex_field(lp, "encryption_priv"));
    ZTM_TRY_ASSIGN(auto leaf_key, crypto::DhPrivateKey::from_raw(suite.kem_id(), enc_priv));
    Member m{mls::TreeKemPrivateKey(index, std::move(leaf_key)), {}};
    ZTM_TRY_ASSIGN(m.signature_priv, hex_field(lp, "signature_priv"));
    for (const auto& ps : lp.at("path_secrets")) {
      ZTM_TRY_ASSIGN(auto secret, hex_field(ps, "path_secret"));
      ZTM_TRY(m.private_key.set_path_secret(suite, NodeIndex{ps.at("node").get<std::uint32_t>()},
                                            SecretBytes(secret)));
    }
    ZTM_TRY(m.private_key.consistent_with(tree));
    members.emplace(index.value, std::move(m));
  }

  for (const auto& up : c.at("update_paths")) {
    const LeafIndex sender{up.at("sender").get<std::uint32_t>()};
    ZTM_TRY_ASSIGN(auto path_bytes, hex_field(up, "update_path"));
    ZTM_TRY_ASSIGN(auto path, tls::decode<mls::UpdatePath>(path_bytes));
    ZTM_TRY_ASSIGN(auto commit_secret, hex_field(up, "commit_secret"));
    ZTM_TRY_ASSIGN(auto tree_hash_after, hex_field(up, "tree_hash_after"));
    const auto& expected_secrets = up.at("path_secrets");

    // Merge (parent-hash validity) and decrypt for every other member.
    mls::RatchetTree merged = tree;
    ZTM_TRY(mls::merge_update_path(merged, sender, path));
    if (merged.root_tree_hash() != tree_hash_after) {
      return fail(Errc::invalid_encoding, "tree_hash_after differs");
    }
    mls::GroupContext provisional = context;
    provisional.tree_hash = merged.root_tree_hash();
    const Bytes provisional_bytes = tls::encode(provisional);
    for (const auto& [j, member] : members) {
      if (j == sender.value || tree.leaf(LeafIndex{j}) == nullptr) continue;
      ZTM_TRY_ASSIGN(auto got, mls::decrypt_update_path(merged, sender, path, member.private_key,
                                                        provisional_bytes, {}));
      ZTM_TRY_ASSIGN(auto expected, hex_string(expected_secrets.at(j)));
      if (!equal(got.path_secret.expose(), expected)) {
        return fail(Errc::invalid_encoding, "path secret of leaf " + std::to_string(j));
      }
      if (!equal(got.commit_secret.expose(), commit_secret)) {
        return fail(Errc::invalid_encoding, "commit secret at leaf " + std::to_string(j));
      }
      ZTM_TRY(got.private_key.consistent_with(merged));
    }

    // Create a new path from the same tree; every other member must follow it.
    auto sender_it = members.find(sender.value);
    if (sender_it == members.end()) {
      return fail(Errc::invalid_encoding, "no private state for sender");
    }
    ZTM_TRY_ASSIGN(auto signer, crypto::SignaturePrivateKey::from_raw(
                                    suite.signature_scheme(), sender_it->second.signature_priv));
    mls::RatchetTree created_tree = tree;
    mls::GroupContext created_context = context;
    ZTM_TRY_ASSIGN(auto created, mls::create_update_path(created_tree, sender, *tree.leaf(sender),
                                                         signer, created_context, {}));
    ZTM_TRY(created.private_key.consistent_with(created_tree));
    ZTM_TRY(created_tree.verify_parent_hashes());
    const Bytes created_bytes = tls::encode(created_context);
    for (const auto& [j, member] : members) {
      if (j == sender.value || tree.leaf(LeafIndex{j}) == nullptr) continue;
      mls::RatchetTree receiver_tree = tree;
      ZTM_TRY(mls::merge_update_path(receiver_tree, sender, created.update_path));
      if (receiver_tree.root_tree_hash() != created_context.tree_hash) {
        return fail(Errc::invalid_encoding,
                    "receiver's merged tree hash differs at " + std::to_string(j));
      }
      ZTM_TRY_ASSIGN(auto got, mls::decrypt_update_path(receiver_tree, sender, created.update_path,
                                                        member.private_key, created_bytes, {}));
      if (!(got.commit_secret == created.commit_secret)) {
        return fail(Errc::invalid_encoding,
                    "created path: commit secret at leaf " + std::to_string(j));
      }
    }
  }
  return ok();
}

Runner mls_treekem_runner() {
  return {
      "mls/treekem",
      [](const std::filesystem::path& path, const nlohmann::json&) {
        return path.filename() == "treekem.json";
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

ZTM_REGISTER_VECTOR_RUNNER(mls_treekem_runner);

}  // namespace ztm::vectors
