// Every page, as an admin with synced data (and the public pages signed out): axe-core finds no
// serious or critical violations, every visible control is reached with Tab, and each shows a
// visible focus indicator when it is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, openAs, accessibilityProblems,
} from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
let dash;
let sandbox;
let browser;
let page;
const paths = {};

before(async () => {
  sandbox = await startSandbox({ size: 'tiny' });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url, '--api-key', sandbox.key]);
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await openAs(browser, page, dash.url, admin, '/contractors?q=scenario%20clean');
  const detail = await page.locator('tr[data-status] a.name').first().getAttribute('href');
  await page.goto(`${dash.url}${detail}`);
  await hydrated(page);
  paths.contractor = detail;
  paths.apply = new URL(await page.locator('.copy-link .link-field').first().inputValue()).pathname;
  await page.goto(`${dash.url}/sync-runs`);
  await hydrated(page);
  paths.run = await page.locator('a[href^="/sync-runs/"]').first().getAttribute('href');
  // A one-time sign-in link for the welcome page.
  const added = await page.evaluate(async () => {
    const body = new URLSearchParams({ email: 'new@acme.example', role: 'viewer' });
    const r = await fetch('/api/members/add', { method: 'POST', body, headers: { accept: 'application/json' } });
    return r.text();
  });
  paths.welcome = new URL(JSON.parse(added).url).pathname;
});

after(async () => {
  await browser?.close();
  await dash?.stop();
  await sandbox?.stop();
});

/**
 * Tabs through the page from the top. Returns the visible controls Tab never reached, and the
 * reached ones that showed no focus indicator.
 */
async function keyboardWalk(p) {
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

async function check(path, heading, { controls = true } = {}) {
  await page.goto(`${dash.url}${path}`);
  await hydrated(page);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  if (heading) await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  const problems = await accessibilityProblems(page);
  assert.deepEqual(problems, [], `${path}: ${problems.join('\n')}`);
  const walk = await keyboardWalk(page);
  if (controls) assert.ok(walk.total > 0, `${path}: no controls`);
  assert.deepEqual(walk.missing, [], `${path}: not reached by Tab`);
  assert.deepEqual(walk.unmarked, [], `${path}: focus not visible`);
}

test('signed-in pages: no serious or critical axe violations, every control reached by Tab with visible focus', async () => {
  await check('/', 'Overview');
  await check('/contractors', 'Contractors');
  await check('/contractors?status=needs_attention&rule=missing_email');
  await check(paths.contractor);
  await check('/sync-runs', 'Sync runs');
  await check(paths.run);
  await check('/settings', 'Organization settings');
  await check('/webhooks');
  await check('/members');
  await check('/audit');
  await check('/account');
  await check('/no-such-page', 'Page not found');
});

test('public pages: sign-in, the application page and the one-time link page', async () => {
  await browser.context.clearCookies();
  await check('/login', 'Sign in');
  await check(paths.apply);
  await check(paths.welcome);
  await check('/apply/not-a-real-link-000000000000000000000000000', null, { controls: false });
});
