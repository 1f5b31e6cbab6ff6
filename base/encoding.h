// Hex and Base64 (RFC 4648, standard alphabet with padding) codecs.
// Thread-safety: pure functions.
#ifndef CUSTOS_BASE_ENCODING_H_
#define CUSTOS_BASE_ENCODING_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace custos {

// Lower-case hex.
std::string HexEncode(std::string_view bytes);
// Accepts upper or lower case; kInvalidArgument on odd length or a non-hex digit.
Result<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);
// Strict: requires correct padding, rejects characters outside the alphabet
// and non-zero trailing bits.
Result<std::string> Base64Decode(std::string_view b64);

}  // namespace custos

#endif  // CUSTOS_BASE_ENCODING_H_
