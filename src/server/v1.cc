#include "server/v1.h"

#include "server/v1_routes.h"

namespace engram::server {

void RegisterV1Routes(Router& router, Engine& engine, SearchMode default_mode) {
  v1::AddMemoryRoutes(router, engine);
  v1::AddSearchRoutes(router, engine, default_mode);
  v1::AddSessionRoutes(router, engine);
  v1::AddBlockRoutes(router, engine);
  v1::AddGraphRoutes(router, engine);
  v1::AddGraphModelRoutes(router, engine);
  v1::AddOverviewRoutes(router, engine);
  v1::AddCheckpointRoutes(router, engine);
  v1::AddAdminRoutes(router, engine);
  v1::AddPortableRoutes(router, engine);
}

}  // namespace engram::server
