// Folders that hold copies of a store's data outside it (the saved vector indexes): only their
// owner may write them, so no other user of the machine can plant, replace or read a file there.
#pragma once

#include <string>
#include <string_view>

#include "engram/status.h"

namespace engram::util {

// Creates the folder and each missing parent with mode 0700 (an existing one is left as it is).
// IOError naming the folder when one cannot be created.
Status CreatePrivateFolders(const std::string& path);

// Checks that `path` is a private folder: a real folder (not a symbolic link), owned by this
// process's effective user, writable by neither its group nor others. With `create`, a missing
// folder (and each missing parent) is created with mode 0700; without, a missing folder is fine
// (whoever creates it later creates it 0700). On failure, one line naming `what` (e.g. "index
// cache folder"), the folder and the fix: `chmod 700 <path>` for a folder others may write,
// else `elsewhere` (e.g. "use --index-cache DIR|none"), which also ends the other lines.
// FailedPrecondition for an unsafe folder, IOError for one that cannot be created or examined.
Status EnsurePrivateFolder(const std::string& path, bool create, std::string_view what,
                           std::string_view elsewhere);

}  // namespace engram::util
