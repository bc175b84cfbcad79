// Starts a real dashboard (the binary DASHBOARD_BIN names; scripts/test.sh passes the debug
// build its tests made) on a free port with its own SQLite file, and a headless Debian Chromium
// driven by playwright-core. Each test file gets a fresh server.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
export const screenshotDir = join(here, 'screenshots');
mkdirSync(screenshotDir, { recursive: true });

const bin = process.env.DASHBOARD_BIN ?? join(repo, 'target/debug/dashboard');
const sandboxBin = process.env.SANDBOX_BIN ?? join(dirname(bin), 'ciq-sandbox');
const siteRoot = process.env.SITE_ROOT ?? join(repo, 'target/site');
const axePath = join(here, 'node_modules/axe-core/axe.min.js');

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

async function waitFor(url, child, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {}
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} did not start within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts the CreatorIQ sandbox (SANDBOX_BIN, beside the dashboard by default) on a free port. Partner 1's key is
 * `sandbox-key-partner-1`; control endpoints live under `${url}/_sandbox/`.
 */
export async function startSandbox({ size = 'demo', rateLimit = 0, seed = 42 } = {}) {
  const port = await freePort();
  const child = spawn(
    sandboxBin,
    ['--addr', `127.0.0.1:${port}`, '--size', size, '--rate-limit', String(rateLimit), '--seed', String(seed), '--webhook-retry-ms', '200'],
    { env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/_sandbox`, child, 'the CreatorIQ sandbox');
  return {
    url,
    key: 'sandbox-key-partner-1',
    otherKey: 'sandbox-key-partner-2',
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}

/**
 * Starts the dashboard. `ciqUrls` are CreatorIQ environments (e.g. a sandbox's URL) this server
 * allows besides production.
 */
export async function startDashboard({ orgs = [], ciqUrls = [], databaseUrl, masterKeyFile } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-e2e-'));
  const port = await freePort();
  const env = {
    ...process.env,
    DASHBOARD_ADDR: `127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl ?? `sqlite://${join(dir, 'dashboard.db')}`,
    MASTER_KEY_FILE: masterKeyFile ?? join(dir, 'master.key'),
    SITE_ROOT: siteRoot,
    CREATORIQ_BASE_URLS: ['https://apis.creatoriq.com', ...ciqUrls].join(','),
    RUST_LOG: 'warn',
  };
  for (const o of orgs) {
    execFileSync(bin, ['create-org', '--slug', o.slug, '--name', o.name, '--admin-email', o.email], {
      env: { ...env, ADMIN_PASSWORD: o.password },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, child, 'the dashboard');
  return {
    url,
    env,
    /** Runs a dashboard CLI subcommand against this server's database. */
    cli(args, extraEnv = {}) {
      return execFileSync(bin, args, { env: { ...env, ...extraEnv }, encoding: 'utf8' });
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A new, empty PostgreSQL database on the local server (trust auth as `postgres`), for tests
 * that run several dashboard instances on one database. `drop()` removes it.
 */
export function createPostgresDatabase() {
  const name = `dashboard_e2e_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const psql = (sql) => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-q', '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
  psql(`CREATE DATABASE ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop() {
      psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export async function launchBrowser({ javaScript = true } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    headless: true,
    javaScriptEnabled: javaScript,
    viewport: { width: 1366, height: 860 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      return page;
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the wasm has hydrated the page, so clicks reach Leptos' handlers. */
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]');
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules) on the page as it is and returns its serious and
 * critical violations, each as "rule: what, where" for an assertion message.
 */
export async function accessibilityProblems(page) {
  // Evaluated through the browser's debugging protocol: the pages' Content Security Policy
  // (rightly) refuses injected script tags.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(readFileSync(axePath, 'utf8'));
  }
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`);
}

/**
 * Tabs through the page from the top. Returns the visible controls Tab never reached, and the
 * reached ones that showed no focus indicator.
 */
export async function keyboardWalk(p) {
  const total = await p.evaluate(() => {
    // checkVisibility also counts what a closed <details> hides (content-visibility), which Tab
    // rightly skips until it is opened.
    const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
      && (!el.checkVisibility || el.checkVisibility({ visibilityProperty: true }));
    const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
      .filter((el) => visible(el) && !el.disabled && !el.closest('[inert]'));
    controls.forEach((el, i) => el.setAttribute('data-walk', String(i)));
    document.activeElement?.blur();
    window.scrollTo(0, 0);
    return controls.length;
  });
  const reached = new Set();
  const unmarked = [];
  for (let i = 0; i < total + 20; i += 1) {
    await p.keyboard.press('Tab');
    const info = await p.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const shown = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      const name = el.getAttribute('aria-label') || el.innerText || el.value || el.name || el.tagName;
      return { walk: el.getAttribute('data-walk'), shown, name: String(name).slice(0, 40) };
    });
    if (!info) continue;
    if (info.walk !== null && reached.has(info.walk)) break;
    if (info.walk !== null) reached.add(info.walk);
    if (!info.shown) unmarked.push(info.name);
  }
  const missing = await p.evaluate((seen) => {
    const all = [...document.querySelectorAll('[data-walk]')];
    const isSeen = (el) => seen.includes(el.getAttribute('data-walk'));
    // Tab enters a group of radio buttons once; the arrow keys move inside it.
    const radioGroups = new Set(all.filter((el) => el.type === 'radio' && isSeen(el)).map((el) => el.name));
    return all
      .filter((el) => !isSeen(el) && !(el.type === 'radio' && radioGroups.has(el.name)))
      .map((el) => (el.getAttribute('aria-label') || el.innerText || el.name || el.tagName).slice(0, 40));
  }, [...reached]);
  return { missing, unmarked, total };
}

/** Fails when the page scrolls sideways at its current viewport width. */
export async function assertNoSidewaysScroll(page, what) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  if (scroll > client) {
    throw new Error(`${what}: the page is ${scroll} px wide in a ${client} px window`);
  }
}

/** A screenshot at each laptop size the dashboard is checked at (1280 x 800, 1440 x 900). */
export async function screenshotsAtLaptopSizes(page, name) {
  for (const [width, height] of [[1280, 800], [1440, 900]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100);
    await assertNoSidewaysScroll(page, `${name} at ${width} px`);
    await screenshot(page, `${name}-${width}`);
  }
  await page.setViewportSize({ width: 1366, height: 860 });
}

/** A screenshot at a phone's width (390 x 844), where the creator's pages must read without
 * scrolling sideways; the window goes back to the default size afterwards. */
export async function screenshotAtPhoneSize(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(100);
  await assertNoSidewaysScroll(page, `${name} at 390 px`);
  await screenshot(page, `${name}-390`);
  await page.setViewportSize({ width: 1366, height: 860 });
}

export async function screenshot(page, name) {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function signIn(page, url, email, password) {
  await page.goto(`${url}/login`);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Starts from a signed-out browser, signs `who` in at `url`, and opens `path` once hydrated.
 * Browser tests share one profile per file, so each starts by clearing its cookies.
 */
export async function openAs(browser, page, url, who, path) {
  await browser.context.clearCookies();
  await signIn(page, url, who.email, who.password);
  await page.waitForURL(`${url}/`);
  await page.goto(`${url}${path}`);
  await hydrated(page);
}

/**
 * Checks a downloaded PDF as a reader would get it: `qpdf --check` finds it valid, poppler's
 * pdftotext reads its text, and page 1 is rendered to `screenshots/<name>-page1.png` to be
 * looked at. Returns the text.
 */
export function checkPdf(path, name) {
  const check = execFileSync('qpdf', ['--check', path], { encoding: 'utf8' });
  if (/WARNING/.test(check)) throw new Error(`qpdf --check ${name}: ${check}`);
  const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', path, join(screenshotDir, `${name}-page1`)]);
  return text;
}
