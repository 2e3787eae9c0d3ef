const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A small server-rendered bar chart (no script): one bar per point, the value above it, the
 * label below. `role="img"` with a title and a description listing every value for screen readers.
 */
export function barChartSvg(title: string, points: { label: string; value: number }[]): string {
  const w = 640;
  const h = 220;
  const pad = { top: 24, bottom: 40, side: 8 };
  const max = Math.max(1, ...points.map((p) => p.value));
  const slot = (w - pad.side * 2) / Math.max(1, points.length);
  const barW = Math.max(4, slot * 0.6);
  const inner = h - pad.top - pad.bottom;
  const desc = points.map((p) => `${p.label}: ${p.value}`).join('; ');
  const bars = points
    .map((p, i) => {
      const bh = Math.round((p.value / max) * inner);
      const x = pad.side + i * slot + (slot - barW) / 2;
      const y = pad.top + inner - bh;
      const cx = x + barW / 2;
      return (
        `<rect x="${x.toFixed(1)}" y="${y}" width="${barW.toFixed(1)}" height="${Math.max(bh, 1)}" fill="#0b57d0"/>` +
        `<text x="${cx.toFixed(1)}" y="${y - 4}" font-size="13" text-anchor="middle">${p.value}</text>` +
        `<text x="${cx.toFixed(1)}" y="${h - pad.bottom + 16}" font-size="13" text-anchor="middle">${esc(p.label)}</text>`
      );
    })
    .join('');
  // In a scrolling wrapper: on a phone the chart keeps a legible size (CSS min-width) and the
  // wrapper, not the page, scrolls sideways.
  return (
    `<div class="chart-wrap" tabindex="0" role="group" aria-label="${esc(title)}">` +
    `<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" role="img" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${esc(title)}</title><desc>${esc(desc)}</desc>` +
    `<line x1="${pad.side}" y1="${pad.top + inner}" x2="${w - pad.side}" y2="${pad.top + inner}" stroke="#8a94a0"/>` +
    bars +
    `</svg></div>`
  );
}

/** Horizontal bars as data for the `.bars` list (CSS widths, readable without colour). */
export function horizontalBars(
  items: { label: string; value: number; kind: 'send' | 'defer' | 'skip' }[],
): { label: string; value: number; kind: string; width: string }[] {
  const max = Math.max(1, ...items.map((i) => i.value));
  return items.map((i) => ({ ...i, width: `${Math.round((i.value / max) * 100)}%` }));
}
