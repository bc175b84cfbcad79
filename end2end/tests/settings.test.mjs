import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDashboard, startSandbox, launchBrowser, hydrated, screenshot, openAs,
} from '../harness.mjs';

const admin = { slug: 'acme', name: 'Acme Agency', email: 'ops@acme.example', password: 'correct horse battery' };
const viewer = { email: 'viewer@acme.example', password: 'viewer password 123' };
let dash;
let sandbox;
let browser;
const cspViolations = [];

before(async () => {
  sandbox = await startSandbox({ size: 'tiny', rateLimit: 0 });
  dash = await startDashboard({ orgs: [admin], ciqUrls: [sandbox.url] });
  dash.cli(['add-member', '--org', admin.slug, '--email', viewer.email, '--role', 'viewer'], {
    MEMBER_PASSWORD: viewer.password,
  });
  browser = await launchBrowser();
  browser.context.on('console', (msg) => {
    if (/Content.Security.Policy|Refused to (execute|load|apply)/i.test(msg.text())) cspViolations.push(msg.text());
  });
});

after(async () => {
  await browser?.close();
  await dash?.stop();
  await sandbox?.stop();
});

async function openSettings(page, who) {
  await openAs(browser, page, dash.url, who, '/settings');
}

test('saving the sandbox key says how many campaigns it sees and shows only the last 4', async () => {
  const page = await browser.newPage();
  await openSettings(page, admin);
  assert.match(await page.getByTestId('masked-key').innerText(), /No CreatorIQ API key/);
  assert.match(await page.getByTestId('environment').innerText(), /CreatorIQ production/);

  await page.getByRole('button', { name: 'Add key' }).click();
  // The environment is chosen from the server's list, not typed: production and the sandbox.
  const env = page.getByLabel('CreatorIQ environment');
  await env.waitFor();
  const options = await env.locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['https://apis.creatoriq.com', sandbox.url]);
  await env.selectOption(sandbox.url);
  const input = page.getByLabel('New CreatorIQ API key');
  await input.waitFor();
  assert.equal(await input.getAttribute('type'), 'password');
  await input.fill(sandbox.key);
  await input.press('Enter');
  await page.getByText(/CreatorIQ accepted the key: it can see 8 campaigns/).waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid=masked-key]')?.textContent.includes('er-1'));
  assert.equal(await page.getByTestId('masked-key').innerText(), '•••• er-1');
  assert.equal(await page.locator('input[name=api_key]').count(), 0, 'the editor closes after saving');
  assert.ok(!(await page.content()).includes(sandbox.key), 'the key is not in the page');
  await page.waitForFunction(() => /Local CreatorIQ sandbox/.test(document.querySelector('[data-testid=environment]')?.textContent ?? ''));
  // The connection test already counted its request against today's quota.
  assert.match(await page.getByTestId('request-usage').innerText(), /^[1-9]\d* of 100,000 CreatorIQ requests used today/);
  await screenshot(page, 'settings');

  // Test connection uses the stored key.
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText(/Connected\. CreatorIQ accepted the stored key/).waitFor();
  await page.close();
});

test('a wrong key is refused in plain words and the old key stays', async () => {
  const page = await browser.newPage();
  await openSettings(page, admin);
  await page.getByRole('button', { name: 'Edit' }).click();
  // The editor opens on the organization's environment.
  assert.equal(await page.getByLabel('CreatorIQ environment').inputValue(), sandbox.url);
  const input = page.getByLabel('New CreatorIQ API key');
  await input.fill('not-a-real-key-0000');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /CreatorIQ refused this key/);
  assert.match(text, /The key was not saved; the stored key ending in er-1 is still in use/);
  assert.equal(await page.getByTestId('masked-key').innerText(), '•••• er-1');
  assert.equal(await input.inputValue(), '', 'the typed key is cleared');
  await screenshot(page, 'settings-wrong-key');

  // The mask itself is never accepted as a key.
  await input.fill('•••• er-1');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(/masked key shown on this page/).waitFor();

  await page.reload();
  await hydrated(page);
  assert.equal(await page.getByTestId('masked-key').innerText(), '•••• er-1');
  await page.close();
});

test('required coverage saves and survives a reload', async () => {
  const page = await browser.newPage();
  await openSettings(page, admin);
  assert.ok(await page.getByLabel('Both workers\' compensation and general liability').isChecked());
  await page.getByLabel('General liability only').check();
  await page.getByRole('button', { name: 'Save coverage' }).click();
  await page.getByText(/Required coverage saved/).waitFor();
  await page.reload();
  await hydrated(page);
  assert.ok(await page.getByLabel('General liability only').isChecked());
  assert.ok(!(await page.getByLabel('Workers\' compensation only').isChecked()));
  await page.close();
});

test('a viewer sees the masked key but no Edit and no forms', async () => {
  const page = await browser.newPage();
  await openSettings(page, viewer);
  assert.equal(await page.getByTestId('masked-key').innerText(), '•••• er-1');
  assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);
  assert.equal(await page.locator('main form').count(), 0);
  await page.getByText('General liability only').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${dash.url}/login`);
  await page.close();
});

test('the sync runs page lists a run with its counts, and its detail', async () => {
  const page = await browser.newPage();
  await openSettings(page, admin);
  await page.goto(`${dash.url}/sync-runs`);
  await hydrated(page);
  const out = dash.cli(['sync', '--org', admin.slug]);
  const id = /Sync run #(\d+)/.exec(out)[1];
  await page.reload();
  await hydrated(page);
  const row = page.locator(`tr[data-run="${id}"]`);
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /Command line/);
  assert.match(text, /Synced\s+\d+/);
  assert.match(text, /Needs attention\s+\d+/);
  await screenshot(page, 'sync-runs');

  await row.getByRole('link', { name: `#${id}` }).click();
  await page.waitForURL(`${dash.url}/sync-runs/${id}`);
  await page.getByRole('heading', { name: new RegExp(`Sync run #${id}`) }).waitFor();
  await page.getByText('CreatorIQ requests').waitFor();
  await screenshot(page, 'sync-run-detail');

  // Another number (not this organization's) reads as not found.
  await page.goto(`${dash.url}/sync-runs/999999`);
  await page.getByRole('heading', { name: 'Sync run not found' }).waitFor();
  await page.close();
  assert.deepEqual(cspViolations, [], 'no CSP violations while the pages hydrated and ran');
});
