#include "store/postgres/cache_folder.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <sstream>

namespace engram::store::pg {

namespace {

// A folder name FolderName made, taken apart; nullopt for any other name.
std::optional<CacheIdentity> ParseFolderName(const std::string& name) {
  constexpr std::string_view kPrefix = "postgres-";
  if (!name.starts_with(kPrefix)) return std::nullopt;
  std::vector<std::string> parts;
  std::stringstream in(name.substr(kPrefix.size()));
  for (std::string part; std::getline(in, part, '-');) parts.push_back(part);
  if (parts.size() != 4 || name.back() == '-') return std::nullopt;
  auto all = [](const std::string& s, const char* chars, size_t min, size_t max) {
    return s.size() >= min && s.size() <= max && s.find_first_not_of(chars) == std::string::npos;
  };
  if (!all(parts[0], "0123456789", 1, 20) || !all(parts[1], "0123456789", 1, 10) ||
      !all(parts[2], "0123456789ABCDEF", 8, 8) || !all(parts[3], "0123456789abcdef", 8, 8)) {
    return std::nullopt;
  }
  CacheIdentity id;
  id.system = parts[0];
  id.database = std::stoll(parts[1]);
  id.timeline = parts[2];
  id.schema = parts[3];
  return id;
}

// Removes the files of a folder, then the folder; anything else in it keeps it.
void RemoveFolder(const std::string& path) {
  if (DIR* dir = ::opendir(path.c_str())) {
    while (const dirent* entry = ::readdir(dir)) {
      const std::string file = path + "/" + entry->d_name;
      struct stat st;
      if (::lstat(file.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) ::unlink(file.c_str());
    }
    ::closedir(dir);
  }
  ::rmdir(path.c_str());
}

}  // namespace

std::string CacheIdentity::FolderName() const {
  return "postgres-" + system + "-" + std::to_string(database) + "-" + timeline + "-" + schema;
}

Result<CacheIdentity> ReadCacheIdentity(Connection& conn) {
  // The timeline is the first 8 hex digits of the current WAL file's name (pg_walfile_name uses
  // the timeline WAL is being inserted on; pg_control_checkpoint's lags behind a promotion until
  // the next checkpoint).
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Query(
          "SELECT s.system_identifier::text, d.oid::bigint,"
          " substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8),"
          " substr(md5(current_schema()), 1, 8),"
          " (SELECT array_agg(oid::bigint) FROM pg_database)::text,"
          " (SELECT array_agg(substr(md5(nspname), 1, 8)) FROM pg_namespace)::text"
          " FROM pg_control_system() s, pg_database d WHERE d.datname = current_database()"));
  if (rows.size() != 1 || rows.Text(0, 0).empty() || rows.Text(0, 3).empty()) {
    return Status::FailedPrecondition("postgres: the server reports no identity for its database");
  }
  CacheIdentity id;
  id.system = rows.Text(0, 0);
  id.database = rows.Int(0, 1);
  id.timeline = rows.Text(0, 2);
  id.schema = rows.Text(0, 3);
  // Array literals of plain numbers and hex digits: "{1,5,16384}".
  auto items = [](std::string text) {
    std::vector<std::string> out;
    text.erase(
        std::remove_if(text.begin(), text.end(), [](char c) { return c == '{' || c == '}'; }),
        text.end());
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) out.push_back(item);
    return out;
  };
  for (const std::string& oid : items(rows.Text(0, 4))) id.databases.push_back(std::stoll(oid));
  id.schemas = items(rows.Text(0, 5));
  return id;
}

void PruneCacheFolders(const std::string& root, const CacheIdentity& current,
                       std::chrono::seconds max_idle) {
  ::utimensat(AT_FDCWD, (root + "/" + current.FolderName()).c_str(), nullptr, 0);
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> doomed;
  const std::time_t now = std::time(nullptr);
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    std::optional<CacheIdentity> id = ParseFolderName(name);
    if (!id || name == current.FolderName()) continue;
    struct stat st;
    const std::string path = root + "/" + name;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
      continue;
    }
    const bool idle = now - st.st_mtime > max_idle.count();
    const bool same_cluster = id->system == current.system;
    const bool dropped_database =
        same_cluster && std::find(current.databases.begin(), current.databases.end(),
                                  id->database) == current.databases.end();
    const bool same_database = same_cluster && id->database == current.database;
    const bool dropped_schema =
        same_database && std::find(current.schemas.begin(), current.schemas.end(), id->schema) ==
                             current.schemas.end();
    const bool earlier_timeline =
        same_database && id->schema == current.schema && id->timeline < current.timeline;
    if (idle || dropped_database || dropped_schema || earlier_timeline) doomed.push_back(path);
  }
  ::closedir(dir);
  for (const std::string& path : doomed) RemoveFolder(path);
}

}  // namespace engram::store::pg
