import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDashboard, startSandbox, launchBrowser, hydrated, screenshot, signIn } from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
let dash;
let sandbox;
let browser;
let page;

before(async () => {
  // A rate limit slow enough that the progress bar is visible for a few seconds.
  sandbox = await startSandbox({ size: 'demo', rateLimit: 20 });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url, '--api-key', sandbox.key, '--no-sync']);
  browser = await launchBrowser();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dash.url });
  page = await browser.newPage();
  await signIn(page, dash.url, admin.email, admin.password);
  await page.waitForURL(`${dash.url}/`);
  await page.goto(`${dash.url}/contractors`);
});

after(async () => {
  await browser?.close();
  await dash?.stop();
  await sandbox?.stop();
});

const rowOf = (name) => page.locator('tr[data-status]', { has: page.getByRole('link', { name, exact: true }) });

test('Sync now shows live progress, then the scenario creators with their statuses', async () => {
  await page.getByText('No contractors yet').waitFor();
  await hydrated(page);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await page.locator('.sync-progress progress').waitFor();
  assert.match(await page.locator('.sync-progress').innerText(), /campaigns \d+ of \d+/);
  await page.getByText(/Sync finished/).waitFor({ timeout: 120_000 });
  assert.match(await page.locator('.sync-summary').innerText(), /Synced: \d+/);
  await page.locator('tr[data-status]').first().waitFor();
  assert.equal(await page.locator('tr[data-status]').count(), 50);
  await screenshot(page, 'contractors');

  await page.goto(`${dash.url}/contractors?q=scenario`);
  await hydrated(page);
  assert.equal(await rowOf('Scenario Clean').getAttribute('data-status'), 'synced');
  assert.equal(await rowOf('Scenario Insurance Exempt').getAttribute('data-status'), 'exempt');
  assert.equal(await rowOf('Scenario Not Accepted').getAttribute('data-status'), 'not_accepted');
  const missingEmail = rowOf('Scenario Missing Email');
  assert.equal(await missingEmail.getAttribute('data-status'), 'needs_attention');
  assert.match(await missingEmail.locator('.messages').innerText(), /Email missing/);
  // A problem is a short label; opening it gives the message and the fix.
  const dollar = rowOf('Scenario Base Pay Dollar Sign');
  const problem = dollar.locator('details.problem').first();
  assert.equal(await problem.locator('summary').innerText(), 'Base pay not a number');
  assert.equal(await problem.locator('.message').isVisible(), false);
  await problem.locator('summary').click();
  assert.match(await problem.locator('.message').innerText(), /CustomField10/);
  assert.match(await problem.locator('.hint').innerText(), /plain number/i);
});

test('status tabs, campaign filter, search and pagination live in the URL', async () => {
  await page.goto(`${dash.url}/contractors`);
  await hydrated(page);
  const tabs = page.getByRole('navigation', { name: 'Status' });
  await tabs.getByRole('link', { name: /Needs attention/ }).click();
  await page.waitForURL(/status=needs_attention/);
  await page.locator('tr[data-status]').first().waitFor();
  const statuses = await page.locator('tr[data-status]').evaluateAll((rows) => rows.map((r) => r.dataset.status));
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 'needs_attention'), statuses.join());
  await screenshot(page, 'contractors-needs-attention');

  // Campaign filter (keeps the status tab).
  await page.locator('select[name=campaign]').selectOption({ label: 'Scenario Campaign - End Before Start' });
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/campaign=840006/);
  await rowOf('Scenario Campaign End Before Start').waitFor();
  assert.equal(await page.locator('tr[data-status]').count(), 1);

  // Search, from a clean slate.
  await page.getByRole('link', { name: 'Clear filters' }).first().click();
  await page.waitForURL(`${dash.url}/contractors`);
  await page.locator('input[name=q]').fill('missing payout');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/q=missing/);
  await rowOf('Scenario Missing Payout').waitFor();
  assert.equal(await page.locator('tr[data-status]').count(), 1);

  await page.locator('input[name=q]').fill('nobody by this name');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('No contractors match these filters').waitFor();

  // Pages, and the back button.
  await page.goto(`${dash.url}/contractors`);
  await hydrated(page);
  await page.getByText(/Page 1 of \d+/).waitFor();
  const firstName = await page.locator('tr[data-status] a.name').first().innerText();
  await page.getByRole('link', { name: 'Next →' }).click();
  await page.waitForURL(/page=2/);
  await page.getByText(/Page 2 of \d+/).waitFor();
  assert.notEqual(await page.locator('tr[data-status] a.name').first().innerText(), firstName);
  await page.goBack();
  await page.getByText(/Page 1 of \d+/).waitFor();
  assert.equal(await page.locator('tr[data-status] a.name').first().innerText(), firstName);
});

test('copy link puts the application link on the clipboard; Re-sync shows the new status', async () => {
  await page.goto(`${dash.url}/contractors?q=scenario%20clean`);
  await hydrated(page);
  const row = rowOf('Scenario Clean');
  await row.getByRole('button', { name: /for Scenario Clean$/ }).click();
  await row.getByRole('button', { name: /for Scenario Clean$/ }).filter({ hasText: 'Copied' }).waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /\/apply\/[A-Za-z0-9_-]{43}$/);

  await row.getByRole('button', { name: 'Re-sync Scenario Clean' }).click();
  await row.locator('.resync-result').waitFor();
  assert.match(await row.locator('.resync-result').innerText(), /Now synced/);

  await row.getByRole('link', { name: 'Scenario Clean' }).click();
  await page.waitForURL(/\/contractors\/\d+$/);
  await page.getByRole('heading', { name: 'Mapped fields' }).waitFor();
  await page.getByText('All checks passed.').waitFor();
  assert.match(await page.locator('table.fields').innerText(), /CustomField8/);
  // The copied link is the one the contractor page shows.
  assert.equal(await page.locator('.copy-link .link-field').first().inputValue(), link);
  await screenshot(page, 'contractor-detail');
});
