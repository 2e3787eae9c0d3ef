import { defaultTreeAdapter, html as parse5Html, parseFragment, serialize } from 'parse5';
import type { DefaultTreeAdapterTypes } from 'parse5';

type ChildNode = DefaultTreeAdapterTypes.ChildNode;
type ParentNode = DefaultTreeAdapterTypes.ParentNode;
type Element = DefaultTreeAdapterTypes.Element;

/**
 * Elements kept as they are. Everything else is either dropped with its content (DROP) or
 * unwrapped (its children kept). Raw-text and RCDATA elements (`<style>`, `<textarea>`, `<xmp>`,
 * `<plaintext>`, `<noscript>` …) are never written back, so nothing in the output can make a
 * browser or mail client read the footer after it as text or hide it.
 */
const KEEP = new Set([
  'a', 'abbr', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br',
  'caption', 'center', 'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'dfn', 'div', 'dl', 'dt',
  'em', 'figcaption', 'figure', 'font', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header',
  'hr', 'i', 'img', 'ins', 'kbd', 'li', 'main', 'mark', 'nav', 'ol', 'p', 'pre', 'q', 's', 'samp',
  'section', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot',
  'th', 'thead', 'tr', 'tt', 'u', 'ul', 'var', 'wbr',
]); // prettier-ignore

/** Dropped with everything inside: active content, forms, raw text, metadata, foreign content. */
const DROP = new Set([
  'script', 'style', 'template', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet',
  'noscript', 'noembed', 'noframes', 'title', 'textarea', 'select', 'option', 'optgroup',
  'datalist', 'input', 'button', 'meta', 'link', 'base', 'head', 'svg', 'math', 'audio', 'video',
  'source', 'track', 'canvas', 'dialog', 'portal', 'param', 'keygen', 'output', 'progress',
  'meter', 'slot',
]); // prettier-ignore

const ATTRIBUTES = new Set([
  'align', 'alt', 'bgcolor', 'border', 'cellpadding', 'cellspacing', 'class', 'color', 'cols',
  'colspan', 'dir', 'face', 'headers', 'height', 'href', 'hspace', 'lang', 'nowrap', 'role',
  'rowspan', 'rules', 'scope', 'size', 'span', 'src', 'start', 'style', 'summary', 'target',
  'title', 'type', 'valign', 'vspace', 'width', 'rel', 'frame', 'abbr', 'reversed', 'background',
]); // prettier-ignore

const URL_ATTRIBUTES = new Set(['href', 'src', 'background']);
const SAFE_SCHEMES = new Set(['http', 'https', 'mailto', 'tel']);
// Raster images only: they cannot run script in any client, and inline images are common in
// hand-written e-mail. SVG (which can carry script) and every other data: type is refused.
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[a-z0-9+/=\s]*$/i;

/**
 * CSS properties that could put a marketer's element on top of the footer (positioning, new
 * stacking contexts painted above later content) or take content out of view.
 */
const STYLE_DENIED =
  /^(position|z-index|inset|top|right|bottom|left|opacity|transform|translate|rotate|scale|filter|backdrop-filter|will-change|isolation|mix-blend-mode|contain|clip|clip-path|mask|mask-.*|-webkit-(?!text-size-adjust$).*|-moz-.*|behavior|content|perspective|offset.*|zoom)$/;
const STYLE_VALUE_DENIED = /expression\s*\(|javascript:|vbscript:|@import|\\|<|>/i;
// Background images are common in e-mail; only plain http(s) addresses, quoted or not.
const CSS_URL = /url\s*\(\s*(['"]?)(.*?)\1\s*\)/gi;

function cssUrlsAllowed(value: string): boolean {
  const stripped = value.replace(CSS_URL, (_m, _q, url: string) =>
    /^https?:\/\/[^\s'"()]+$/i.test(url) ? '' : 'url(',
  );
  return !/url\s*\(/i.test(stripped);
}

/** The scheme a browser would see: it strips ASCII whitespace and control characters first. */
function urlAllowed(attr: string, tag: string, value: string): boolean {
  // eslint-disable-next-line no-control-regex
  const url = value.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url)?.[1];
  if (scheme === undefined) return true; // relative and protocol-relative URLs
  if (SAFE_SCHEMES.has(scheme)) return true;
  if (scheme === 'cid') return tag === 'img';
  if (scheme === 'data') return tag === 'img' && attr === 'src' && DATA_IMAGE.test(value.trim());
  return false;
}

/** Keeps only declarations that cannot hide or cover what follows; `;` inside quotes is rare and refused. */
function cleanStyle(value: string): string | null {
  const kept: string[] = [];
  for (const declaration of value.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const v = declaration.slice(colon + 1).trim();
    if (!/^[a-z-]+$/.test(property) || !v) continue;
    if (STYLE_DENIED.test(property) || STYLE_VALUE_DENIED.test(v) || !cssUrlsAllowed(v)) continue;
    // A negative margin lets an element slide over the content after it.
    if (property.startsWith('margin') && /-\s*[\d.]/.test(v)) continue;
    kept.push(`${property}:${v}`);
  }
  return kept.length ? kept.join(';') : null;
}

function cleanElement(el: Element): void {
  const tag = el.tagName;
  el.attrs = el.attrs.filter((a) => {
    if (a.namespace || !ATTRIBUTES.has(a.name)) return false;
    if (URL_ATTRIBUTES.has(a.name)) return urlAllowed(a.name, tag, a.value);
    if (a.name === 'style') {
      const style = cleanStyle(a.value);
      if (style === null) return false;
      a.value = style;
    }
    return true;
  });
  // Links open outside the mail client's frame and do not hand it the opener.
  if (tag === 'a' && el.attrs.some((a) => a.name === 'target')) {
    el.attrs = el.attrs.filter((a) => a.name !== 'rel');
    el.attrs.push({ name: 'rel', value: 'noopener noreferrer' });
  }
}

/** Real e-mail nests a few dozen levels; deeper elements become their text (no deep recursion). */
const MAX_DEPTH = 64;

function textOf(root: Element): string {
  const parts: string[] = [];
  const stack: ChildNode[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.nodeName === '#text' && 'value' in node) parts.push(node.value);
    else if ('tagName' in node && !DROP.has(node.tagName)) {
      for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i]);
    }
  }
  return parts.join(' ');
}

function cleanChildren(parent: ParentNode, depth: number): void {
  const out: ChildNode[] = [];
  for (const node of parent.childNodes) {
    if (node.nodeName === '#text') {
      out.push(node);
      continue;
    }
    if (!('tagName' in node)) continue; // comments, doctypes: dropped
    const el = node;
    if (el.namespaceURI !== parse5Html.NS.HTML || DROP.has(el.tagName)) continue;
    if (depth >= MAX_DEPTH) {
      out.push({ nodeName: '#text', value: textOf(el), parentNode: parent });
      continue;
    }
    cleanChildren(el, depth + 1);
    if (KEEP.has(el.tagName)) {
      cleanElement(el);
      out.push(el);
    } else {
      // Unknown or container-only elements (form, xmp, plaintext, font-like inventions): unwrap.
      for (const child of el.childNodes) {
        child.parentNode = parent;
        out.push(child);
      }
    }
  }
  parent.childNodes = out;
}

function once(source: string): string {
  // Parsed as the content of the layout's <td>, exactly where the browser will meet it.
  const context = defaultTreeAdapter.createElement('td', parse5Html.NS.HTML, []);
  const fragment = parseFragment(context, source, {});
  cleanChildren(fragment, 0);
  return serialize(fragment);
}

/**
 * The marketer's e-mail HTML, parsed the way a browser parses it and written back balanced and
 * cleaned: no scripts, frames, forms, event handlers, javascript:/data: links, raw-text elements,
 * comments or positioning, so that nothing in the body can swallow, hide or cover the footer the
 * layout appends after it. Idempotent: the output is a fixed point.
 */
export function sanitizeEmailHtml(source: string): string {
  let out = once(source);
  // Unwrapping can leave a tree that a second parse arranges differently (e.g. a <p> in a <p>);
  // repeat until the text is stable so what is sent is what a browser will build.
  for (let i = 0; i < 3; i++) {
    const next = once(out);
    if (next === out) return out;
    out = next;
  }
  return out;
}
