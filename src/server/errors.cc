#include "server/errors.h"

namespace engram::server {

int HttpStatusFor(const Status& status) {
  using Code = Status::Code;
  switch (status.code()) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 422;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kFailedPrecondition:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kPermissionDenied:
      return 403;
    case Code::kUnavailable:
      // A busy store or an unreachable embedding server: retryable, so 503 with Retry-After.
      return 503;
    case Code::kIOError:
    case Code::kCorruption:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

nlohmann::json ErrorBody(std::string_view code, std::string_view message) {
  return nlohmann::json{{"error", {{"code", code}, {"message", message}}}};
}

nlohmann::json ErrorBody(const Status& status) {
  return ErrorBody(Status::CodeName(status.code()), status.message());
}

}  // namespace engram::server
