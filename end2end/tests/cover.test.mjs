import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, screenshotAtPhoneSize,
  screenshotsAtLaptopSizes, openAs, checkPdf, screenshotDir, accessibilityProblems,
} from '../harness.mjs';
import { walkTheApplication } from '../application.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
let dash;
let sandbox;
let operator;
let creator;

before(async () => {
  sandbox = await startSandbox({ size: 'tiny' });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  dash.cli(['sync', '--org', admin.slug, '--base-url', sandbox.url, '--api-key', sandbox.key]);
  operator = await launchBrowser();
  creator = await launchBrowser();
});

after(async () => {
  await creator?.close();
  await operator?.close();
  await dash?.stop();
  await sandbox?.stop();
});

/** The contractor page of the creator named `name`, and their application link. */
async function rowOf(page, name) {
  await page.goto(`${dash.url}/contractors?q=${encodeURIComponent(name)}`);
  await page.locator('tr[data-status] a.name', { hasText: name }).first().click();
  await page.waitForURL(/\/contractors\/\d+$/);
  await hydrated(page);
  const link = await page.locator('.copy-link .link-field').first().inputValue();
  return { url: page.url(), link };
}

/** Saves what clicking `locator` downloads as `screenshots/<name>` and returns its path. */
async function download(page, locator, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const path = join(screenshotDir, name);
  await file.saveAs(path);
  return path;
}

test('a row goes from Synced to Covered through the application, with policies and a certificate', async () => {
  const page = await operator.newPage();
  await openAs(operator, page, dash.url, admin, '/contractors?coverage=not_covered&q=start%20today');
  const listed = page.locator('tr[data-status]', { hasText: 'Scenario Campaign Start Today' });
  assert.match(await listed.locator('td.coverage').innerText(), /Not covered/);

  const { url, link } = await rowOf(page, 'Scenario Campaign Start Today');
  assert.match(await page.locator('#policies').innerText(), /No policy yet/);

  const applyPage = await creator.newPage();
  await applyPage.goto(link);
  await walkTheApplication(applyPage, null, 'Scenario Campaign Start Today');
  // The creator's finished page names the policies and offers the certificate.
  const card = applyPage.locator('.apply-card');
  assert.match(await card.innerText(), /GL-\d{6} · General liability/);
  assert.match(await card.innerText(), /Active/);
  await screenshotAtPhoneSize(applyPage, 'apply-complete-policies');
  const own = await download(applyPage, applyPage.getByRole('link', { name: /Download your certificate/ }), 'certificate-creator.pdf');
  const ownText = checkPdf(own, 'certificate-creator');
  assert.match(ownText, /Scenario Campaign Start Today/);

  // The list reads Covered, under the Coverage filter too.
  await page.goto(`${dash.url}/contractors?coverage=covered`);
  await hydrated(page);
  const covered = page.locator('tr[data-status]', { hasText: 'Scenario Campaign Start Today' });
  assert.match(await covered.locator('td.coverage').innerText(), /Covered until/);
  assert.equal(await page.locator('select[name="coverage"]').inputValue(), 'covered');
  await screenshotsAtLaptopSizes(page, 'contractors-coverage');

  // The contractor page: each policy with its number, limits and premium; the certificate.
  await page.goto(url);
  await hydrated(page);
  const policies = page.locator('#policies');
  const text = await policies.innerText();
  assert.match(text, /Covered until/);
  assert.match(text, /GL-\d{6}/);
  assert.match(text, /WC-\d{6}/);
  assert.match(text, /Each occurrence \$1,000,000/);
  assert.match(text, /Active/);
  // Started today: no cancelling here.
  assert.equal(await policies.getByRole('button', { name: 'Cancel cover' }).count(), 0);
  await policies.scrollIntoViewIfNeeded();
  await screenshotsAtLaptopSizes(page, 'contractor-policies');
  const problems = await accessibilityProblems(page);
  assert.deepEqual(problems, [], problems.join('\n'));
  const pdf = await download(page, policies.getByRole('link', { name: /Download certificate/ }), 'certificate.pdf');
  const pdfText = checkPdf(pdf, 'certificate');
  const number = text.match(/GL-\d{6}/)[0];
  assert.match(pdfText, new RegExp(number));
  assert.match(pdfText, /Acme Agency/);
  assert.match(pdfText, /Certificate of insurance/i);

  // The Invoices page: the creator's own invoice for the premium, the organization's for the fee.
  await page.goto(`${dash.url}/invoices`);
  await hydrated(page);
  const open = page.locator('table.invoices tbody tr');
  await open.first().waitFor();
  assert.equal(await open.count(), 2);
  const mine = open.filter({ hasText: 'scenario.start-today@example.com' });
  assert.match(await mine.innerText(), /Creator/);
  assert.match(await page.locator('nav.tabs').innerText(), /Open\s*2/);
  await screenshotsAtLaptopSizes(page, 'invoices');
  const invoiceProblems = await accessibilityProblems(page);
  assert.deepEqual(invoiceProblems, [], invoiceProblems.join('\n'));
  const invoicePdf = await download(page, mine.getByRole('link', { name: 'PDF' }), 'invoice.pdf');
  const invoiceText = checkPdf(invoicePdf, 'invoice');
  assert.match(invoiceText, /Invoice/);
  assert.match(invoiceText, /Amount due/);
  assert.match(invoiceText, /Scenario Campaign Start/);
  // Without an SMTP relay, Send says why it cannot be used.
  assert.equal(await mine.getByRole('button', { name: 'Send' }).isDisabled(), true);
  // The overview counts the creator as covered on a running campaign.
  await page.goto(`${dash.url}/`);
  await hydrated(page);
  const money = page.locator('section.cover-money');
  assert.match(await money.innerText(), /1 of \d+ contractors on running campaigns are covered/);
  await money.scrollIntoViewIfNeeded();
  await screenshotsAtLaptopSizes(page, 'overview-cover');
});

test('an admin cancels cover that has not started; the row reads Cancelled', async () => {
  const page = await operator.newPage();
  await openAs(operator, page, dash.url, admin, '/contractors');
  const { url, link } = await rowOf(page, 'Scenario Clean');
  const applyPage = await creator.newPage();
  await applyPage.goto(link);
  await walkTheApplication(applyPage, null, 'Scenario Clean');

  await page.goto(url);
  await hydrated(page);
  const policies = page.locator('#policies');
  assert.match(await policies.innerText(), /Scheduled from/);
  // The reason is required: the browser says so before anything is sent.
  await policies.getByRole('button', { name: 'Cancel cover' }).click();
  assert.equal(await policies.getByLabel('Reason for cancelling').evaluate((el) => el.validity.valueMissing), true);
  await policies.getByLabel('Reason for cancelling').fill('The creator withdrew from the campaign');
  await policies.getByRole('button', { name: 'Cancel cover' }).click();
  await policies.getByText(/Cancelled by ops@acme.example/).waitFor();
  assert.match(await policies.innerText(), /Coverage: Cancelled/);
  assert.equal(await policies.getByRole('link', { name: /Download certificate/ }).count(), 0);
  await screenshotsAtLaptopSizes(page, 'contractor-cover-cancelled');

  await page.goto(`${dash.url}/contractors?coverage=cancelled`);
  await page.locator('tr[data-status]', { hasText: 'Scenario Clean' }).waitFor();
});
