// The /v1 archive routes (docs/export.md): an owner's export, and import, which writes records
// past the write rules (their ids, times and history as given) and is therefore admin-only.
#include <memory>

#include "portable/archive_io.h"
#include "server/params.h"
#include "server/schema.h"
#include "server/v1_routes.h"

namespace engram::server::v1 {

namespace {

using nlohmann::json;
using schema::Object;
using schema::Type;

Result<ArchiveParts> PartsParam(const std::optional<std::string>& include) {
  if (!include) return ArchiveParts{};
  Result<ArchiveParts> parts = portable::ParseArchiveParts(*include);
  if (!parts.ok()) return Status::InvalidArgument("include: " + parts.status().message());
  return parts;
}

}  // namespace

void AddPortableRoutes(Router& router, Engine& engine) {
  RouteDoc export_doc{
      "exportOwner",
      "The owner's archive: a header line (engram and schema version, embedding model, counts, "
      "checksum), then its memories (deleted and superseded ones included), history, sessions, "
      "blocks, graph and checkpoints, one JSON object per line (YAML with format=yaml)",
      "archive",
      {{"format", "string", "jsonl (default) or yaml"},
       {"include", "string",
        "comma-separated parts: memories, history, sessions, blocks, graph, vectors, checkpoints "
        "(default all)"}},
      nullptr,
      false,
      Type("string", "the archive file"),
      "application/x-ndjson"};
  router.Add(MakeRoute(
      "GET", std::string(kOwner) + "/export", 200, export_doc,
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"format", "include"}));
        const std::string format = call.Query("format").value_or("jsonl");
        if (format != "jsonl" && format != "yaml") {
          return Status::InvalidArgument("format must be jsonl or yaml");
        }
        ENGRAM_ASSIGN_OR_RETURN(ArchiveParts parts, PartsParam(call.Query("include")));
        // The owner is read now (errors before the status line); its archive is
        // written as the client reads it, never held whole (docs/export.md).
        ENGRAM_ASSIGN_OR_RETURN(portable::ExportSnapshot read,
                                portable::ReadExport(engine, {Owner(call)}, parts, ENGRAM_VERSION));
        auto snapshot = std::make_shared<portable::ExportSnapshot>(std::move(read));
        const portable::ArchiveFormat f =
            format == "yaml" ? portable::ArchiveFormat::kYaml : portable::ArchiveFormat::kJsonl;
        Reply r;
        r.stream = [snapshot, f](const portable::ArchiveSink& write) {
          return portable::StreamArchive(f, snapshot->header, snapshot->owners, write);
        };
        r.content_type = format == "yaml" ? "application/yaml" : "application/x-ndjson";
        return r;
      }));
  router.Add(MakeRoute(
      "POST", std::string(kOwner) + "/import", 200,
      {"importOwner",
       "Import an archive of one owner as this owner, exactly as exported (admin keys only: the "
       "write rules are not applied). Refused, writing nothing, on a checksum mismatch, a newer "
       "schema or records the store already holds",
       "archive",
       {},
       Object({{"archive", Type("string", "the archive file's text (JSONL or YAML)")}},
              {"archive"}),
       true,
       Object({{"memories", Type("integer")},
               {"history_events", Type("integer")},
               {"reembedded", Type("integer")},
               {"sessions", Type("integer")},
               {"session_items", Type("integer")},
               {"entities", Type("integer")},
               {"observations", Type("integer")},
               {"relations", Type("integer")},
               {"graph_events", Type("integer")},
               {"checkpoints", Type("integer")},
               {"channel_values", Type("integer")},
               {"checkpoint_writes", Type("integer")}})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"archive"}));
        std::optional<std::string> archive;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "archive", &archive));
        if (!archive) return Status::InvalidArgument("archive is required");
        auto reports = portable::ImportArchive(engine, *archive, Owner(call));
        // A checksum mismatch is the request's archive being damaged: the client's error.
        if (!reports.ok() && reports.status().code() == Status::Code::kCorruption) {
          return Status::InvalidArgument(reports.status().message());
        }
        if (!reports.ok()) return reports.status();
        json out = json::object();
        for (const auto& [owner, report] : *reports) out = portable::ImportReportJson(report);
        return Ok(std::move(out));
      },
      Access::kAdmin));
}

}  // namespace engram::server::v1
