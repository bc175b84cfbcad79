// Pages that keep themselves current: a fix made in CreatorIQ arrives as a webhook and every
// open page (the contractors list, the contractor's page, the overview, the webhooks log)
// changes in place, with no reload, keeping the list's filters, selection and scroll. Then two
// dashboard instances on one PostgreSQL database: a webhook processed by A updates a page served
// by B within 2 s of A's own page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, screenshot, openAs, createPostgresDatabase,
} from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
// The sandbox's scenario creators: a blank email (needs attention until fixed), and another.
const missingEmail = 5700002;
let sandbox;
let browser;

before(async () => {
  sandbox = await startSandbox({ size: 'tiny', rateLimit: 0 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

async function fixEmail(publisher, email) {
  const edit = await fetch(`${sandbox.url}/_sandbox/creators/${publisher}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  assert.equal(edit.status, 200);
}

/** Marks the page's window, so a reload (which would lose the mark) is noticed. */
async function mark(page) {
  await page.evaluate(() => { window.__notReloaded = true; });
}

async function stillTheSamePage(page, what) {
  assert.equal(await page.evaluate(() => window.__notReloaded === true), true, `${what} was not reloaded`);
}

test('a fix made in CreatorIQ updates every open page in place', async () => {
  const dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  try {
    dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url], { CIQ_API_KEY: sandbox.key });

    // The list of rows needing attention, one of them selected, scrolled down a little.
    const list = await browser.newPage();
    await list.setViewportSize({ width: 1280, height: 700 });
    await openAs(browser, list, dash.url, admin, '/contractors?status=needs_attention');
    const row = list.locator('tr[data-status]', { has: list.getByRole('link', { name: 'Scenario Missing Email', exact: true }) });
    await row.waitFor();
    const rowsBefore = await list.locator('tr[data-status]').count();
    const keep = list.locator('tr[data-status]', { hasNot: list.getByRole('link', { name: 'Scenario Missing Email', exact: true }) }).first();
    const keptName = await keep.locator('td a').first().innerText();
    await keep.getByRole('checkbox').check();
    await list.evaluate(() => window.scrollTo(0, 120));
    await list.getByText('Live', { exact: true }).waitFor();
    await mark(list);

    // The creator's own page.
    const detail = await browser.newPage();
    await detail.setViewportSize({ width: 1280, height: 800 });
    await detail.goto(`${dash.url}${await row.getByRole('link', { name: 'Scenario Missing Email', exact: true }).getAttribute('href')}`);
    await hydrated(detail);
    await detail.getByText('Live', { exact: true }).waitFor();
    assert.match(await detail.locator('main').innerText(), /Needs attention/);
    await mark(detail);

    const overview = await browser.newPage();
    await overview.setViewportSize({ width: 1440, height: 900 });
    await overview.goto(`${dash.url}/`);
    await hydrated(overview);
    await overview.getByText('No webhook received yet').waitFor();
    const attention = async () => Number((await overview.locator('.fixes p').first().innerText()).match(/^(\d+)/)[1]);
    const attentionBefore = await attention();
    await overview.getByText('Live', { exact: true }).waitFor();
    await mark(overview);

    const webhooks = await browser.newPage();
    await webhooks.setViewportSize({ width: 1280, height: 800 });
    await webhooks.goto(`${dash.url}/webhooks`);
    await hydrated(webhooks);
    await webhooks.getByRole('heading', { name: 'No webhook deliveries yet' }).waitFor();
    await webhooks.getByText('Live', { exact: true }).waitFor();
    await mark(webhooks);

    // The fix, in CreatorIQ: it sends a signed Publisher/update webhook.
    const fixedAt = Date.now();
    await fixEmail(missingEmail, 'fixed@example.com');

    await detail.getByText('Synced', { exact: true }).first().waitFor({ timeout: 20_000 });
    const detailAfter = Date.now() - fixedAt;
    await row.waitFor({ state: 'detached' });
    const listAfter = Date.now() - fixedAt;
    await overview.getByText(/Last webhook .*Processed/).waitFor();
    await overview.waitForFunction((before) => {
      const m = document.querySelector('.fixes p')?.innerText.match(/^(\d+)/);
      return m && Number(m[1]) === before - 1;
    }, attentionBefore);
    await webhooks.locator('tr[data-state="done"]').first().waitFor();
    console.log(`    updated in place after the fix: contractor page ${detailAfter} ms, list ${listAfter} ms`);

    // Nothing reloaded; the list kept what the operator had.
    for (const [p, what] of [[list, 'the list'], [detail, 'the contractor page'], [overview, 'the overview'], [webhooks, 'the webhooks page']]) {
      await stillTheSamePage(p, what);
    }
    assert.equal(await list.locator('tr[data-status]').count(), rowsBefore - 1);
    const kept = list.locator('tr[data-status]', { has: list.getByRole('link', { name: keptName, exact: true }) });
    assert.equal(await kept.getByRole('checkbox').isChecked(), true, 'the selection is kept');
    assert.match(await list.getByRole('group', { name: 'Selected rows' }).innerText(), /1 row selected/);
    assert.ok(await list.evaluate(() => window.scrollY) >= 100, 'the scroll is kept');
    assert.equal(new URL(list.url()).search, '?status=needs_attention');
    await list.getByText('Updated just now').waitFor();
    await screenshot(list, 'live-contractors-1280');
    await screenshot(detail, 'live-contractor-1280');
    await screenshot(overview, 'live-overview-1440');
    await screenshot(webhooks, 'live-webhooks-1280');
    for (const p of [list, detail, overview, webhooks]) await p.close();
  } finally {
    await dash.stop();
  }
});

test('a webhook processed by one instance updates a page served by another within 2 s', async () => {
  const db = createPostgresDatabase();
  let a;
  let b;
  try {
    a = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url], databaseUrl: db.url });
    b = await startDashboard({ ciqUrls: [sandbox.url], databaseUrl: db.url, masterKeyFile: a.env.MASTER_KEY_FILE });
    // Saving the key through A subscribes A's callback: CreatorIQ's webhooks reach A only.
    a.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url], { CIQ_API_KEY: sandbox.key });

    const onA = await browser.newPage();
    await openAs(browser, onA, a.url, admin, '/webhooks');
    // Both instances keep sessions in the shared database: the same sign-in serves on B.
    const onB = await browser.newPage();
    await onB.setViewportSize({ width: 1280, height: 800 });
    await onB.goto(`${b.url}/webhooks`);
    await hydrated(onB);
    for (const p of [onA, onB]) {
      await p.getByText('Live', { exact: true }).waitFor();
      await mark(p);
    }
    const before = await onB.locator('tr[data-state="done"]').count();
    await fixEmail(missingEmail + 1, 'moved@example.com');

    const shown = async (p) => {
      await p.waitForFunction((n) => document.querySelectorAll('tr[data-state="done"]').length > n, before, { timeout: 20_000 });
      return Date.now();
    };
    const [atA, atB] = await Promise.all([shown(onA), shown(onB)]);
    console.log(`    page on B updated ${atB - atA} ms after the page on A`);
    assert.ok(atB - atA <= 2000, `B followed A within 2 s (${atB - atA} ms)`);
    await stillTheSamePage(onB, 'the page on B');
    await screenshot(onB, 'live-webhooks-instance-b-1280');
    await onA.close();
    await onB.close();
  } finally {
    await b?.stop();
    await a?.stop();
    db.drop();
  }
});
