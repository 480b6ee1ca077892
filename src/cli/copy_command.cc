// engram copy: owners from one store to another, any backend to any other (portable/copy.h),
// verified by counts and checksums.
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "embed/embedder_factory.h"
#include "portable/copy.h"
#include "store/factory.h"

namespace engram::cli {

namespace {

using nlohmann::json;

struct CopyArgs {
  std::string from, to;
  std::vector<std::string> owners;
};

// A store URL, or a SQLite file's path (no "://").
std::string UrlOf(const std::string& given) {
  return given.find("://") == std::string::npos ? store::SqliteUrl(given) : given;
}

// Opens the engine of one side. The source must exist: opening a SQLite file that is not there
// would create an empty one.
Result<std::unique_ptr<Engine>> OpenSide(const std::string& given, const char* flag, bool source,
                                         const std::shared_ptr<Embedder>& embedder) {
  if (given.empty()) return Status::InvalidArgument(std::string(flag) + " is required");
  const std::string url = UrlOf(given);
  ENGRAM_ASSIGN_OR_RETURN(store::StoreUrl parsed, store::ParseStoreUrl(url));
  if (source && parsed.scheme == "sqlite" && !std::filesystem::exists(parsed.rest)) {
    return Status::NotFound(std::string(flag) + ": no SQLite file at '" + parsed.rest + "'");
  }
  Options options;
  options.store = url;
  options.embedder = embedder;
  Result<std::unique_ptr<Engine>> engine = Engine::Open(options);
  if (!engine.ok()) return engine.status().WithPrefix(std::string(flag) + ": ");
  return engine;
}

json DigestJson(const portable::OwnerDigest& d) {
  json counts = json::object();
  for (const auto& [kind, n] : d.counts) counts[kind] = n;
  return json{{"counts", std::move(counts)}, {"checksum", d.checksum}};
}

int64_t Count(const portable::OwnerDigest& d, const char* kind) {
  auto it = d.counts.find(kind);
  return it == d.counts.end() ? 0 : it->second;
}

void PrintOwner(const portable::OwnerCopy& c) {
  const portable::OwnerDigest& s = c.source;
  std::cout << "owner " << c.owner << ": " << Count(s, "memory") << " memories, "
            << Count(s, "history") << " history rows, " << Count(s, "session") << " sessions ("
            << Count(s, "item") << " items), " << Count(s, "entity") << " entity and "
            << Count(s, "relation") << " relation versions; " << s.checksum;
  if (c.verified()) {
    std::cout << " verified\n";
    return;
  }
  std::cout << " MISMATCH: the target holds";
  for (const auto& [kind, n] : c.target.counts) {
    if (Count(s, kind.c_str()) != n) std::cout << " " << n << " " << kind << " lines,";
  }
  std::cout << " " << c.target.checksum << "\n";
}

}  // namespace

void AddCopyCommand(const CommandContext& ctx) {
  Cli& cli = ctx.cli;
  auto a = std::make_shared<CopyArgs>();
  auto* copy = ctx.app.add_subcommand(
      "copy",
      "Copy owners (memories, history, blocks, sessions, graph, vectors) from one store to "
      "another, e.g. SQLite to PostgreSQL, and verify the copy by counts and checksums");
  copy->add_option("--from", a->from, "Source store URL, or a SQLite file's path")->required();
  copy->add_option("--to", a->to, "Target store URL, or a SQLite file's path")->required();
  copy->add_option("--owner", a->owners, "Only this owner (repeatable; default every owner)");
  copy->callback([a, &cli, &command = ctx.command] {
    command = [a, &cli]() -> Status {
      if (UrlOf(a->from) == UrlOf(a->to)) {
        return Status::InvalidArgument("--from and --to name the same store");
      }
      ENGRAM_ASSIGN_OR_RETURN(std::shared_ptr<Embedder> embedder, EmbedderFromEnvironment());
      ENGRAM_ASSIGN_OR_RETURN(auto from, OpenSide(a->from, "--from", true, embedder));
      ENGRAM_ASSIGN_OR_RETURN(auto to, OpenSide(a->to, "--to", false, embedder));
      Progress progress("copying owner", 0, cli.json_output());
      ENGRAM_ASSIGN_OR_RETURN(portable::CopyReport report,
                              portable::CopyOwners(*from, *to, a->owners,
                                                   [&](size_t i, size_t n, const std::string& who) {
                                                     progress.Update(i, n, who);
                                                   }));
      progress.Clear();
      if (cli.json_output()) {
        json owners = json::object();
        for (const portable::OwnerCopy& c : report.owners) {
          json entry = DigestJson(c.source);
          entry["target"] = DigestJson(c.target);
          entry["verified"] = c.verified();
          owners[c.owner] = std::move(entry);
        }
        Emit(json{{"owners", std::move(owners)}, {"verified", report.verified()}});
      } else {
        for (const portable::OwnerCopy& c : report.owners) PrintOwner(c);
      }
      size_t bad = 0;
      for (const portable::OwnerCopy& c : report.owners) bad += c.verified() ? 0 : 1;
      if (bad) {
        return Status::Corruption("the copy differs from the source for " + std::to_string(bad) +
                                  " of " + std::to_string(report.owners.size()) + " owners");
      }
      if (!cli.json_output()) {
        std::cout << "copied " << report.owners.size()
                  << " owners; counts and checksums equal in source and target\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
