// Message framing structures (RFC 9420 §6): FramedContent and its authentication,
// PublicMessage, PrivateMessage and the structures encrypted inside it. The
// protection logic (signing, membership tags, encryption) lives in mls/framing.h;
// this file only describes the bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/base/tls_codec.h"
#include "ztm/mls/messages/group_context.h"
#include "ztm/mls/messages/proposals.h"
#include "ztm/mls/messages/types.h"

namespace ztm::mls {

// struct {
//     SenderType sender_type;
//     select (Sender.sender_type) {
//         case member:   uint32 leaf_index;
//         case external: uint32 sender_index;
//         case new_member_commit:
//         case new_member_proposal: struct{};
//     };
// } Sender;   (RFC 9420 §6)
// `index` is the leaf_index (member) or sender_index (external); otherwise unused.
struct Sender {
  SenderType sender_type = SenderType::member;
  std::uint32_t index = 0;

  static Sender member(std::uint32_t leaf_index) { return {SenderType::member, leaf_index}; }
  static Sender external(std::uint32_t sender_index) {
    return {SenderType::external, sender_index};
  }
  static Sender new_member_commit() { return {SenderType::new_member_commit, 0}; }
  static Sender new_member_proposal() { return {SenderType::new_member_proposal, 0}; }

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const Sender& other) const;
};

// ApplicationData is the `application` arm of FramedContent: opaque
// application_data<V>.
struct ApplicationData {
  Bytes data;
  bool operator==(const ApplicationData&) const = default;
};

// struct {
//     opaque group_id<V>;
//     uint64 epoch;
//     Sender sender;
//     opaque authenticated_data<V>;
//     ContentType content_type;
//     select (FramedContent.content_type) {
//         case application: opaque application_data<V>;
//         case proposal:    Proposal proposal;
//         case commit:      Commit commit;
//     };
// } FramedContent;   (RFC 9420 §6)
struct FramedContent {
  Bytes group_id;
  std::uint64_t epoch = 0;
  Sender sender;
  Bytes authenticated_data;
  std::variant<ApplicationData, Proposal, Commit> content;

  ContentType content_type() const { return static_cast<ContentType>(content.index() + 1); }

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const FramedContent&) const = default;
};

// struct {
//     /* SignWithLabel(., "FramedContentTBS", FramedContentTBS) */
//     opaque signature<V>;
//     select (FramedContent.content_type) {
//         case commit: MAC confirmation_tag;
//         case application:
//         case proposal: struct{};
//     };
// } FramedContentAuthData;   (RFC 9420 §6.1)
// confirmation_tag is present exactly for commits. The wire form does not say
// which arm it is, so decode() takes the content type from the enclosing message;
// the codec's tls_decode reads a confirmation tag iff confirmation_tag already has
// a value on entry.
struct FramedContentAuthData {
  Bytes signature;
  std::optional<MAC> confirmation_tag;

  static Result<FramedContentAuthData> decode(tls::Reader& r, ContentType content_type);

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const FramedContentAuthData&) const = default;
};

// struct {
//     WireFormat wire_format;
//     FramedContent content;
//     FramedContentAuthData auth;
// } AuthenticatedContent;   (RFC 9420 §6)
struct AuthenticatedContent {
  WireFormat wire_format = WireFormat::mls_public_message;
  FramedContent content;
  FramedContentAuthData auth;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const AuthenticatedContent&) const = default;
};

// struct {
//     ProtocolVersion version = mls10;
//     WireFormat wire_format;
//     FramedContent content;
//     select (FramedContentTBS.content.sender.sender_type) {
//         case member:
//         case new_member_commit: GroupContext context;
//         case external:
//         case new_member_proposal: struct{};
//     };
// } FramedContentTBS;   (RFC 9420 §6.1)
// encode_framed_content_tbs writes it without copying the content; context must be
// non-null exactly when the sender is a member or a new_member_commit.
Bytes encode_framed_content_tbs(WireFormat wire_format, const FramedContent& content,
                                const GroupContext* context);

// struct {
//     FramedContent content;
//     FramedContentAuthData auth;
//     select (PublicMessage.content.sender.sender_type) {
//         case member: MAC membership_tag;
//         case external:
//         case new_member_commit:
//         case new_member_proposal: struct{};
//     };
// } PublicMessage;   (RFC 9420 §6.2)
// membership_tag is present exactly for member senders.
struct PublicMessage {
  FramedContent content;
  FramedContentAuthData auth;
  std::optional<MAC> membership_tag;

  void tls_encode(tls::Writer& w) const;
  Result<void> tls_decode(tls::Reader& r);
  std::size_t tls_size() const;
  bool operator==(const PublicMessage&) const = default;
};

// struct {
//     opaque group_id<V>;
//     uint64 epoch;
//     ContentType content_type;
//     opaque authenticated_data<V>;
//     opaque encrypted_sender_data<V>;
//     opaque ciphertext<V>;
// } PrivateMessage;   (RFC 9420 §6.3)
struct PrivateMessage {
  Bytes group_id;
  std::uint64_t epoch = 0;
  ContentType content_type = ContentType::application;
  Bytes authenticated_data;
  Bytes encrypted_sender_data;
  Bytes ciphertext;
  ZTM_TLS_FIELDS(group_id, epoch, content_type, authenticated_data, encrypted_sender_data,
                 ciphertext)
  bool operator==(const PrivateMessage&) const = default;
};

// struct {
//     select (PrivateMessage.content_type) {
//         case application: opaque application_data<V>;
//         case proposal:    Proposal proposal;
//         case commit:      Commit commit;
//     };
//     FramedContentAuthData auth;
//     opaque padding[length_of_padding];
// } PrivateMessageContent;   (RFC 9420 §6.3.1)
struct PrivateMessageContent {
  std::variant<ApplicationData, Proposal, Commit> content;
  FramedContentAuthData auth;
  std::size_t padding_size = 0;

  ContentType content_type() const { return static_cast<ContentType>(content.index() + 1); }
  // encode writes content, auth and padding_size zero bytes.
  Bytes encode() const;
  // decode parses a decrypted plaintext of the given content type; any non-zero
  // padding byte is invalid_encoding ("private_message.nonzero_padding").
  static Result<PrivateMessageContent> decode(ByteView plaintext, ContentType content_type);
  bool operator==(const PrivateMessageContent&) const = default;
};

// struct {
//     opaque group_id<V>;
//     uint64 epoch;
//     ContentType content_type;
//     opaque authenticated_data<V>;
// } PrivateContentAAD;   (RFC 9420 §6.3.1)
struct PrivateContentAAD {
  Bytes group_id;
  std::uint64_t epoch = 0;
  ContentType content_type = ContentType::application;
  Bytes authenticated_data;
  ZTM_TLS_FIELDS(group_id, epoch, content_type, authenticated_data)
};

// struct {
//     uint32 leaf_index;
//     uint32 generation;
//     opaque reuse_guard[4];
// } SenderData;   (RFC 9420 §6.3.2)
struct SenderData {
  std::uint32_t leaf_index = 0;
  std::uint32_t generation = 0;
  std::array<std::uint8_t, 4> reuse_guard{};
  ZTM_TLS_FIELDS(leaf_index, generation, reuse_guard)
  bool operator==(const SenderData&) const = default;
};

// struct {
//     opaque group_id<V>;
//     uint64 epoch;
//     ContentType content_type;
// } SenderDataAAD;   (RFC 9420 §6.3.2)
struct SenderDataAAD {
  Bytes group_id;
  std::uint64_t epoch = 0;
  ContentType content_type = ContentType::application;
  ZTM_TLS_FIELDS(group_id, epoch, content_type)
};

}  // namespace ztm::mls
