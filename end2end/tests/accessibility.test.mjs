// Every page, as an admin with synced data (and the public pages signed out): axe-core finds no
// serious or critical violations, every visible control is reached with Tab, and each shows a
// visible focus indicator when it is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, openAs, accessibilityProblems, keyboardWalk,
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
  // The icon every browser asks for is there, signed in or not (no 404 in the console).
  const icon = await fetch(`${dash.url}/favicon.ico`);
  assert.equal(icon.status, 200);
  assert.match(icon.headers.get('content-type') ?? '', /icon/);
});
