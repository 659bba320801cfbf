// RTP packets (RFC 3550 §5.1) with header extensions in the one-byte and two-byte
// forms of RFC 8285, parsed into a borrowed view and written into caller buffers.
//
// RFC 3550 §5.1:
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//   |                           timestamp                           |
//   |           synchronization source (SSRC) identifier            |
//   |            contributing source (CSRC) identifiers  (CC of them)|
//   |  defined by profile (0xBEDE / 0x100x) |        length (words)  |
//   |                        header extension                       |
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "ztm/base/bytes.h"
#include "ztm/base/error.h"

namespace ztm::net::rtp {

inline constexpr std::size_t kFixedHeaderSize = 12;
inline constexpr std::size_t kMaxCsrcs = 15;
// RFC 8285 §4.2, §4.3: the "defined by profile" values of the two extension forms.
inline constexpr std::uint16_t kOneByteProfile = 0xBEDE;
inline constexpr std::uint16_t kTwoByteProfile = 0x1000;  // low 4 bits: appbits
// kMaxExtensions bounds the elements one packet may carry (an element is at least
// one byte, so this also caps the scan of a hostile extension block).
inline constexpr std::size_t kMaxExtensions = 16;

// Extension is one header extension element: its local ID (negotiated with
// a=extmap) and its data, which borrows the packet or the caller's storage.
struct Extension {
  std::uint8_t id = 0;
  ByteView data;
};

// PacketView is a parsed RTP packet borrowing the datagram. Parsing checks the
// version, the CSRC list, the extension block and every element in it (RFC 8285
// forms; other profiles' blocks are kept whole but not split), and the padding.
class PacketView {
 public:
  static Result<PacketView> parse(ByteView datagram);

  bool marker() const { return marker_; }
  std::uint8_t payload_type() const { return payload_type_; }
  std::uint16_t sequence_number() const { return sequence_number_; }
  std::uint32_t timestamp() const { return timestamp_; }
  std::uint32_t ssrc() const { return ssrc_; }
  std::span<const std::uint32_t> csrcs() const { return {csrcs_.data(), csrc_count_}; }
  // extension_profile is the block's "defined by profile" field, absent without X.
  std::optional<std::uint16_t> extension_profile() const { return extension_profile_; }
  std::span<const Extension> extensions() const { return {extensions_.data(), extension_count_}; }
  // find_extension returns the data of the first element with this ID.
  std::optional<ByteView> find_extension(std::uint8_t id) const;
  ByteView header() const { return bytes_.first(header_size_); }
  ByteView payload() const { return payload_; }
  std::size_t padding_size() const { return padding_size_; }
  ByteView bytes() const { return bytes_; }

 private:
  PacketView() = default;
  ByteView bytes_;
  bool marker_ = false;
  std::uint8_t payload_type_ = 0;
  std::uint16_t sequence_number_ = 0;
  std::uint32_t timestamp_ = 0;
  std::uint32_t ssrc_ = 0;
  std::array<std::uint32_t, kMaxCsrcs> csrcs_{};
  std::size_t csrc_count_ = 0;
  std::optional<std::uint16_t> extension_profile_;
  std::array<Extension, kMaxExtensions> extensions_{};
  std::size_t extension_count_ = 0;
  std::size_t header_size_ = 0;
  ByteView payload_;
  std::size_t padding_size_ = 0;
};

// Header is what write_header puts before the payload.
struct Header {
  bool marker = false;
  std::uint8_t payload_type = 0;  // 0..127
  std::uint16_t sequence_number = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::span<const std::uint32_t> csrcs;
  std::span<const Extension> extensions;
};

// header_size is the number of bytes write_header writes for h: the one-byte form
// when every element fits it (ID 1..14, 1..16 bytes), else the two-byte form.
Result<std::size_t> header_size(const Header& h);

// write_header writes the RTP header (without padding: the payload follows it)
// into out and returns the written span. It allocates nothing.
Result<MutableByteView> write_header(const Header& h, MutableByteView out);

// SequenceUnwrapper extends 16-bit sequence numbers to a 64-bit count that keeps
// growing across wrap-around: each number is placed at the unwrapped value nearest
// to the last one returned (a jump of at most 2^15 either way).
class SequenceUnwrapper {
 public:
  std::int64_t unwrap(std::uint16_t sequence_number);
  // peek returns what unwrap would return, without moving the reference.
  std::int64_t peek(std::uint16_t sequence_number) const;

 private:
  std::optional<std::int64_t> last_;
};

}  // namespace ztm::net::rtp
