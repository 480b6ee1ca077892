#include "store/redis/session_image.h"

namespace engram::store::redis {

void Apply(const SessionOp& op, SessionImage* image) {
  auto touch_row = [image](Timestamp at) {
    if (!image->exists) {
      image->exists = true;
      image->created_at = at;
    }
    image->updated_at = at;
  };
  switch (op.kind) {
    case SessionOp::Kind::kAppend:
      for (const SessionItem& item : op.items) image->items[item.seq] = item;
      if (!op.items.empty()) touch_row(op.items.back().created_at);
      break;
    case SessionOp::Kind::kDeleteFrom:
      image->items.erase(image->items.lower_bound(op.from_seq), image->items.end());
      break;
    case SessionOp::Kind::kDeleteSeqs:
      for (int64_t seq : op.seqs) image->items.erase(seq);
      break;
    case SessionOp::Kind::kDeleteSession:
      *image = SessionImage();
      break;
    case SessionOp::Kind::kPutSummary:
      touch_row(op.summary.updated_at);
      image->summary = op.summary;
      break;
    case SessionOp::Kind::kDropIndex:
      break;
  }
}

int64_t LastSeq(const SessionImage& image) {
  return image.items.empty() ? 0 : image.items.rbegin()->first;
}

int64_t NthLastSeq(const SessionImage& image, size_t n, std::optional<Role> role) {
  size_t seen = 0;
  for (auto it = image.items.rbegin(); it != image.items.rend(); ++it) {
    if (role && it->second.role != *role) continue;
    if (++seen == n) return it->first;
  }
  return 0;
}

int64_t PrecedingNonToolSeq(const SessionImage& image, int64_t seq) {
  for (auto it = std::make_reverse_iterator(image.items.lower_bound(seq)); it != image.items.rend();
       ++it) {
    if (it->second.role != Role::kTool) return it->first;
  }
  return 0;
}

std::vector<SessionItem> ItemsFrom(const SessionImage& image, int64_t from_seq) {
  std::vector<SessionItem> out;
  for (auto it = image.items.lower_bound(from_seq); it != image.items.end(); ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<int64_t> RetentionPlan(const SessionImage& image, Timestamp cutoff) {
  std::vector<int64_t> out;
  bool head = true;
  for (const auto& [seq, item] : image.items) {
    if (item.created_at < cutoff) {
      out.push_back(seq);
    } else if (head && item.role == Role::kTool) {
      out.push_back(seq);
    } else {
      head = false;
    }
  }
  return out;
}

Timestamp LastActive(const SessionImage& image) {
  return image.items.empty() ? image.updated_at : image.items.rbegin()->second.created_at;
}

}  // namespace engram::store::redis
