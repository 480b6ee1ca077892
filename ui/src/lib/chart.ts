// Geometry for the page's small SVG charts: round axis ticks and stacked bars.

// Whole-number ticks (the charts count things) from 0 up to the first at or above `max`, spaced
// by 1, 2 or 5 times a power of ten so that there are about `count` steps.
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
  const ticks = [0];
  while (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

export interface Segment {
  key: string;
  value: number;
}

export interface StackedBar {
  label: string;
  total: number;
  // Each segment with its y range in data units (y0 below y1), in the order given.
  segments: (Segment & { y0: number; y1: number })[];
}

export function stack(bars: { label: string; segments: Segment[] }[]): StackedBar[] {
  return bars.map((b) => {
    let y = 0;
    const segments = b.segments
      .filter((s) => s.value > 0)
      .map((s) => {
        const seg = { ...s, y0: y, y1: y + s.value };
        y += s.value;
        return seg;
      });
    return { label: b.label, total: y, segments };
  });
}
