// Turn classification for the write policy: whether a conversation turn is noise to drop, context
// that lives only as long as its session, or a disclosure worth promoting to durable memory.
//
// Contracts:
//   - Deterministic and offline: word lists and ExtractCandidates (extract.h), no model, no I/O;
//     microseconds per turn.
//   - Filler from any role is discarded: greetings, thanks, acknowledgements, laughter, and text
//     made only of emoji, symbols or punctuation ("ok", "thanks!", "got it", "lol", "👍").
//     A bare "yes" or "no" is not filler: it answers the turn before it, so it stays in the
//     session.
//   - Tool results and system messages always stay in the session, whatever they say: a tool
//     result answers a call of the turn before it, and the session protocol needs both.
//   - Other assistant turns stay in the session too: what the assistant says is not evidence
//     about the user. kDiscard is judged on text alone, so a caller must keep an assistant item
//     that carries tool calls even when its text is filler or empty.
//   - A user turn is promoted when ExtractCandidates finds a memory in it, or when one of its
//     declarative sentences discloses something durable in the first person: a habit ("I usually
//     ..."), a plan or goal ("I'm planning to ...", "I want to learn ..."), a family member, pet or
//     possession ("I have two kids"), or "my <name, job, family, diet, schedule ...> is ...".
//     Questions, hypotheticals ("if I lived in Paris") and requests about the task at hand ("I
//     need help with my code") stay in the session.
//   - Any bytes are safe input; text in other languages is never discarded as filler, and stays
//     in the session.
#pragma once

#include <string_view>

#include "engram/types.h"

namespace engram::hygiene {

using engram::Disposition;

struct Classification {
  Disposition disposition = Disposition::kSessionOnly;
  // Why, as a fixed phrase for logs and tests: "empty", "filler", "tool output", "system
  // message", "assistant message", "extracted memory", "self-disclosure", "question",
  // "no durable information".
  std::string_view reason;
};

Classification ClassifyTurn(Role role, std::string_view text);

inline Disposition Classify(Role role, std::string_view text) {
  return ClassifyTurn(role, text).disposition;
}

}  // namespace engram::hygiene
