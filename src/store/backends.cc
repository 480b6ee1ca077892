// The storage backends built into engram: one line each. A new backend adds its line here, its
// folder under src/store/ (with its opener) and its sources in src/store/CMakeLists.txt.
#include "store/factory.h"
#include "store/postgres/postgres_store.h"
#include "store/redis/redis_store.h"
#include "store/sqlite/sqlite_store.h"

namespace engram::store {

std::span<const BackendRegistration> RegisteredBackends() {
  static constexpr BackendRegistration kBackends[] = {
      {"sqlite", &OpenSqliteUrl}, {"postgres", &OpenPostgresUrl}, {"postgresql", &OpenPostgresUrl},
      {"redis", &OpenRedisUrl},   {"rediss", &OpenRedisUrl},
  };
  return kBackends;
}

}  // namespace engram::store
