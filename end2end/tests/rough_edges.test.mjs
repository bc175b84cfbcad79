// What an operator ran into on a first day, each fixed and checked in the browser: Regenerate
// asks first and says what the creator's old link will show; the list's filters apply as they
// change, with a clean URL and the focus kept; headers sort, problems first; bad input is
// corrected and said with the list still there; problems read as words on the contractor page;
// the audit log links what it names; a skip link is the first Tab stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, screenshot, openAs, accessibilityProblems,
} from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
let dash;
let sandbox;
let browser;
let page;

before(async () => {
  sandbox = await startSandbox({ size: 'tiny', rateLimit: 0 });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url], { CIQ_API_KEY: sandbox.key });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await openAs(browser, page, dash.url, admin, '/contractors');
});

after(async () => {
  await browser?.close();
  await dash?.stop();
  await sandbox?.stop();
});

const rowOf = (name) => page.locator('tr[data-status]', { has: page.getByRole('link', { name, exact: true }) });

test('Regenerate link asks first, says what the old link will show, and can be kept', async () => {
  await page.goto(`${dash.url}/contractors?q=scenario%20clean`);
  await hydrated(page);
  await rowOf('Scenario Clean').getByRole('link', { name: 'Scenario Clean', exact: true }).click();
  await page.waitForURL(/\/contractors\/\d+$/);
  await hydrated(page);
  const before = await page.locator('.link-card .link-field').first().inputValue();

  await page.getByText('Regenerate link…').click();
  const confirm = page.getByRole('group', { name: 'Confirm regenerating the link' });
  assert.match(await confirm.innerText(), /has not opened the current link yet/);
  assert.match(await confirm.innerText(), /This link has\s+expired/);
  await screenshot(page, 'regenerate-confirm-1280');
  await confirm.getByRole('button', { name: 'Keep the current link' }).click();
  await confirm.waitFor({ state: 'hidden' });
  assert.equal(await page.locator('.link-card .link-field').first().inputValue(), before, 'nothing changed');

  // The creator opens the link: the confirmation says so.
  const creator = await browser.context.newPage();
  await creator.goto(before);
  await creator.close();
  await page.reload();
  await hydrated(page);
  await page.getByText('Regenerate link…').click();
  assert.match(await confirm.innerText(), /opened the current link/);
  await confirm.getByRole('button', { name: 'Regenerate link' }).click();
  await page.waitForFunction((old) => {
    const f = document.querySelector('.link-card .link-field');
    return f && f.value !== old;
  }, before);
  const old = await fetch(before);
  assert.equal(old.status, 410);
  assert.match(await old.text(), /This link has expired/);
});

test('the contractor page names problems in words and says when CreatorIQ sent a blank', async () => {
  await page.goto(`${dash.url}/contractors?q=scenario%20missing%20email`);
  await hydrated(page);
  await rowOf('Scenario Missing Email').getByRole('link', { name: 'Scenario Missing Email', exact: true }).click();
  await page.waitForURL(/\/contractors\/\d+$/);
  const checks = await page.locator('section', { has: page.getByRole('heading', { name: 'Checks' }) }).innerText();
  assert.match(checks, /Email missing/);
  assert.doesNotMatch(checks, /missing_email/);
  const history = await page.locator('section', { has: page.getByRole('heading', { name: 'Sync history' }) }).innerText();
  assert.match(history, /Email missing/);
  assert.doesNotMatch(history, /needs_attention|missing_email/);
  const fields = await page.locator('table.fields').innerText();
  assert.doesNotMatch(fields, /CreatorIQ sent:\s*\n/, 'never "CreatorIQ sent:" followed by nothing');
  await screenshot(page, 'contractor-problems-1280');
});

test('filters apply as they change, keep the focus, and leave a clean URL; headers sort, problems first', async () => {
  await page.goto(`${dash.url}/contractors`);
  await hydrated(page);
  await page.getByLabel('Problem').selectOption({ label: 'Email missing' });
  await page.waitForURL(/rule=missing_email/);
  assert.doesNotMatch(page.url(), /&=|=&|campaign=&/);
  await page.locator('tr[data-status]').first().waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'rule', 'the focus stays on the filter');
  await page.getByLabel('Problem').selectOption({ label: 'Any problem or none' });
  await page.waitForURL((u) => !u.search.includes('rule='));

  // A search applies once typing pauses; the caret stays in the field.
  await page.getByLabel('Search').pressSequentially('scenario zero');
  await page.waitForURL(/q=scenario\+zero|q=scenario%20zero/);
  await rowOf('Scenario Zero Payout').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'q');
  await page.getByLabel('Search').fill('');
  await page.getByLabel('Search').press('Enter');
  await page.waitForURL((u) => !u.search.includes('q='));

  // Status sorts problems first; the header says how the list is sorted.
  await page.getByRole('link', { name: 'Status' }).click();
  await page.waitForURL(/sort=status/);
  await page.locator('tr[data-status]').first().waitFor();
  assert.equal(await page.locator('tr[data-status]').first().getAttribute('data-status'), 'needs_attention');
  assert.equal(await page.locator('th[aria-sort]').innerText(), 'Status ▲');
  await page.getByRole('link', { name: /^Status/ }).click();
  await page.waitForURL(/sort=status&dir=desc|dir=desc.*sort=status/);
  await page.waitForFunction(() => document.querySelector('th[aria-sort]')?.getAttribute('aria-sort') === 'descending');
  await screenshot(page, 'contractors-sorted-1280');
});

test('bad list input is corrected and said, with the filters and rows still there', async () => {
  await page.goto(`${dash.url}/contractors?q=${'x'.repeat(300)}`);
  await page.getByText(/cut to its first 200/).waitFor();
  assert.equal(await page.getByLabel('Search').getAttribute('maxlength'), '200');
  assert.equal((await page.getByLabel('Search').inputValue()).length, 200);
  await page.goto(`${dash.url}/contractors?page=999999`);
  await page.getByText(/There is no page 100000: the list has 1 pages?|There is no page 100000: the list has one page/).waitFor();
  assert.ok(await page.locator('tr[data-status]').count() > 0, 'the last page shows its rows');
  await page.goto(`${dash.url}/contractors?rule=nope`);
  await page.getByText(/There is no problem called .nope./).waitFor();
  assert.ok(await page.locator('tr[data-status]').count() > 0);
  await screenshot(page, 'contractors-bad-input-1280');
  const unknownRun = await page.goto(`${dash.url}/sync-runs/999999`);
  assert.equal(unknownRun.status(), 404);
});

test('the audit log links the rows and runs it names; a skip link is the first Tab stop', async () => {
  await page.goto(`${dash.url}/audit`);
  await hydrated(page);
  const link = page.locator('table.audit a[href^="/contractors/"]').first();
  await link.waitFor();
  assert.match(await link.innerText(), /^contractor #\d+$/);
  await link.click();
  await page.waitForURL(/\/contractors\/\d+$/);

  await page.goto(`${dash.url}/contractors`);
  await hydrated(page);
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({ text: document.activeElement?.innerText, href: document.activeElement?.getAttribute('href') }));
  assert.deepEqual(first, { text: 'Skip to content', href: '#main' });
  await screenshot(page, 'skip-link-1280');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  const next = await page.evaluate(() => document.activeElement?.closest('main') !== null);
  assert.ok(next, 'after the skip link, Tab goes into the page, not the navigation');
  assert.deepEqual(await accessibilityProblems(page), []);
});

test('the contractors list reads well from 1024 px up: nothing clipped, nothing broken mid-word', async () => {
  for (const width of [1024, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${dash.url}/contractors?status=needs_attention`);
    await hydrated(page);
    await page.locator('tr[data-status]').first().waitFor();
    const report = await page.evaluate(() => {
      const wrap = document.querySelector('.list-wrap');
      const clipped = [...document.querySelectorAll('table.contractors .badge, table.contractors td.num, table.contractors th')]
        .filter((el) => el.getClientRects().length > 0 && el.scrollWidth > el.clientWidth + 1)
        .map((el) => el.innerText);
      const navLines = [...document.querySelectorAll('.topbar nav a')]
        .filter((a) => a.getClientRects().length > 1 || a.getBoundingClientRect().height > 40)
        .map((a) => a.innerText);
      const emails = [...document.querySelectorAll('table.contractors .email')]
        .filter((el) => el.getBoundingClientRect().height > 24)
        .map((el) => el.innerText);
      return { overflow: wrap.scrollWidth - wrap.clientWidth, clipped, navLines, emails };
    });
    assert.ok(report.overflow <= 1, `${width} px: the table fits its box (${report.overflow} px over)`);
    assert.deepEqual(report.clipped, [], `${width} px: no badge or amount is cut off`);
    assert.deepEqual(report.navLines, [], `${width} px: no navigation item breaks over two lines`);
    assert.deepEqual(report.emails, [], `${width} px: emails keep to one line`);
    await screenshot(page, `contractors-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
});

test("times read in the viewer's own time zone, with UTC on hover", async () => {
  const p = await browser.newPage();
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Emulation.setTimezoneOverride', { timezoneId: 'America/New_York' });
  await p.goto(`${dash.url}/audit`);
  await hydrated(p);
  const first = p.locator('table.audit time').first();
  await first.waitFor();
  const utc = await first.getAttribute('title');
  const iso = await first.getAttribute('datetime');
  assert.match(utc, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC$/);
  // What the browser itself says for that moment, in its language and the emulated zone.
  const expected = await p.evaluate((at) => new Date(at).toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit',
  }), iso);
  assert.equal(await p.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'America/New_York');
  assert.notEqual(expected.replace(/\D/g, ''), utc.replace(/\D/g, ''), 'New York is not UTC');
  await p.waitForFunction((want) => document.querySelector('table.audit time')?.innerText === want, expected);
  // The contractors list's Last synced, too.
  await p.goto(`${dash.url}/contractors`);
  await hydrated(p);
  const synced = p.locator('td.when time').first();
  await synced.waitFor();
  assert.match(await synced.getAttribute('title'), / UTC$/);
  assert.doesNotMatch(await synced.innerText(), /UTC/);
  await screenshot(p, 'local-times-1280');
  await p.close();
});

test('search finds a campaign by name and a creator by CreatorIQ id', async () => {
  await page.goto(`${dash.url}/contractors?q=scenario%20clean`);
  await hydrated(page);
  await rowOf('Scenario Clean').getByRole('link', { name: 'Scenario Clean', exact: true }).click();
  await page.waitForURL(/\/contractors\/\d+$/);
  const head = page.locator('main p.muted', { hasText: /CreatorIQ campaign \d+, creator \d+/ });
  const ids = (await head.innerText()).match(/CreatorIQ campaign (\d+), creator (\d+)/);
  assert.ok(ids, 'the page names the CreatorIQ ids');
  const campaign = (await head.innerText()).split(' · ')[1];

  await page.goto(`${dash.url}/contractors`);
  await hydrated(page);
  await page.getByLabel('Search').fill(ids[2]);
  await page.getByLabel('Search').press('Enter');
  await page.waitForURL(new RegExp(`q=${ids[2]}`));
  await page.waitForFunction(() => document.querySelectorAll('tr[data-status]').length === 1);
  assert.match(await page.locator('tr[data-status]').innerText(), /Scenario Clean/);

  // Every row of the campaign, and only its rows (the tiny sandbox has several campaigns).
  await page.getByLabel('Search').fill(campaign.toLowerCase());
  await page.getByLabel('Search').press('Enter');
  await page.waitForURL((u) => u.searchParams.get('q') === campaign.toLowerCase());
  await page.waitForFunction((name) => {
    const rows = [...document.querySelectorAll('tr[data-status]')];
    return rows.length > 1 && rows.every((r) => r.innerText.includes(name));
  }, campaign);
  await screenshot(page, 'contractors-search-campaign-1280');
});

test('"Open in CreatorIQ" follows the address an admin writes on Settings', async () => {
  await page.goto(`${dash.url}/contractors?q=scenario%20missing%20email`);
  await hydrated(page);
  await rowOf('Scenario Missing Email').getByRole('link', { name: 'Scenario Missing Email', exact: true }).click();
  await page.waitForURL(/\/contractors\/\d+$/);
  const detail = page.url();
  const [, campaignId, creatorId] = (await page
    .locator('main p.muted', { hasText: /CreatorIQ campaign \d+, creator \d+/ }).innerText())
    .match(/CreatorIQ campaign (\d+), creator (\d+)/);
  // No address yet: where to look in CreatorIQ, and where to add the address.
  assert.match(await page.getByTestId('find-in-ciq').innerText(), new RegExp(`campaign ${campaignId} .*creator ${creatorId}`));
  assert.equal(await page.getByTestId('open-in-ciq').count(), 0);

  await page.goto(`${dash.url}/settings`);
  await hydrated(page);
  const field = page.getByLabel("Address of a creator's page in CreatorIQ");
  await field.fill('https://app.creatoriq.com/dashboard/#campaign/{campaign}');
  await field.press('Enter');
  await page.getByText(/\{campaign\} is not one of them/).waitFor();
  assert.equal(await field.inputValue(), 'https://app.creatoriq.com/dashboard/#campaign/{campaign}', 'what was typed is kept');
  await field.fill('https://app.creatoriq.com/dashboard/#campaign/{campaign_id}/creator/{creator_id}');
  await field.press('Enter');
  await page.getByText(/Saved\. Each contractor's page now links/).waitFor();
  await screenshot(page, 'settings-app-link-1280');

  await page.goto(detail);
  await hydrated(page);
  const open = page.getByTestId('open-in-ciq');
  assert.equal(await open.getAttribute('href'), `https://app.creatoriq.com/dashboard/#campaign/${campaignId}/creator/${creatorId}`);
  assert.equal(await open.getAttribute('target'), '_blank');
  assert.equal(await open.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await page.getByTestId('find-in-ciq').count(), 0);
  await screenshot(page, 'contractor-open-in-ciq-1280');

  // Emptied, the page goes back to naming the ids.
  await page.goto(`${dash.url}/settings`);
  await hydrated(page);
  await field.fill('');
  await field.press('Enter');
  await page.getByText(/Removed\./).waitFor();
  await page.goto(detail);
  await page.getByTestId('find-in-ciq').waitFor();
});
