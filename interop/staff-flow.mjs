// Drives badgesafe's staff pages in headless Chromium (the machine's, through puppeteer-core),
// with JavaScript switched off in the pages, as a school's staff member would:
// sign in → upload a CSV → review its errors → issue → watch the batch and delivery → revoke.
//
//   node staff-flow.mjs BASE_URL USER PASSWORD CSV_FILE REVOKE_EMAIL IMAGE_FILE
//
// Prints one JSON object with what each step saw; the Rust test asserts on it.
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const [base, user, password, csv, revokeEmail, image, suspendId, suspendList] = process.argv.slice(2);
const out = {};
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const text = (page) => page.evaluate(() => document.body.innerText);
const waitFor = async (page, url, pred, seconds) => {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    await page.goto(url, { waitUntil: 'load' });
    const t = await text(page);
    if (pred(t)) return t;
    if (Date.now() > end) throw new Error(`timed out on ${url}: ${t.slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};
let page;
try {
  page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setExtraHTTPHeaders({ 'Accept-Language': 'nl-NL,nl;q=0.9' });

  // Not signed in: sent to the login page.
  await page.goto(`${base}/staff/upload`, { waitUntil: 'load' });
  out.redirectedToLogin = page.url().endsWith('/staff/login');
  out.lang = await page.evaluate(() => document.documentElement.lang);

  // A wrong password.
  await page.type('#username', user);
  await page.type('#password', 'wrong password');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  out.wrongPassword = await text(page);

  await page.type('#username', user);
  await page.type('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  out.afterLogin = page.url();
  const cookies = await page.cookies();
  out.cookie = cookies.find((c) => c.name === 'bs_staff');

  // The catalogue: a new achievement with an image and an alignment, then edited.
  await page.goto(`${base}/staff/achievements`, { waitUntil: 'load' });
  await page.type('#key', 'VCA');
  await page.type('#name', 'Veilig werken');
  await page.type('#description', 'Werkt veilig op de werkplek.');
  await page.type('#criteria', 'VCA-examen gehaald.');
  await (await page.$('#image')).uploadFile(image);
  await page.type('#alignmentName', 'VCA Basis');
  await page.type('#alignmentUrl', 'https://www.vca.nl/');
  await page.type('#resultName', 'Uitslag');
  await page.select('#resultType', 'Status');
  await page.type('#resultValues', 'behaald, niet behaald');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/staff/achievements"] button')]);
  out.catalogue = await text(page);
  await Promise.all([page.waitForNavigation(), page.click('a[href="/staff/achievements/VCA"]')]);
  out.editForm = await page.$eval('#alignmentUrl', (e) => e.value);
  out.editResult = await page.$eval('#resultValues', (e) => e.value);
  await page.$eval('#name', (e) => { e.value = ''; });
  await page.type('#name', 'Veilig werken (VCA)');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/staff/achievements/VCA"] button')]);
  out.catalogueAfterEdit = await text(page);

  // Upload and review.
  await page.goto(`${base}/staff/upload`, { waitUntil: 'load' });
  out.uploadLabel = await page.$eval('label[for=csv]', (e) => e.textContent);
  const input = await page.$('#csv');
  await input.uploadFile(csv);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  out.review = await text(page);
  out.reviewErrors = await page.$$eval('tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));

  // Issue.
  const issue = await page.$('form[action$="/confirm"] button');
  await Promise.all([page.waitForNavigation(), issue.click()]);
  out.afterIssue = page.url();
  out.progressPage = await text(page);
  out.refreshes = await page.$('meta[http-equiv=refresh]') !== null;
  out.dashboard = await waitFor(page, `${base}/staff`, (t) => t.includes('klaar, e-mail in de wachtrij') && !t.includes('ververst zichzelf'), 60);

  // Delivery status.
  out.outbox = await waitFor(page, `${base}/staff/outbox`, (t) => !t.includes('in de wachtrij'), 60);
  out.sentRows = (out.outbox.match(/verzonden/g) || []).length;

  // Revoke one badge of one student.
  await page.goto(`${base}/staff/credentials?email=${encodeURIComponent(revokeEmail)}`, { waitUntil: 'load' });
  const reason = await page.$('input[name=reason]');
  await reason.type('Examenfraude vastgesteld');
  await Promise.all([page.waitForNavigation(), page.click('button.danger')]);
  out.afterRevoke = await text(page);

  // Suspend a VC-API credential, found by its id, then lift the suspension.
  await page.goto(`${base}/staff/credentials?id=${encodeURIComponent(suspendId)}`, { waitUntil: 'load' });
  await (await page.$('form.suspend input[name=reason]')).type('Onderzoek loopt');
  await Promise.all([page.waitForNavigation(), page.click('form.suspend button')]);
  out.afterSuspend = await text(page);
  out.suspendedUrl = page.url();
  out.listWhileSuspended = await (await fetch(suspendList)).json();
  await Promise.all([page.waitForNavigation(), page.click('form.unsuspend button')]);
  out.afterUnsuspend = await text(page);
  out.listAfterUnsuspend = await (await fetch(suspendList)).json();

  // A form with the session cookie but without its CSRF token is refused, and so is a form
  // posted from another site. (Sent from here: the pages' CSP forbids scripts to fetch.)
  const session = (await page.cookies()).find((c) => c.name === 'bs_staff');
  const post = (headers) => fetch(`${base}/staff/outbox/resend`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `bs_staff=${session.value}`, ...headers },
    body: 'batch=x&email=y&csrf=forged',
  }).then((r) => r.status);
  out.forgedStatus = await post({});
  out.crossSiteStatus = await post({ Origin: 'https://evil.example' });

  // English.
  await page.goto(`${base}/staff/lang/en`, { waitUntil: 'load' });
  out.english = await text(page);
  out.englishLang = await page.evaluate(() => document.documentElement.lang);
  out.csp = (await (await page.goto(`${base}/staff`, { waitUntil: 'load' })).headers())['content-security-policy'];

  // Accessibility: axe-core on every staff page, in both languages. The pages forbid scripts
  // (CSP), so this one tab lets axe in; the pages themselves are unchanged.
  const audit = await browser.newPage();
  await audit.setBypassCSP(true);
  await audit.setCookie(...(await page.cookies()));
  out.axe = {};
  for (const lang of ['nl', 'en']) {
    await audit.goto(`${base}/staff/lang/${lang}`, { waitUntil: 'load' });
    for (const path of ['/staff', '/staff/upload', '/staff/outbox', `/staff/credentials?email=${encodeURIComponent(revokeEmail)}`, `/staff/credentials?id=${encodeURIComponent(suspendId)}`, '/staff/achievements', '/staff/achievements/VCA']) {
      await audit.goto(`${base}${path}`, { waitUntil: 'load' });
      await audit.addScriptTag({ content: axeSource });
      const result = await audit.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
        return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
      });
      out.axe[`${lang} ${path}`] = result;
    }
  }
  await audit.close();
} catch (e) {
  out.error = String(e && e.stack || e);
  out.page = page ? `${page.url()}: ${(await text(page).catch(() => '')).slice(0, 1500)}` : '';
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
