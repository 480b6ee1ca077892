// A user turn that corrects a value it said itself, earlier in the same turn ("Our anniversary is
// on the 12th of September, no, the 21st"). Parsed by the correction rules of turn_intent.cc.
//
// Contracts:
//   - Deterministic and offline, over util::Tokenize's words; any bytes are safe input.
//   - Only a marker of rules/correction_markers.txt between commas, after a statement of more than
//     a bare value, makes a turn correct itself: "118? no, 181" and "Thursday, no, Friday" correct
//     what was said before the turn (hygiene::ParseCorrection), not themselves.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "hygiene/turn_intent.h"

namespace engram::hygiene {

// `statement` is the turn before the marker ("Our anniversary is on the 12th of September"), `fix`
// the correction that follows it ("the 21st", no wrong value named).
struct SelfCorrection {
  std::string statement;
  Correction fix;
};
std::optional<SelfCorrection> ParseSelfCorrection(std::string_view text);

}  // namespace engram::hygiene
