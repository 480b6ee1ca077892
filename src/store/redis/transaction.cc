#include "store/redis/transaction.h"

#include <hiredis.h>

#include <algorithm>
#include <charconv>

#include "store/redis/scripts.h"

namespace engram::store::redis {

namespace {

// The seq in front of an item member, without decoding the rest.
Result<int64_t> MemberSeq(const redisReply& member) {
  const std::string_view m = Str(member);
  int64_t seq = 0;
  const auto [end, ec] = std::from_chars(m.data(), m.data() + m.size(), seq);
  if (ec != std::errc() || end == m.data() + m.size() || *end != '|') {
    return Status::Corruption("redis: a session item does not parse");
  }
  return seq;
}

Result<std::vector<SessionItem>> DecodeItems(const redisReply& reply) {
  std::vector<SessionItem> out;
  out.reserve(Len(reply));
  for (size_t i = 0; i < Len(reply); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(SessionItem item, DecodeItem(Str(At(reply, i))));
    out.push_back(std::move(item));
  }
  return out;
}

Result<int64_t> OptionalInt(const redisReply& r) {
  if (IsNil(r)) return int64_t{0};
  return Int(r);
}

// The newest first order of RecentOwnerItems: created_at, then session id, then seq.
bool Newer(const OwnerItem& a, const OwnerItem& b) {
  if (a.item.created_at != b.item.created_at) return a.item.created_at > b.item.created_at;
  if (a.session_id != b.session_id) return a.session_id > b.session_id;
  return a.item.seq > b.item.seq;
}

}  // namespace

RedisSessionTransaction::RedisSessionTransaction(std::shared_ptr<const TransactionContext> context,
                                                 std::unique_ptr<Connection> conn, bool writer)
    : context_(std::move(context)),
      conn_(std::move(conn)),
      locks_(conn_.get(), writer ? NewLockToken() : "", context_->lock_lease_ms,
             context_->busy_timeout_ms),
      writer_(writer) {}

RedisSessionTransaction::~RedisSessionTransaction() {
  // A write transaction that did not commit gives its locks back; those it cannot give back
  // (the connection is gone) end with their lease.
  locks_.Release();
  context_->release(std::move(conn_));
}

Status RedisSessionTransaction::Usable() const {
  if (done_) return Status::Internal("transaction already finished");
  return Status::Ok();
}

Status RedisSessionTransaction::Enter(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(Usable());
  if (!writer_) return Status::Ok();
  return locks_.Take(context_->keys.Lock(owner_id), "the session write lock of an owner");
}

Status RedisSessionTransaction::Writable(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(Usable());
  if (!writer_) return Status::Internal("a write in a read transaction");
  return Enter(owner_id);
}

Result<ReplyPtr> RedisSessionTransaction::Run(const std::vector<std::string_view>& args) {
  ENGRAM_RETURN_IF_ERROR(Usable());
  ENGRAM_RETURN_IF_ERROR(locks_.Renew());
  return conn_->Command(args);
}

Result<ReplyPtr> RedisSessionTransaction::Eval(const Script& script,
                                               const std::vector<std::string_view>& keys,
                                               const std::vector<std::string_view>& args) {
  ENGRAM_RETURN_IF_ERROR(Usable());
  ENGRAM_RETURN_IF_ERROR(locks_.Renew());
  return conn_->Eval(script, keys, args);
}

bool RedisSessionTransaction::Local(std::string_view owner_id, std::string_view session_id) const {
  const SessionRef ref{std::string(owner_id), std::string(session_id)};
  return changed_.count(ref) > 0 || images_.count(ref) > 0;
}

Result<SessionImage*> RedisSessionTransaction::Image(std::string_view owner_id,
                                                     std::string_view session_id) {
  SessionRef ref{std::string(owner_id), std::string(session_id)};
  if (auto it = images_.find(ref); it != images_.end()) return &it->second;
  const std::string items_key = context_->keys.Items(owner_id, session_id);
  const std::string meta_key = context_->keys.Meta(owner_id, session_id);
  ENGRAM_ASSIGN_OR_RETURN(ReplyPtr items, Run({"ZRANGE", items_key, "0", "-1"}));
  ENGRAM_ASSIGN_OR_RETURN(ReplyPtr meta, Run({"HMGET", meta_key, "c", "u", "st", "su", "ss"}));
  if (Len(*meta) != 5) return Status::Corruption("redis: unexpected reply to HMGET");
  SessionImage image;
  image.exists = !IsNil(At(*meta, 0));
  ENGRAM_ASSIGN_OR_RETURN(image.created_at, OptionalInt(At(*meta, 0)));
  ENGRAM_ASSIGN_OR_RETURN(image.updated_at, OptionalInt(At(*meta, 1)));
  if (!IsNil(At(*meta, 2))) {
    SessionSummary summary;
    summary.text = std::string(Str(At(*meta, 2)));
    ENGRAM_ASSIGN_OR_RETURN(summary.updated_at, OptionalInt(At(*meta, 3)));
    ENGRAM_ASSIGN_OR_RETURN(summary.through_seq, OptionalInt(At(*meta, 4)));
    image.summary = std::move(summary);
  }
  ENGRAM_ASSIGN_OR_RETURN(std::vector<SessionItem> decoded, DecodeItems(*items));
  for (SessionItem& item : decoded) image.items[item.seq] = std::move(item);
  for (const SessionOp& op : ops_) {
    if (op.owner == ref.first && op.session == ref.second) Apply(op, &image);
  }
  return &images_.emplace(std::move(ref), std::move(image)).first->second;
}

Result<std::vector<std::string>> RedisSessionTransaction::StoredSessionIds(
    std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(ReplyPtr ids,
                          Run({"ZRANGE", context_->keys.Sessions(owner_id), "0", "-1"}));
  std::vector<std::string> out;
  for (size_t i = 0; i < Len(*ids); ++i) out.emplace_back(Str(At(*ids, i)));
  return out;
}

Result<std::vector<std::pair<std::string, SessionImage*>>> RedisSessionTransaction::OwnerImages(
    std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> ids, StoredSessionIds(owner_id));
  std::set<std::string> all(ids.begin(), ids.end());
  for (const auto& [owner, session] : changed_) {
    if (owner == owner_id) all.insert(session);
  }
  for (const auto& [ref, image] : images_) {
    if (ref.first == owner_id) all.insert(ref.second);
  }
  std::vector<std::pair<std::string, SessionImage*>> out;
  for (const std::string& session : all) {
    ENGRAM_ASSIGN_OR_RETURN(SessionImage * image, Image(owner_id, session));
    out.emplace_back(session, image);
  }
  return out;
}

void RedisSessionTransaction::Record(SessionOp op) {
  SessionRef ref{op.owner, op.session};
  if (auto it = images_.find(ref); it != images_.end()) Apply(op, &it->second);
  changed_owners_.insert(op.owner);
  if (op.kind != SessionOp::Kind::kDropIndex) changed_.insert(std::move(ref));
  ops_.push_back(std::move(op));
}

std::string RedisSessionTransaction::SeqCap(std::string_view owner_id,
                                            std::string_view session_id) const {
  const auto it = seq_caps_.find(SessionRef{std::string(owner_id), std::string(session_id)});
  return it == seq_caps_.end() ? "+inf" : std::to_string(it->second);
}

void RedisSessionTransaction::NoteLastSeq(std::string_view owner_id, std::string_view session_id,
                                          int64_t last) {
  // A write transaction needs no bound: no other writer of the owner commits while it holds the
  // owner's lock.
  if (writer_) return;
  seq_caps_.emplace(SessionRef{std::string(owner_id), std::string(session_id)}, last);
}

Result<int64_t> RedisSessionTransaction::LastSessionSeq(std::string_view owner_id,
                                                        std::string_view session_id) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  if (Local(owner_id, session_id)) {
    ENGRAM_ASSIGN_OR_RETURN(SessionImage * image, Image(owner_id, session_id));
    return LastSeq(*image);
  }
  ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r,
                          Run({"ZREVRANGEBYSCORE", context_->keys.Items(owner_id, session_id),
                               SeqCap(owner_id, session_id), "-inf", "LIMIT", "0", "1"}));
  int64_t last = 0;
  if (Len(*r) > 0) {
    ENGRAM_ASSIGN_OR_RETURN(last, MemberSeq(At(*r, 0)));
  }
  NoteLastSeq(owner_id, session_id, last);
  return last;
}

Result<int64_t> RedisSessionTransaction::NthLastSessionSeq(std::string_view owner_id,
                                                           std::string_view session_id, size_t n,
                                                           std::optional<Role> role) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  if (n == 0) return Status::Internal("NthLastSessionSeq needs n >= 1");
  if (Local(owner_id, session_id)) {
    ENGRAM_ASSIGN_OR_RETURN(SessionImage * image, Image(owner_id, session_id));
    return NthLastSeq(*image, n, role);
  }
  ENGRAM_ASSIGN_OR_RETURN(
      ReplyPtr r,
      Eval(scripts::kNthLast, {context_->keys.Items(owner_id, session_id)},
           {std::to_string(n), role ? RoleName(*role) : "", SeqCap(owner_id, session_id)}));
  if (Len(*r) != 2) return Status::Corruption("redis: unexpected reply of a script");
  ENGRAM_ASSIGN_OR_RETURN(int64_t nth, Int(At(*r, 0)));
  ENGRAM_ASSIGN_OR_RETURN(int64_t last, Int(At(*r, 1)));
  NoteLastSeq(owner_id, session_id, last);
  return nth;
}

Result<int64_t> RedisSessionTransaction::PrecedingNonToolSeq(std::string_view owner_id,
                                                             std::string_view session_id,
                                                             int64_t seq) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  if (Local(owner_id, session_id)) {
    ENGRAM_ASSIGN_OR_RETURN(SessionImage * image, Image(owner_id, session_id));
    return redis::PrecedingNonToolSeq(*image, seq);
  }
  int64_t hi = seq - 1;
  const auto cap = seq_caps_.find(SessionRef{std::string(owner_id), std::string(session_id)});
  if (cap != seq_caps_.end()) hi = std::min(hi, cap->second);
  ENGRAM_ASSIGN_OR_RETURN(
      ReplyPtr r, Eval(scripts::kPrecedingNonTool, {context_->keys.Items(owner_id, session_id)},
                       {std::to_string(hi)}));
  return Int(*r);
}

Result<std::vector<SessionItem>> RedisSessionTransaction::GetSessionItems(
    std::string_view owner_id, std::string_view session_id, int64_t from_seq) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  if (Local(owner_id, session_id)) {
    ENGRAM_ASSIGN_OR_RETURN(SessionImage * image, Image(owner_id, session_id));
    return ItemsFrom(*image, from_seq);
  }
  ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r,
                          Run({"ZRANGEBYSCORE", context_->keys.Items(owner_id, session_id),
                               std::to_string(from_seq), SeqCap(owner_id, session_id)}));
  ENGRAM_ASSIGN_OR_RETURN(std::vector<SessionItem> items, DecodeItems(*r));
  // An empty answer says nothing of the last seq below from_seq: no bound is recorded then.
  if (!items.empty()) NoteLastSeq(owner_id, session_id, items.back().seq);
  return items;
}

Result<std::optional<SessionSummary>> RedisSessionTransaction::GetSessionSummary(
    std::string_view owner_id, std::string_view session_id) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  if (Local(owner_id, session_id)) {
    ENGRAM_ASSIGN_OR_RETURN(SessionImage * image, Image(owner_id, session_id));
    return image->summary;
  }
  ENGRAM_ASSIGN_OR_RETURN(
      ReplyPtr r, Run({"HMGET", context_->keys.Meta(owner_id, session_id), "st", "su", "ss"}));
  if (Len(*r) != 3) return Status::Corruption("redis: unexpected reply to HMGET");
  if (IsNil(At(*r, 0))) return std::optional<SessionSummary>();
  SessionSummary summary;
  summary.text = std::string(Str(At(*r, 0)));
  ENGRAM_ASSIGN_OR_RETURN(summary.updated_at, OptionalInt(At(*r, 1)));
  ENGRAM_ASSIGN_OR_RETURN(summary.through_seq, OptionalInt(At(*r, 2)));
  return std::optional<SessionSummary>(std::move(summary));
}

Result<std::vector<OwnerItem>> RedisSessionTransaction::RecentOwnerItems(std::string_view owner_id,
                                                                         size_t limit) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  std::vector<OwnerItem> out;
  if (limit == 0) return out;
  if (changed_owners_.count(owner_id) > 0) {
    ENGRAM_ASSIGN_OR_RETURN(auto images, OwnerImages(owner_id));
    for (const auto& [session, image] : images) {
      for (const auto& [seq, item] : image->items) out.push_back({session, item});
    }
  } else {
    ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r,
                            Eval(scripts::kRecentOwnerItems, {context_->keys.Sessions(owner_id)},
                                 {std::to_string(limit), context_->keys.SessionBase(owner_id)}));
    for (size_t i = 0; i + 1 < Len(*r); i += 2) {
      OwnerItem item;
      item.session_id = std::string(Str(At(*r, i)));
      ENGRAM_ASSIGN_OR_RETURN(item.item, DecodeItem(Str(At(*r, i + 1))));
      out.push_back(std::move(item));
    }
  }
  std::sort(out.begin(), out.end(), Newer);
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<std::optional<SessionInfo>> RedisSessionTransaction::LastActiveSession(
    std::string_view owner_id, std::string_view except) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  if (changed_owners_.count(owner_id) > 0) {
    ENGRAM_ASSIGN_OR_RETURN(auto images, OwnerImages(owner_id));
    std::optional<SessionInfo> best;
    for (const auto& [session, image] : images) {
      if (!image->exists || session == except) continue;
      SessionInfo info;
      info.session_id = session;
      info.started_at =
          image->items.empty() ? image->created_at : image->items.begin()->second.created_at;
      info.last_active_at = LastActive(*image);
      info.items = static_cast<int64_t>(image->items.size());
      if (!best || info.last_active_at > best->last_active_at ||
          (info.last_active_at == best->last_active_at && info.session_id > best->session_id)) {
        best = std::move(info);
      }
    }
    return best;
  }
  ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r,
                          Eval(scripts::kLastActiveSession, {context_->keys.Sessions(owner_id)},
                               {except, context_->keys.SessionBase(owner_id)}));
  if (Len(*r) != 4) return std::optional<SessionInfo>();
  SessionInfo info;
  info.session_id = std::string(Str(At(*r, 0)));
  ENGRAM_ASSIGN_OR_RETURN(info.started_at, Int(At(*r, 1)));
  ENGRAM_ASSIGN_OR_RETURN(info.last_active_at, Int(At(*r, 2)));
  ENGRAM_ASSIGN_OR_RETURN(info.items, Int(At(*r, 3)));
  return std::optional<SessionInfo>(std::move(info));
}

Status RedisSessionTransaction::AppendSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   const std::vector<SessionItem>& items) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  if (items.empty()) return Status::Ok();
  SessionOp op;
  op.kind = SessionOp::Kind::kAppend;
  op.owner = std::string(owner_id);
  op.session = std::string(session_id);
  op.items = items;
  Record(std::move(op));
  return Status::Ok();
}

Result<int64_t> RedisSessionTransaction::DeleteSessionItems(std::string_view owner_id,
                                                            std::string_view session_id,
                                                            int64_t from_seq) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  int64_t count = 0;
  if (Local(owner_id, session_id)) {
    ENGRAM_ASSIGN_OR_RETURN(SessionImage * image, Image(owner_id, session_id));
    count =
        static_cast<int64_t>(std::distance(image->items.lower_bound(from_seq), image->items.end()));
  } else {  // a pop: count without loading the session
    ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Run({"ZCOUNT", context_->keys.Items(owner_id, session_id),
                                             std::to_string(from_seq), "+inf"}));
    ENGRAM_ASSIGN_OR_RETURN(count, Int(*r));
  }
  if (count == 0) return int64_t{0};
  SessionOp op;
  op.kind = SessionOp::Kind::kDeleteFrom;
  op.owner = std::string(owner_id);
  op.session = std::string(session_id);
  op.from_seq = from_seq;
  Record(std::move(op));
  return count;
}

Result<int64_t> RedisSessionTransaction::DeleteSession(std::string_view owner_id,
                                                       std::string_view session_id) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  int64_t count = 0;
  if (Local(owner_id, session_id)) {
    ENGRAM_ASSIGN_OR_RETURN(SessionImage * image, Image(owner_id, session_id));
    count = static_cast<int64_t>(image->items.size());
  } else {
    ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Run({"ZCARD", context_->keys.Items(owner_id, session_id)}));
    ENGRAM_ASSIGN_OR_RETURN(count, Int(*r));
  }
  SessionOp op;
  op.kind = SessionOp::Kind::kDeleteSession;
  op.owner = std::string(owner_id);
  op.session = std::string(session_id);
  Record(std::move(op));
  return count;
}

Status RedisSessionTransaction::PutSessionSummary(std::string_view owner_id,
                                                  std::string_view session_id,
                                                  const SessionSummary& summary) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  SessionOp op;
  op.kind = SessionOp::Kind::kPutSummary;
  op.owner = std::string(owner_id);
  op.session = std::string(session_id);
  op.summary = summary;
  Record(std::move(op));
  return Status::Ok();
}

Result<std::vector<RedisSessionTransaction::SessionRef>>
RedisSessionTransaction::AllStoredSessions() {
  std::vector<SessionRef> out;
  const std::string pattern = context_->keys.MetaPattern();
  std::string cursor = "0";
  do {
    ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Run({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}));
    if (Len(*r) != 2) return Status::Corruption("redis: unexpected reply to SCAN");
    cursor = std::string(Str(At(*r, 0)));
    const redisReply& keys = At(*r, 1);
    for (size_t i = 0; i < Len(keys); ++i) {
      ENGRAM_ASSIGN_OR_RETURN(ReplyPtr ids, Run({"HMGET", Str(At(keys, i)), "o", "s"}));
      if (Len(*ids) != 2 || IsNil(At(*ids, 0)) || IsNil(At(*ids, 1))) continue;  // expired
      out.emplace_back(std::string(Str(At(*ids, 0))), std::string(Str(At(*ids, 1))));
    }
  } while (cursor != "0");
  return out;
}

Result<std::vector<std::string>> RedisSessionTransaction::ListSessionOwners() {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<SessionRef> stored, AllStoredSessions());
  std::set<std::string> owners;
  for (const auto& [owner, session] : stored) {
    if (changed_owners_.count(owner) == 0) owners.insert(owner);
  }
  // An owner this transaction changed has a session when one of its images still exists.
  for (const std::string& owner : changed_owners_) {
    ENGRAM_ASSIGN_OR_RETURN(auto images, OwnerImages(owner));
    for (const auto& [session, image] : images) {
      if (image->exists) {
        owners.insert(owner);
        break;
      }
    }
  }
  return std::vector<std::string>(owners.begin(), owners.end());
}

Result<std::vector<SessionInfo>> RedisSessionTransaction::ListSessions(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(Enter(owner_id));
  ENGRAM_ASSIGN_OR_RETURN(auto images, OwnerImages(owner_id));  // by session id
  std::vector<SessionInfo> out;
  for (const auto& [session, image] : images) {
    if (!image->exists) continue;  // expired, or deleted by this transaction
    SessionInfo info;
    info.session_id = session;
    info.started_at =
        image->items.empty() ? image->created_at : image->items.begin()->second.created_at;
    info.last_active_at = LastActive(*image);
    info.items = static_cast<int64_t>(image->items.size());
    info.summary = image->summary;
    out.push_back(std::move(info));
  }
  return out;
}

Result<int64_t> RedisSessionTransaction::DeleteSessionItemsBefore(Timestamp cutoff) {
  ENGRAM_RETURN_IF_ERROR(Usable());
  if (!writer_) return Status::Internal("a write in a read transaction");
  ENGRAM_ASSIGN_OR_RETURN(std::vector<SessionRef> stored, AllStoredSessions());
  std::set<SessionRef> all(stored.begin(), stored.end());
  all.insert(changed_.begin(), changed_.end());
  for (const auto& [ref, image] : images_) all.insert(ref);
  int64_t removed = 0;
  const std::string cutoff_arg = std::to_string(cutoff);
  // By owner: every retention takes the owners' locks in the same order, so two never wait for
  // each other in a circle.
  for (const auto& [owner, session] : all) {
    ENGRAM_RETURN_IF_ERROR(Enter(owner));
    SessionOp op;
    op.kind = SessionOp::Kind::kDeleteSeqs;
    op.owner = owner;
    op.session = session;
    if (Local(owner, session)) {
      ENGRAM_ASSIGN_OR_RETURN(SessionImage * image, Image(owner, session));
      op.seqs = RetentionPlan(*image, cutoff);
    } else {
      ENGRAM_ASSIGN_OR_RETURN(
          ReplyPtr r,
          Eval(scripts::kRetentionPlan, {context_->keys.Items(owner, session)}, {cutoff_arg}));
      for (size_t i = 0; i < Len(*r); ++i) {
        ENGRAM_ASSIGN_OR_RETURN(int64_t seq, Int(At(*r, i)));
        op.seqs.push_back(seq);
      }
    }
    if (op.seqs.empty()) continue;
    removed += static_cast<int64_t>(op.seqs.size());
    Record(std::move(op));
  }
  return removed;
}

Result<ForgetReport> RedisSessionTransaction::DeleteOwnerSessions(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(Writable(owner_id));
  ForgetReport report;
  ENGRAM_ASSIGN_OR_RETURN(auto images, OwnerImages(owner_id));
  for (const auto& [session, image] : images) {
    if (!image->exists) continue;
    ++report.sessions;
    report.session_items += static_cast<int64_t>(image->items.size());
    SessionOp op;
    op.kind = SessionOp::Kind::kDeleteSession;
    op.owner = std::string(owner_id);
    op.session = session;
    Record(std::move(op));
  }
  SessionOp drop;
  drop.kind = SessionOp::Kind::kDropIndex;
  drop.owner = std::string(owner_id);
  Record(std::move(drop));
  return report;
}

Status RedisSessionTransaction::Commit() {
  ENGRAM_RETURN_IF_ERROR(Usable());
  if (!writer_ || ops_.empty()) {
    locks_.Release();
    done_ = true;
    return Status::Ok();
  }
  // The arguments of scripts::kCommit, kept alive here while the views point into them.
  std::vector<std::string> args = {locks_.token(), std::to_string(context_->ttl_s)};
  for (const SessionOp& op : ops_) {
    static constexpr const char* kKinds[] = {"A", "F", "Q", "D", "S", "O"};
    args.push_back(kKinds[static_cast<int>(op.kind)]);
    args.push_back(context_->keys.Items(op.owner, op.session));
    args.push_back(context_->keys.Meta(op.owner, op.session));
    args.push_back(context_->keys.Sessions(op.owner));
    args.push_back(op.owner);
    args.push_back(op.session);
    switch (op.kind) {
      case SessionOp::Kind::kAppend:
        args.push_back(std::to_string(op.items.size()));
        for (const SessionItem& item : op.items) {
          args.push_back(std::to_string(item.seq));
          args.push_back(EncodeItem(item));
        }
        args.push_back(std::to_string(op.items.back().created_at));
        break;
      case SessionOp::Kind::kDeleteFrom:
        args.push_back(std::to_string(op.from_seq));
        break;
      case SessionOp::Kind::kDeleteSeqs:
        args.push_back(std::to_string(op.seqs.size()));
        for (int64_t seq : op.seqs) args.push_back(std::to_string(seq));
        break;
      case SessionOp::Kind::kPutSummary:
        args.push_back(op.summary.text);
        args.push_back(std::to_string(op.summary.updated_at));
        args.push_back(std::to_string(op.summary.through_seq));
        break;
      case SessionOp::Kind::kDeleteSession:
      case SessionOp::Kind::kDropIndex:
        break;
    }
  }
  const std::vector<std::string_view> views(args.begin(), args.end());
  const std::vector<std::string_view> locks(locks_.keys().begin(), locks_.keys().end());
  Result<ReplyPtr> r = Eval(scripts::kCommit, locks, views);
  if (!r.ok()) {
    if (r.status().message().find("ENGRAMLOCK") != std::string::npos) {
      done_ = true;
      locks_.Committed();  // a lock is not ours any more: nothing to give back
      return Status::Unavailable(
          "redis: a session write lock expired before the commit; nothing was written");
    }
    return r.status();  // the destructor gives the locks back
  }
  locks_.Committed();
  done_ = true;
  return Status::Ok();
}

}  // namespace engram::store::redis
