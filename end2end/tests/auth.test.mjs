import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDashboard, launchBrowser, hydrated, screenshot, signIn } from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
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

test('an unauthenticated visit to Contractors lands on sign-in', async () => {
  const page = await browser.newPage();
  await page.goto(`${dash.url}/contractors`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await screenshot(page, 'sign-in');
  await page.close();
});

test('a wrong password shows an error and stays on sign-in', async () => {
  const page = await browser.newPage();
  await signIn(page, dash.url, admin.email, 'not the password');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /email or password is incorrect/i);
  assert.equal(new URL(page.url()).pathname, '/login');
  await screenshot(page, 'sign-in-wrong-password');

  // An unknown email gets exactly the same message.
  await page.getByLabel('Email').fill('nobody@acme.example');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForFunction(() => document.querySelector('button[type=submit]')?.disabled === false);
  assert.match(await page.getByRole('alert').innerText(), /email or password is incorrect/i);
  await page.close();
});

test('the right password lands on the Overview; sign-out returns to sign-in', async () => {
  const page = await browser.newPage();
  await signIn(page, dash.url, admin.email, admin.password);
  await page.waitForURL(`${dash.url}/`);
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  await page.getByText('Not connected').waitFor();
  await page.getByText('Nothing yet: problems appear here after the first sync.').waitFor();
  await screenshot(page, 'overview-empty');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contractors' }).click();
  await page.getByRole('heading', { name: 'Contractors', level: 1 }).waitFor();
  await page.getByText('No contractors yet').waitFor();
  await page.getByText(admin.name).waitFor();
  await screenshot(page, 'contractors-empty');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Organization settings' }).waitFor();

  await hydrated(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${dash.url}/login`);

  // The old session no longer opens the dashboard.
  await page.goto(`${dash.url}/contractors`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.close();
});
