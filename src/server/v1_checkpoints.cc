// The /v1 checkpoint routes (docs/checkpoints.md): LangGraph's checkpointer over REST. Bytes
// travel as standard base64 (RFC 4648, padding optional on the way in), beside their serializer's
// type tag; metadata as a JSON object.
#include "core/json_codec.h"
#include "server/params.h"
#include "server/schema.h"
#include "server/v1_routes.h"
#include "util/ids.h"
#include "util/time.h"

namespace engram::server::v1 {

namespace {

using nlohmann::json;
using schema::ArrayOf;
using schema::Object;
using schema::Ref;
using schema::Type;

// Standard base64 from the URL-safe alphabet of util/ids.h: '+' and '/' for '-' and '_', and
// '=' padding to a multiple of four.
std::string Base64Encode(std::string_view bytes) {
  std::string out = util::Base64UrlEncode(bytes);
  for (char& c : out) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  out.append((4 - out.size() % 4) % 4, '=');
  return out;
}

Result<std::string> Base64Decode(std::string_view field, std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string url(text);
  bool ok = url.size() % 4 != 1;
  for (char& c : url) {
    if (c == '-' || c == '_') ok = false;  // not the standard alphabet
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  std::string out;
  if (!ok || !util::Base64UrlDecode(url, &out)) {
    return Status::InvalidArgument(std::string(field) + " must be standard base64");
  }
  return out;
}

// {"type": ..., "data": base64}
Result<TypedBytes> TypedFromJson(const std::string& field, const json& j) {
  if (!j.is_object()) return Status::InvalidArgument(field + " must be an object");
  ENGRAM_RETURN_IF_ERROR(CheckFields(j, {"type", "data"}));
  TypedBytes out;
  const json* type = j.contains("type") ? &j["type"] : nullptr;
  if (type == nullptr || !type->is_string() || type->get<std::string>().empty()) {
    return Status::InvalidArgument(field + ".type must be a non-empty string");
  }
  out.type = type->get<std::string>();
  const json* data = j.contains("data") ? &j["data"] : nullptr;
  if (data == nullptr || !data->is_string()) {
    return Status::InvalidArgument(field + ".data must be a base64 string");
  }
  ENGRAM_ASSIGN_OR_RETURN(out.data, Base64Decode(field + ".data", data->get<std::string>()));
  return out;
}

json TypedToJson(const TypedBytes& t) {
  return json{{"type", t.type}, {"data", Base64Encode(t.data)}};
}

Result<NewCheckpoint> CheckpointFromBody(const std::string& owner, const std::string& thread,
                                         const json& body) {
  ENGRAM_RETURN_IF_ERROR(
      CheckFields(body, {"checkpoint_ns", "checkpoint_id", "parent_checkpoint_id", "checkpoint",
                         "metadata", "channel_versions", "channel_values"}));
  NewCheckpoint in;
  Checkpoint& c = in.checkpoint;
  c.owner_id = owner;
  c.thread_id = thread;
  std::optional<std::string> ns, parent, metadata;
  ENGRAM_RETURN_IF_ERROR(GetString(body, "checkpoint_ns", &ns));
  ENGRAM_RETURN_IF_ERROR(GetString(body, "parent_checkpoint_id", &parent));
  ENGRAM_RETURN_IF_ERROR(GetJsonText(body, "metadata", true, &metadata));
  c.checkpoint_ns = ns.value_or("");
  c.parent_checkpoint_id = parent.value_or("");
  c.metadata = metadata.value_or("{}");
  ENGRAM_ASSIGN_OR_RETURN(c.checkpoint_id, RequireString(body, "checkpoint_id"));
  if (!body.contains("checkpoint")) return Status::InvalidArgument("checkpoint is required");
  ENGRAM_ASSIGN_OR_RETURN(c.checkpoint, TypedFromJson("checkpoint", body["checkpoint"]));
  if (auto it = body.find("channel_versions"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return Status::InvalidArgument("channel_versions must be an object");
    for (const auto& [channel, version] : it->items()) {
      if (!version.is_string()) {
        return Status::InvalidArgument("channel_versions values must be strings");
      }
      c.channel_versions[channel] = version.get<std::string>();
    }
  }
  if (auto it = body.find("channel_values"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return Status::InvalidArgument("channel_values must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& v = (*it)[i];
      const std::string at = "channel_values[" + std::to_string(i) + "]";
      if (!v.is_object()) return Status::InvalidArgument(at + " must be an object");
      ENGRAM_RETURN_IF_ERROR(CheckFields(v, {"channel", "version", "type", "data"}));
      ChannelValue value;
      ENGRAM_ASSIGN_OR_RETURN(value.channel, RequireString(v, "channel"));
      ENGRAM_ASSIGN_OR_RETURN(value.version, RequireString(v, "version"));
      ENGRAM_ASSIGN_OR_RETURN(value.value,
                              TypedFromJson(at, json{{"type", v.value("type", json())},
                                                     {"data", v.value("data", json())}}));
      in.channel_values.push_back(std::move(value));
    }
  }
  return in;
}

json TupleToJson(const CheckpointTuple& t) {
  const Checkpoint& c = t.checkpoint;
  json values = json::array();
  for (const ChannelValue& v : t.channel_values) {
    values.push_back({{"channel", v.channel},
                      {"version", v.version},
                      {"type", v.value.type},
                      {"data", Base64Encode(v.value.data)}});
  }
  json writes = json::array();
  for (const PendingWrite& w : t.pending_writes) {
    writes.push_back({{"task_id", w.task_id},
                      {"task_path", w.task_path},
                      {"idx", w.idx},
                      {"channel", w.channel},
                      {"type", w.value.type},
                      {"data", Base64Encode(w.value.data)}});
  }
  json metadata = json::parse(c.metadata, nullptr, false);
  return json{{"thread_id", c.thread_id},
              {"checkpoint_ns", c.checkpoint_ns},
              {"checkpoint_id", c.checkpoint_id},
              {"parent_checkpoint_id", Nullable(c.parent_checkpoint_id)},
              {"checkpoint", TypedToJson(c.checkpoint)},
              {"metadata", metadata.is_object() ? metadata : json::object()},
              {"channel_versions", c.channel_versions},
              {"channel_values", std::move(values)},
              {"pending_writes", std::move(writes)},
              {"created_at", util::FormatTimestamp(c.created_at)}};
}

// A JSON object of any keys (typed as a record by client generators, not as an empty object).
json AnyObject(const char* description = nullptr) {
  json out{{"type", "object"}, {"additionalProperties", true}};
  if (description != nullptr) out["description"] = description;
  return out;
}

json ConfigSchema() {
  return Object({{"thread_id", Type("string")},
                 {"checkpoint_ns", Type("string")},
                 {"checkpoint_id", Type("string")}},
                {"thread_id", "checkpoint_ns", "checkpoint_id"});
}

}  // namespace

// The schemas of the checkpoint routes, for openapi.cc's components.
void AddCheckpointSchemas(json& s) {
  const char* base64 = "the bytes, standard base64";
  s["TypedBytes"] = Object({{"type", Type("string", "the serializer's type tag, e.g. json")},
                            {"data", Type("string", base64)}},
                           {"type", "data"});
  s["ChannelValue"] = Object({{"channel", Type("string")},
                              {"version", Type("string")},
                              {"type", Type("string")},
                              {"data", Type("string", base64)}},
                             {"channel", "version", "type", "data"});
  s["PendingWrite"] =
      Object({{"task_id", Type("string")},
              {"task_path", Type("string")},
              {"idx", Type("integer",
                           "position in the task's writes; -1..-4 for LangGraph's special "
                           "channels")},
              {"channel", Type("string")},
              {"type", Type("string")},
              {"data", Type("string", base64)}},
             {"task_id", "task_path", "idx", "channel", "type", "data"});
  s["NewWrite"] = Object(
      {{"channel", Type("string")}, {"type", Type("string")}, {"data", Type("string", base64)}},
      {"channel", "type", "data"});
  s["CheckpointConfig"] = ConfigSchema();
  s["CheckpointTuple"] = Object(
      {{"thread_id", Type("string")},
       {"checkpoint_ns", Type("string")},
       {"checkpoint_id", Type("string")},
       {"parent_checkpoint_id", schema::Nullable("string")},
       {"checkpoint", Ref("TypedBytes")},
       {"metadata", AnyObject()},
       {"channel_versions", json{{"type", "object"}, {"additionalProperties", Type("string")}}},
       {"channel_values", ArrayOf(Ref("ChannelValue"))},
       {"pending_writes", ArrayOf(Ref("PendingWrite"))},
       {"created_at", Type("string", "when engram stored it (ISO-8601)")}},
      {"thread_id", "checkpoint_ns", "checkpoint_id", "parent_checkpoint_id", "checkpoint",
       "metadata", "channel_versions", "channel_values", "pending_writes", "created_at"});
}

void AddCheckpointRoutes(Router& router, Engine& engine) {
  const std::string thread_base = std::string(kOwner) + "/threads/{thread}";
  auto thread = [](const Call& call) -> const std::string& { return call.path.at("thread"); };

  router.Add(MakeRoute(
      "POST", thread_base + "/checkpoints", 201,
      {"putCheckpoint",
       "Store a checkpoint (replacing one with the same id) and the values of the channels it "
       "changed; returns its config",
       "checkpoints",
       {},
       Object({{"checkpoint_ns", Type("string", "the namespace (default \"\": the root graph)")},
               {"checkpoint_id", Type("string", "ids order as strings: the greatest is latest")},
               {"parent_checkpoint_id", schema::Nullable("string")},
               {"checkpoint", Ref("TypedBytes")},
               {"metadata", AnyObject("kept as given; list filters match its keys")},
               {"channel_versions",
                json{{"type", "object"},
                     {"additionalProperties", Type("string")},
                     {"description", "channel -> version of every channel the checkpoint sees"}}},
               {"channel_values", ArrayOf(Ref("ChannelValue"))}},
              {"checkpoint_id", "checkpoint"}),
       true,
       Ref("CheckpointConfig")},
      [&engine, thread](Call& call) -> Result<Reply> {
        ENGRAM_ASSIGN_OR_RETURN(NewCheckpoint in,
                                CheckpointFromBody(Owner(call), thread(call), call.body));
        ENGRAM_ASSIGN_OR_RETURN(Checkpoint c, engine.PutCheckpoint(in));
        return Ok(json{{"thread_id", c.thread_id},
                       {"checkpoint_ns", c.checkpoint_ns},
                       {"checkpoint_id", c.checkpoint_id}},
                  201);
      }));

  router.Add(MakeRoute(
      "GET", thread_base + "/checkpoint", 200,
      {"getCheckpoint",
       "A checkpoint with its channel values and pending writes: the one named, or the latest "
       "of the namespace (null when there is none)",
       "checkpoints",
       {{"checkpoint_ns", "string", "the namespace (default \"\")"},
        {"checkpoint_id", "string", "the checkpoint; absent: the latest"}},
       nullptr,
       true,
       Object({{"tuple", json{{"oneOf", {Ref("CheckpointTuple"), Type("null")}}}}}, {"tuple"})},
      [&engine, thread](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"checkpoint_ns", "checkpoint_id"}));
        std::optional<std::string> ns, id;
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "checkpoint_ns", &ns));
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "checkpoint_id", &id));
        std::optional<std::string_view> wanted;
        if (id && !id->empty()) wanted = *id;
        ENGRAM_ASSIGN_OR_RETURN(
            std::optional<CheckpointTuple> t,
            engine.GetCheckpoint(Owner(call), thread(call), ns.value_or(""), wanted));
        return Ok(json{{"tuple", t ? TupleToJson(*t) : json(nullptr)}});
      }));

  router.Add(MakeRoute(
      "POST", thread_base + "/writes", 200,
      {"putCheckpointWrites",
       "Store a task's pending writes against a checkpoint: LangGraph's special channels "
       "(__error__, __scheduled__, __interrupt__, __resume__) take indexes -1..-4 and replace, "
       "others take their position and are kept only if absent",
       "checkpoints",
       {},
       Object({{"checkpoint_ns", Type("string")},
               {"checkpoint_id", Type("string")},
               {"task_id", Type("string")},
               {"task_path", Type("string", "default \"\"")},
               {"writes", ArrayOf(Ref("NewWrite"))}},
              {"checkpoint_id", "task_id", "writes"}),
       true,
       Object({{"stored", Type("integer", "writes stored (a kept earlier one is not)")}},
              {"stored"})},
      [&engine, thread](Call& call) -> Result<Reply> {
        const json& body = call.body;
        ENGRAM_RETURN_IF_ERROR(CheckFields(
            body, {"checkpoint_ns", "checkpoint_id", "task_id", "task_path", "writes"}));
        std::optional<std::string> ns, path;
        ENGRAM_RETURN_IF_ERROR(GetString(body, "checkpoint_ns", &ns));
        ENGRAM_RETURN_IF_ERROR(GetString(body, "task_path", &path));
        ENGRAM_ASSIGN_OR_RETURN(std::string id, RequireString(body, "checkpoint_id"));
        ENGRAM_ASSIGN_OR_RETURN(std::string task, RequireString(body, "task_id"));
        auto list = body.find("writes");
        if (list == body.end() || !list->is_array()) {
          return Status::InvalidArgument("writes must be an array");
        }
        std::vector<NewWrite> writes;
        for (size_t i = 0; i < list->size(); ++i) {
          const json& w = (*list)[i];
          const std::string at = "writes[" + std::to_string(i) + "]";
          if (!w.is_object()) return Status::InvalidArgument(at + " must be an object");
          ENGRAM_RETURN_IF_ERROR(CheckFields(w, {"channel", "type", "data"}));
          NewWrite write;
          ENGRAM_ASSIGN_OR_RETURN(write.channel, RequireString(w, "channel"));
          ENGRAM_ASSIGN_OR_RETURN(write.value,
                                  TypedFromJson(at, json{{"type", w.value("type", json())},
                                                         {"data", w.value("data", json())}}));
          writes.push_back(std::move(write));
        }
        ENGRAM_ASSIGN_OR_RETURN(
            int64_t stored, engine.PutCheckpointWrites(Owner(call), thread(call), ns.value_or(""),
                                                       id, task, path.value_or(""), writes));
        return Ok(json{{"stored", stored}});
      }));

  router.Add(MakeRoute(
      "POST", std::string(kOwner) + "/checkpoints/search", 200,
      {"listCheckpoints",
       "The owner's checkpoints, newest id first, each with its channel values and pending "
       "writes: of one thread or all, one namespace or all, before an id, matching metadata",
       "checkpoints",
       {},
       Object({{"thread_id", Type("string", "only this thread (default: every thread)")},
               {"checkpoint_ns", Type("string", "only this namespace (default: every one)")},
               {"before", Type("string", "only ids less than this one")},
               {"limit", Type("integer", "at most this many")},
               {"filter", AnyObject("only metadata with each of these top-level keys "
                                    "equal to the value given")}}),
       false,
       Object({{"checkpoints", ArrayOf(Ref("CheckpointTuple"))}}, {"checkpoints"})},
      [&engine](Call& call) -> Result<Reply> {
        const json& body = call.body;
        ENGRAM_RETURN_IF_ERROR(
            CheckFields(body, {"thread_id", "checkpoint_ns", "before", "limit", "filter"}));
        CheckpointListOptions o;
        std::optional<std::string> filter;
        ENGRAM_RETURN_IF_ERROR(GetString(body, "thread_id", &o.thread_id));
        ENGRAM_RETURN_IF_ERROR(GetString(body, "checkpoint_ns", &o.checkpoint_ns));
        ENGRAM_RETURN_IF_ERROR(GetString(body, "before", &o.before));
        ENGRAM_RETURN_IF_ERROR(GetCount(body, "limit", SIZE_MAX, &o.limit));
        ENGRAM_RETURN_IF_ERROR(GetJsonText(body, "filter", true, &filter));
        o.metadata_filter = filter.value_or("");
        ENGRAM_ASSIGN_OR_RETURN(std::vector<CheckpointTuple> found,
                                engine.ListCheckpoints(Owner(call), o));
        json out = json::array();
        for (const CheckpointTuple& t : found) out.push_back(TupleToJson(t));
        return Ok(json{{"checkpoints", std::move(out)}});
      }));

  router.Add(MakeRoute(
      "DELETE", thread_base, 200,
      {"deleteThread",
       "Delete the thread's checkpoints, channel values and writes in every namespace",
       "checkpoints",
       {},
       nullptr,
       true,
       Object({{"deleted", Type("integer", "checkpoints deleted")}}, {"deleted"})},
      [&engine, thread](Call& call) -> Result<Reply> {
        ENGRAM_ASSIGN_OR_RETURN(int64_t deleted, engine.DeleteThread(Owner(call), thread(call)));
        return Ok(json{{"deleted", deleted}});
      }));

  router.Add(MakeRoute(
      "POST", thread_base + "/copy", 201,
      {"copyThread",
       "Copy every checkpoint, value and write of the thread to a new thread (404 when the "
       "thread has none, 409 when the target has some)",
       "checkpoints",
       {},
       Object({{"target_thread_id", Type("string")}}, {"target_thread_id"}),
       true,
       Object({{"thread_id", Type("string")}, {"copied", Type("integer", "checkpoints copied")}},
              {"thread_id", "copied"})},
      [&engine, thread](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"target_thread_id"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string target, RequireString(call.body, "target_thread_id"));
        ENGRAM_ASSIGN_OR_RETURN(int64_t copied,
                                engine.CopyThread(Owner(call), thread(call), target));
        return Ok(json{{"thread_id", target}, {"copied", copied}}, 201);
      }));

  router.Add(MakeRoute(
      "POST", thread_base + "/prune", 200,
      {"pruneThread",
       "Keep the latest keep_latest checkpoints of each namespace of the thread; delete the "
       "others with their writes and the channel values no kept checkpoint names",
       "checkpoints",
       {},
       Object({{"keep_latest", Type("integer", "at least 1 (default 1)")}}),
       false,
       Object({{"deleted", Type("integer", "checkpoints deleted")}}, {"deleted"})},
      [&engine, thread](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"keep_latest"}));
        std::optional<size_t> keep;
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "keep_latest", SIZE_MAX, &keep));
        ENGRAM_ASSIGN_OR_RETURN(int64_t deleted,
                                engine.PruneThread(Owner(call), thread(call), keep.value_or(1)));
        return Ok(json{{"deleted", deleted}});
      }));
}

}  // namespace engram::server::v1
