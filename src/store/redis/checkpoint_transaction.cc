#include "store/redis/checkpoint_transaction.h"

#include <hiredis.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "store/redis/scripts.h"

namespace engram::store::redis {

namespace {

// Tries of a listing whose checkpoints were deleted between its two reads.
constexpr int kListTries = 3;

// The member of a checkpoint's writes in the thread's :wk set.
std::string WriteKeyMember(std::string_view ns, std::string_view checkpoint_id) {
  return EscapeId(ns) + ":" + EscapeId(checkpoint_id);
}

// A member's namespace and id.
Result<std::pair<std::string, std::string>> SplitMember(std::string_view member) {
  const size_t colon = member.find(':');
  if (colon == std::string_view::npos) return Status::Corruption("redis: a bad checkpoint member");
  ENGRAM_ASSIGN_OR_RETURN(std::string ns, UnescapeId(member.substr(0, colon)));
  return std::make_pair(std::move(ns), std::string(member.substr(colon + 1)));
}

void Apply(ThreadImage* image, const Checkpoint& c) {
  image->checkpoints[CheckpointMember(c.checkpoint_ns, c.checkpoint_id)] = c;
}

void Apply(ThreadImage* image, const ThreadChannelValue& v) {
  image->values[ValueField(v.checkpoint_ns, v.value.channel, v.value.version)] = v;
}

void Apply(ThreadImage* image, const CheckpointWrite& w) {
  image->writes[WriteKeyMember(w.checkpoint_ns, w.checkpoint_id)]
               [WriteField(w.write.task_id, w.write.idx)] = w;
}

// The order GetWrites returns: (task_path, task_id, idx).
void SortWrites(std::vector<PendingWrite>* writes) {
  std::sort(writes->begin(), writes->end(), [](const PendingWrite& a, const PendingWrite& b) {
    return std::tie(a.task_path, a.task_id, a.idx) < std::tie(b.task_path, b.task_id, b.idx);
  });
}

}  // namespace

RedisCheckpointTransaction::RedisCheckpointTransaction(
    std::shared_ptr<const CheckpointContext> context, std::unique_ptr<Connection> conn, bool writer)
    : context_(std::move(context)),
      conn_(std::move(conn)),
      locks_(conn_.get(), writer ? NewLockToken() : "", context_->lock_lease_ms,
             context_->busy_timeout_ms),
      writer_(writer) {}

RedisCheckpointTransaction::~RedisCheckpointTransaction() {
  // Locks of a transaction that did not commit go back now; those its connection cannot give
  // back end with their lease.
  locks_.Release();
  context_->release(std::move(conn_));
}

Status RedisCheckpointTransaction::Usable() const {
  if (done_) return Status::Internal("transaction already finished");
  return Status::Ok();
}

Status RedisCheckpointTransaction::Enter(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(Usable());
  if (!writer_) return Status::Ok();
  return locks_.Take(context_->keys.CheckpointLock(owner_id),
                     "the checkpoint write lock of an owner");
}

Status RedisCheckpointTransaction::Writable(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(Usable());
  if (!writer_) return Status::Internal("a write in a read transaction");
  return Enter(owner_id);
}

Result<ReplyPtr> RedisCheckpointTransaction::Run(const std::vector<std::string_view>& args) {
  ENGRAM_RETURN_IF_ERROR(locks_.Renew());
  return conn_->Command(args);
}

Result<ReplyPtr> RedisCheckpointTransaction::Eval(const Script& script,
                                                  const std::vector<std::string_view>& keys,
                                                  const std::vector<std::string_view>& args) {
  ENGRAM_RETURN_IF_ERROR(locks_.Renew());
  return conn_->Eval(script, keys, args);
}

bool RedisCheckpointTransaction::Local(std::string_view owner_id,
                                       std::string_view thread_id) const {
  const ThreadRef ref{std::string(owner_id), std::string(thread_id)};
  return images_.count(ref) > 0 || pending_.count(ref) > 0;
}

Result<ThreadImage> RedisCheckpointTransaction::LoadThread(std::string_view owner_id,
                                                           std::string_view thread_id) {
  const std::string base = context_->keys.Thread(owner_id, thread_id);
  const std::string c = base + KeyLayout::kCheckpoints, v = base + KeyLayout::kValues,
                    wk = base + KeyLayout::kWriteKeys;
  ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Eval(scripts::kLoadThread, {c, v, wk}, {base}));
  if (Len(*r) != 3) return Status::Corruption("redis: unexpected reply of a script");
  ThreadImage image;
  const redisReply& checkpoints = At(*r, 0);
  for (size_t i = 0; i + 1 < Len(checkpoints); i += 2) {
    ENGRAM_ASSIGN_OR_RETURN(Checkpoint cp,
                            DecodeCheckpoint(owner_id, thread_id, Str(At(checkpoints, i + 1))));
    image.checkpoints.emplace(std::string(Str(At(checkpoints, i))), std::move(cp));
  }
  const redisReply& values = At(*r, 1);
  for (size_t i = 0; i + 1 < Len(values); i += 2) {
    ENGRAM_ASSIGN_OR_RETURN(ThreadChannelValue value,
                            DecodeValue(thread_id, Str(At(values, i + 1))));
    image.values.emplace(std::string(Str(At(values, i))), std::move(value));
  }
  const redisReply& writes = At(*r, 2);
  for (size_t i = 0; i + 1 < Len(writes); i += 2) {
    auto& of = image.writes[std::string(Str(At(writes, i)))];
    const redisReply& fields = At(writes, i + 1);
    for (size_t k = 0; k + 1 < Len(fields); k += 2) {
      ENGRAM_ASSIGN_OR_RETURN(CheckpointWrite w, DecodeWrite(thread_id, Str(At(fields, k + 1))));
      of.emplace(std::string(Str(At(fields, k))), std::move(w));
    }
  }
  return image;
}

Result<ThreadImage*> RedisCheckpointTransaction::Image(std::string_view owner_id,
                                                       std::string_view thread_id) {
  ThreadRef ref{std::string(owner_id), std::string(thread_id)};
  if (auto it = images_.find(ref); it != images_.end()) return &it->second;
  ENGRAM_ASSIGN_OR_RETURN(ThreadImage image, LoadThread(owner_id, thread_id));
  if (auto it = pending_.find(ref); it != pending_.end()) {
    for (const Pending& p : it->second) {
      std::visit([&image](const auto& change) { Apply(&image, change); }, p);
    }
    pending_.erase(it);
  }
  return &images_.emplace(std::move(ref), std::move(image)).first->second;
}

Result<std::vector<std::string>> RedisCheckpointTransaction::Threads(std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Run({"ZRANGE", context_->keys.Threads(owner_id), "0", "-1"}));
  std::set<std::string> all;
  for (size_t i = 0; i < Len(*r); ++i) all.emplace(Str(At(*r, i)));
  for (const auto& [ref, image] : images_) {
    if (ref.first == owner_id) all.insert(ref.second);
  }
  for (const auto& [ref, changes] : pending_) {
    if (ref.first == owner_id) all.insert(ref.second);
  }
  return std::vector<std::string>(all.begin(), all.end());
}

void RedisCheckpointTransaction::Buffer(const ThreadRef& thread, std::vector<std::string> command) {
  if (std::find(written_.begin(), written_.end(), thread) == written_.end()) {
    written_.push_back(thread);
  }
  commands_.push_back(std::move(command));
}

void RedisCheckpointTransaction::Store(const ThreadRef& t, const Checkpoint& c) {
  const std::string base = context_->keys.Thread(t.first, t.second);
  const std::string member = CheckpointMember(c.checkpoint_ns, c.checkpoint_id);
  Buffer(t, {"ZADD", context_->keys.Threads(t.first), "0", t.second});
  Buffer(t, {"ZADD", base + KeyLayout::kIds, "0", member});
  Buffer(t, {"HSET", base + KeyLayout::kCheckpoints, member, EncodeCheckpoint(c)});
  if (auto it = images_.find(t); it != images_.end()) {
    Apply(&it->second, c);
  } else {
    pending_[t].emplace_back(c);
  }
}

void RedisCheckpointTransaction::Store(const ThreadRef& t, const ThreadChannelValue& v) {
  const std::string base = context_->keys.Thread(t.first, t.second);
  Buffer(t, {"HSET", base + KeyLayout::kValues,
             ValueField(v.checkpoint_ns, v.value.channel, v.value.version),
             EncodeValue(v.checkpoint_ns, v.value)});
  if (auto it = images_.find(t); it != images_.end()) {
    Apply(&it->second, v);
  } else {
    pending_[t].emplace_back(v);
  }
}

void RedisCheckpointTransaction::Store(const ThreadRef& t, const CheckpointWrite& w) {
  const std::string base = context_->keys.Thread(t.first, t.second);
  const std::string member = WriteKeyMember(w.checkpoint_ns, w.checkpoint_id);
  Buffer(t, {"ZADD", context_->keys.Threads(t.first), "0", t.second});
  Buffer(t, {"SADD", base + KeyLayout::kWriteKeys, member});
  Buffer(t, {"HSET", base + ":w:" + member, WriteField(w.write.task_id, w.write.idx),
             EncodeWrite(w.checkpoint_ns, w.checkpoint_id, w.write)});
  if (auto it = images_.find(t); it != images_.end()) {
    Apply(&it->second, w);
  } else {
    pending_[t].emplace_back(w);
  }
}

Result<std::optional<Checkpoint>> RedisCheckpointTransaction::GetCheckpoint(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::optional<std::string_view> checkpoint_id) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  if (Local(owner_id, thread_id)) {
    ENGRAM_ASSIGN_OR_RETURN(ThreadImage * image, Image(owner_id, thread_id));
    if (checkpoint_id) {
      auto it = image->checkpoints.find(CheckpointMember(checkpoint_ns, *checkpoint_id));
      if (it == image->checkpoints.end()) return std::optional<Checkpoint>();
      return std::optional<Checkpoint>(it->second);
    }
    // The greatest member below "<ns>;" that starts with "<ns>:".
    const std::string head = EscapeId(checkpoint_ns) + ":";
    auto it = image->checkpoints.lower_bound(EscapeId(checkpoint_ns) + ";");
    if (it == image->checkpoints.begin() || !std::prev(it)->first.starts_with(head)) {
      return std::optional<Checkpoint>();
    }
    return std::optional<Checkpoint>(std::prev(it)->second);
  }
  const std::string base = context_->keys.Thread(owner_id, thread_id);
  ReplyPtr r{nullptr, nullptr};
  if (checkpoint_id) {
    ENGRAM_ASSIGN_OR_RETURN(r, Run({"HGET", base + KeyLayout::kCheckpoints,
                                    CheckpointMember(checkpoint_ns, *checkpoint_id)}));
  } else {
    ENGRAM_ASSIGN_OR_RETURN(r, Eval(scripts::kLatestCheckpoint,
                                    {base + KeyLayout::kIds, base + KeyLayout::kCheckpoints},
                                    {NamespaceMax(checkpoint_ns), NamespaceMin(checkpoint_ns)}));
  }
  if (IsNil(*r)) return std::optional<Checkpoint>();
  ENGRAM_ASSIGN_OR_RETURN(Checkpoint c, DecodeCheckpoint(owner_id, thread_id, Str(*r)));
  return std::optional<Checkpoint>(std::move(c));
}

Result<std::vector<Checkpoint>> RedisCheckpointTransaction::ListCheckpoints(
    const CheckpointQuery& q) {
  ENGRAM_RETURN_IF_ERROR(Enter(q.owner_id));
  // Candidates are read as (thread, member) first, ordered and cut here, then read whole: a
  // checkpoint deleted between the two reads makes the listing start over.
  struct Candidate {
    std::string id, thread, ns, member;
  };
  std::vector<std::string> local, stored;
  if (q.thread_id) {
    (Local(q.owner_id, *q.thread_id) ? local : stored).push_back(*q.thread_id);
  } else {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> threads, Threads(q.owner_id));
    for (std::string& t : threads) (Local(q.owner_id, t) ? local : stored).push_back(std::move(t));
  }
  // Within one namespace a thread's members are in id order: Redis cuts the range there.
  std::string max = "+", min = "-", limit = "-1";
  if (q.checkpoint_ns) {
    min = NamespaceMin(*q.checkpoint_ns);
    max = NamespaceMax(*q.checkpoint_ns);
    std::optional<std::string> bound;  // the tightest upper bound; the cursor's is inclusive
    bool inclusive = false;
    if (q.before && (!q.after || *q.before <= q.after->checkpoint_id)) {
      bound = *q.before;
    } else if (q.after) {
      bound = q.after->checkpoint_id;
      inclusive = true;
    }
    if (bound) max = (inclusive ? "[" : "(") + EscapeId(*q.checkpoint_ns) + ":" + *bound;
    limit = std::to_string(q.limit + 1);  // one more: a member equal to the cursor's id
  }
  const std::string base = context_->keys.ThreadBase(q.owner_id);
  for (int attempt = 1;; ++attempt) {
    std::vector<Candidate> all;
    auto consider = [&](const std::string& thread, std::string_view member) -> Status {
      ENGRAM_ASSIGN_OR_RETURN(auto split, SplitMember(member));
      auto& [ns, id] = split;
      if (q.checkpoint_ns && ns != *q.checkpoint_ns) return Status::Ok();
      if (q.before && !(id < *q.before)) return Status::Ok();
      if (q.after) {
        const CheckpointCursor& a = *q.after;
        const bool later =
            id < a.checkpoint_id ||
            (id == a.checkpoint_id &&
             (thread > a.thread_id || (thread == a.thread_id && ns > a.checkpoint_ns)));
        if (!later) return Status::Ok();
      }
      all.push_back({std::move(id), thread, std::move(ns), std::string(member)});
      return Status::Ok();
    };
    if (!stored.empty()) {
      std::vector<std::string_view> args = {base, max, min, limit};
      for (const std::string& t : stored) args.push_back(t);
      ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Eval(scripts::kCheckpointMembers, {}, args));
      for (size_t i = 0; i + 1 < Len(*r); i += 2) {
        ENGRAM_RETURN_IF_ERROR(consider(std::string(Str(At(*r, i))), Str(At(*r, i + 1))));
      }
    }
    for (const std::string& t : local) {
      ENGRAM_ASSIGN_OR_RETURN(ThreadImage * image, Image(q.owner_id, t));
      for (const auto& [member, c] : image->checkpoints)
        ENGRAM_RETURN_IF_ERROR(consider(t, member));
    }
    std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
      if (a.id != b.id) return a.id > b.id;
      return std::tie(a.thread, a.ns) < std::tie(b.thread, b.ns);
    });
    if (all.size() > q.limit) all.resize(q.limit);
    std::vector<Checkpoint> out;
    std::vector<std::string_view> args = {base};
    std::vector<size_t> from_redis;  // positions in `all` read from Redis
    for (size_t i = 0; i < all.size(); ++i) {
      if (Local(q.owner_id, all[i].thread)) continue;
      args.push_back(all[i].thread);
      args.push_back(all[i].member);
      from_redis.push_back(i);
    }
    std::map<size_t, std::string> encoded;
    bool gone = false;
    if (!from_redis.empty()) {
      ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Eval(scripts::kGetCheckpoints, {}, args));
      if (Len(*r) != from_redis.size()) {
        return Status::Corruption("redis: unexpected reply of a script");
      }
      for (size_t k = 0; k < from_redis.size(); ++k) {
        if (IsNil(At(*r, k))) {
          gone = true;
        } else {
          encoded[from_redis[k]] = std::string(Str(At(*r, k)));
        }
      }
    }
    if (gone && attempt < kListTries) continue;
    for (size_t i = 0; i < all.size(); ++i) {
      if (auto it = encoded.find(i); it != encoded.end()) {
        ENGRAM_ASSIGN_OR_RETURN(Checkpoint c,
                                DecodeCheckpoint(q.owner_id, all[i].thread, it->second));
        out.push_back(std::move(c));
      } else if (Local(q.owner_id, all[i].thread)) {
        ENGRAM_ASSIGN_OR_RETURN(ThreadImage * image, Image(q.owner_id, all[i].thread));
        out.push_back(image->checkpoints.at(all[i].member));
      }
    }
    return out;
  }
}

Status RedisCheckpointTransaction::PutCheckpoint(const Checkpoint& c,
                                                 const std::vector<ChannelValue>& values) {
  ENGRAM_RETURN_IF_ERROR(Writable(c.owner_id));
  const ThreadRef t{c.owner_id, c.thread_id};
  Store(t, c);
  for (const ChannelValue& v : values)
    Store(t, ThreadChannelValue{c.thread_id, c.checkpoint_ns, v});
  return Status::Ok();
}

Result<std::vector<ChannelValue>> RedisCheckpointTransaction::GetChannelValues(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::string_view checkpoint_id) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  std::vector<ChannelValue> out;
  const std::string member = CheckpointMember(checkpoint_ns, checkpoint_id);
  if (Local(owner_id, thread_id)) {
    ENGRAM_ASSIGN_OR_RETURN(ThreadImage * image, Image(owner_id, thread_id));
    auto it = image->checkpoints.find(member);
    if (it == image->checkpoints.end()) return out;
    for (const auto& [channel, version] : it->second.channel_versions) {
      auto v = image->values.find(ValueField(checkpoint_ns, channel, version));
      if (v != image->values.end()) out.push_back(v->second.value);
    }
    return out;
  }
  const std::string base = context_->keys.Thread(owner_id, thread_id);
  ENGRAM_ASSIGN_OR_RETURN(
      ReplyPtr r, Eval(scripts::kChannelValues,
                       {base + KeyLayout::kCheckpoints, base + KeyLayout::kValues}, {member}));
  for (size_t i = 0; i < Len(*r); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(ThreadChannelValue v, DecodeValue(thread_id, Str(At(*r, i))));
    out.push_back(std::move(v.value));
  }
  std::sort(out.begin(), out.end(),
            [](const ChannelValue& a, const ChannelValue& b) { return a.channel < b.channel; });
  return out;
}

Result<int64_t> RedisCheckpointTransaction::PutWrites(std::string_view owner_id,
                                                      std::string_view thread_id,
                                                      std::string_view checkpoint_ns,
                                                      std::string_view checkpoint_id,
                                                      const std::vector<PendingWrite>& writes) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  const ThreadRef t{std::string(owner_id), std::string(thread_id)};
  const std::string member = WriteKeyMember(checkpoint_ns, checkpoint_id);
  // The (task_id, idx) already taken: an ordinary write is stored only at a free one.
  std::set<std::string> taken;
  if (Local(owner_id, thread_id)) {
    ENGRAM_ASSIGN_OR_RETURN(ThreadImage * image, Image(owner_id, thread_id));
    if (auto it = image->writes.find(member); it != image->writes.end()) {
      for (const auto& [field, w] : it->second) taken.insert(field);
    }
  } else {
    std::vector<std::string> fields;
    for (const PendingWrite& w : writes) {
      if (w.idx >= 0) fields.push_back(WriteField(w.task_id, w.idx));
    }
    if (!fields.empty()) {
      const std::string key = context_->keys.Thread(owner_id, thread_id) + ":w:" + member;
      std::vector<std::string_view> args = {"HMGET", key};
      for (const std::string& f : fields) args.push_back(f);
      ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Run(args));
      for (size_t i = 0; i < Len(*r) && i < fields.size(); ++i) {
        if (!IsNil(At(*r, i))) taken.insert(fields[i]);
      }
    }
  }
  int64_t stored = 0;
  for (const PendingWrite& w : writes) {
    const std::string field = WriteField(w.task_id, w.idx);
    if (w.idx >= 0 && taken.count(field) > 0) continue;
    taken.insert(field);
    Store(t, CheckpointWrite{std::string(thread_id), std::string(checkpoint_ns),
                             std::string(checkpoint_id), w});
    ++stored;
  }
  return stored;
}

Result<std::vector<PendingWrite>> RedisCheckpointTransaction::GetWrites(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::string_view checkpoint_id) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  std::vector<PendingWrite> out;
  const std::string member = WriteKeyMember(checkpoint_ns, checkpoint_id);
  if (Local(owner_id, thread_id)) {
    ENGRAM_ASSIGN_OR_RETURN(ThreadImage * image, Image(owner_id, thread_id));
    if (auto it = image->writes.find(member); it != image->writes.end()) {
      for (const auto& [field, w] : it->second) out.push_back(w.write);
    }
  } else {
    ENGRAM_ASSIGN_OR_RETURN(
        ReplyPtr r, Run({"HGETALL", context_->keys.Thread(owner_id, thread_id) + ":w:" + member}));
    for (size_t i = 0; i + 1 < Len(*r); i += 2) {
      ENGRAM_ASSIGN_OR_RETURN(CheckpointWrite w, DecodeWrite(thread_id, Str(At(*r, i + 1))));
      out.push_back(std::move(w.write));
    }
  }
  SortWrites(&out);
  return out;
}

Result<int64_t> RedisCheckpointTransaction::CountCheckpoints(std::string_view owner_id,
                                                             std::string_view thread_id) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  if (Local(owner_id, thread_id)) {
    ENGRAM_ASSIGN_OR_RETURN(ThreadImage * image, Image(owner_id, thread_id));
    return static_cast<int64_t>(image->checkpoints.size());
  }
  ENGRAM_ASSIGN_OR_RETURN(
      ReplyPtr r, Run({"ZCARD", context_->keys.Thread(owner_id, thread_id) + KeyLayout::kIds}));
  return Int(*r);
}

Result<int64_t> RedisCheckpointTransaction::CopyThread(std::string_view owner_id,
                                                       std::string_view from, std::string_view to) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  ENGRAM_ASSIGN_OR_RETURN(ThreadImage * source, Image(owner_id, from));
  const ThreadImage copy = *source;  // the target's image may move the map's nodes
  ENGRAM_RETURN_IF_ERROR(Image(owner_id, to).status());
  const ThreadRef t{std::string(owner_id), std::string(to)};
  // Plain loops: clang 14 (the sanitizer build) cannot use libstdc++ 12's std::views::values.
  for (auto [key, c] : copy.checkpoints) {
    c.thread_id = std::string(to);
    Store(t, c);
  }
  for (auto [key, v] : copy.values) {
    v.thread_id = std::string(to);
    Store(t, v);
  }
  for (const auto& [member, writes] : copy.writes) {
    for (auto [key, w] : writes) {
      w.thread_id = std::string(to);
      Store(t, w);
    }
  }
  return static_cast<int64_t>(copy.checkpoints.size());
}

Result<int64_t> RedisCheckpointTransaction::PruneThread(std::string_view owner_id,
                                                        std::string_view thread_id, size_t keep) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  ENGRAM_ASSIGN_OR_RETURN(ThreadImage * image, Image(owner_id, thread_id));
  const ThreadRef t{std::string(owner_id), std::string(thread_id)};
  const std::string base = context_->keys.Thread(owner_id, thread_id);
  // Members sort by namespace, then id: each namespace's last `keep` stay.
  std::map<std::string, std::vector<std::string>> by_ns;
  for (const auto& [member, c] : image->checkpoints) by_ns[c.checkpoint_ns].push_back(member);
  int64_t pruned = 0;
  for (const auto& [ns, members] : by_ns) {
    for (size_t i = 0; i + keep < members.size(); ++i) {
      Buffer(t, {"ZREM", base + KeyLayout::kIds, members[i]});
      Buffer(t, {"HDEL", base + KeyLayout::kCheckpoints, members[i]});
      image->checkpoints.erase(members[i]);
      ++pruned;
    }
  }
  std::set<std::string> named, kept;
  for (const auto& [member, c] : image->checkpoints) {
    kept.insert(WriteKeyMember(c.checkpoint_ns, c.checkpoint_id));
    for (const auto& [channel, version] : c.channel_versions) {
      named.insert(ValueField(c.checkpoint_ns, channel, version));
    }
  }
  for (auto it = image->values.begin(); it != image->values.end();) {
    if (named.count(it->first) > 0) {
      ++it;
      continue;
    }
    Buffer(t, {"HDEL", base + KeyLayout::kValues, it->first});
    it = image->values.erase(it);
  }
  for (auto it = image->writes.begin(); it != image->writes.end();) {
    if (kept.count(it->first) > 0) {
      ++it;
      continue;
    }
    Buffer(t, {"DEL", base + ":w:" + it->first});
    Buffer(t, {"SREM", base + KeyLayout::kWriteKeys, it->first});
    it = image->writes.erase(it);
  }
  if (image->checkpoints.empty() && image->values.empty() && image->writes.empty()) {
    Buffer(t, {"ZREM", context_->keys.Threads(owner_id), std::string(thread_id)});
  }
  return pruned;
}

Result<int64_t> RedisCheckpointTransaction::DeleteThread(std::string_view owner_id,
                                                         std::string_view thread_id) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  ENGRAM_ASSIGN_OR_RETURN(ThreadImage * image, Image(owner_id, thread_id));
  const ThreadRef t{std::string(owner_id), std::string(thread_id)};
  const std::string base = context_->keys.Thread(owner_id, thread_id);
  const auto deleted = static_cast<int64_t>(image->checkpoints.size());
  for (const auto& [member, writes] : image->writes) Buffer(t, {"DEL", base + ":w:" + member});
  Buffer(t, {"DEL", base + KeyLayout::kIds, base + KeyLayout::kCheckpoints,
             base + KeyLayout::kValues, base + KeyLayout::kWriteKeys});
  Buffer(t, {"ZREM", context_->keys.Threads(owner_id), std::string(thread_id)});
  *image = ThreadImage();
  return deleted;
}

Result<int64_t> RedisCheckpointTransaction::DeleteOwnerCheckpoints(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> threads, Threads(owner_id));
  int64_t deleted = 0;
  for (const std::string& thread : threads) {
    ENGRAM_ASSIGN_OR_RETURN(int64_t n, DeleteThread(owner_id, thread));
    deleted += n;
  }
  return deleted;
}

Result<bool> RedisCheckpointTransaction::OwnerHasCheckpoints(std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> threads, Threads(owner_id));
  for (const std::string& thread : threads) {
    ENGRAM_ASSIGN_OR_RETURN(int64_t n, CountCheckpoints(owner_id, thread));
    if (n > 0) return true;
  }
  return false;
}

Result<std::vector<std::string>> RedisCheckpointTransaction::ListCheckpointOwners() {
  ENGRAM_RETURN_IF_ERROR(Usable());
  std::set<std::string> candidates;
  for (const ThreadRef& t : written_) candidates.insert(t.first);
  const std::string pattern = context_->keys.ThreadsPattern();
  std::string cursor = "0";
  do {
    ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Run({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}));
    if (Len(*r) != 2) return Status::Corruption("redis: unexpected reply to SCAN");
    cursor = std::string(Str(At(*r, 0)));
    const redisReply& keys = At(*r, 1);
    for (size_t i = 0; i < Len(keys); ++i) {
      // The pattern also matches a writes key whose namespace and checkpoint id are "cp" and
      // "threads"; its middle holds ':', which no escaped owner does.
      Result<std::string> owner = context_->keys.OwnerOfThreads(Str(At(keys, i)));
      if (owner.ok()) candidates.insert(std::move(*owner));
    }
  } while (cursor != "0");
  // An index outlives threads that expired (layout.h): an owner counts while one of its threads
  // still has a checkpoint.
  std::vector<std::string> out;
  for (const std::string& owner : candidates) {
    ENGRAM_ASSIGN_OR_RETURN(bool has, OwnerHasCheckpoints(owner));
    if (has) out.push_back(owner);
  }
  return out;
}

Result<std::vector<ThreadChannelValue>> RedisCheckpointTransaction::ListOwnerChannelValues(
    std::string_view owner_id) {
  std::vector<ThreadChannelValue> out;
  ENGRAM_RETURN_IF_ERROR(ForEachThread(owner_id, [&](const ThreadImage& image) {
    for (const auto& [field, v] : image.values) out.push_back(v);
  }));
  return out;
}

Result<std::vector<CheckpointWrite>> RedisCheckpointTransaction::ListOwnerWrites(
    std::string_view owner_id) {
  std::vector<CheckpointWrite> out;
  ENGRAM_RETURN_IF_ERROR(ForEachThread(owner_id, [&](const ThreadImage& image) {
    for (const auto& [member, writes] : image.writes) {
      for (const auto& [field, w] : writes) out.push_back(w);
    }
  }));
  return out;
}

Status RedisCheckpointTransaction::ForEachThread(
    std::string_view owner_id, const std::function<void(const ThreadImage&)>& visit) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> threads, Threads(owner_id));
  for (const std::string& thread : threads) {
    if (Local(owner_id, thread)) {
      ENGRAM_ASSIGN_OR_RETURN(const ThreadImage* image, Image(owner_id, thread));
      visit(*image);
    } else {
      ENGRAM_ASSIGN_OR_RETURN(const ThreadImage loaded, LoadThread(owner_id, thread));
      visit(loaded);
    }
  }
  return Status::Ok();
}

Status RedisCheckpointTransaction::Commit() {
  ENGRAM_RETURN_IF_ERROR(Usable());
  if (!writer_ || commands_.empty()) {
    locks_.Release();
    done_ = true;
    return Status::Ok();
  }
  // The arguments of scripts::kCommitCheckpoints, kept alive while the views point into them.
  std::vector<std::string> args = {locks_.token(), std::to_string(context_->ttl_s),
                                   std::to_string(commands_.size())};
  for (std::vector<std::string>& command : commands_) {
    args.push_back(std::to_string(command.size()));
    for (std::string& a : command) args.push_back(std::move(a));
  }
  for (const auto& [owner, thread] : written_) {
    args.push_back(context_->keys.Threads(owner));
    args.push_back(context_->keys.Thread(owner, thread));
  }
  const std::vector<std::string_view> views(args.begin(), args.end());
  const std::vector<std::string_view> keys(locks_.keys().begin(), locks_.keys().end());
  Result<ReplyPtr> r = conn_->Eval(scripts::kCommitCheckpoints, keys, views);
  if (!r.ok()) {
    if (r.status().message().find("ENGRAMLOCK") != std::string::npos) {
      done_ = true;
      locks_.Committed();  // a lock is not ours any more: nothing to give back
      return Status::Unavailable(
          "redis: a checkpoint write lock expired before the commit; nothing was written");
    }
    return r.status();  // the destructor gives the locks back
  }
  locks_.Committed();
  done_ = true;
  return Status::Ok();
}

}  // namespace engram::store::redis
