import { parseFragment, serialize } from 'parse5';
import { sanitizeEmailHtml } from './email-html';

const FOOTER = '<p id="footer">unsubscribe</p>';

/** What a browser builds for `body + footer` inside the layout's cell, serialised back. */
function inBrowser(body: string): string {
  return serialize(parseFragment(`<div id="body">${body}</div>${FOOTER}`));
}

describe('sanitizeEmailHtml', () => {
  const swallowers = [
    '<p>Hi<template>',
    '<p>Hi<textarea>',
    '<p>Hi<noembed>',
    '<p>Hi<noscript>',
    '<p>Hi<title>',
    '<p>Hi<style>',
    '<p>Hi<xmp>',
    '<p>Hi<plaintext>',
    '<p>Hi<!--',
    '<p>Hi<select>',
    '<div style="display:none"><p>Hi',
    '<p>Hi <a href="',
    '<p>Hi<iframe>',
    '<p>Hi<noframes>',
    '<p>Hi<script>',
    '<p>Hi<svg><style>',
    '<p>Hi<math><mi><style>',
    '<table><tr><td>Hi',
    '<p>Hi</td></tr></table><table><tr><td>',
    '<p>Hi<object><param>',
    '<form><p>Hi',
  ];

  it.each(swallowers)(
    'keeps the footer after %j a sibling, outside anything the body opened',
    (body) => {
      const clean = sanitizeEmailHtml(body);
      const out = inBrowser(clean);
      // The footer comes out as written, after the closed body wrapper.
      expect(out.endsWith(`</div>${FOOTER}`)).toBe(true);
      // A hidden wrapper may stay (it hides only the marketer's own text); it is closed before the footer.
      // Nothing that reads the rest of the page as text, or hides it, survives.
      expect(clean).not.toMatch(
        /<(template|textarea|noembed|noscript|title|style|xmp|plaintext|select|iframe|script|svg|math|object|form|!--)/i,
      );
    },
  );

  it('fails the footer check without sanitising (the check itself catches a swallowed footer)', () => {
    expect(inBrowser('<p>Hi<textarea>').endsWith(`</div>${FOOTER}`)).toBe(false);
    expect(inBrowser('<p>Hi<plaintext>').endsWith(`</div>${FOOTER}`)).toBe(false);
  });

  it('keeps ordinary e-mail HTML: tables, inline styles, images, links', () => {
    const html =
      '<table role="presentation" width="100%" cellpadding="0"><tbody><tr>' +
      '<td style="padding:8px;color:#333" align="center"><img src="https://cdn.example/a.png" alt="Spring" width="200">' +
      '<a href="https://shop.example/spring?a=1&amp;b=2" style="color:#06c">Shop</a> ' +
      '<a href="mailto:help@shop.example">mail</a> <strong>Bold</strong></td></tr></tbody></table>' +
      '<p style="margin:0 0 8px;font-size:14px">Text &amp; more</p><ul><li>One</li></ul>' +
      '<div style="background:#eee url(\'https://cdn.example/bg.png\') no-repeat;-webkit-text-size-adjust:100%">Bg</div>' +
      '<center><font color="#333" face="Arial">Old school</font></center><hr>';
    expect(sanitizeEmailHtml(html)).toBe(html);
  });

  it('drops event handlers and javascript:, vbscript: and non-image data: URLs', () => {
    const out = sanitizeEmailHtml(
      '<a href="jav&#x09;ascript:alert(1)" onclick="x()">a</a>' +
        '<a href=" JAVASCRIPT:alert(1)">b</a><a href="vbscript:x">c</a>' +
        '<a href="data:text/html,<script>x</script>">d</a>' +
        '<img src="data:image/svg+xml;base64,PHN2Zz4=" onerror="x()">' +
        '<img src="data:image/png;base64,iVBORw0KGgo=">' +
        '<img src="cid:logo"><div onmouseover="x()" style="background:url(javascript:x)">e</div>' +
        '<p style="background:url( data:image/svg+xml,x );color:red;background-image:url(https://a.example/x.png) , url(//b)">f</p>',
    );
    expect(out).toBe(
      '<a>a</a><a>b</a><a>c</a><a>d</a><img><img src="data:image/png;base64,iVBORw0KGgo="><img src="cid:logo"><div>e</div>' +
        '<p style="color:red">f</p>',
    );
  });

  it('removes style declarations that could cover or push aside the footer', () => {
    expect(
      sanitizeEmailHtml(
        '<div style="position:fixed;top:0;left:0;z-index:9;background:#fff;color:red;opacity:0.99;margin:-500px 0 0;transform:scale(9);padding:4px">x</div>',
      ),
    ).toBe('<div style="background:#fff;color:red;padding:4px">x</div>');
  });

  it('keeps the text of raw-text wrappers that only change how text looks (xmp, plaintext), unwrapped and escaped', () => {
    expect(sanitizeEmailHtml('<p>a</p><xmp><b>b</b></xmp>')).toBe('<p>a</p>&lt;b&gt;b&lt;/b&gt;');
    expect(sanitizeEmailHtml('<plaintext><a href=x>')).toBe('&lt;a href=x&gt;');
  });

  it('is a fixed point, and survives 100,000 nested elements without deep recursion', () => {
    const nested = '<div>'.repeat(100_000) + 'deep';
    const t0 = Date.now();
    const out = sanitizeEmailHtml(nested);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(out).toContain('deep');
    expect(sanitizeEmailHtml(out)).toBe(out);
    const weird = '<p><p><a><a><table><p>x<td>y</table><b><i></b></i><li><dd>';
    expect(sanitizeEmailHtml(sanitizeEmailHtml(weird))).toBe(sanitizeEmailHtml(weird));
  });

  it('passes NUL bytes and lone surrogates through the parser harmlessly', () => {
    const out = sanitizeEmailHtml('<p>a\u0000b\ud800</p>');
    expect(out.startsWith('<p>a')).toBe(true);
    expect(out).not.toContain('\u0000');
  });
});
