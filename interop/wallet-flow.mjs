// Drives badgesafe's wallet pages in headless Chromium (the machine's, through puppeteer-core),
// with JavaScript switched off in the pages, as a student would: unlock → add the delivery
// e-mail → share two badges with one employer. Counts the clicks of each task.
//
//   node wallet-flow.mjs WALLET_URL PASSPHRASE EML_FILE
//
// Prints one JSON object with what each step saw; the Rust test asserts on it.
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const [url, passphrase, eml] = process.argv.slice(2);
const out = { clicks: {} };
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const text = (page) => page.evaluate(() => document.body.innerText);
let page;
let clicks = 0;
const click = async (selector) => {
  clicks += 1;
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
};
try {
  page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setExtraHTTPHeaders({ 'Accept-Language': 'nl-NL,nl;q=0.9' });

  // Without the token there is nothing.
  const base = url.replace(/\/[0-9a-f]+\/$/, '');
  out.withoutToken = (await fetch(`${base}/`)).status;
  out.wrongToken = (await fetch(`${base}/00000000000000000000000000000000/`)).status;

  // Unlock, by keyboard only: a wrong passphrase first.
  await page.goto(url, { waitUntil: 'load' });
  out.locked = await text(page);
  out.focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  await page.keyboard.type('niet mijn zin');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  out.wrongPassphrase = await text(page);
  clicks = 0;
  await page.type('#passphrase', passphrase);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  out.clicks.unlock = clicks;
  out.unlocked = await text(page);

  // Add the delivery e-mail: the button, the file, add.
  clicks = 0;
  await click('.actions a[href$="/import"]');
  const input = await page.$('#files');
  clicks += 1; // choosing the file in the dialog
  await input.uploadFile(eml);
  await click('button[type=submit]');
  out.clicks.importMail = clicks;
  out.imported = await text(page);
  await page.goto(url, { waitUntil: 'load' });
  out.portfolio = await text(page);
  out.images = await page.evaluate(() => [...document.querySelectorAll('.badges img')].map((i) => ({ alt: i.alt, width: i.getBoundingClientRect().width })));

  // Share two badges with one employer: the button, two badges, who, make.
  clicks = 0;
  await click('.actions a[href$="/share"]');
  const boxes = await page.$$('input[name=badge]');
  out.shareChoices = boxes.length;
  await boxes[0].click();
  await boxes[3].click();
  await page.type('#domain', 'werkgever.example');
  await click('button[type=submit]');
  out.clicks.share = clicks;
  out.shared = await text(page);
  const link = await page.$eval('a[download]', (a) => a.href);
  out.presentation = await (await fetch(link)).json();

  // A share link instead of a file: the same choices, the other button. The link page is the
  // printable portfolio with a QR code; printed, it is one page.
  clicks = 0;
  await page.goto(url, { waitUntil: 'load' });
  await click('.actions a[href$="/share"]');
  const again = await page.$$('input[name=badge]');
  // Two first-aid badges (their images are PNG, which the PDF embeds).
  const firstAid = await page.$$eval('input[name=badge]', (xs) => xs
    .map((x, i) => [i, document.querySelector(`label[for="${x.id}"]`).innerText])
    .filter(([, t]) => t.includes('Eerste hulp'))
    .map(([i]) => i));
  await again[firstAid[0]].click();
  await again[firstAid[1]].click();
  await page.type('#domain', 'werkgever.example');
  await click('button[value=link]');
  out.clicks.shareLink = clicks;
  out.linkPage = await text(page);
  out.link = await page.$eval('code.link', (c) => c.textContent);
  out.qr = await page.$$eval('.qr svg', (s) => s.length);
  out.relayBefore = (await fetch(out.link.replace('/s/', '/shares/').replace(/#.*/, ''))).status;
  const pdf = await page.pdf({ format: 'A4' });
  out.pdfPages = (Buffer.from(pdf).toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  out.linkUrl = page.url();
  const pdfFile = Buffer.from(await (await fetch(await page.$eval('a[href$="portfolio.pdf"]', (a) => a.href))).arrayBuffer());
  out.portfolioPdf = {
    magic: pdfFile.subarray(0, 5).toString('latin1'),
    pages: (pdfFile.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length,
    images: (pdfFile.toString('latin1').match(/\/Subtype\s*\/Image/g) || []).length,
  };
  await click('form[action*="/unshare/"] button');
  out.afterUnshare = await text(page);
  out.relayAfter = (await fetch(out.link.replace('/s/', '/shares/').replace(/#.*/, ''))).status;

  // Check everything again (revocation, expiry): one button on the home page.
  await page.goto(url, { waitUntil: 'load' });
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/check"] button')]);
  out.afterCheck = await text(page);

  // Accessibility: axe-core on every page, in both languages. The pages forbid scripts (CSP),
  // so this one tab lets axe in; the pages themselves are unchanged.
  const audit = await browser.newPage();
  await audit.setBypassCSP(true);
  out.axe = {};
  for (const lang of ['nl', 'en']) {
    await audit.goto(`${url}lang/${lang}`, { waitUntil: 'load' });
    for (const path of ['', 'import', 'share', 'shared/1', out.linkUrl.slice(url.length)]) {
      await audit.goto(`${url}${path}`, { waitUntil: 'load' });
      await audit.addScriptTag({ content: axeSource });
      out.axe[`${lang} /${path}`] = await audit.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
        return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
      });
    }
  }
  out.english = await text(audit);
  // The locked page too.
  await audit.goto(`${url}lang/nl`, { waitUntil: 'load' });
  await Promise.all([audit.waitForNavigation(), audit.click('form[action$="/lock"] button')]);
  await audit.addScriptTag({ content: axeSource });
  out.axe['nl / (locked)'] = await audit.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  out.afterLock = await text(audit);
  out.csp = (await (await audit.goto(url, { waitUntil: 'load' })).headers())['content-security-policy'];
  await audit.close();
} catch (e) {
  out.error = String(e && e.stack || e);
  out.page = page ? `${page.url()}: ${(await text(page).catch(() => '')).slice(0, 1500)}` : '';
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
