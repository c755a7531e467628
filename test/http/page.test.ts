import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/http/page/escape.js';
import { ingressBase } from '../../src/http/page/html.js';
import { type Harness, rawRequest, startHarness } from './harness.js';

describe('GET / (the ingress page)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('is one self-contained HTML document: nothing loaded from another origin', async () => {
    const response = await fetch(`${h.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    expect(html).toContain('Export report now');
    expect(html).toContain('href="api/diagnostics?download=1"');
  });

  it('allows exactly its own inline style and script in the Content-Security-Policy', async () => {
    const response = await fetch(`${h.url}/`);
    const policy = response.headers.get('content-security-policy') ?? '';
    const html = await response.text();
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
    expect(script.length).toBeGreaterThan(1000);
    expect(policy).toContain(`script-src ${hash(script)}`);
    expect(policy).toContain(`style-src ${hash(style)}`);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
  });

  it('uses only relative URLs, so it works under the ingress prefix', async () => {
    const html = await (await fetch(`${h.url}/`)).text();
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    const fetched = [...script.matchAll(/getJson\('([^']+)'/g)].map((m) => m[1]);
    expect(fetched).toEqual(expect.arrayContaining(['healthz', 'api/diagnostics', 'api/diagnostics/export']));
    expect(fetched.every((url) => !url?.startsWith('/'))).toBe(true);
    expect(html).not.toContain('<base');
  });

  it('honours X-Ingress-Path with a base so links resolve under the prefix', async () => {
    const response = await rawRequest(`${h.url}/`, {
      headers: { 'x-ingress-path': '/api/hassio_ingress/AbC-123_xyz' },
    });
    expect(response.body).toContain('<base href="/api/hassio_ingress/AbC-123_xyz/">');
  });

  it('ignores an X-Ingress-Path that is not a plain path', async () => {
    for (const header of [
      '"><script>alert(1)</script>',
      'https://evil.example/',
      '//evil.example',
      '/api/hassio_ingress/x y',
      '/a/../../b?c',
      `/${'a'.repeat(300)}`,
    ]) {
      const response = await rawRequest(`${h.url}/`, { headers: { 'x-ingress-path': header } });
      expect(response.status).toBe(200);
      expect(response.body, header).not.toContain('<base');
      expect(response.body).not.toContain('alert(1)');
    }
  });
});

describe('page helpers', () => {
  it('escapes every character that could open markup or close an attribute', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;',
    );
  });

  it('strips the trailing slash from an ingress prefix', () => {
    expect(ingressBase('/api/hassio_ingress/token/')).toBe('/api/hassio_ingress/token');
    expect(ingressBase(undefined)).toBeNull();
    expect(ingressBase(['/a', '/b'])).toBeNull();
  });
});
