#include "ztm/mls/psk.h"

#include <string>

namespace ztm::mls {

namespace {

// PSKLabel is struct { PreSharedKeyID id; uint16 index; uint16 count; } (§8.4).
Bytes encode_psk_label(const PreSharedKeyID& id, std::uint16_t index, std::uint16_t count) {
  Bytes out;
  out.reserve(tls::size_of(id) + 4);
  tls::Writer w(out);
  tls::write(w, id);
  w.u16(index);
  w.u16(count);
  return out;
}

}  // namespace

Result<SecretBytes> compute_psk_secret(const CipherSuite& suite, std::span<const PskInput> psks) {
  if (psks.size() > kMaxPsksPerCommit) {
    return fail(Errc::limit_exceeded, "psk.too_many: more than 65535 PSKs in one key schedule");
  }
  const Bytes zero(suite.hash_size(), 0);
  SecretBytes psk_secret{ByteView(zero)};
  const auto count = static_cast<std::uint16_t>(psks.size());
  for (std::size_t i = 0; i < psks.size(); ++i) {
    const SecretBytes extracted = suite.extract(zero, psks[i].psk.expose());
    const Bytes label = encode_psk_label(psks[i].id, static_cast<std::uint16_t>(i), count);
    ZTM_TRY_ASSIGN(const SecretBytes input,
                   suite.expand_with_label(extracted, "derived psk", label, suite.hash_size()));
    psk_secret = suite.extract(input.expose(), psk_secret.expose());
  }
  return psk_secret;
}

void PskStore::add_external(ByteView psk_id, SecretBytes psk) {
  external_.insert_or_assign(to_bytes(psk_id), std::move(psk));
}

void PskStore::remove_external(ByteView psk_id) {
  external_.erase(to_bytes(psk_id));
}

void PskStore::add_resumption(ByteView group_id, std::uint64_t epoch, SecretBytes resumption_psk) {
  if (max_resumption_epochs_ == 0) return;
  auto& epochs = resumption_[to_bytes(group_id)];
  // Keep ascending order; an epoch recorded twice replaces its old value.
  auto it = epochs.begin();
  while (it != epochs.end() && it->first < epoch) ++it;
  if (it != epochs.end() && it->first == epoch) {
    it->second = std::move(resumption_psk);
  } else {
    epochs.emplace(it, epoch, std::move(resumption_psk));
  }
  while (epochs.size() > max_resumption_epochs_) epochs.pop_front();
}

Result<SecretBytes> PskStore::find(const PreSharedKeyID& id) const {
  if (id.psktype == PSKType::external) {
    auto it = external_.find(id.psk_id);
    if (it == external_.end()) {
      return fail(Errc::unknown_key, "psk.unknown_external: no external PSK with this psk_id");
    }
    return it->second;
  }
  auto group = resumption_.find(id.psk_group_id);
  if (group != resumption_.end()) {
    for (const auto& [epoch, secret] : group->second) {
      if (epoch == id.psk_epoch) return secret;
    }
  }
  return fail(Errc::unknown_key, "psk.unknown_resumption: no resumption PSK for group epoch " +
                                     std::to_string(id.psk_epoch));
}

Result<std::vector<PskInput>> PskStore::resolve(std::span<const PreSharedKeyID> ids) const {
  if (ids.size() > kMaxPsksPerCommit) {
    return fail(Errc::limit_exceeded, "psk.too_many: more than 65535 PSKs in one key schedule");
  }
  std::vector<PskInput> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    ZTM_TRY_ASSIGN(auto psk, find(id));
    out.push_back(PskInput{id, std::move(psk)});
  }
  return out;
}

}  // namespace ztm::mls
