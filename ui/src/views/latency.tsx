// Search latency from the server's metrics (GET /metrics, admin keys only): the distribution of
// search request durations since the server started, with its median and 95th percentile.
import { plural } from "../lib/format";
import { bucketCounts, formatMs, parsePrometheus, quantile, routeHistogram } from "../lib/metrics";
import { BarChart } from "../components/charts";
import { ErrorBox, Loading, useLoad, useSession } from "../components/common";

const SEARCH_ROUTE = "/v1/owners/{owner}/memories/search";

export function LatencyView() {
  const { api, whoami } = useSession();
  const metrics = useLoad(() => api.get<string>("/metrics"), []);
  const h = metrics.data ? routeHistogram(parsePrometheus(metrics.data), SEARCH_ROUTE, "POST") : null;
  const p50 = h && quantile(h, 0.5);
  const p95 = h && quantile(h, 0.95);
  return (
    <section>
      <h1>Search latency</h1>
      {!whoami.admin && <p class="muted">The server's metrics are for admin keys.</p>}
      <ErrorBox error={metrics.error} />
      <Loading when={metrics.loading} />
      {h && (
        <>
          <p>
            {plural(h.count, "search", "searches")} since the server started
            {p50 !== null && p95 !== null && (
              <>
                ; median about <strong>{formatMs(p50)}</strong>, 95th percentile about <strong>{formatMs(p95)}</strong>
              </>
            )}
            .
          </p>
          <button type="button" onClick={metrics.reload}>
            Refresh
          </button>
          {h.count > 0 && (
            <BarChart
              title="Search requests by duration"
              keys={["latency"]}
              bars={bucketCounts(h).map((b) => ({ label: b.label, segments: [{ key: "latency", value: b.count }] }))}
            />
          )}
        </>
      )}
    </section>
  );
}
