#pragma once
// The journal's binary form of a validated PushBatch: compact, versioned, and decoded defensively
// (a damaged record is reported, never trusted).

#include <optional>
#include <string>
#include <string_view>

#include "syncmon/push_batch.h"

namespace syncmon {

std::string encode_batch(const PushBatch& batch);
// Nothing when the bytes are not a batch this version wrote.
std::optional<PushBatch> decode_batch(std::string_view bytes);

}  // namespace syncmon
