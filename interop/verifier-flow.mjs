// Drives badgesafe's verifier in headless Chromium (the machine's, through puppeteer-core) as an
// employer would. Share links need JavaScript (the key is in the fragment and is used by
// WebCrypto in the page); the upload form works without.
//
//   node verifier-flow.mjs open BASE LINK                 → what the link shows
//   node verifier-flow.mjs after BASE WITHDRAWN EXPIRED TAMPERED_FILE
//
// Prints one JSON object; the Rust test asserts on it.
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const [mode, base, ...rest] = process.argv.slice(2);
const out = {};
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const text = (page) => page.evaluate(() => document.body.innerText);
const axe = async (page) => {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
};
const openLink = async (page, link) => {
  // From a blank page, so that a link differing only in its fragment loads again.
  await page.goto('about:blank');
  await page.goto(link, { waitUntil: 'load' });
  await page.waitForFunction(() => !document.getElementById('share-status').textContent.includes('Even geduld'), { timeout: 30000 });
  return text(page);
};
let page;
try {
  page = await browser.newPage();
  await page.setExtraHTTPHeaders({ 'Accept-Language': 'nl-NL,nl;q=0.9' });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  if (mode === 'open') {
    const [link] = rest;
    out.page = await openLink(page, link);
    out.cards = await page.$$eval('section.card', (s) => s.map((c) => c.innerText));
    out.images = await page.$$eval('section.card img', (i) => i.length);
    out.requests = requests;
    out.console = [];
    // A wrong key in the fragment.
    out.wrongKey = await openLink(page, link.replace(/#.*/, '#AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
    out.noKey = await openLink(page, link.replace(/#.*/, ''));
    const audit = await browser.newPage();
    await audit.setBypassCSP(true);
    await openLink(audit, link);
    out.axeShare = await axe(audit);
    await audit.close();
  } else {
    const [withdrawn, expired, tampered] = rest;
    out.withdrawn = await openLink(page, withdrawn);
    out.expired = await openLink(page, expired);
    // The upload form, with JavaScript off: a tampered badge.
    await page.setJavaScriptEnabled(false);
    const first = await page.goto(`${base}/verify`, { waitUntil: 'load' });
    out.firstLoadBytes = (await first.buffer()).length
      + (await (await fetch(`${base}/verify/style.css`)).arrayBuffer()).byteLength;
    out.form = await text(page);
    const input = await page.$('#file');
    await input.uploadFile(tampered);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    out.tampered = await text(page);
    out.verdict = await page.$eval('.verdict', (v) => ({ text: v.innerText, cls: v.className }));
    out.csp = (await (await page.goto(`${base}/verify`, { waitUntil: 'load' })).headers())['content-security-policy'];
    const audit = await browser.newPage();
    await audit.setBypassCSP(true);
    out.axe = {};
    for (const lang of ['nl', 'en']) {
      await audit.goto(`${base}/verify/lang/${lang}`, { waitUntil: 'load' });
      out.axe[`${lang} /verify`] = await axe(audit);
      const f = await audit.$('#file');
      await f.uploadFile(tampered);
      await Promise.all([audit.waitForNavigation(), audit.click('button[type=submit]')]);
      out.axe[`${lang} result`] = await axe(audit);
    }
    await audit.close();
  }
} catch (e) {
  out.error = String(e && e.stack || e);
  out.at = page ? `${page.url()}: ${(await text(page).catch(() => '')).slice(0, 1500)}` : '';
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
