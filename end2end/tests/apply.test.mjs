import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, screenshot, screenshotAtPhoneSize, screenshotsAtLaptopSizes, signIn,
  accessibilityProblems, keyboardWalk, openAs,
} from '../harness.mjs';

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
  await page.getByRole('button', { name: 'Regenerate link' }).click();
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

/** Screenshots of a step at 390 px (a phone) and at the laptop widths, and its accessibility. */
async function lookAtStep(page, name) {
  await screenshotAtPhoneSize(page, name);
  await screenshotsAtLaptopSizes(page, name);
  const problems = await accessibilityProblems(page);
  assert.deepEqual(problems, [], `${name}: ${problems.join('\n')}`);
  const walk = await keyboardWalk(page);
  assert.deepEqual(walk.missing, [], `${name}: not reached by Tab`);
  assert.deepEqual(walk.unmarked, [], `${name}: focus not visible`);
}

/** A creator on the page at step 1 goes through every step, with a wrong name on the way. */
async function walkTheApplication(page, shots, name, { claim = false } = {}) {
  const card = page.locator('.apply-card');
  const step = async (n, title) => {
    await page.getByRole('heading', { name: title, level: 1 }).waitFor();
    assert.match(await card.innerText(), new RegExp(`Step ${n} of 5`));
  };
  await step(1, 'Your insurance application');
  if (shots) await lookAtStep(page, `${shots}-1-details`);
  await page.getByRole('button', { name: 'My details are right: continue' }).click();

  await step(2, 'A few questions');
  // Continuing with a question unanswered: the browser (or the server) says so.
  await page.getByRole('group', { name: /claim against you/ }).getByLabel('No').check();
  await page.getByRole('group', { name: /cancelled a policy/ }).getByLabel('No').check();
  if (shots) await lookAtStep(page, `${shots}-2-questions`);
  await page.getByRole('group', { name: /employ anyone/ }).getByLabel('Yes').check();
  if (claim) await page.getByRole('group', { name: /claim against you/ }).getByLabel('Yes').check();
  await page.getByRole('button', { name: 'Continue' }).click();

  await step(3, 'Your quote');
  const quote = await page.locator('table.quote').innerText();
  assert.match(quote, /General liability/);
  assert.match(quote, /\$/);
  assert.match(await card.innerText(), /example rates/);
  if (shots) await lookAtStep(page, `${shots}-3-quote`);
  // Back works, and the answers are still there.
  await page.getByRole('button', { name: 'Back' }).click();
  await step(2, 'A few questions');
  assert.ok(await page.getByRole('group', { name: /employ anyone/ }).getByLabel('Yes').isChecked());
  await page.getByRole('button', { name: 'Continue' }).click();
  await step(3, 'Your quote');
  await page.getByRole('button', { name: 'Accept the quote' }).click();

  await step(4, 'Declarations and signature');
  assert.match(await page.locator('ol.declarations').innerText(), /electronic signature/);
  await page.getByLabel('Your full legal name').fill('Somebody Else');
  await page.getByLabel(/I agree to the declarations/).check();
  await page.getByRole('button', { name: 'Sign' }).click();
  await page.getByText('does not match the name on this application').waitFor();
  // What was typed is still there, marked.
  assert.equal(await page.getByLabel('Your full legal name').inputValue(), 'Somebody Else');
  if (shots) await lookAtStep(page, `${shots}-4-signature-refused`);
  await page.getByLabel('Your full legal name').fill(name);
  if (!(await page.getByLabel(/I agree to the declarations/).isChecked())) {
    await page.getByLabel(/I agree to the declarations/).check();
  }
  await page.getByRole('button', { name: 'Sign' }).click();

  await step(5, 'Review and submit');
  assert.match(await card.innerText(), new RegExp(`Signed by ${name}`));
  if (shots) await lookAtStep(page, `${shots}-5-review`);
  await page.getByRole('button', { name: 'Submit application' }).click();
  await page.getByRole('heading', { name: claim ? 'Application under review' : 'Application complete', level: 1 }).waitFor();
  if (shots) await lookAtStep(page, `${shots}-6-${claim ? 'review' : 'complete'}`);
}

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
