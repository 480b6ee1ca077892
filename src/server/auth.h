// API keys and what each may do.
//
// A key is bound to one or more owners or is an admin key. Keys come from a JSON object that
// maps each key to its binding, read from a file (--keys) and/or the ENGRAM_API_KEYS environment
// variable (for containers):
//
//   {"k-alice-7f3c9a1e2b4d": {"owners": ["alice"]},
//    "k-ops-0a9b8c7d6e5f":   {"admin": true}}
//
// A client presents its key as "Authorization: Bearer KEY" (or "Token KEY", as Mem0's client
// does) or "X-API-Key: KEY". Lookups compare against every key in constant time, so response
// timing reveals neither a key nor how much of one matched. Keys never appear in logs or errors:
// a principal is named by its position in the key set ("key#2").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::server {

// Who is calling, once a key was accepted.
struct Principal {
  std::string name;  // "key#N" (1-based position in the key set), or "anonymous"
  bool admin = false;
  std::vector<std::string> owners;

  // True when this principal may read and change the data of `owner`.
  bool CanActFor(std::string_view owner) const;
  // The single owner a non-admin key is bound to; empty when it has several or is admin.
  std::string SoleOwner() const;
};

// The principal of a server started with --insecure-no-auth: acts for every owner, admin routes
// included (the server only allows this on loopback).
Principal AnonymousPrincipal();

class KeySet {
 public:
  // Parses the JSON object described above. InvalidArgument names the bad entry by position,
  // never by the key itself: a key shorter than 16 characters or with characters outside
  // printable ASCII, an entry that is neither {"owners": [non-empty strings]} nor
  // {"admin": true}, or an unknown field.
  static Result<KeySet> Parse(std::string_view json, std::string_view origin);
  // Reads a keys file (NotFound when missing).
  static Result<KeySet> LoadFile(const std::string& path);
  // Adds the keys of `other`; InvalidArgument when a key is in both.
  Status Merge(KeySet other);

  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

  // The principal of `key`, or nullopt when it is not a configured key. Time depends only on
  // the number of keys and the longest key, not on where (or whether) `key` matches.
  std::optional<Principal> Authenticate(std::string_view key) const;

 private:
  struct Entry {
    std::string key;
    Principal principal;
  };
  std::vector<Entry> keys_;
};

// The key a request presents, from the values of its Authorization and X-API-Key headers
// (empty strings when absent). Empty when it presents none.
std::string PresentedKey(std::string_view authorization, std::string_view x_api_key);

// Compares two strings in time that depends only on their lengths' maximum.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace engram::server
