// The HTTP exchange both provider clients share: POST a JSON body, retry what is worth retrying,
// and turn a provider's error reply into a precise Status.
//
// The retries are net::HttpClient::SendRetrying's (net::RetryPolicy: attempts, exponential
// backoff with jitter, Retry-After / retry-after-ms capped by max_retry_after, injectable sleep),
// which hands back the final error response: its body is where providers say what was wrong
// ("model: X not found", "prompt is too long"). Status codes are net::HttpStatusToStatus's, with
// the provider's error type and message added.
//
// Contracts:
//   - Retries connection failures and timeouts, 408, 429 and 5xx (Anthropic's 529 "overloaded"
//     included); never 4xx otherwise.
//   - Error messages: "POST host/path: HTTP 404 (not_found_error: model: x not found)". The
//     provider's part is cut to 300 bytes and every occurrence of `secret` (the API key) and of
//     any token that looks like an API key ("sk-...") is replaced by "[redacted]": OpenAI echoes
//     keys in 401 messages.
//   - A 2xx body that is not a JSON object is Unavailable ("... answer is not a JSON object"):
//     the provider gave no usable answer.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engram/status.h"
#include "net/http_client.h"

namespace engram::llm {

// Sends `request` (a POST with a JSON body) under `policy`; the parsed body of the first 2xx
// response, or the Status described above.
Result<nlohmann::json> PostJson(const net::HttpClient& http, const net::RetryPolicy& policy,
                                const net::HttpRequest& request, std::string_view secret);

// The Status for a final non-2xx `response` after `attempts` attempts: the code
// net::HttpStatusToStatus gives, the message extended with DescribeProviderError(body).
Status ProviderErrorStatus(const net::HttpRequest& request, const net::HttpResponse& response,
                           int attempts, std::string_view secret);

// "type: message" from the error shapes providers use: Anthropic
// {"type":"error","error":{"type","message"}}, OpenAI {"error":{"message","type","code"}}, and
// the looser {"error":"text"}, {"message":...}, {"detail":...} of compatible servers. Scrubbed
// and cut as above; "" when the body says nothing usable.
std::string DescribeProviderError(std::string_view body, std::string_view secret);

// `text` with `secret` (when non-empty) and API-key-like tokens replaced by "[redacted]".
std::string ScrubSecrets(std::string text, std::string_view secret);

// The base URL without trailing slashes, plus `path` ("/v1/messages"). A base that already ends
// in "/v1" does not get a second one, so both "https://api.openai.com" and the SDKs' customary
// "https://api.openai.com/v1" work.
std::string JoinEndpoint(std::string base_url, std::string_view path);

// True when `url` parses and its host is loopback (the only place a key may be absent).
bool IsLoopbackUrl(const std::string& url);

// Readers of answer bodies that tolerate a missing or mistyped member.
// The string member `name` of `object`, or "" (also when it is missing or not a string).
std::string StringOf(const nlohmann::json& object, const char* name);
// The integer member `field` of a usage object, or 0.
int64_t TokenCount(const nlohmann::json& usage, const char* field);

}  // namespace engram::llm
