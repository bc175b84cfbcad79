import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, screenshot, screenshotAtPhoneSize, screenshotsAtLaptopSizes, signIn,
  openAs,
} from '../harness.mjs';
import { walkTheApplication } from '../application.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
let dash;
let sandbox;
let operator;
let creator;
let plain;

before(async () => {
  sandbox = await startSandbox({ size: 'tiny' });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url, '--api-key', sandbox.key]);
  operator = await launchBrowser();
  // The creator opens the link in a browser of their own, not signed in.
  creator = await launchBrowser();
  // A phone that has not loaded the page's script yet: plain forms only.
  plain = await launchBrowser({ javaScript: false });
});

after(async () => {
  await creator?.close();
  await plain?.close();
  await operator?.close();
  await dash?.stop();
  await sandbox?.stop();
});

test('a creator opens the application link and submits; the dashboard shows it; old links expire', async () => {
  const page = await operator.newPage();
  await signIn(page, dash.url, admin.email, admin.password);
  await page.waitForURL(`${dash.url}/`);
  // The list has a Copy link button; the contractor page shows the link itself.
  await page.goto(`${dash.url}/contractors?q=scenario%20clean`);
  const row = page.locator('tr[data-status]', { has: page.getByRole('link', { name: 'Scenario Clean', exact: true }) });
  await row.getByRole('link', { name: 'Scenario Clean' }).click();
  await page.waitForURL(/\/contractors\/\d+$/);
  const link = await page.locator('.copy-link .link-field').first().inputValue();
  await page.goto(`${dash.url}/contractors?q=scenario%20clean`);
  assert.match(await row.locator('.link-state').innerText(), /Not opened yet/);

  const applyPage = await creator.newPage();
  const opened = await applyPage.goto(link);
  assert.equal(opened.status(), 200);
  await applyPage.getByRole('heading', { name: 'Your insurance application' }).waitFor();
  const summary = await applyPage.locator('dl.summary').innerText();
  assert.match(summary, /Scenario Clean/);
  assert.match(summary, /Scenario Campaign - Upcoming/);
  assert.match(summary, /Massachusetts/);
  assert.match(summary, /\$4,500\.00/);
  await screenshot(applyPage, 'apply');
  await screenshotAtPhoneSize(applyPage, 'apply');

  // Fetching the page (as a mail scanner would) does not count as opening it.
  await page.reload();
  assert.match(await row.locator('.link-state').innerText(), /Not opened yet/);
  // The creator's first click on the page does.
  await hydrated(applyPage);
  await applyPage.locator('dl.summary').click();
  for (let i = 0; i < 50; i += 1) {
    await page.reload();
    if (/Opened/.test(await row.locator('.link-state').innerText())) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(await row.locator('.link-state').innerText(), /Opened/);

  await walkTheApplication(applyPage, 'apply', 'Scenario Clean');
  assert.match(await applyPage.locator('.apply-card').innerText(), /Application complete/);

  await page.reload();
  assert.match(await row.locator('.link-state').innerText(), /Submitted/);

  // Regenerating replaces the link; the old one now says it has expired, with 410.
  await row.getByRole('link', { name: 'Scenario Clean' }).click();
  await page.waitForURL(/\/contractors\/\d+$/);
  await hydrated(page);
  // It asks first, saying the creator submitted with the current link.
  await page.getByText('Regenerate link…').click();
  const confirm = page.getByRole('group', { name: 'Confirm regenerating the link' });
  assert.match(await confirm.innerText(), /submitted an application with the current link/);
  await confirm.getByRole('button', { name: 'Regenerate link' }).click();
  await page.waitForFunction((old) => document.querySelector('.copy-link input')?.value !== old, link);
  const expired = await applyPage.goto(link);
  assert.equal(expired.status(), 410);
  await applyPage.getByRole('heading', { name: 'This link has expired' }).waitFor();
  await screenshot(applyPage, 'apply-expired');
  await screenshotAtPhoneSize(applyPage, 'apply-expired');

  const unknown = await applyPage.goto(`${dash.url}/apply/not-a-real-link-token-at-all`);
  assert.equal(unknown.status(), 404);
  await applyPage.getByRole('heading', { name: 'Link not found' }).waitFor();
});

test('before its script loads, a phone completes the application with plain forms; the claim goes to review', async () => {
  const page = await operator.newPage();
  await openAs(operator, page, dash.url, admin, '/contractors?q=scenario%20messy');
  await page.locator('tr[data-status] a.name').first().click();
  await page.waitForURL(/\/contractors\/\d+$/);
  const link = await page.locator('.copy-link .link-field').first().inputValue();

  const phone = await plain.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(link);
  await walkTheApplication(phone, null, 'Scenario Messy Address', { claim: true });
  await screenshotAtPhoneSize(phone, 'apply-plain-review');

  await page.goto(`${dash.url}/contractors?application=manual_review`);
  await page.locator('tr[data-status]', { hasText: 'Scenario Messy Address' }).waitFor();
  assert.match(await page.locator('tr[data-status]', { hasText: 'Scenario Messy Address' }).innerText(), /manual review/i);
  await screenshotsAtLaptopSizes(page, 'contractors-application-filter');
});
