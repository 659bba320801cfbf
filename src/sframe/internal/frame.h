// Whole-frame protect and unprotect on a FrameKey: header placement, AAD, replay
// check and the in-place rules, shared by the plain and the MLS contexts. Defined
// inline with plain bool checks and out-of-line error builders: these run once per
// frame, and returning Result structs through several calls cost more than the
// checks themselves (store-forwarding stalls on the returned objects).
#pragma once

#include <cstring>

#include "internal/frame_key.h"
#include "internal/header_codec.h"
#include "internal/replay_window.h"
#include "ztm/base/bytes.h"
#include "ztm/base/error.h"
#include "ztm/sframe/context.h"
#include "ztm/sframe/header.h"

namespace ztm::sframe::internal {

// overlaps says whether two byte ranges share memory.
inline bool overlaps(ByteView a, ByteView b) {
  if (a.empty() || b.empty()) return false;
  return a.data() < b.data() + b.size() && b.data() < a.data() + a.size();
}

// protect_error says why protect_fits refused (frame.cc).
[[gnu::cold]] tl::unexpected<Error> protect_error(std::size_t needed, ByteView metadata,
                                                  MutableByteView out);

// protect_fits says whether out can hold a frame of needed bytes and the metadata
// is acceptable; checked before any counter is spent.
inline bool protect_fits(std::size_t needed, ByteView metadata, MutableByteView out) {
  return out.size() >= needed && metadata.size() <= max_metadata_size && !overlaps(metadata, out);
}

// protect_frame writes header || AEAD.Encrypt(...) to the start of out (§4.4.3),
// once protect_fits passed. plaintext may lie anywhere inside out: it is moved behind
// the header first, or not at all when it already sits at out + header size.
inline Result<MutableByteView> protect_frame(const FrameKey& key, const Header& header,
                                             ByteView plaintext, ByteView metadata,
                                             MutableByteView out) {
  const std::size_t header_size = header.encoded_size();
  const MutableByteView body = out.subspan(header_size, plaintext.size() + key.tag_size());
  if (overlaps(plaintext, out) && plaintext.data() != body.data()) {
    // Move it before the header is written over its first bytes.
    std::memmove(body.data(), plaintext.data(), plaintext.size());
    plaintext = ByteView(body.data(), plaintext.size());
  }
  write_header(header, out.data());
  auto sealed = key.seal(key.nonce(header.ctr), out.first(header_size), metadata, plaintext, body);
  if (!sealed) [[unlikely]]
    return tl::unexpected(std::move(sealed).error());
  return out.first(header_size + sealed->size());
}

// FrameView is an SFrame ciphertext split into its header and AEAD output.
struct FrameView {
  Header header;
  ByteView header_bytes;
  ByteView body;  // ciphertext || tag
};

// split_frame decodes the header; false if it is malformed or fewer than tag_size
// bytes follow it. split_error gives the typed error.
inline bool split_frame(ByteView sframe_ciphertext, std::size_t tag_size, FrameView& frame) {
  std::size_t header_size = 0;
  if (!try_decode_header(sframe_ciphertext, frame.header, header_size)) return false;
  if (sframe_ciphertext.size() - header_size < tag_size) return false;
  frame.header_bytes = sframe_ciphertext.first(header_size);
  frame.body = sframe_ciphertext.subspan(header_size);
  return true;
}
[[gnu::cold]] tl::unexpected<Error> split_error(ByteView sframe_ciphertext, std::size_t tag_size);

// output_for chooses where the plaintext goes. out disjoint from the ciphertext:
// its start. out containing the ciphertext's body (in place): the body's own bytes,
// so the returned span starts where the body was. Anything else: false, and
// output_error gives the typed error.
inline bool output_for(const FrameView& frame, std::size_t plaintext_size, ByteView metadata,
                       MutableByteView out, MutableByteView& target) {
  if (overlaps(frame.body, out) || overlaps(frame.header_bytes, out)) {
    const auto* begin = frame.body.data();
    if (begin < out.data() || begin + plaintext_size > out.data() + out.size()) return false;
    target = out.subspan(static_cast<std::size_t>(begin - out.data()), plaintext_size);
  } else {
    if (out.size() < plaintext_size) return false;
    target = out.first(plaintext_size);
  }
  return !overlaps(metadata, target);
}
[[gnu::cold]] tl::unexpected<Error> output_error(const FrameView& frame, std::size_t plaintext_size,
                                                 ByteView metadata, MutableByteView out);

// ReceiveKey is a decryption key and its replay window.
struct ReceiveKey {
  FrameKey key;
  ReplayWindow window;

  // unprotect checks the window, opens the frame, and only then records its CTR, so
  // a forged frame moves nothing.
  Result<MutableByteView> unprotect(const FrameView& frame, ByteView metadata,
                                    MutableByteView out) {
    const Counter ctr = frame.header.ctr;
    if (!window.fresh(ctr)) [[unlikely]]
      return window.reject(ctr);
    const std::size_t plaintext_size = frame.body.size() - key.tag_size();
    MutableByteView target;
    if (!output_for(frame, plaintext_size, metadata, out, target)) [[unlikely]] {
      return output_error(frame, plaintext_size, metadata, out);
    }
    Result<MutableByteView> plaintext =
        key.open(key.nonce(ctr), frame.header_bytes, metadata, frame.body, target);
    if (plaintext) window.accept(ctr);
    return plaintext;
  }
};

}  // namespace ztm::sframe::internal
