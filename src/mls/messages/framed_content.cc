#include "ztm/mls/messages/framed_content.h"

#include "internal/b_codec.h"

namespace ztm::mls {

using ContentVariant = std::variant<ApplicationData, Proposal, Commit>;

namespace {

// The `select (content_type)` arm shared by FramedContent and PrivateMessageContent.
void write_content(tls::Writer& w, const ContentVariant& content) {
  if (const auto* app = std::get_if<ApplicationData>(&content)) {
    w.opaque(app->data);
  } else if (const auto* p = std::get_if<Proposal>(&content)) {
    tls::write(w, *p);
  } else {
    tls::write(w, std::get<Commit>(content));
  }
}

Result<void> read_content(tls::Reader& r, ContentType type, ContentVariant& content) {
  switch (type) {
    case ContentType::application:
      return tls::read(r, content.emplace<ApplicationData>().data);
    case ContentType::proposal:
      return tls::read(r, content.emplace<Proposal>());
    case ContentType::commit:
      return tls::read(r, content.emplace<Commit>());
  }
  return fail(Errc::invalid_encoding, "unknown content type");
}

std::size_t content_size(const ContentVariant& content) {
  if (const auto* app = std::get_if<ApplicationData>(&content)) {
    return internal::opaque_size(app->data.size());
  }
  if (const auto* p = std::get_if<Proposal>(&content)) return p->tls_size();
  return std::get<Commit>(content).tls_size();
}

ContentType type_of(const ContentVariant& content) {
  return static_cast<ContentType>(content.index() + 1);
}

}  // namespace

// --- Sender ---------------------------------------------------------------------

void Sender::tls_encode(tls::Writer& w) const {
  tls::write(w, sender_type);
  if (sender_type == SenderType::member || sender_type == SenderType::external) w.u32(index);
}

Result<void> Sender::tls_decode(tls::Reader& r) {
  ZTM_TRY(tls::read(r, sender_type));
  index = 0;
  if (sender_type == SenderType::member || sender_type == SenderType::external) {
    ZTM_TRY(tls::read(r, index));
  }
  return ok();
}

std::size_t Sender::tls_size() const {
  return (sender_type == SenderType::member || sender_type == SenderType::external) ? 5 : 1;
}

bool Sender::operator==(const Sender& o) const {
  if (sender_type != o.sender_type) return false;
  if (sender_type == SenderType::member || sender_type == SenderType::external) {
    return index == o.index;
  }
  return true;
}

// --- FramedContent --------------------------------------------------------------

void FramedContent::tls_encode(tls::Writer& w) const {
  w.opaque(group_id);
  w.u64(epoch);
  tls::write(w, sender);
  w.opaque(authenticated_data);
  tls::write(w, content_type());
  write_content(w, content);
}

Result<void> FramedContent::tls_decode(tls::Reader& r) {
  ZTM_TRY(tls::read(r, group_id));
  ZTM_TRY(tls::read(r, epoch));
  ZTM_TRY(tls::read(r, sender));
  ZTM_TRY(tls::read(r, authenticated_data));
  ContentType type{};
  ZTM_TRY(tls::read(r, type));
  return read_content(r, type, content);
}

std::size_t FramedContent::tls_size() const {
  return internal::opaque_size(group_id.size()) + 8 + sender.tls_size() +
         internal::opaque_size(authenticated_data.size()) + 1 + content_size(content);
}

// --- FramedContentAuthData ------------------------------------------------------

Result<FramedContentAuthData> FramedContentAuthData::decode(tls::Reader& r,
                                                            ContentType content_type) {
  FramedContentAuthData auth;
  if (content_type == ContentType::commit) auth.confirmation_tag.emplace();
  ZTM_TRY(auth.tls_decode(r));
  return auth;
}

void FramedContentAuthData::tls_encode(tls::Writer& w) const {
  w.opaque(signature);
  if (confirmation_tag) w.opaque(*confirmation_tag);
}

Result<void> FramedContentAuthData::tls_decode(tls::Reader& r) {
  ZTM_TRY(tls::read(r, signature));
  if (confirmation_tag) ZTM_TRY(tls::read(r, *confirmation_tag));
  return ok();
}

std::size_t FramedContentAuthData::tls_size() const {
  return internal::opaque_size(signature.size()) +
         (confirmation_tag ? internal::opaque_size(confirmation_tag->size()) : 0);
}

// --- AuthenticatedContent -------------------------------------------------------

void AuthenticatedContent::tls_encode(tls::Writer& w) const {
  tls::write(w, wire_format);
  tls::write(w, content);
  tls::write(w, auth);
}

Result<void> AuthenticatedContent::tls_decode(tls::Reader& r) {
  ZTM_TRY(tls::read(r, wire_format));
  ZTM_TRY(tls::read(r, content));
  ZTM_TRY_ASSIGN(auth, FramedContentAuthData::decode(r, content.content_type()));
  return ok();
}

std::size_t AuthenticatedContent::tls_size() const {
  return 2 + content.tls_size() + auth.tls_size();
}

Bytes encode_framed_content_tbs(WireFormat wire_format, const FramedContent& content,
                                const GroupContext* context) {
  Bytes out;
  out.reserve(4 + content.tls_size() + (context ? tls::size_of(*context) : 0));
  tls::Writer w(out);
  tls::write(w, ProtocolVersion::mls10);
  tls::write(w, wire_format);
  tls::write(w, content);
  if (context != nullptr) tls::write(w, *context);
  return out;
}

// --- PublicMessage --------------------------------------------------------------

void PublicMessage::tls_encode(tls::Writer& w) const {
  tls::write(w, content);
  tls::write(w, auth);
  if (content.sender.sender_type == SenderType::member) {
    w.opaque(membership_tag ? ByteView(*membership_tag) : ByteView());
  }
}

Result<void> PublicMessage::tls_decode(tls::Reader& r) {
  ZTM_TRY(tls::read(r, content));
  ZTM_TRY_ASSIGN(auth, FramedContentAuthData::decode(r, content.content_type()));
  membership_tag.reset();
  if (content.sender.sender_type == SenderType::member) {
    ZTM_TRY(tls::read(r, membership_tag.emplace()));
  }
  return ok();
}

std::size_t PublicMessage::tls_size() const {
  std::size_t n = content.tls_size() + auth.tls_size();
  if (content.sender.sender_type == SenderType::member) {
    n += internal::opaque_size(membership_tag ? membership_tag->size() : 0);
  }
  return n;
}

// --- PrivateMessageContent ------------------------------------------------------

Bytes PrivateMessageContent::encode() const {
  Bytes out;
  out.reserve(content_size(content) + auth.tls_size() + padding_size);
  tls::Writer w(out);
  write_content(w, content);
  tls::write(w, auth);
  out.resize(out.size() + padding_size, 0);
  return out;
}

Result<PrivateMessageContent> PrivateMessageContent::decode(ByteView plaintext,
                                                            ContentType content_type) {
  PrivateMessageContent out;
  tls::Reader r(plaintext);
  ZTM_TRY(read_content(r, content_type, out.content));
  ZTM_TRY_ASSIGN(out.auth, FramedContentAuthData::decode(r, type_of(out.content)));
  for (std::uint8_t b : r.rest()) {
    if (b != 0) {
      return fail(Errc::invalid_encoding, "private_message.nonzero_padding: padding byte not 0");
    }
  }
  out.padding_size = r.remaining();
  return out;
}

}  // namespace ztm::mls
