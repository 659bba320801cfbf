#include "ztm/mls/messages/proposals.h"

#include "internal/b_codec.h"
#include "ztm/mls/limits.h"

namespace ztm::mls {

void PreSharedKeyID::tls_encode(tls::Writer& w) const {
  tls::write(w, psktype);
  if (psktype == PSKType::external) {
    w.opaque(psk_id);
  } else {
    tls::write(w, usage);
    w.opaque(psk_group_id);
    w.u64(psk_epoch);
  }
  w.opaque(psk_nonce);
}

Result<void> PreSharedKeyID::tls_decode(tls::Reader& r) {
  ZTM_TRY(tls::read(r, psktype));
  if (psktype == PSKType::external) {
    ZTM_TRY(tls::read(r, psk_id));
  } else {
    ZTM_TRY(tls::read(r, usage));
    ZTM_TRY(tls::read(r, psk_group_id));
    ZTM_TRY(tls::read(r, psk_epoch));
  }
  return tls::read(r, psk_nonce);
}

std::size_t PreSharedKeyID::tls_size() const {
  std::size_t n = 1 + internal::opaque_size(psk_nonce.size());
  if (psktype == PSKType::external) {
    n += internal::opaque_size(psk_id.size());
  } else {
    n += 1 + internal::opaque_size(psk_group_id.size()) + 8;
  }
  return n;
}

bool PreSharedKeyID::operator==(const PreSharedKeyID& o) const {
  if (psktype != o.psktype || psk_nonce != o.psk_nonce) return false;
  if (psktype == PSKType::external) return psk_id == o.psk_id;
  return usage == o.usage && psk_group_id == o.psk_group_id && psk_epoch == o.psk_epoch;
}

void Proposal::tls_encode(tls::Writer& w) const {
  tls::write(w, type());
  std::visit([&w](const auto& body) { tls::write(w, body); }, value);
}

namespace {
template <class T>
Result<void> read_arm(tls::Reader& r, std::variant<Add, Update, Remove, PreSharedKey, ReInit,
                                                   ExternalInit, GroupContextExtensions>& v) {
  return tls::read(r, v.template emplace<T>());
}
}  // namespace

Result<void> Proposal::tls_decode(tls::Reader& r) {
  ProposalType t{};
  ZTM_TRY(tls::read(r, t));
  switch (t) {
    case ProposalType::add:
      return read_arm<Add>(r, value);
    case ProposalType::update:
      return read_arm<Update>(r, value);
    case ProposalType::remove:
      return read_arm<Remove>(r, value);
    case ProposalType::psk:
      return read_arm<PreSharedKey>(r, value);
    case ProposalType::reinit:
      return read_arm<ReInit>(r, value);
    case ProposalType::external_init:
      return read_arm<ExternalInit>(r, value);
    case ProposalType::group_context_extensions:
      return read_arm<GroupContextExtensions>(r, value);
  }
  return fail(Errc::invalid_encoding, "proposal.unsupported_type: proposal type " +
                                          std::to_string(static_cast<unsigned>(t)) +
                                          " is not supported");
}

std::size_t Proposal::tls_size() const {
  return 2 + std::visit([](const auto& body) { return tls::size_of(body); }, value);
}

void ProposalOrRef::tls_encode(tls::Writer& w) const {
  tls::write(w, type());
  if (const auto* p = std::get_if<Proposal>(&value)) {
    tls::write(w, *p);
  } else {
    w.opaque(std::get<ProposalRef>(value));
  }
}

Result<void> ProposalOrRef::tls_decode(tls::Reader& r) {
  ProposalOrRefType t{};
  ZTM_TRY(tls::read(r, t));
  if (t == ProposalOrRefType::proposal) return tls::read(r, value.emplace<Proposal>());
  return tls::read(r, value.emplace<ProposalRef>());
}

std::size_t ProposalOrRef::tls_size() const {
  if (const auto* p = std::get_if<Proposal>(&value)) return 1 + p->tls_size();
  return 1 + internal::opaque_size(std::get<ProposalRef>(value).size());
}

void Commit::tls_encode(tls::Writer& w) const {
  tls::write(w, proposals);
  tls::write(w, path);
}

Result<void> Commit::tls_decode(tls::Reader& r) {
  ZTM_TRY(internal::read_bounded_vector(r, proposals, limits::kMaxProposalsPerCommit,
                                        "commit.proposals"));
  return tls::read(r, path);
}

std::size_t Commit::tls_size() const {
  return internal::vector_size(proposals) + tls::size_of(path);
}

}  // namespace ztm::mls
