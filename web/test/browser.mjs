// Drives the page in headless Chromium (Debian's, through playwright-core) for tests/test_web.py:
//   node test/browser.mjs URL OUT_DIR JOBS.json
// Each job {name, file, task, seed, groove, style, tapsMayRest, offline, expectError} uploads its file, performs it and saves
// the download as OUT_DIR/NAME.mid (or, for a job that expects an error, the message shown). Prints one JSON
// line: each job's status text, time and download, every URL the page asked for, and a screenshot's path.
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [url, out, jobsPath] = process.argv.slice(2);
const jobs = JSON.parse(fs.readFileSync(jobsPath));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const requests = [], results = {};
try {
  for (const job of jobs) {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector("body[data-ready='1']", { timeout: 60000 });
    if (job.offline) await context.setOffline(true);
    if (job.task) await page.selectOption("#task", job.task);
    if (job.groove) await page.setInputFiles("#groove", job.groove);
    if (job.style) await page.selectOption("#style", job.style);
    if (job.tapsMayRest) await page.check("#taps-may-rest");
    await page.fill("#seed", String(job.seed ?? 0));
    await page.setInputFiles("#file", job.file);
    const result = { name: job.name };
    if (job.expectError) {
      await page.waitForSelector("#status.error", { timeout: 30000 });
      result.error = await page.textContent("#status");
      result.runEnabled = !(await page.isDisabled("#run"));
      result.download = await page.getAttribute("#download", "href");
    } else {
      await page.waitForFunction(() => !document.getElementById("run").disabled, null, { timeout: 30000 });
      const runs = job.runs || 1;
      result.ms = [];
      for (let i = 0; i < runs; i++) {
        await page.evaluate(() => { delete document.body.dataset.lastMs; });
        await page.click("#run");
        await page.waitForFunction(() => document.body.dataset.lastMs || document.querySelector("#status.error"), null, { timeout: 120000 });
        const error = await page.$("#status.error");
        if (error) { result.error = await error.textContent(); break; }
        result.ms.push(Number(await page.evaluate(() => document.body.dataset.lastMs)));
      }
      result.status = await page.textContent("#status");
      if (!result.error) {
        const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
        result.download = path.join(out, `${job.name}.mid`);
        await download.saveAs(result.download);
      }
      if (job.screenshot) {
        result.screenshot = path.join(out, `${job.name}.png`);
        await page.screenshot({ path: result.screenshot, fullPage: true });
      }
    }
    if (job.listen && !result.error) { // listening starts (Tone.js) and stops without an error
      await page.click("#play-after");
      await page.waitForTimeout(300);
      await page.click("#play-after");
      result.playLabel = await page.textContent("#play-after");
    }
    if (job.temperature !== undefined) { // a bad value: its message, and no run
      await page.fill("#temperature", String(job.temperature));
      await page.click("#run");
      await page.waitForSelector("#status.error", { timeout: 30000 });
      result.badTemperature = await page.textContent("#status");
      result.downloadAfterBad = await page.getAttribute("#download", "href");
    }
    result.pageErrors = errors;
    results[job.name] = result;
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ results, requests }));
