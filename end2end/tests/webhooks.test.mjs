import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, screenshot, openAs,
} from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
const viewer = { email: 'viewer@acme.example', password: 'viewer password 123' };
// The sandbox's scenario creator with a blank email (needs attention until fixed).
const missingEmail = 5700002;
let dash;
let sandbox;
let browser;

before(async () => {
  sandbox = await startSandbox({ size: 'tiny', rateLimit: 0 });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  dash.cli(['add-member', '--org', admin.slug, '--email', viewer.email, '--role', 'viewer'], {
    MEMBER_PASSWORD: viewer.password,
  });
  // Saving the key subscribes the organization's callback, then the first sync runs.
  dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url], { CIQ_API_KEY: sandbox.key });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dash?.stop();
  await sandbox?.stop();
});

async function open(page, who, path) {
  await openAs(browser, page, dash.url, who, path);
}

async function callbackUrl() {
  const r = await fetch(`${sandbox.url}/pubsub/subscriptions`, { headers: { 'x-api-key': sandbox.key } });
  const subs = await r.json();
  return subs.find((s) => s.entityType === 'Publisher' && s.actionType === 'update').callback;
}

test('Settings shows each webhook subscription and the schedule, and both can be changed', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await open(page, admin, '/settings');
  const section = page.getByTestId('automatic');
  for (const event of ['Publisher/update', 'Publisher/campaign.added', 'Publisher/delete', 'Campaign/create', 'Campaign/delete']) {
    const row = section.locator(`tr[data-event="${event}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Subscribed/, event);
  }
  assert.equal(await page.getByLabel('Run a full sync').inputValue(), '360');
  await page.getByLabel('Run a full sync').selectOption('0');
  await page.getByRole('button', { name: 'Save schedule' }).click();
  await page.getByText(/Scheduled syncs are off/).waitFor();
  await page.reload();
  await hydrated(page);
  assert.equal(await page.getByLabel('Run a full sync').inputValue(), '0');
  await page.getByLabel('Run a full sync').selectOption('360');
  await page.getByRole('button', { name: 'Save schedule' }).click();
  await page.getByText(/Saved: every 6 hours/).waitFor();

  await page.getByRole('button', { name: 'Subscribe again' }).click();
  await page.getByText(/CreatorIQ confirmed all 5 events/).waitFor();

  // Replacing the webhook address: the old one is refused, CreatorIQ's subscriptions move.
  const oldCallback = await callbackUrl();
  await page.getByText('Replace the webhook address').click();
  await page.getByRole('button', { name: 'Replace webhook address' }).click();
  await page.getByText(/The webhook address was replaced/).waitFor();
  const newCallback = await callbackUrl();
  assert.notEqual(newCallback, oldCallback);
  const refused = await fetch(oldCallback, {
    method: 'POST', body: '{}', headers: { 'content-type': 'application/json' },
  });
  assert.equal(refused.status, 404);
  await screenshot(page, 'settings-replace-address-1280');

  // Alerts: a webhook anywhere but https is refused in words; nothing is lost.
  await page.getByLabel('Email addresses').fill('not an address');
  await page.getByRole('button', { name: 'Save alerts' }).click();
  await page.getByText(/is not an email address/).waitFor();
  await page.getByLabel('Slack-compatible webhook URL').fill('http://hooks.example.com/services/x');
  await page.getByLabel('Email addresses').fill('');
  await page.getByRole('button', { name: 'Save alerts' }).click();
  await page.getByText(/must start with https:\/\//).waitFor();
  await page.getByRole('button', { name: 'Send test alert' }).click();
  await page.getByText(/No recipients yet/).waitFor();
  await screenshot(page, 'settings-automatic-1280');
  await page.close();
});

test('a fix made in CreatorIQ arrives as a webhook; refusals are logged; an admin can reprocess', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  await open(page, admin, '/webhooks');
  await page.getByRole('heading', { name: 'No webhook deliveries yet' }).waitFor();

  // The fix in the sandbox fires a signed Publisher/update webhook.
  const edit = await fetch(`${sandbox.url}/_sandbox/creators/${missingEmail}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'fixed@example.com' }),
  });
  assert.equal(edit.status, 200);
  // A forged delivery to the same callback is refused and logged.
  const forged = await fetch(await callbackUrl(), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-timestamp': String(Math.floor(Date.now() / 1000)),
      'x-signature-sha256': '0'.repeat(64),
    },
    body: JSON.stringify({ requestId: 'forged-1', entityType: 'Publisher', actionType: 'update', entityId: missingEmail }),
  });
  assert.equal(forged.status, 401);

  await page.reload();
  await hydrated(page);
  const processed = page.locator('tr[data-state="done"]').first();
  await processed.waitFor();
  const text = await processed.innerText();
  assert.match(text, /Publisher\/update/);
  assert.match(text, /Scenario Missing Email/);
  assert.match(text, new RegExp(`CreatorIQ creator ${missingEmail}`));
  assert.ok(await processed.getByRole('link', { name: 'Scenario Missing Email' }).count() === 1, 'the creator links to their row');
  assert.match(text, /Verified/);
  assert.match(text, /Processed\s+run #\d+/);
  const rejected = page.locator('tr[data-state="rejected"]');
  assert.equal(await rejected.count(), 1);
  assert.match(await rejected.innerText(), /Bad signature/);
  assert.equal(await rejected.getByRole('button', { name: /Reprocess/ }).count(), 0, 'refused deliveries are never processed');
  await screenshot(page, 'webhooks-1440');

  // The row is synced without anyone pressing Sync now.
  const runLink = processed.getByRole('link', { name: /run #\d+/ });
  const firstRun = await runLink.innerText();
  const id = await processed.getAttribute('data-delivery');

  // Reprocess: queued again, then processed by a new run.
  await processed.getByRole('button', { name: /Reprocess/ }).click();
  await page.getByText(new RegExp(`Delivery #${id} is queued again`)).waitFor();
  await page.waitForFunction(
    ([id, first]) => {
      const row = document.querySelector(`tr[data-delivery="${id}"]`);
      return row?.dataset.state === 'done' && !row.innerText.includes(first);
    },
    [id, firstRun],
    { timeout: 20_000 },
  );
  await page.setViewportSize({ width: 1280, height: 800 });
  await screenshot(page, 'webhooks-1280');
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
  assert.ok(fits, 'the delivery log fits 1280 px without scrolling sideways');
  await page.close();
});

test('a viewer sees the delivery log without Reprocess', async () => {
  const page = await browser.newPage();
  await open(page, viewer, '/webhooks');
  await page.locator('tr[data-state="done"]').first().waitFor();
  assert.equal(await page.getByRole('button', { name: /Reprocess/ }).count(), 0);
  await page.close();
});
