import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, launchBrowser, hydrated, screenshot, openAs,
} from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
const newcomer = { email: 'newbie@acme.example', password: 'newcomer password 1' };
let dash;
let browser;

before(async () => {
  dash = await startDashboard({ orgs: [admin] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await dash?.stop();
});

async function open(page, who, path) {
  await openAs(browser, page, dash.url, who, path);
}

async function fits(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

test('an admin adds a member, who chooses a password with the one-time link; roles change and removal works', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await open(page, admin, '/members');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).waitFor();

  await page.getByLabel('Email').fill(newcomer.email);
  await page.getByLabel('Role').selectOption('viewer');
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.getByText(/was invited as viewer/).waitFor();
  const link = await page.getByLabel('One-time sign-in link').inputValue();
  assert.match(link, /\/welcome\/[A-Za-z0-9_-]{43}$/);
  const row = page.locator('tr', { hasText: newcomer.email });
  await row.getByText(/Invited; the one-time link works until/).waitFor();
  await row.getByRole('button', { name: `Cancel invitation: ${newcomer.email}` }).waitFor();
  assert.ok(await fits(page), 'no horizontal scroll at 1280');
  await screenshot(page, 'members-1280');

  // The newcomer, in a fresh browser session, opens the link and chooses a password.
  await browser.context.clearCookies();
  const welcome = await browser.newPage();
  await welcome.goto(link);
  await hydrated(welcome);
  await welcome.getByRole('heading', { name: 'Choose your password' }).waitFor();
  await welcome.getByText(`For ${newcomer.email} in Acme Agency.`).waitFor();
  await welcome.getByLabel('New password', { exact: true }).fill(newcomer.password);
  await welcome.getByLabel('New password again').fill('something else entirely');
  await welcome.getByRole('button', { name: 'Save password and sign in' }).click();
  await welcome.getByText('The two new passwords are not the same.').waitFor();
  await welcome.getByLabel('New password again').fill(newcomer.password);
  await welcome.getByRole('button', { name: 'Save password and sign in' }).click();
  await welcome.waitForURL(`${dash.url}/`);
  await hydrated(welcome);
  // A viewer sees no Members or Audit log in the navigation.
  const nav = welcome.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Settings' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Members' }).count(), 0);
  await welcome.goto(link);
  await welcome.getByRole('heading', { name: "This link can't be used" }).waitFor();
  await welcome.close();

  // Back as the admin: make the newcomer an admin, then remove them (after confirming).
  await open(page, admin, '/members');
  await page.getByRole('button', { name: `Make admin: ${newcomer.email}` }).click();
  await page.getByText(`${newcomer.email} is now admin.`).waitFor();
  // The only other admin now exists, so the signed-in admin's own buttons are enabled.
  await page.getByRole('button', { name: `Make viewer: ${admin.email}` }).waitFor();
  assert.equal(await page.getByRole('button', { name: `Make viewer: ${admin.email}` }).isDisabled(), false);
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: `Remove ${newcomer.email}` }).click();
  await page.getByText(`${newcomer.email} was removed and signed out everywhere.`).waitFor();
  await page.locator('tr', { hasText: newcomer.email }).waitFor({ state: 'detached' });
  // Alone again: the last admin cannot be demoted or removed.
  assert.ok(await page.getByRole('button', { name: `Remove ${admin.email}` }).isDisabled());
  await page.setViewportSize({ width: 1440, height: 900 });
  await screenshot(page, 'members-1440');
  await page.close();
});

test('the audit log lists what happened, filters by action and member, and exports what it shows', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  await open(page, admin, '/audit');
  const table = page.locator('table.audit');
  await table.waitFor();
  const text = await table.innerText();
  for (const label of ['Signed in', 'Member added', 'Used a one-time sign-in link', 'Role changed', 'Member removed']) {
    assert.match(text, new RegExp(label), label);
  }
  assert.ok(await fits(page), 'no horizontal scroll at 1440');
  await screenshot(page, 'audit-1440');

  await page.getByLabel('Action', { exact: true }).selectOption('member_added');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/action=member_added/);
  await hydrated(page);
  const rows = page.locator('table.audit tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /newbie@acme\.example/);
  const csvHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  assert.equal(csvHref, '/audit.csv?action=member_added');
  const csv = await page.evaluate(async (href) => (await fetch(href)).text(), csvHref);
  assert.equal(csv.trim().split('\n').length, 2, csv);
  assert.match(csv, /"Member added","newbie@acme\.example"/);

  // By member: the admin's own entries only.
  await page.goto(`${dash.url}/audit`);
  await hydrated(page);
  await page.getByLabel('Member', { exact: true }).selectOption({ label: admin.email });
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/member=/);
  await page.locator('table.audit tbody tr').first().waitFor();
  const who = await page.locator('table.audit tbody tr td:nth-child(2)').allInnerTexts();
  assert.ok(who.length > 0 && who.every((w) => w === admin.email), who.join(','));
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.ok(await fits(page), 'no horizontal scroll at 1280');
  await screenshot(page, 'audit-1280');
  await page.close();
});

test('a member changes their own password from their account page', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await open(page, admin, '/contractors');
  await page.getByRole('link', { name: admin.email }).click();
  await page.waitForURL(`${dash.url}/account`);
  await hydrated(page);
  await page.getByLabel('Current password').fill('not the password');
  await page.getByLabel('New password', { exact: true }).fill('a brand new password');
  await page.getByLabel('New password again').fill('a brand new password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('The current password is not right.').waitFor();
  assert.equal(await page.getByLabel('Current password').inputValue(), '', 'typed passwords are cleared');
  await page.getByLabel('Current password').fill(admin.password);
  await page.getByLabel('New password', { exact: true }).fill('a brand new password');
  await page.getByLabel('New password again').fill('a brand new password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText(/Password changed/).waitFor();
  await screenshot(page, 'account-1280');
  // Still signed in here; the new password works for a new sign-in.
  await page.goto(`${dash.url}/contractors`);
  await hydrated(page);
  assert.equal(new URL(page.url()).pathname, '/contractors');
  await open(page, { email: admin.email, password: 'a brand new password' }, '/audit');
  await page.locator('table.audit').getByText('Password changed', { exact: true }).waitFor();
  await page.close();
});
