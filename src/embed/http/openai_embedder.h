// OpenAiEmbedder: an Embedder backed by an OpenAI-compatible embeddings API
// (POST {base_url}/embeddings): OpenAI itself, Ollama, vLLM, LM Studio, llama.cpp server, ...
//
// Request: {"model": M, "input": [texts...], "encoding_format": "float"} plus "dimensions" when
// configured, with "Authorization: Bearer KEY" only when a key is set. Inputs are split into
// batches (max_batch_texts texts and about max_batch_bytes of text per request), sent one after
// another with the retry policy of net::HttpClient, and reassembled in input order by each
// item's "index". Vectors are L2-normalised here, whatever the server returns.
//
// model_id() is "<provider>:<model>". The provider is "openai" for https://api.openai.com and
// otherwise the base URL's host[:port] (e.g. "127.0.0.1:11434:nomic-embed-text"), because the
// same model name on two servers may be different weights or quantisations. Set
// `provider` (ENGRAM_EMBED_PROVIDER) to keep ids stable when a server moves.
//
// Errors: the HTTP client's (Unavailable, PermissionDenied, InvalidArgument, TooLarge); a
// response that is not the documented shape (not JSON, missing fields, wrong count, bad
// index, non-numeric or zero vector) is Unavailable: the provider gave no usable answer, and
// Corruption is reserved for stored data. Vectors of a different length than configured or
// first seen are FailedPrecondition: the model behind the URL is not the one the store holds.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engram/embedder.h"
#include "engram/status.h"
#include "net/http_client.h"

namespace engram::embed {

struct OpenAiEmbedderConfig {
  std::string base_url = "https://api.openai.com/v1";  // a trailing slash is fine
  std::string model = "text-embedding-3-small";
  std::string api_key;  // empty: no Authorization header (e.g. a local Ollama)
  // > 0: sent as "dimensions" and required of every vector. 0: not sent, learned from the first
  // response and then required.
  int dimensions = 0;
  std::string provider;  // model_id() prefix; empty: derived from base_url (see above)
  size_t max_batch_texts = 128;
  // Texts of one request add up to at most this many bytes, unless a single text is larger
  // (it then goes alone). Keeps requests under providers' per-request token limits.
  size_t max_batch_bytes = size_t{256} << 10;
  net::HttpOptions http;
  net::RetryPolicy retry;
};

class OpenAiEmbedder : public Embedder {
 public:
  // InvalidArgument for an unusable config: a base URL that is not http(s), plain http:// to a
  // non-loopback host without http.allow_insecure_http, an empty model, zero batch limits, or
  // negative dimensions. Makes no request.
  static Result<std::unique_ptr<OpenAiEmbedder>> Create(OpenAiEmbedderConfig config);

  // Config from the environment:
  //   ENGRAM_EMBED_BASE_URL, else OPENAI_BASE_URL, else https://api.openai.com/v1
  //   ENGRAM_EMBED_MODEL (default text-embedding-3-small)
  //   ENGRAM_EMBED_API_KEY, else OPENAI_API_KEY (optional)
  //   ENGRAM_EMBED_DIM (optional positive integer)
  //   ENGRAM_EMBED_PROVIDER (optional model_id prefix)
  //   ENGRAM_EMBED_ALLOW_INSECURE_HTTP=1 (optional: plain http to a non-loopback host)
  // InvalidArgument naming the variable when one does not parse (never showing a key).
  static Result<OpenAiEmbedderConfig> ConfigFromEnvironment();
  static Result<std::unique_ptr<OpenAiEmbedder>> FromEnvironment();

  std::string model_id() const override { return model_id_; }
  // The configured dimension, or the one learned from the first response; 0 until then.
  int dimension() const override { return dimension_.load(std::memory_order_acquire); }
  // Empty `texts` makes no request. Thread-safe.
  Status Embed(std::span<const std::string> texts, std::vector<std::vector<float>>* out) override;

  // Makes dimension() known: embeds one short text when it is not yet; OK at once otherwise.
  Status Probe();

  // The URL requests go to: base_url + "/embeddings".
  const std::string& endpoint() const { return endpoint_; }

 private:
  OpenAiEmbedder(OpenAiEmbedderConfig config, std::string endpoint, std::string model_id);

  // One request for `texts`, appending their vectors to `out` in order.
  Status EmbedBatch(std::span<const std::string> texts, std::vector<std::vector<float>>* out);
  // Checks a vector's length against the known dimension, learning it on first sight.
  Status CheckDimension(size_t size);

  const OpenAiEmbedderConfig config_;
  const std::string endpoint_;
  const std::string model_id_;
  std::atomic<int> dimension_;
  net::HttpClient http_;
};

}  // namespace engram::embed
