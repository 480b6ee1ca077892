#include "embed/http/openai_embedder.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <utility>

#include "util/env.h"
#include "util/json.h"
#include "util/utf8.h"

namespace engram::embed {
namespace {

using nlohmann::json;

// The variable's value, or "" when unset or empty (an empty variable means "not configured").
std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string FirstEnv(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (std::string value = Env(name); !value.empty()) return value;
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<OpenAiEmbedder>> OpenAiEmbedder::Create(OpenAiEmbedderConfig config) {
  while (!config.base_url.empty() && config.base_url.back() == '/') config.base_url.pop_back();
  const Status url_ok = net::CheckUrl(config.base_url, config.http);
  if (!url_ok.ok()) return Status::InvalidArgument("embedder base URL: " + url_ok.message());
  if (config.model.empty() || !util::IsValidUtf8(config.model)) {
    return Status::InvalidArgument("embedder model name is empty or not valid UTF-8");
  }
  if (config.max_batch_texts == 0 || config.max_batch_bytes == 0) {
    return Status::InvalidArgument("embedder batch limits must be positive");
  }
  if (config.dimensions < 0) {
    return Status::InvalidArgument("embedder dimensions must be positive (or 0 to learn them)");
  }
  std::string provider = config.provider;
  if (provider.empty()) {
    const net::UrlParts url = *net::ParseUrl(config.base_url);
    std::string host = url.host;
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    provider =
        host == "api.openai.com" ? "openai" : host + (url.port.empty() ? "" : ":" + url.port);
  }
  std::string endpoint = config.base_url + "/embeddings";
  std::string model_id = provider + ":" + config.model;
  return std::unique_ptr<OpenAiEmbedder>(
      new OpenAiEmbedder(std::move(config), std::move(endpoint), std::move(model_id)));
}

Result<OpenAiEmbedderConfig> OpenAiEmbedder::ConfigFromEnvironment() {
  OpenAiEmbedderConfig config;
  if (std::string url = FirstEnv({"ENGRAM_EMBED_BASE_URL", "OPENAI_BASE_URL"}); !url.empty()) {
    config.base_url = std::move(url);
  }
  if (std::string model = Env("ENGRAM_EMBED_MODEL"); !model.empty()) config.model = model;
  config.api_key = FirstEnv({"ENGRAM_EMBED_API_KEY", "OPENAI_API_KEY"});
  config.provider = Env("ENGRAM_EMBED_PROVIDER");
  ENGRAM_RETURN_IF_ERROR(
      util::ParsePositiveInt("ENGRAM_EMBED_DIM", Env("ENGRAM_EMBED_DIM"), &config.dimensions));
  if (const std::string allow = Env("ENGRAM_EMBED_ALLOW_INSECURE_HTTP"); !allow.empty()) {
    if (allow != "0" && allow != "1") {
      return Status::InvalidArgument("ENGRAM_EMBED_ALLOW_INSECURE_HTTP must be 0 or 1");
    }
    config.http.allow_insecure_http = allow == "1";
  }
  return config;
}

Result<std::unique_ptr<OpenAiEmbedder>> OpenAiEmbedder::FromEnvironment() {
  ENGRAM_ASSIGN_OR_RETURN(OpenAiEmbedderConfig config, ConfigFromEnvironment());
  return Create(std::move(config));
}

OpenAiEmbedder::OpenAiEmbedder(OpenAiEmbedderConfig config, std::string endpoint,
                               std::string model_id)
    : config_(std::move(config)),
      endpoint_(std::move(endpoint)),
      model_id_(std::move(model_id)),
      dimension_(config_.dimensions),
      http_(config_.http) {}

Status OpenAiEmbedder::Embed(std::span<const std::string> texts,
                             std::vector<std::vector<float>>* out) {
  // Checked up front so that a bad text late in the input costs no request.
  for (size_t i = 0; i < texts.size(); ++i) {
    if (!util::IsValidUtf8(texts[i])) {
      return Status::InvalidArgument("text " + std::to_string(i) + " is not valid UTF-8");
    }
  }
  std::vector<std::vector<float>> vectors;
  vectors.reserve(texts.size());
  size_t begin = 0;
  while (begin < texts.size()) {
    size_t end = begin, bytes = 0;
    while (end < texts.size() && end - begin < config_.max_batch_texts &&
           (end == begin || bytes + texts[end].size() <= config_.max_batch_bytes)) {
      bytes += texts[end].size();
      ++end;
    }
    ENGRAM_RETURN_IF_ERROR(EmbedBatch(texts.subspan(begin, end - begin), &vectors));
    begin = end;
  }
  *out = std::move(vectors);
  return Status::Ok();
}

Status OpenAiEmbedder::Probe() {
  if (dimension() > 0) return Status::Ok();
  const std::string probe[] = {"dimension probe"};
  std::vector<std::vector<float>> ignored;
  return Embed(probe, &ignored);
}

Status OpenAiEmbedder::CheckDimension(size_t size) {
  if (size == 0 || size > INT_MAX) {
    return Status::Unavailable("embeddings from " + net::DescribeUrl(endpoint_) +
                               ": vector of length " + std::to_string(size));
  }
  int expected = 0;
  // The first vector ever seen fixes the dimension for the life of the embedder.
  if (dimension_.compare_exchange_strong(expected, static_cast<int>(size),
                                         std::memory_order_acq_rel)) {
    return Status::Ok();
  }
  if (static_cast<size_t>(expected) != size) {
    return Status::FailedPrecondition("embeddings from " + net::DescribeUrl(endpoint_) + " have " +
                                      std::to_string(size) + " dimensions, expected " +
                                      std::to_string(expected) + " (model " + model_id_ + ")");
  }
  return Status::Ok();
}

Status OpenAiEmbedder::EmbedBatch(std::span<const std::string> texts,
                                  std::vector<std::vector<float>>* out) {
  json input = json::array();
  for (const std::string& text : texts) input.push_back(text);
  json body = {{"model", config_.model}, {"input", std::move(input)}, {"encoding_format", "float"}};
  if (config_.dimensions > 0) body["dimensions"] = config_.dimensions;

  net::HttpRequest request;
  request.method = "POST";
  request.url = endpoint_;
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (!config_.api_key.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  }
  // Inputs are valid UTF-8 (Embed checks), so replacing never happens; it only rules out throws.
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  ENGRAM_ASSIGN_OR_RETURN(net::HttpResponse response, http_.SendWithRetry(request, config_.retry));

  const std::string where = "embeddings from " + net::DescribeUrl(endpoint_) + ": ";
  const json reply = util::ParseJsonOr(json::value_t::discarded, response.body);
  if (reply.is_discarded()) return Status::Unavailable(where + "response is not valid JSON");
  const auto data = reply.is_object() ? reply.find("data") : reply.end();
  if (data == reply.end() || !data->is_array()) {
    return Status::Unavailable(where + "response has no \"data\" array");
  }
  if (data->size() != texts.size()) {
    return Status::Unavailable(where + "got " + std::to_string(data->size()) + " embeddings for " +
                               std::to_string(texts.size()) + " inputs");
  }

  std::vector<std::vector<float>> vectors(texts.size());
  for (size_t k = 0; k < data->size(); ++k) {
    const json& item = (*data)[k];
    const std::string item_name = "data[" + std::to_string(k) + "]";
    const auto index = item.is_object() ? item.find("index") : item.end();
    if (index == item.end() || !index->is_number_integer()) {
      return Status::Unavailable(where + item_name + " has no integer \"index\"");
    }
    const int64_t i = index->get<int64_t>();
    if (i < 0 || static_cast<size_t>(i) >= texts.size() || !vectors[i].empty()) {
      return Status::Unavailable(where + item_name + " has an out-of-range or repeated index " +
                                 std::to_string(i));
    }
    const auto embedding = item.find("embedding");
    if (embedding == item.end() || !embedding->is_array()) {
      return Status::Unavailable(where + item_name + " has no \"embedding\" array of floats");
    }
    ENGRAM_RETURN_IF_ERROR(CheckDimension(embedding->size()));
    double norm2 = 0;
    for (const json& x : *embedding) {
      if (!x.is_number()) {
        return Status::Unavailable(where + item_name + " has a non-numeric embedding value");
      }
      norm2 += x.get<double>() * x.get<double>();
    }
    const double norm = std::sqrt(norm2);
    if (!std::isfinite(norm) || norm == 0) {
      return Status::Unavailable(where + item_name + " is a zero or non-finite vector");
    }
    // Normalised in double precision: a float could overflow before the division.
    vectors[i].reserve(embedding->size());
    for (const json& x : *embedding)
      vectors[i].push_back(static_cast<float>(x.get<double>() / norm));
  }
  for (auto& v : vectors) out->push_back(std::move(v));
  return Status::Ok();
}

}  // namespace engram::embed
