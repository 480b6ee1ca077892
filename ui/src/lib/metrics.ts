// Reading the server's Prometheus text (GET /metrics, admin keys) for the search latency plot.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// Parses the text exposition format: comment lines are skipped, label values unescaped.
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      for (let l = re.exec(m[3]); l; l = re.exec(m[3])) {
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      }
    }
    const value = m[4] === "+Inf" ? Infinity : m[4] === "-Inf" ? -Infinity : Number(m[4]);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

export interface Histogram {
  // Cumulative counts by upper bound (seconds), ascending; the last bound is Infinity.
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

// The request duration histogram of one route and method, summed over every status.
export function routeHistogram(samples: Sample[], route: string, method: string): Histogram {
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  for (const s of samples) {
    if (s.labels.route !== route || s.labels.method !== method) continue;
    if (s.name === "engram_http_request_duration_seconds_bucket") {
      const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
      byLe.set(le, (byLe.get(le) ?? 0) + s.value);
    } else if (s.name === "engram_http_request_duration_seconds_count") {
      count += s.value;
    } else if (s.name === "engram_http_request_duration_seconds_sum") {
      sum += s.value;
    }
  }
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, c]) => ({ le, count: c }));
  return { buckets, count, sum };
}

// The q-quantile (0..1) estimated as Prometheus' histogram_quantile does: linear within the
// bucket that holds it. null without observations; the highest finite bound when it falls in
// the open bucket.
export function quantile(h: Histogram, q: number): number | null {
  if (h.count === 0 || h.buckets.length === 0) return null;
  const rank = q * h.count;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket === 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le === Infinity ? prevLe : b.le;
    prevCount = b.count;
  }
  return prevLe;
}

// Requests per bucket (not cumulative), labelled by the bucket's range in milliseconds.
export function bucketCounts(h: Histogram): { label: string; count: number }[] {
  let prev = 0;
  let prevLe = 0;
  return h.buckets.map((b) => {
    const label = b.le === Infinity ? `> ${formatMs(prevLe)}` : `≤ ${formatMs(b.le)}`;
    const count = b.count - prev;
    prev = b.count;
    if (b.le !== Infinity) prevLe = b.le;
    return { label, count };
  });
}

export function formatMs(seconds: number): string {
  const ms = seconds * 1000;
  return ms < 1 ? `${ms.toFixed(1)} ms` : ms < 1000 ? `${Math.round(ms * 10) / 10} ms` : `${ms / 1000} s`;
}
