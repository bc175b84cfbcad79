// A creator's walk through the application in a real browser, shared by the tests of the
// application and of the cover it issues.
import assert from 'node:assert/strict';
import {
  screenshotAtPhoneSize, screenshotsAtLaptopSizes, accessibilityProblems, keyboardWalk,
} from './harness.mjs';

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
export async function walkTheApplication(page, shots, name, { claim = false } = {}) {
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

