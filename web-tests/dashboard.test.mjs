// Browser tests of the dashboard: the system's Chromium driven by playwright-core (nothing is
// downloaded). scripts/web-test starts `leapsim serve` and passes its address as LEAPSIM_URL;
// screenshots go to SCREENSHOTS (docs/dashboard/).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.env.LEAPSIM_URL;
const shots = process.env.SCREENSHOTS || 'docs/dashboard';
assert.ok(base, 'LEAPSIM_URL is not set');
mkdirSync(shots, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), 'leapsim-chromium-'));
process.on('exit', () => rmSync(profile, { recursive: true, force: true }));
// A fresh profile (user data dir) for every run.
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1500, height: 1000 },
  acceptDownloads: true,
});
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

const tests = [];
// Charts animate as they are drawn: let them finish before a screenshot.
const settle = () => page.waitForTimeout(1500);
const test = (name, fn) => tests.push({ name, fn });

// Wait for a job other than `previous` to be drawn; its id.
async function drawn(previous) {
  await page.waitForFunction((prev) => document.body.dataset.job && document.body.dataset.job !== prev, previous, { timeout: 120000 });
  return page.evaluate(() => document.body.dataset.job);
}

const seriesData = (chart, id) => page.evaluate(([c, s]) => {
  const opt = window.leapsim.charts[c].getOption();
  const found = opt.series.find((x) => x.id === s);
  return found ? found.data : null;
}, [chart, id]);

test('the page loads and draws the historical run beside the record', async () => {
  const t0 = Date.now();
  await page.goto(base + '/');
  const id = await drawn(undefined);
  const seconds = (Date.now() - t0) / 1000;
  console.log(`  first run drawn in ${seconds.toFixed(1)} s`);
  assert.match(await page.textContent('#status'), /done/);
  const grain = await seriesData('grain', 'm:historical:grain_true_mt');
  assert.equal(grain.length, 14);
  const record = await seriesData('rates', 'rec:crude_death_rate');
  assert.ok(record.length >= 10 && record[0].source, 'the record with its sources');
  assert.ok(await page.locator('[data-key="reporting.honest"]').count() >= 1, 'the levers are drawn');
  await settle();
  await page.screenshot({ path: `${shots}/historical.png`, fullPage: false });
  return id;
});

test('moving a lever and running changes the charts, and the URL keeps the lever', async () => {
  const before = await seriesData('granary', 'm:historical:grain_exported_mt');
  const previous = await page.evaluate(() => document.body.dataset.job);
  const slider = page.locator('input[type=range][data-key="trade.exports_mt_per_year"]');
  await slider.scrollIntoViewIfNeeded();
  await slider.fill('0');
  assert.match(await page.textContent('#status'), /press Run/);
  assert.match(page.url(), /set=trade\.exports_mt_per_year%3D0/);
  await page.click('#run');
  await drawn(previous);
  const after = await seriesData('granary', 'm:historical:grain_exported_mt');
  assert.notDeepEqual(after, before, 'the exports changed');
  assert.ok(after.every((v) => v === 0 || v === null), `no exports: ${after}`);
  await page.locator('.lever.changed').first().scrollIntoViewIfNeeded();
  await settle();
  await page.screenshot({ path: `${shots}/lever.png` });
  // The link reproduces the screen.
  const link = page.url();
  const other = await context.newPage();
  await other.goto(link);
  await other.waitForFunction(() => document.body.dataset.job, null, { timeout: 120000 });
  const again = await other.evaluate(() => window.leapsim.charts.granary.getOption().series.find((x) => x.id === 'm:historical:grain_exported_mt').data);
  assert.deepEqual(again, after);
  assert.equal(await other.isChecked('input[data-key="reporting.honest"]'), false);
  await other.close();
});

test("a chart's CSV holds the API's numbers", async () => {
  const id = await page.evaluate(() => document.body.dataset.job);
  const chart = page.locator('#chart-population');
  await chart.scrollIntoViewIfNeeded();
  const box = await chart.boundingBox();
  const opt = await page.evaluate(() => window.leapsim.charts.population.getOption().toolbox[0]);
  assert.ok(opt.feature.myCsv, 'a CSV button');
  // The toolbox's icons sit at the top right: PNG, then CSV. Click the CSV one.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.evaluate(() => window.leapsim.charts.population.getOption().toolbox[0].feature.myCsv.onclick()),
  ]);
  assert.ok(box.width > 100);
  const path = await download.path();
  const csv = readFileSync(path, 'utf8').trim().split('\n');
  assert.equal(csv[0], 'year,series,scenario,kind,value');
  const result = await (await fetch(`${base}/api/jobs/${id}/result`)).json();
  const model = csv.slice(1).map((l) => l.split(',')).filter((f) => f[3] === 'model');
  assert.equal(model.length, 14);
  for (const [year, series, , , value] of model) {
    assert.equal(series, 'population');
    assert.equal(Number(value), result.national.population[Number(year) - 1953], `population in ${year}`);
  }
  // And annual.csv, as the command line writes it, has the same numbers.
  const annual = await (await fetch(`${base}/api/jobs/${id}/annual.csv`)).text();
  const row = annual.split('\n').find((l) => l.startsWith('1960,CN,population,'));
  assert.equal(Number(row.split(',')[3]), result.national.population[7], 'the page shows the numbers of annual.csv');
});

test('the province map plays the years', async () => {
  const map = page.locator('#chart-map');
  await map.scrollIntoViewIfNeeded();
  await page.selectOption('#map-series', 'cdr_permille');
  const names = await page.evaluate(() => window.leapsim.charts.map.getOption().series[0].data.map((d) => d.name));
  assert.equal(names.filter((n) => n.startsWith('CN-')).length, 28, `every simulated province: ${names}`);
  assert.ok(names.includes('CN-GD') && names.includes('CN-SC'));
  assert.ok(names.includes('Tibet (not simulated)') && names.includes('Taiwan (not simulated)'), `${names}`);
  assert.ok(!names.some((n) => /海南|重庆|Hainan|Chongqing/.test(n)), 'Hainan and Chongqing merged');
  const year = () => page.evaluate(() => Number(document.getElementById('map-year').value));
  const values = () => page.evaluate(() => window.leapsim.charts.map.getOption().series[0].data.filter((d) => d.name.startsWith('CN-')).map((d) => d.value));
  await page.locator('#map-year').fill('1953');
  const first = await values();
  await page.click('#map-play');
  await page.waitForFunction(() => Number(document.getElementById('map-year').value) >= 1960, null, { timeout: 20000 });
  await page.click('#map-play');
  assert.ok((await year()) >= 1960);
  assert.notDeepEqual(await values(), first, 'the colours follow the year');
  await page.locator('#map-year').fill('1960');
  assert.match(page.url(), /year=1960/);
  await settle();
  await map.screenshot({ path: `${shots}/map.png` });
  // Nation to province: the charts of Henan, as the API gives them.
  await page.selectOption('#region', 'CN-HA');
  assert.match(page.url(), /region=CN-HA/);
  const id = await page.evaluate(() => document.body.dataset.job);
  const result = await (await fetch(`${base}/api/jobs/${id}/result`)).json();
  assert.deepEqual(await seriesData('rates', `m:${result.scenario.name}:cdr_permille`), result.provinces['CN-HA'].cdr_permille);
  assert.equal(await seriesData('rates', 'rec:crude_death_rate'), null, 'the national record is not set beside a province');
  await page.selectOption('#region', 'CN');
});

test('drilling down to a commune shows its brigades month by month', async () => {
  const previous = await page.evaluate(() => document.body.dataset.job);
  await page.locator('#drillcard').scrollIntoViewIfNeeded();
  await page.selectOption('#detail-province', 'CN-AH');
  await page.click('#detail-run');
  await drawn(previous);
  assert.match(page.url(), /detail=CN-AH/);
  const result = await page.evaluate(() => window.leapsim.result);
  assert.ok(result.files.includes('detail.csv'));
  const units = result.detail.order;
  assert.equal(result.detail.units[units[0]].level, 'commune');
  assert.ok(units.length > 2, `the commune and its brigades: ${units}`);
  const eaten = await seriesData('d-grain', 'd:grain_eaten_kg');
  assert.equal(eaten.length, 168, 'one value a month');
  assert.deepEqual(eaten, result.detail.units[units[0]].grain_eaten_kg);
  await page.selectOption('#detail-unit', units[1]);
  assert.deepEqual(await seriesData('d-grain', 'd:grain_eaten_kg'), result.detail.units[units[1]].grain_eaten_kg);
  // Down to a team of that brigade.
  await page.waitForFunction(() => document.querySelectorAll('#detail-team option').length > 1);
  const job0 = await page.evaluate(() => document.body.dataset.job);
  const teams = await (await fetch(`${base}/api/jobs/${job0}/detail/${units[1]}`)).json();
  assert.ok(teams.order.length > 1 && teams.order.every((t) => t.startsWith(units[1] + 't')), `${teams.order}`);
  await page.selectOption('#detail-team', teams.order[0]);
  assert.deepEqual(await seriesData('d-grain', 'd:grain_eaten_kg'), teams.units[teams.order[0]].grain_eaten_kg);
  assert.equal((await fetch(`${base}/api/jobs/${job0}/detail/b999`)).status, 404);
  await settle();
  await page.locator('#drillcard').screenshot({ path: `${shots}/commune.png` });
  // The detail file is the command line's detail.csv.
  const job = await page.evaluate(() => document.body.dataset.job);
  const csv = await (await fetch(`${base}/api/jobs/${job}/detail.csv`)).text();
  assert.match(csv, /^year,month,level,unit,/);
});

test('three scenarios compared side by side, and their differences drawn', async () => {
  await page.click('#reset');
  const previous = await page.evaluate(() => document.body.dataset.job);
  // Three seeds at a small scale, so that each difference has its band.
  await page.selectOption('#scale', '0.002');
  await page.fill('#runs', '3');
  assert.ok(await page.isDisabled('#compare'), 'nothing to compare with yet');
  await page.check('#compare-with input[value="honest-reporting"]');
  await page.check('#compare-with input[value="no-mess-halls"]');
  assert.match(page.url(), /with=honest-reporting,no-mess-halls/);
  await page.click('#compare');
  await drawn(previous);
  const r = await page.evaluate(() => window.leapsim.result);
  const names = ['historical', 'honest-reporting', 'no-mess-halls'];
  assert.deepEqual(r.names, names);
  assert.equal(r.seeds.length, 3);
  // Each scenario a line of its own in the charts.
  const ids = await page.evaluate(() => window.leapsim.charts.calories.getOption().series.map((x) => x.id));
  for (const n of names) assert.ok(ids.includes(`m:${n}:kcal_per_capita_rural`), `${n} in ${ids}`);
  const hist = await seriesData('grain', 'm:historical:grain_reported_mt');
  const honest = await seriesData('grain', 'm:honest-reporting:grain_reported_mt');
  assert.ok(hist[5] > honest[5], `1958 reported grain: ${hist[5]} vs ${honest[5]}`);
  // The outcome table: a row per outcome, a column per scenario, the later ones with their differences.
  assert.equal(await page.locator('#compare-table tr').count(), 1 + r.outcomes.length, 'the outcome table');
  assert.equal(await page.locator('#compare-table tr:nth-child(2) td').count(), 4);
  assert.equal(await page.locator('#compare-table .diff').count(), 2 * r.outcomes.length);
  assert.match(page.url(), /kind=compare/);
  // The charts as differences from the first scenario.
  await page.click('#view-difference');
  assert.match(page.url(), /diff=grain,/);
  const dHonest = await seriesData('grain', 'd:honest-reporting:grain_reported_mt');
  assert.deepEqual(dHonest, r.difference['honest-reporting'].grain_reported_mt.mean);
  assert.ok(dHonest[5] < 0, `honest reporting reports less grain in 1958: ${dHonest[5]}`);
  assert.deepEqual(await seriesData('calories', 'd:no-mess-halls:kcal_per_capita_rural'), r.difference['no-mess-halls'].kcal_per_capita_rural.mean);
  assert.equal(await seriesData('calories', 'm:historical:kcal_per_capita_rural'), null, 'the levels are not drawn');
  const width = await seriesData('rates', 'band-w:no-mess-halls:cdr_permille');
  assert.equal(width.length, 14);
  assert.ok(width.every((w) => w === null || w >= 0), `${width}`);
  // The difference chart's CSV holds the API's paired differences.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.evaluate(() => window.leapsim.charts.rates.getOption().toolbox[0].feature.myCsv.onclick()),
  ]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'year,series,scenario,kind,value');
  const rows = csv.slice(1).map((l) => l.split(','));
  const kinds = { difference: 'mean', difference_q05: 'q05', difference_q95: 'q95' };
  assert.equal(rows.filter((f) => f[3] === 'difference').length, 2 * 2 * 14, 'two series of two scenarios, 14 years');
  assert.ok(rows.every((f) => kinds[f[3]]), 'only differences and their bands');
  for (const [year, series, scenario, kind, value] of rows) {
    assert.equal(Number(value), r.difference[scenario][series][kinds[kind]][Number(year) - 1953], `${scenario} ${series} ${kind} ${year}`);
  }
  await settle();
  await page.screenshot({ path: `${shots}/compare.png` });
  // One chart back to levels, by its own toggle; the rest stay differences.
  await page.evaluate(() => window.leapsim.charts.population.getOption().toolbox[0].feature.myDiff.onclick());
  assert.ok((await seriesData('population', 'm:no-mess-halls:population')).length === 14);
  assert.doesNotMatch(page.url(), /diff=[^&]*population/);
  assert.ok(await seriesData('rates', 'd:no-mess-halls:cdr_permille'));
  await page.click('#view-levels');
  assert.doesNotMatch(page.url(), /diff=/);
  // An older link naming one scenario to compare with still works.
  const other = await context.newPage();
  await other.goto(`${base}/#scenario=historical&scale=0.002&kind=compare&with=honest-reporting&diff=grain`);
  await other.waitForFunction(() => document.body.dataset.job, null, { timeout: 120000 });
  assert.deepEqual(await other.evaluate(() => window.leapsim.result.names), ['historical', 'honest-reporting']);
  assert.ok(await other.evaluate(() => window.leapsim.charts.grain.getOption().series.some((x) => x.id === 'd:honest-reporting:grain_reported_mt')));
  assert.ok(await other.isChecked('#compare-with input[value="honest-reporting"]'));
  await other.close();
  await page.fill('#runs', '1');
  await page.selectOption('#scale', '0.01');
});

test('the guided tour steps through the story with its levers highlighted', async () => {
  await page.click('#tour-start');
  await page.waitForSelector('#tour-title', { timeout: 120000 });
  assert.equal(await page.evaluate(() => window.leapsim.result.kind), 'run', 'the tour shows the historical run');
  assert.equal(await page.evaluate(() => window.leapsim.result.scenario.name), 'historical');
  const titles = [];
  for (;;) {
    titles.push(await page.textContent('#tour-title'));
    if (titles.length === 5) {
      assert.match(titles[4], /furnaces/);
      assert.ok(await page.locator('.lever.tour[data-key="labour.steel_campaign"]').count() === 1, 'the furnaces lever is highlighted');
      assert.ok(await page.locator('#chart-steel.tour').count() === 1, 'and the steel chart');
      assert.match(await page.textContent('#tour'), /1958-\d\d: /, 'with the timeline events and their sources');
      await settle();
      await page.screenshot({ path: `${shots}/tour.png` });
    }
    if (await page.isDisabled('#tour-next')) break;
    await page.click('#tour-next');
  }
  assert.ok(titles.length >= 8, titles.join(' | '));
  assert.equal(new Set(titles).size, titles.length);
  assert.match(page.url(), new RegExp(`tour=${titles.length}`));
  assert.equal(await page.inputValue('#map-series'), 'cdr_permille');
  await page.click('#tour-close');
  assert.equal(await page.locator('#tour').count(), 0);
});

test('several runs draw ensemble bands', async () => {
  const previous = await page.evaluate(() => document.body.dataset.job);
  await page.selectOption('#scale', '0.001');
  await page.fill('#runs', '2');
  await page.click('#run');
  await drawn(previous);
  const r = await page.evaluate(() => window.leapsim.result);
  assert.equal(r.kind, 'ensemble');
  assert.equal(r.seeds.length, 2);
  const width = await seriesData('rates', 'band-w:cdr_permille');
  assert.equal(width.length, 14);
  assert.ok(width.every((w) => w === null || w >= 0), `${width}`);
  assert.match(page.url(), /runs=2/);
  await settle();
  await page.locator('#chart-rates').screenshot({ path: `${shots}/ensemble.png` });
});

test('the deaths attributed to their causes, as bars with intervals', async () => {
  const previous = await page.evaluate(() => document.body.dataset.job);
  await page.fill('#runs', '1');
  await page.click('#attribute');
  await drawn(previous);
  const r = await page.evaluate(() => window.leapsim.result);
  assert.equal(r.kind, 'attribute');
  const opt = await page.evaluate(() => window.leapsim.charts.attribution.getOption());
  assert.deepEqual(opt.xAxis[0].data, r.causes.map((c) => c.name));
  assert.deepEqual(opt.series[0].data, r.targets[0].shares.map((x) => x.share.mean / 1e6), 'the shares in millions');
  await settle();
  await page.locator('#chart-attribution').screenshot({ path: `${shots}/attribution.png` });
  await page.fill('#runs', '1');
  await page.selectOption('#scale', '0.01');
});

test('a counterfactual is one click away', async () => {
  const previous = await page.evaluate(() => document.body.dataset.job);
  await page.click('button[data-scenario="no-mess-halls"]');
  await drawn(previous);
  assert.equal(await page.evaluate(() => window.leapsim.result.scenario.name), 'no-mess-halls');
  assert.match(page.url(), /scenario=no-mess-halls/);
});

let failed = 0;
for (const t of tests) {
  try {
    await t.fn();
    console.log(`ok   ${t.name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${t.name}\n${e.stack}`);
    await settle();
    await page.screenshot({ path: join(tmpdir(), 'leapsim-web-test-failure.png') }).catch(() => {});
  }
}
if (errors.length) {
  failed += 1;
  console.log(`FAIL the page logged errors:\n${errors.join('\n')}`);
}
await context.close();
rmSync(profile, { recursive: true, force: true });
console.log(`${tests.length - Math.min(failed, tests.length)} of ${tests.length} browser tests passed`);
process.exit(failed ? 1 : 0);
