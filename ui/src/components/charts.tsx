// Plain SVG charts (no chart library: two chart shapes are all the page needs). Each chart has a
// text equivalent: a title per bar and a table a screen reader (or anyone) can open.
import { niceTicks, stack, type Segment } from "../lib/chart";

const W = 640;
const H = 220;
const PAD = { left: 40, right: 12, top: 12, bottom: 60 };

export interface BarInput {
  label: string;
  segments: Segment[];
}

// Stacked bars; segment keys name a CSS class (series-<key>) that colours them.
export function BarChart({
  title,
  bars,
  keys,
  labelEvery = 1,
}: {
  title: string;
  bars: BarInput[];
  keys: string[];
  labelEvery?: number;
}) {
  const stacked = stack(bars);
  const max = Math.max(0, ...stacked.map((b) => b.total));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1];
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(bars.length, 1);
  const barW = Math.max(2, slot * 0.7);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  // Labels wider than their slot are slanted so that they do not overlap.
  const slant = slot * labelEvery < 56;
  const used = keys.filter((k) => bars.some((b) => b.segments.some((s) => s.key === k && s.value > 0)));
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} preserveAspectRatio="xMidYMid meet">
        {ticks.map((t) => (
          <g key={t} class="tick">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end">
              {t}
            </text>
          </g>
        ))}
        {stacked.map((b, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          return (
            <g key={b.label}>
              {b.segments.map((s) => (
                <rect
                  key={s.key}
                  class={`series-${s.key}`}
                  x={x}
                  width={barW}
                  y={y(s.y1)}
                  height={Math.max(0, y(s.y0) - y(s.y1))}
                >
                  <title>{`${b.label}: ${s.value} ${s.key}`}</title>
                </rect>
              ))}
              {i % labelEvery === 0 && (
                <text
                  class="axis-label"
                  x={x + barW / 2}
                  y={H - PAD.bottom + 16}
                  text-anchor={slant ? "end" : "middle"}
                  transform={slant ? `rotate(-35 ${x + barW / 2} ${H - PAD.bottom + 16})` : undefined}
                >
                  {b.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {used.length > 1 && (
        <ul class="legend" aria-label="legend">
          {used.map((k) => (
            <li key={k}>
              <span class={`swatch series-${k}`} aria-hidden="true" />
              {k}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>Show as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col"> </th>
              {used.map((k) => (
                <th scope="col" key={k}>
                  {k}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {bars.map((b) => (
              <tr key={b.label}>
                <th scope="row">{b.label}</th>
                {used.map((k) => (
                  <td key={k}>{b.segments.find((s) => s.key === k)?.value ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
