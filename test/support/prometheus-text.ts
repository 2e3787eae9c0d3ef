/**
 * A small strict parser of the Prometheus text exposition format (0.0.4): `# HELP`, `# TYPE`,
 * and samples `name{label="value",…} number`. Anything else throws, so a malformed scrape fails
 * the test instead of being half read.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
    if (!m) throw new Error(`bad label in: ${line}`);
    i += m[0].length;
    let value = '';
    for (;;) {
      if (i >= text.length) throw new Error(`unterminated label value in: ${line}`);
      const c = text[i++];
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i++];
        value += e === 'n' ? '\n' : e;
      } else value += c;
    }
    if (m[1] in labels) throw new Error(`repeated label ${m[1]} in: ${line}`);
    labels[m[1]] = value;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`expected , in: ${line}`);
  }
  return labels;
}

const parseValue = (v: string, line: string): number => {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  const n = Number(v);
  if (!/^-?[0-9.e+E-]+$/.test(v) || Number.isNaN(n)) throw new Error(`bad value in: ${line}`);
  return n;
};

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (sample: string): Family | undefined => {
    for (const suffix of ['', '_bucket', '_sum', '_count']) {
      if (suffix && !sample.endsWith(suffix)) continue;
      const f = families.get(sample.slice(0, sample.length - suffix.length));
      if (f) return f;
    }
    return undefined;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const [name, ...help] = line.slice(7).split(' ');
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      if (families.has(name)) throw new Error(`repeated HELP for ${name}`);
      families.set(name, { name, help: help.join(' '), type: 'untyped', samples: [] });
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      const f = families.get(name);
      if (!f || !TYPES.has(type)) throw new Error(`TYPE without HELP or unknown type: ${line}`);
      f.type = type;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const f = familyOf(m[1]);
    if (!f) throw new Error(`sample of an undeclared metric: ${line}`);
    f.samples.push({
      name: m[1],
      labels: parseLabels(m[3] ?? '', line),
      value: parseValue(m[4], line),
    });
  }
  return families;
}

/** The value of the sample with exactly these labels (among others), or undefined. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
  sampleName = name,
): number | undefined {
  return families
    .get(name)
    ?.samples.find(
      (s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    )?.value;
}
