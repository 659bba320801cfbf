#include "ztm/mls/messages/leaf_node.h"

#include <algorithm>

#include "internal/b_codec.h"
#include "ztm/mls/limits.h"

namespace ztm::mls {

namespace {
template <class T>
bool contains(const std::vector<T>& v, T x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}
}  // namespace

bool Capabilities::supports_version(ProtocolVersion v) const {
  return contains(versions, v);
}
bool Capabilities::supports_cipher_suite(CipherSuiteId s) const {
  return contains(cipher_suites, s);
}
bool Capabilities::supports_extension(ExtensionType t) const {
  const auto raw = static_cast<std::uint16_t>(t);
  return (raw >= 1 && raw <= 5) || contains(extensions, t);
}
bool Capabilities::supports_proposal(ProposalType t) const {
  const auto raw = static_cast<std::uint16_t>(t);
  return (raw >= 1 && raw <= 7) || contains(proposals, t);
}
bool Capabilities::supports_credential(CredentialType t) const {
  return contains(credentials, t);
}

void Capabilities::tls_encode(tls::Writer& w) const {
  tls::write(w, versions);
  tls::write(w, cipher_suites);
  tls::write(w, extensions);
  tls::write(w, proposals);
  tls::write(w, credentials);
}

Result<void> Capabilities::tls_decode(tls::Reader& r) {
  constexpr auto kMax = limits::kMaxCapabilityEntries;
  ZTM_TRY(internal::read_bounded_vector(r, versions, kMax, "capabilities.versions"));
  ZTM_TRY(internal::read_bounded_vector(r, cipher_suites, kMax, "capabilities.cipher_suites"));
  ZTM_TRY(internal::read_bounded_vector(r, extensions, kMax, "capabilities.extensions"));
  ZTM_TRY(internal::read_bounded_vector(r, proposals, kMax, "capabilities.proposals"));
  ZTM_TRY(internal::read_bounded_vector(r, credentials, kMax, "capabilities.credentials"));
  return ok();
}

std::size_t Capabilities::tls_size() const {
  return internal::vector_size(versions) + internal::vector_size(cipher_suites) +
         internal::vector_size(extensions) + internal::vector_size(proposals) +
         internal::vector_size(credentials);
}

void LeafNode::encode_content(tls::Writer& w) const {
  w.opaque(encryption_key);
  w.opaque(signature_key);
  tls::write(w, credential);
  tls::write(w, capabilities);
  tls::write(w, leaf_node_source);
  switch (leaf_node_source) {
    case LeafNodeSource::key_package:
      tls::write(w, lifetime);
      break;
    case LeafNodeSource::update:
      break;
    case LeafNodeSource::commit:
      w.opaque(parent_hash);
      break;
  }
  tls::write(w, extensions);
}

std::size_t LeafNode::content_size() const {
  std::size_t n = internal::opaque_size(encryption_key.size()) +
                  internal::opaque_size(signature_key.size()) + credential.tls_size() +
                  capabilities.tls_size() + 1 + extensions.tls_size();
  if (leaf_node_source == LeafNodeSource::key_package) n += 16;
  if (leaf_node_source == LeafNodeSource::commit) n += internal::opaque_size(parent_hash.size());
  return n;
}

Bytes LeafNode::to_be_signed(ByteView group_id, std::uint32_t leaf_index) const {
  Bytes out;
  out.reserve(content_size() + internal::opaque_size(group_id.size()) + 4);
  tls::Writer w(out);
  encode_content(w);
  if (leaf_node_source != LeafNodeSource::key_package) {
    w.opaque(group_id);
    w.u32(leaf_index);
  }
  return out;
}

void LeafNode::tls_encode(tls::Writer& w) const {
  encode_content(w);
  w.opaque(signature);
}

Result<void> LeafNode::tls_decode(tls::Reader& r) {
  ZTM_TRY(tls::read(r, encryption_key));
  ZTM_TRY(tls::read(r, signature_key));
  ZTM_TRY(tls::read(r, credential));
  ZTM_TRY(tls::read(r, capabilities));
  ZTM_TRY(tls::read(r, leaf_node_source));
  lifetime = {};
  parent_hash.clear();
  if (leaf_node_source == LeafNodeSource::key_package) ZTM_TRY(tls::read(r, lifetime));
  if (leaf_node_source == LeafNodeSource::commit) ZTM_TRY(tls::read(r, parent_hash));
  ZTM_TRY(tls::read(r, extensions));
  ZTM_TRY(tls::read(r, signature));
  return ok();
}

std::size_t LeafNode::tls_size() const {
  return content_size() + internal::opaque_size(signature.size());
}

bool LeafNode::operator==(const LeafNode& o) const {
  if (encryption_key != o.encryption_key || signature_key != o.signature_key ||
      !(credential == o.credential) || !(capabilities == o.capabilities) ||
      leaf_node_source != o.leaf_node_source || !(extensions == o.extensions) ||
      signature != o.signature) {
    return false;
  }
  if (leaf_node_source == LeafNodeSource::key_package) return lifetime == o.lifetime;
  if (leaf_node_source == LeafNodeSource::commit) return parent_hash == o.parent_hash;
  return true;
}

void Node::tls_encode(tls::Writer& w) const {
  tls::write(w, type());
  if (is_leaf()) {
    tls::write(w, leaf());
  } else {
    tls::write(w, parent());
  }
}

Result<void> Node::tls_decode(tls::Reader& r) {
  NodeType t{};
  ZTM_TRY(tls::read(r, t));
  if (t == NodeType::leaf) {
    LeafNode leaf_node;
    ZTM_TRY(tls::read(r, leaf_node));
    value = std::move(leaf_node);
  } else {
    ParentNode parent_node;
    ZTM_TRY(tls::read(r, parent_node));
    value = std::move(parent_node);
  }
  return ok();
}

std::size_t Node::tls_size() const {
  return 1 + (is_leaf() ? leaf().tls_size() : tls::size_of(parent()));
}

}  // namespace ztm::mls
