#include "util/private_folder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace engram::util {

Status CreatePrivateFolders(const std::string& path) {
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    const std::string part = path.substr(0, end);
    if (!part.empty() && ::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IOError("cannot create folder " + part + ": " + std::strerror(errno));
    }
    if (end == std::string::npos) return Status::Ok();
  }
}

Status EnsurePrivateFolder(const std::string& path, bool create, std::string_view what,
                           std::string_view elsewhere) {
  const std::string name = std::string(what) + " " + path;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Status::IOError("cannot examine the " + name + ": " + std::strerror(errno) + "; " +
                             std::string(elsewhere));
    }
    if (!create) return Status::Ok();
    if (Status made = CreatePrivateFolders(path); !made.ok()) {
      return Status::IOError("the " + name + " cannot be made: " + made.message() + "; " +
                             std::string(elsewhere));
    }
    if (::lstat(path.c_str(), &st) != 0) {
      return Status::IOError("cannot examine the " + name + ": " + std::strerror(errno) + "; " +
                             std::string(elsewhere));
    }
  }
  if (S_ISLNK(st.st_mode)) {
    return Status::FailedPrecondition("the " + name + " is a symbolic link, which another user " +
                                      "could redirect; " + std::string(elsewhere));
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::FailedPrecondition("the " + name + " is not a folder; " +
                                      std::string(elsewhere));
  }
  if (st.st_uid != ::geteuid()) {
    return Status::FailedPrecondition("the " + name + " belongs to another user (uid " +
                                      std::to_string(st.st_uid) + "); " + std::string(elsewhere));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return Status::FailedPrecondition("the " + name +
                                      " is writable by other users: run `chmod 700 " + path +
                                      "`, or " + std::string(elsewhere));
  }
  return Status::Ok();
}

}  // namespace engram::util
