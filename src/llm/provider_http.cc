#include "llm/provider_http.h"

#include <algorithm>

#include "llm/llm_text.h"
#include "util/json.h"

namespace engram::llm {
namespace {

using nlohmann::json;

constexpr size_t kMaxProviderMessageBytes = 300;

std::string Prefix(const net::HttpRequest& request) {
  return request.method + " " + net::DescribeUrl(request.url) + ": ";
}

std::string JsonText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '*' || c == '.';
}

}  // namespace

std::string ScrubSecrets(std::string text, std::string_view secret) {
  constexpr std::string_view kRedacted = "[redacted]";
  if (!secret.empty()) {
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
      text.replace(at, secret.size(), kRedacted);
    }
  }
  // Keys of OpenAI ("sk-", "sk-proj-") and Anthropic ("sk-ant-") start with "sk-"; providers
  // echo them, sometimes partly masked ("sk-proj-****abcd"), so the whole token goes.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const bool at_word_start = i == 0 || !IsKeyChar(text[i - 1]);
    if (at_word_start && text.compare(i, 3, "sk-") == 0) {
      size_t end = i;
      while (end < text.size() && IsKeyChar(text[end])) ++end;
      out += kRedacted;
      i = end;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string DescribeProviderError(std::string_view body, std::string_view secret) {
  const json reply = util::ParseJsonOr(json(), body);
  std::string type, message;
  if (reply.is_object()) {
    const auto error = reply.find("error");
    if (error != reply.end() && error->is_object()) {
      if (auto t = error->find("type"); t != error->end()) type = JsonText(*t);
      if (auto c = error->find("code"); type.empty() && c != error->end()) type = JsonText(*c);
      if (auto m = error->find("message"); m != error->end()) message = JsonText(*m);
    } else if (error != reply.end()) {
      message = JsonText(*error);
    }
    if (message.empty()) {
      if (auto m = reply.find("message"); m != reply.end()) message = JsonText(*m);
    }
    if (message.empty()) {
      if (auto d = reply.find("detail"); d != reply.end()) message = JsonText(*d);
    }
  }
  std::string out = type.empty() ? message : message.empty() ? type : type + ": " + message;
  return TruncateUtf8(ScrubSecrets(std::move(out), secret), kMaxProviderMessageBytes);
}

Status ProviderErrorStatus(const net::HttpRequest& request, const net::HttpResponse& response,
                           int attempts, std::string_view secret) {
  const Status base = net::HttpStatusToStatus(request, response.status, attempts);
  const std::string detail = DescribeProviderError(response.body, secret);
  if (detail.empty()) return base;
  const std::string message = base.message() + " (" + detail + ")";
  switch (base.code()) {
    case Status::Code::kPermissionDenied:
      return Status::PermissionDenied(message);
    case Status::Code::kUnavailable:
      return Status::Unavailable(message);
    default:
      // 413 is the one 4xx with a better code than InvalidArgument: the request is too large.
      if (response.status == 413) return Status::TooLarge(message);
      return Status::InvalidArgument(message);
  }
}

Result<json> PostJson(const net::HttpClient& http, const net::RetryPolicy& policy,
                      const net::HttpRequest& request, std::string_view secret) {
  int attempts = 0;
  Result<net::HttpResponse> result = http.SendRetrying(request, policy, &attempts);
  if (!result.ok()) {
    if (result.status().code() != Status::Code::kUnavailable) return result.status();
    return Status::Unavailable(ScrubSecrets(result.status().message(), secret));
  }
  const net::HttpResponse& response = *result;
  if (response.status < 200 || response.status >= 300) {
    return ProviderErrorStatus(request, response, attempts, secret);
  }
  json reply = util::ParseJsonOr(json(), response.body);
  if (!reply.is_object()) {
    return Status::Unavailable(Prefix(request) + "answer is not a JSON object");
  }
  return reply;
}

std::string JoinEndpoint(std::string base_url, std::string_view path) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  if (base_url.ends_with("/v1") && path.starts_with("/v1/")) path.remove_prefix(3);
  return base_url + std::string(path);
}

bool IsLoopbackUrl(const std::string& url) {
  const auto parts = net::ParseUrl(url);
  return parts && net::IsLoopbackHost(parts->host);
}

std::string StringOf(const nlohmann::json& object, const char* name) {
  const auto it = object.is_object() ? object.find(name) : object.end();
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t TokenCount(const nlohmann::json& usage, const char* field) {
  const auto it = usage.is_object() ? usage.find(field) : usage.end();
  return it != usage.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace engram::llm
