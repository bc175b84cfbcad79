// The creator's page on a phone network: /apply on 1.6 Mbps down, 750 kbps up and 150 ms of
// latency (Chrome's network emulation), with an empty cache. What the page transfers, when its
// content shows and when it becomes interactive are measured and printed; the targets are at
// most 600 KB of wasm and interactive within 4 s. A second visit takes the bundle from the
// cache (content-hashed names, immutable).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDashboard, startSandbox, launchBrowser, screenshotAtPhoneSize, signIn } from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
let dash;
let sandbox;
let browser;

before(async () => {
  sandbox = await startSandbox({ size: 'tiny' });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url, '--api-key', sandbox.key]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dash?.stop();
  await sandbox?.stop();
});

const PHONE = { latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8) };

/** Opens `url` on the emulated phone network; what was transferred and when. */
async function visit(page, url, { cache }) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: !cache });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, ...PHONE });
  const requests = new Map();
  cdp.on('Network.responseReceived', (e) => {
    requests.set(e.requestId, {
      url: e.response.url,
      headers: Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v])),
      fromCache: e.response.fromDiskCache || e.response.fromMemoryCache,
      bytes: 0,
    });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  const start = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.getByRole('heading', { name: 'Your insurance application' }).waitFor({ timeout: 30_000 });
  const content = Date.now() - start;
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
  const interactive = Date.now() - start;
  await cdp.detach();
  const all = [...requests.values()];
  const sum = (f) => all.filter(f).reduce((n, r) => n + r.bytes, 0);
  return {
    content,
    interactive,
    all,
    wasm: all.filter((r) => r.url.endsWith('.wasm')),
    wasmBytes: sum((r) => r.url.endsWith('.wasm')),
    totalBytes: sum(() => true),
  };
}

test('/apply on a phone network: small, compressed, interactive within 4 s, cached the second time', async () => {
  // The link of a Synced creator, as the operator would copy it.
  const operator = await browser.newPage();
  await signIn(operator, dash.url, admin.email, admin.password);
  await operator.waitForURL(`${dash.url}/`);
  await operator.goto(`${dash.url}/contractors?q=scenario%20clean`);
  await operator.getByRole('link', { name: 'Scenario Clean', exact: true }).click();
  await operator.waitForURL(/\/contractors\/\d+$/);
  const link = await operator.locator('.copy-link .link-field').first().inputValue();
  await operator.close();
  await browser.context.clearCookies();

  const page = await browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  const first = await visit(page, link, { cache: false });
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
  console.log(`    first visit: content ${first.content} ms, interactive ${first.interactive} ms, `
    + `wasm ${kb(first.wasmBytes)} transferred, everything ${kb(first.totalBytes)}`);
  for (const r of first.all) console.log(`      ${kb(r.bytes).padStart(7)}  ${r.headers['content-encoding'] ?? '-'}  ${new URL(r.url).pathname.slice(0, 60)}`);

  // The creator's own bundle, compressed, with content-hashed names kept for a year.
  assert.equal(first.wasm.length, 1, 'one wasm file');
  const [wasm] = first.wasm;
  assert.match(new URL(wasm.url).pathname, /^\/pkg\/apply\.[0-9a-f]{20}\.wasm$/);
  assert.equal(wasm.headers['content-encoding'], 'br');
  assert.equal(wasm.headers['cache-control'], 'public, max-age=31536000, immutable');
  const document = first.all.find((r) => r.url === link);
  assert.ok(['br', 'gzip'].includes(document.headers['content-encoding']), 'the page itself is compressed');
  assert.match(document.headers['cache-control'], /no-store/, 'the page itself is never cached');

  assert.ok(first.wasmBytes <= 600 * 1024, `wasm transferred ${kb(first.wasmBytes)} <= 600 KB`);
  assert.ok(first.interactive <= 4000, `interactive in ${first.interactive} ms <= 4 s`);
  await screenshotAtPhoneSize(page, 'apply-phone');

  // Again, with the cache: the bundle is not downloaded again.
  const again = await visit(page, link, { cache: true });
  console.log(`    second visit: content ${again.content} ms, interactive ${again.interactive} ms, `
    + `wasm ${kb(again.wasmBytes)} transferred`);
  assert.ok(again.wasm.every((r) => r.fromCache || r.bytes === 0), 'the wasm comes from the cache');
  await page.close();
});
