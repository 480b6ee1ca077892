import { describe, expect, it } from "vitest";
import { bucketCounts, formatMs, parsePrometheus, quantile, routeHistogram } from "../src/lib/metrics";

const SEARCH = "/v1/owners/{owner}/memories/search";
// The shape engram's /metrics serves (server/metrics.cc), two statuses of one route.
const TEXT = `# HELP engram_http_request_duration_seconds Request latency
# TYPE engram_http_request_duration_seconds histogram
engram_http_request_duration_seconds_bucket{method="POST",route="${SEARCH}",status="200",le="0.001"} 2
engram_http_request_duration_seconds_bucket{method="POST",route="${SEARCH}",status="200",le="0.01"} 6
engram_http_request_duration_seconds_bucket{method="POST",route="${SEARCH}",status="200",le="+Inf"} 8
engram_http_request_duration_seconds_sum{method="POST",route="${SEARCH}",status="200"} 0.09
engram_http_request_duration_seconds_count{method="POST",route="${SEARCH}",status="200"} 8
engram_http_request_duration_seconds_bucket{method="POST",route="${SEARCH}",status="422",le="0.001"} 2
engram_http_request_duration_seconds_bucket{method="POST",route="${SEARCH}",status="422",le="0.01"} 2
engram_http_request_duration_seconds_bucket{method="POST",route="${SEARCH}",status="422",le="+Inf"} 2
engram_http_request_duration_seconds_sum{method="POST",route="${SEARCH}",status="422"} 0.001
engram_http_request_duration_seconds_count{method="POST",route="${SEARCH}",status="422"} 2
engram_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 50
engram_memories{type="fact"} 3
`;

describe("parsePrometheus", () => {
  it("reads names, labels and values, skipping comments", () => {
    const s = parsePrometheus(TEXT);
    expect(s).toHaveLength(12);
    expect(s[0]).toEqual({
      name: "engram_http_request_duration_seconds_bucket",
      labels: { method: "POST", route: SEARCH, status: "200", le: "0.001" },
      value: 2,
    });
    expect(s[s.length - 1]).toEqual({ name: "engram_memories", labels: { type: "fact" }, value: 3 });
  });

  it("unescapes label values", () => {
    const [s] = parsePrometheus('x{a="q\\"uote\\\\ and\\nline"} +Inf');
    expect(s.labels.a).toBe('q"uote\\ and\nline');
    expect(s.value).toBe(Infinity);
  });
});

describe("search latency", () => {
  const h = routeHistogram(parsePrometheus(TEXT), SEARCH, "POST");

  it("sums one route's histogram over statuses", () => {
    expect(h.count).toBe(10);
    expect(h.sum).toBeCloseTo(0.091);
    expect(h.buckets).toEqual([
      { le: 0.001, count: 4 },
      { le: 0.01, count: 8 },
      { le: Infinity, count: 10 },
    ]);
  });

  it("estimates quantiles like histogram_quantile", () => {
    expect(quantile(h, 0.2)).toBeCloseTo(0.0005); // rank 2 of 4 in [0, 1 ms]
    expect(quantile(h, 0.6)).toBeCloseTo(0.001 + 0.009 * 0.5); // rank 6: half-way into (1, 10] ms
    expect(quantile(h, 0.95)).toBe(0.01); // in the open bucket: its lower bound
    expect(quantile({ buckets: [], count: 0, sum: 0 }, 0.5)).toBeNull();
  });

  it("counts per bucket with readable labels", () => {
    expect(bucketCounts(h)).toEqual([
      { label: "≤ 1 ms", count: 4 },
      { label: "≤ 10 ms", count: 4 },
      { label: "> 10 ms", count: 2 },
    ]);
    expect(formatMs(0.0005)).toBe("0.5 ms");
    expect(formatMs(2.5)).toBe("2.5 s");
  });
});
