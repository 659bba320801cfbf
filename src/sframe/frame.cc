// The error builders of internal/frame.h, out of line so that the inline per-frame
// functions stay small.
#include "internal/frame.h"

#include <string>

namespace ztm::sframe::internal {

tl::unexpected<Error> protect_error(std::size_t needed, ByteView metadata, MutableByteView out) {
  if (metadata.size() > max_metadata_size) {
    return fail(Errc::limit_exceeded, "sframe.metadata: " + std::to_string(metadata.size()) +
                                          " bytes, limit is " + std::to_string(max_metadata_size));
  }
  if (out.size() < needed) {
    return fail(Errc::buffer_too_small, "sframe.protect: output holds " +
                                            std::to_string(out.size()) + " bytes, frame needs " +
                                            std::to_string(needed));
  }
  return fail(Errc::invalid_argument, "sframe.protect: metadata overlaps the output");
}

tl::unexpected<Error> split_error(ByteView sframe_ciphertext, std::size_t tag_size) {
  auto header = decode_header(sframe_ciphertext);
  if (!header) return tl::unexpected(std::move(header).error());
  return fail(Errc::truncated,
              "sframe.unprotect: " + std::to_string(sframe_ciphertext.size() - header->size) +
                  " bytes after the header, the tag alone is " + std::to_string(tag_size));
}

tl::unexpected<Error> output_error(const FrameView& frame, std::size_t plaintext_size,
                                   ByteView metadata, MutableByteView out) {
  if (overlaps(frame.body, out) || overlaps(frame.header_bytes, out)) {
    const auto* begin = frame.body.data();
    if (begin < out.data() || begin + plaintext_size > out.data() + out.size()) {
      return fail(Errc::invalid_argument,
                  "sframe.unprotect: output overlaps the ciphertext but does not contain its body");
    }
  } else if (out.size() < plaintext_size) {
    return fail(Errc::buffer_too_small, "sframe.unprotect: output holds " +
                                            std::to_string(out.size()) + " bytes, plaintext is " +
                                            std::to_string(plaintext_size));
  }
  (void)metadata;  // the remaining case: output_for refused because of it
  return fail(Errc::invalid_argument, "sframe.unprotect: metadata overlaps the output");
}

}  // namespace ztm::sframe::internal
