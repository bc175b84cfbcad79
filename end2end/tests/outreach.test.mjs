import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, screenshot, screenshotsAtLaptopSizes, signIn,
} from '../harness.mjs';

// No SMTP relay on this server: messages go as CreatorIQ messages, into the sandbox's inbox.
const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
let dash;
let sandbox;
let browser;
let page;

const inbox = async () => (await (await fetch(`${sandbox.url}/_sandbox/messages`)).json());
const inboxCount = async () => {
  const body = await inbox();
  return (Array.isArray(body) ? body : body.messages ?? []).length;
};

async function until(what, check, timeout = 20_000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  sandbox = await startSandbox({ size: 'demo' });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url, '--api-key', sandbox.key]);
  browser = await launchBrowser();
  page = await browser.newPage();
  await signIn(page, dash.url, admin.email, admin.password);
  await page.waitForURL(`${dash.url}/`);
});

after(async () => {
  await browser?.close();
  await dash?.stop();
  await sandbox?.stop();
});

test('Settings: wording is checked on save, and the preview reads like a real message', async () => {
  await page.goto(`${dash.url}/settings`);
  await hydrated(page);
  const section = page.getByTestId('messages-settings');
  await section.waitFor();
  assert.match(await section.innerText(), /Until you choose: CreatorIQ messages/);
  const body = section.getByLabel('First message', { exact: true });
  await body.fill('Hi {first_name}, apply here: {link}');
  await section.getByRole('button', { name: 'Save messages' }).click();
  const refusal = section.getByRole('alert');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /\{first_name\} is not a placeholder/);
  assert.equal(await body.getAttribute('aria-invalid'), 'true');

  await body.fill('Hi {creator_name}, {organization} needs you insured for {campaign} ({coverage_window}). Apply here: {link}');
  await section.getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByTestId('message-preview');
  await preview.waitFor();
  const text = await preview.innerText();
  assert.match(text, /As .+ on .+ would read them/);
  assert.match(text, /Hi .+, Acme Agency needs you insured for/);
  assert.match(text, /\/apply\/[A-Za-z0-9_-]{20,}/, 'a real row\'s link');
  await section.getByRole('button', { name: 'Save messages' }).click();
  await section.getByText(/^Saved: CreatorIQ messages; automatic sending off/).waitFor();
  await preview.scrollIntoViewIfNeeded();
  await screenshotsAtLaptopSizes(page, 'settings-messages');
});

test('Send on a row, then every Synced row never sent, with progress; the funnel counts them', async () => {
  await page.goto(`${dash.url}/contractors?status=synced&q=scenario%20clean`);
  await hydrated(page);
  const row = page.locator('tr[data-status]').first();
  assert.match(await row.locator('td.contact').innerText(), /Not sent/);
  await row.locator('td.select input').check();
  await page.getByRole('button', { name: 'Send link to selected' }).click();
  const status = page.locator('.send-status');
  await status.getByText(/Sent 1 of 1 messages to 1 rows/).waitFor();
  await until('the CreatorIQ message', async () => (await inboxCount()) === 1);
  const [message] = await inbox().then((b) => (Array.isArray(b) ? b : b.messages));
  assert.match(JSON.stringify(message), /\/apply\//);

  // The contractor page lists it; Resend sends the same link again.
  await row.getByRole('link').first().click();
  await page.waitForURL(/\/contractors\/\d+$/);
  await hydrated(page);
  const messages = page.locator('#messages');
  await messages.locator('tr.message-sent').first().waitFor();
  assert.match(await messages.innerText(), /Application link\s+CreatorIQ message\s+Sent/);
  await messages.getByRole('button', { name: 'Resend link' }).click();
  await until('the resent message', async () => (await inboxCount()) === 2);
  await page.reload();
  await hydrated(page);
  assert.equal(await messages.locator('tr.message-sent').count(), 2);
  await screenshotsAtLaptopSizes(page, 'contractor-messages');

  // Every Synced row never sent: a progress bar until each message has gone.
  await page.goto(`${dash.url}/contractors?status=synced`);
  await hydrated(page);
  await page.getByRole('button', { name: 'Send to every Synced row never sent' }).click();
  await status.getByText(/^Sent \d+ of \d+ messages to \d+ rows\./).waitFor({ timeout: 60_000 });
  const done = await status.innerText();
  const [, sent, total] = done.match(/Sent (\d+) of (\d+)/);
  assert.equal(sent, total, done);
  assert.ok(Number(total) > 10, done);
  await page.reload();
  await hydrated(page);
  assert.match(await page.locator('tr[data-status] td.contact').first().innerText(), /Sent \d/);
  await screenshotsAtLaptopSizes(page, 'contractors-contacted');

  // The filter finds none left unsent.
  await page.goto(`${dash.url}/contractors?status=synced&contact=not_sent`);
  await page.getByText('No contractors match these filters').waitFor();

  // Overview: Synced -> link sent -> opened -> submitted, each count a link to those rows.
  await page.goto(`${dash.url}/`);
  await hydrated(page);
  const funnel = page.locator('section.funnel');
  await funnel.waitFor();
  const totalRow = funnel.locator('tr.total');
  const cells = await totalRow.locator('td a').allInnerTexts();
  assert.equal(cells[0], cells[1], `every Synced row was sent its link: ${cells}`);
  assert.equal(await totalRow.locator('td a').nth(1).getAttribute('href'), '/contractors?status=synced&contact=sent');
  await screenshotsAtLaptopSizes(page, 'overview-funnel');
  await screenshot(page, 'overview-funnel');
});
