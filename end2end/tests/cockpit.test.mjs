// The operator's cockpit: the overview answers "what do I change in CreatorIQ, for whom", each
// group opens exactly its rows; the contractors list fits a laptop screen, filters by rule,
// expands problems, copies links, re-syncs selected rows, and exports the fix list; all of it by
// keyboard with visible focus.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, screenshot, openAs,
  screenshotsAtLaptopSizes, assertNoSidewaysScroll,
} from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
let dash;
let sandbox;
let browser;
let page;

before(async () => {
  sandbox = await startSandbox({ size: 'demo' });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  // Two full syncs from the command line, so the overview has a chart.
  for (let i = 0; i < 2; i += 1) {
    dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url, '--api-key', sandbox.key]);
  }
  browser = await launchBrowser();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dash.url });
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  await dash?.stop();
  await sandbox?.stop();
});

const rows = () => page.locator('tr[data-status]');
const rowOf = (name) => page.locator('tr[data-status]', { has: page.getByRole('link', { name, exact: true }) });

test('the overview shows health, rows per status, a chart and what to fix, each group linking to its rows', async () => {
  await openAs(browser, page, dash.url, admin, '/');
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  const health = page.getByRole('region', { name: 'Health' });
  await health.getByText('Connected').waitFor();
  await health.getByText('Succeeded').waitFor();
  assert.match(await health.innerText(), /started by the command line/);
  assert.match(await health.innerText(), /Every 6 hours|Scheduled syncs are off/);
  // Two full runs: a bar per run, each status a segment with its count in words.
  const chart = page.getByRole('img', { name: /Contractors per status over the last 2 full syncs/ });
  await chart.waitFor();
  assert.equal(await page.locator('.status-chart g').count(), 2);

  const fixes = page.getByRole('region', { name: 'What to fix in CreatorIQ' });
  const groups = fixes.locator('li.fix-group');
  assert.ok((await groups.count()) >= 8, 'the scenarios break most rules');
  const po = fixes.locator('li.fix-group[data-code="missing_po_contact_email"]');
  assert.match(await po.innerText(), /CustomField4 \(PO Contact Email\)/);
  assert.match(await po.innerText(), /agency rep/);
  const count = Number((await po.locator('.fix-count').innerText()).match(/\d+/)[0]);
  await screenshotsAtLaptopSizes(page, 'overview');

  // The agency rep's list of rows without a PO #.
  const rep = page.getByRole('region', { name: 'For the agency rep: PO # missing' });
  assert.ok((await rep.getByRole('listitem').count()) >= 1);

  // The group's link opens exactly its rows, with the filters in the URL and the form.
  await hydrated(page);
  await po.locator('.fix-label').click();
  await page.waitForURL(/rule=missing_po_contact_email/);
  assert.match(page.url(), /status=needs_attention/);
  await rows().first().waitFor();
  await page.getByText(`of ${count}`, { exact: false }).first().waitFor();
  assert.equal(await rows().count(), Math.min(count, 50));
  const labels = await rows().evaluateAll((trs) => trs.map((tr) => tr.querySelector('.messages').innerText));
  assert.ok(labels.every((l) => /PO contact email missing/.test(l)), labels.join(' | '));
  assert.equal(await page.locator('select[name=rule]').inputValue(), 'missing_po_contact_email');
});

test('the rule filter, from the form, keeps the other filters and lives in the URL', async () => {
  await page.goto(`${dash.url}/contractors?status=needs_attention`);
  await hydrated(page);
  await page.locator('select[name=rule]').selectOption({ label: 'Email missing' });
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/rule=missing_email/);
  assert.match(page.url(), /status=needs_attention/);
  await rowOf('Scenario Missing Email').waitFor();
  const labels = await rows().evaluateAll((trs) => trs.map((tr) => tr.querySelector('.messages').innerText));
  assert.ok(labels.length > 0 && labels.every((l) => /Email missing/.test(l)), labels.join(' | '));
  // The tab counts follow the rule too.
  const tab = page.getByRole('navigation', { name: 'Status' }).getByRole('link', { name: /All/ });
  assert.equal(await tab.locator('.count').innerText(), String(labels.length));
  // Reload: the same rows.
  await page.reload();
  await hydrated(page);
  assert.equal(await rows().count(), labels.length);
});

test('the list fits 1280 and 1440 px, keeps its header in view, and problems expand by keyboard', async () => {
  await page.goto(`${dash.url}/contractors`);
  await hydrated(page);
  await rows().first().waitFor();
  for (const [width, height] of [[1280, 800], [1440, 900]]) {
    await page.setViewportSize({ width, height });
    await assertNoSidewaysScroll(page, `contractors at ${width} px`);
    // Every column, the last one included, is inside the window.
    const right = await page.locator('table.contractors').evaluate((t) => t.getBoundingClientRect().right);
    assert.ok(right <= width, `table ends at ${right} in ${width}`);
    const copy = rows().first().getByRole('button', { name: /^(Copy link|Copied) for / });
    if (await copy.count()) {
      const box = await copy.boundingBox();
      assert.ok(box.x + box.width <= width, 'the Copy link button is visible');
    }
  }
  await screenshotsAtLaptopSizes(page, 'contractors-list');

  // The header row stays at the top while the page scrolls.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.mouse.wheel(0, 1500);
  await page.waitForFunction(() => window.scrollY > 1000);
  const top = await page.locator('table.contractors thead th').first().evaluate((th) => th.getBoundingClientRect().top);
  assert.ok(Math.abs(top) < 2, `header at ${top}`);
  await screenshot(page, 'contractors-list-scrolled-1280');
  await page.evaluate(() => window.scrollTo(0, 0));

  // Numbers are right-aligned.
  const align = await page.locator('table.contractors td.num').first().evaluate((td) => getComputedStyle(td).textAlign);
  assert.equal(align, 'right');

  // A problem opens with the keyboard, shows the message and the fix, and focus is visible.
  await page.goto(`${dash.url}/contractors?q=scenario%20agency%20pay%20missing`);
  await hydrated(page);
  const row = rows().first();
  const summary = row.locator('details.problem summary').first();
  await summary.focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Shift+Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'keyboard focus is visible');
  await page.keyboard.press('Enter');
  await row.locator('details.problem[open] .message').first().waitFor();
  assert.match(await row.locator('details.problem[open]').first().innerText(), /CreatorIQ/);
  await screenshot(page, 'contractors-problem-open-1280');
});

test('Copy link is always visible and copies; Re-sync selected runs one run over the chosen rows', async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${dash.url}/contractors?status=synced`);
  await hydrated(page);
  await rows().first().waitFor();
  const first = rows().first();
  const copy = first.getByRole('button', { name: /^(Copy link|Copied) for / });
  assert.ok(await copy.isVisible());
  await copy.click();
  await first.getByRole('button', { name: /^(Copy link|Copied) for / }).filter({ hasText: 'Copied' }).waitFor();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /\/apply\/[A-Za-z0-9_-]{43}$/);

  // Select two rows by keyboard (Space on the checkbox), then Re-sync selected.
  const bulk = page.getByRole('group', { name: 'Selected rows' });
  assert.equal(await bulk.getByRole('button', { name: 'Re-sync selected' }).isDisabled(), true);
  for (const i of [0, 1]) {
    await rows().nth(i).getByRole('checkbox').focus();
    await page.keyboard.press('Space');
  }
  await bulk.getByText('2 rows selected').waitFor();
  await screenshot(page, 'contractors-selected-1280');
  await bulk.getByRole('button', { name: 'Re-sync selected' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText(/Selected rows re-synced\.|Re-syncing selected rows/).first().waitFor();
  await page.getByText('Selected rows re-synced.').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('.sync-summary').innerText(), /2 rows/);
  // The selection is cleared and the table refreshed.
  await bulk.getByText('No rows selected').waitFor();

  // Select every row on the page.
  await page.getByRole('checkbox', { name: 'Select every row on this page' }).check();
  await bulk.getByText(`${await rows().count()} rows selected`).waitFor();
  await page.getByRole('checkbox', { name: 'Select every row on this page' }).uncheck();
  await bulk.getByText('No rows selected').waitFor();
});

test('Export fix list gives one line per problem, grouped by campaign, under the list filters', async () => {
  await page.goto(`${dash.url}/contractors?rule=missing_po_contact_email`);
  await hydrated(page);
  const href = await page.getByRole('link', { name: 'Export fix list' }).getAttribute('href');
  assert.equal(href, '/fix-list.csv?rule=missing_po_contact_email');
  const csv = await page.evaluate(async (h) => (await fetch(h)).text(), href);
  const lines = csv.trim().split('\n');
  assert.match(lines[0], /"Campaign","CreatorIQ campaign id","Creator"/);
  assert.ok(lines.length > 1);
  assert.ok(lines.slice(1).some((l) => l.includes('"PO contact email missing"') && l.includes('"CustomField4 (PO Contact Email)"')));
  // Grouped: a campaign's lines are together.
  const campaigns = lines.slice(1).map((l) => l.split('","')[1]);
  const seen = [];
  for (const c of campaigns) {
    if (seen[seen.length - 1] !== c) {
      assert.ok(!seen.includes(c), `campaign ${c} is split`);
      seen.push(c);
    }
  }

  // From the overview, every row that needs attention.
  await page.goto(`${dash.url}/`);
  await hydrated(page);
  const all = await page.getByRole('link', { name: 'Export fix list' }).getAttribute('href');
  assert.equal(all, '/fix-list.csv');
  const full = await page.evaluate(async (h) => (await fetch(h)).text(), all);
  assert.ok(full.trim().split('\n').length > lines.length);
});
