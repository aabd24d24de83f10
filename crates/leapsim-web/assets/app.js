// leapsim's dashboard: levers on the left (from /api/params), charts on the right (ECharts),
// each model series beside the historical record (/api/history). Jobs go to POST /api/runs
// and are followed by server-sent events. The URL's hash holds the scenario, the levers set,
// the job's options, the scenarios compared and the charts drawn as differences, so a link
// reproduces the screen.
'use strict';

const CHARTS = [
  { id: 'grain', title: 'Grain: true, reported and the target', unit: 'Mt',
    series: [['grain_true_mt', 'true harvest'], ['grain_reported_mt', 'reported'], ['grain_target_mt', 'target'], ['grain_claimed_mt', 'claimed by the centre']] },
  { id: 'procurement', title: 'Procurement and its ratio', unit: 'Mt (ratio on the right)',
    series: [['grain_procured_mt', 'procured'], ['grain_procured_net_mt', 'procured net of resales'], ['procurement_ratio', 'ratio to the true harvest', 1]] },
  { id: 'granary', title: "The state's granary and grain trade", unit: 'Mt',
    series: [['state_granary_mt', 'granary, end of year'], ['state_granary_low_mt', 'granary, lowest month'], ['grain_exported_mt', 'exports'], ['grain_imported_mt', 'imports']] },
  { id: 'steel', title: 'Steel: true, usable and reported', unit: 'Mt',
    series: [['steel_true_mt', 'true'], ['steel_usable_mt', 'usable'], ['steel_reported_mt', 'reported'], ['steel_backyard_mt', 'backyard furnaces']] },
  { id: 'coal', title: 'Coal and cotton: true and reported', unit: 'Mt (cotton on the right)',
    series: [['coal_true_mt', 'coal, true'], ['coal_reported_mt', 'coal, reported'], ['cotton_true_mt', 'cotton, true', 1], ['cotton_reported_mt', 'cotton, reported', 1]] },
  { id: 'calories', title: 'Rural calories', unit: 'kcal per person per day',
    series: [['kcal_per_capita_rural', 'rural kcal per day']] },
  { id: 'rates', title: 'Crude death and birth rates', unit: 'per 1,000 a year',
    series: [['cdr_permille', 'death rate'], ['cbr_permille', 'birth rate']] },
  { id: 'population', title: 'Population', unit: 'million', div: 1e6,
    series: [['population', 'population']] },
  { id: 'excess', title: 'Excess deaths', unit: 'million', div: 1e6, bar: true,
    series: [['excess_deaths', 'excess deaths']] },
];

const app = {
  state: { scenario: 'historical', set: {}, seed: '', scale: '', runs: 1, kind: 'run', with: [], diff: [], map: '', year: null, region: 'CN', detail: '' },
  params: [], byKey: {}, scenarios: [], history: [], limits: {}, charts: {}, rows: {}, result: null, job: null,
};
window.leapsim = app;

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};
const fmt = (v) => (v === null || v === undefined || Number.isNaN(v)) ? '–'
  : Math.abs(v) >= 1e6 ? (v / 1e6).toFixed(2) + ' M' : Number(v.toPrecision(4)).toString();

async function api(path, options) {
  const r = await fetch(path, options);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((body.field ? body.field + ': ' : '') + (body.error || r.statusText));
  return body;
}

// ---- the URL ---------------------------------------------------------------------------------

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  const s = app.state;
  s.scenario = h.get('scenario') || 'historical';
  s.set = {};
  for (const kv of h.getAll('set')) { const i = kv.indexOf('='); if (i > 0) s.set[kv.slice(0, i)] = kv.slice(i + 1); }
  s.seed = h.get('seed') || '';
  s.scale = h.get('scale') || '';
  s.runs = Number(h.get('runs') || 1);
  s.kind = h.get('kind') || 'run';
  // The scenarios compared with the first, `with=a,b` (a single `with=a` of older links too).
  s.with = (h.get('with') || '').split(',').filter(Boolean);
  // The charts of a comparison drawn as differences from its first scenario, `diff=grain,rates`.
  s.diff = (h.get('diff') || '').split(',').filter(Boolean);
  s.map = h.get('map') || '';
  s.region = h.get('region') || 'CN';
  s.detail = h.get('detail') || '';
  s.tour = Number(h.get('tour') || 0);
  s.year = Number(h.get('year') || 0) || null;
}

function writeHash() {
  const s = app.state, h = new URLSearchParams();
  h.set('scenario', s.scenario);
  for (const [k, v] of Object.entries(s.set)) h.append('set', k + '=' + v);
  if (s.seed !== '') h.set('seed', s.seed);
  if (s.scale !== '') h.set('scale', s.scale);
  if (s.runs > 1) h.set('runs', s.runs);
  if (s.kind !== 'run') h.set('kind', s.kind);
  if (s.with.length) h.set('with', s.with.join(','));
  if (s.diff.length) h.set('diff', s.diff.join(','));
  if (s.map) h.set('map', s.map);
  if (s.region && s.region !== 'CN') h.set('region', s.region);
  if (s.detail) h.set('detail', s.detail);
  if (s.tour) h.set('tour', s.tour);
  if (s.year) h.set('year', s.year);
  // Commas need no escape in a hash: `with=a,b` reads better than `with=a%2Cb`.
  history.replaceState(null, '', '#' + h.toString().replace(/%2C/g, ','));
}

// ---- levers ----------------------------------------------------------------------------------

function baseValue(p) {
  const sc = app.scenarios.find((x) => x.name === app.state.scenario);
  const pin = sc && (sc.pinned || []).find((x) => x.key === p.key);
  return pin ? pin.value : p.historical;
}

function shown(p, v) {
  if (p.kind === 'bool') return Number(v) ? 'true' : 'false';
  return fmt(Number(v));
}

function leverRow(p) {
  const set = app.state.set[p.key];
  const base = baseValue(p);
  const row = el('div', { class: 'lever' + (set !== undefined ? ' changed' : ''), 'data-key': p.key, title: p.source ? 'source: ' + p.source : '' });
  const value = el('span', { class: 'value' });
  const change = (v) => {
    app.state.set[p.key] = String(v);
    row.classList.add('changed');
    value.textContent = shown(p, p.kind === 'bool' ? (v === 'true' ? 1 : 0) : v);
    writeHash();
    status('levers changed: press Run');
  };
  let input;
  if (p.kind === 'bool') {
    const cur = set !== undefined ? set === 'true' : Number(base) !== 0;
    input = el('input', { type: 'checkbox', 'data-key': p.key, onchange: (e) => change(e.target.checked ? 'true' : 'false') });
    input.checked = cur;
    value.textContent = shown(p, cur ? 1 : 0);
  } else {
    const lo = p.min, hi = p.max;
    const cur = set !== undefined ? Number(set) : base;
    const listId = 'hist-' + p.key.replace(/\W/g, '-');
    input = el('input', { type: 'range', min: lo, max: hi, step: p.kind === 'int' ? 1 : 'any', list: listId, 'data-key': p.key,
      oninput: (e) => change(p.kind === 'int' ? Math.round(Number(e.target.value)) : Number(Number(e.target.value).toPrecision(4))) });
    input.value = cur;
    row.append(el('datalist', { id: listId }, el('option', { value: p.historical })));
    value.textContent = shown(p, cur);
  }
  const undo = el('button', { type: 'button', class: 'undo', title: 'back to the scenario\'s value', onclick: () => {
    delete app.state.set[p.key]; writeHash(); renderLevers();
  } }, '↺');
  row.append(
    el('div', {}, el('span', { class: 'name' }, p.key), ' = ', value, ' ', el('span', { class: 'unit' }, p.unit || ''), set !== undefined ? undo : ''),
    input,
    el('div', { class: 'hist' }, '▲ historical ' + shown(p, p.historical) + (p.lever ? ' (a lever: the timeline moves it; set here, it stays)' : '')),
    el('div', { class: 'meaning' }, p.meaning),
  );
  return row;
}

function renderLevers() {
  const box = $('groups');
  const open = new Set([...box.querySelectorAll('details[open]')].map((d) => d.dataset.group));
  box.textContent = '';
  for (const g of app.paramGroups) {
    const d = el('details', { class: 'group', 'data-group': g.group });
    if (open.size ? open.has(g.group) : ['reporting', 'procurement', 'trade', 'mess halls', 'campaigns', 'weather'].includes(g.group)) d.open = true;
    d.append(el('summary', {}, g.group + (g.group === 'other' ? ' (demography, production, calibration…)' : '')));
    for (const p of g.params) if (!p.key.startsWith('run.')) d.append(leverRow(p));
    box.append(d);
  }
}

function renderScenarios() {
  const nav = $('scenarios');
  nav.textContent = '';
  for (const s of app.scenarios) {
    nav.append(el('button', { type: 'button', class: s.name === app.state.scenario ? 'active' : '', title: s.description, 'data-scenario': s.name,
      onclick: () => { app.state.scenario = s.name; app.state.set = {}; app.state.kind = 'run'; writeHash(); renderScenarios(); renderLevers(); start('run'); } }, s.name));
  }
  renderCompareWith();
}

// The scenarios to compare the current one with: a check box each, in the order checked, at
// most the API's six scenarios in all (the current one and five others).
function renderCompareWith() {
  const s = app.state;
  const most = (app.limits.max_compare || 6) - 1;
  s.with = s.with.filter((n, i) => n !== s.scenario && s.with.indexOf(n) === i && app.scenarios.some((x) => x.name === n)).slice(0, most);
  const box = $('compare-with');
  box.textContent = '';
  for (const sc of app.scenarios) {
    if (sc.name === s.scenario) continue;
    const box1 = el('input', { type: 'checkbox', value: sc.name, 'data-with': sc.name, onchange: (e) => {
      s.with = e.target.checked ? [...s.with.filter((n) => n !== sc.name), sc.name] : s.with.filter((n) => n !== sc.name);
      writeHash();
      renderCompareWith();
    } });
    box1.checked = s.with.includes(sc.name);
    box1.disabled = !box1.checked && s.with.length >= most;
    box.append(el('label', { title: sc.description }, box1, sc.name));
  }
  $('compare').disabled = !s.with.length;
  $('compare').title = s.with.length ? `run ${[s.scenario, ...s.with].join(', ')} with the same seeds` : 'check one or more scenarios to compare with';
}

// ---- jobs ------------------------------------------------------------------------------------

function status(text, error) {
  $('status').textContent = text;
  $('status').classList.toggle('error', !!error);
}

function request(kind) {
  const s = app.state;
  const body = { kind, set: Object.entries(s.set).map(([k, v]) => k + '=' + v) };
  if (kind === 'compare') body.scenarios = [s.scenario, ...s.with]; else body.scenario = s.scenario;
  if (s.seed !== '') body.seed = Number(s.seed);
  if (s.scale !== '') body.scale = Number(s.scale);
  if (kind !== 'run') body.runs = Math.max(1, s.runs);
  if (kind === 'run' && s.detail) body.detail = s.detail;
  if (kind === 'attribute' && s.region !== 'CN') body.region = s.region;
  return body;
}

async function start(kind) {
  const s = app.state;
  s.seed = $('seed').value; s.scale = $('scale').value; s.runs = Math.max(1, Number($('runs').value) || 1);
  if (kind === 'run' && s.runs > 1) kind = 'ensemble';
  if (kind === 'compare' && !s.with.length) { status('check one or more scenarios to compare with', true); return; }
  s.kind = kind;
  writeHash();
  if (app.events) app.events.close();
  $('bar').style.width = '0';
  let job;
  try {
    job = await api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request(kind)) });
  } catch (e) {
    status(e.message, true);
    return;
  }
  app.job = job.id;
  status(`${kind} ${job.id}: ${job.cached ? 'cached' : 'queued'}`);
  const ev = new EventSource(`/api/jobs/${job.id}/events`);
  app.events = ev;
  const progress = (e) => {
    const d = JSON.parse(e.data);
    if (d.total) $('bar').style.width = (100 * d.done / d.total) + '%';
    status(`${kind} ${d.id}: ${d.status}${d.total ? ` ${d.done}/${d.total}` : ''}`);
  };
  ev.addEventListener('queued', progress);
  ev.addEventListener('running', progress);
  ev.addEventListener('done', async (e) => {
    ev.close();
    progress(e);
    if (app.job !== job.id) return;
    const r = await api(`/api/jobs/${job.id}/result`);
    app.result = r;
    render(r, job.id);
    status(`${kind} ${job.id}: done` + (JSON.parse(e.data).seconds ? ` in ${JSON.parse(e.data).seconds.toFixed(1)} s` : ''));
    document.body.dataset.job = job.id;
    if (app.state.tour && !$('tour')) tourStep(Math.min(app.state.tour, TOUR.length) - 1);
  });
  for (const bad of ['failed', 'cancelled']) {
    ev.addEventListener(bad, (e) => { ev.close(); const d = JSON.parse(e.data); status(`${kind} ${d.id}: ${d.status} ${d.error || ''}`, true); });
  }
}

// ---- charts ----------------------------------------------------------------------------------

// One colour per series of a chart, shared by its band and its line.
const PALETTE = ['#5470c6', '#ee6666', '#fac858', '#3ba272', '#73c0de', '#9a60b4', '#fc8452', '#91cc75'];

const CSV_ICON = 'path://M4 2h12l4 4v16H4z M7 12h10 M7 16h10 M7 8h6';
const DIFF_ICON = 'path://M2 12h20 M6 4v16 M12 8v8 M18 12v6';

function download(name, text, type) {
  const a = el('a', { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a); a.click(); a.remove();
}

function chartCsv(id) {
  const lines = ['year,series,scenario,kind,value'];
  for (const r of app.rows[id] || []) {
    r.years.forEach((y, i) => { if (r.values[i] !== null && r.values[i] !== undefined) lines.push([y, r.series, r.scenario, r.kind, r.values[i]].join(',')); });
  }
  return lines.join('\n') + '\n';
}

function ensureCharts() {
  const grid = $('grid');
  if (grid.dataset.kind === 'series') return;
  for (const c of Object.values(app.charts)) c.dispose();
  app.charts = {};
  grid.textContent = '';
  grid.dataset.kind = 'series';
  for (const def of CHARTS) {
    const div = el('div', { class: 'chart', id: 'chart-' + def.id, 'data-chart': def.id });
    grid.append(div);
    app.charts[def.id] = echarts.init(div);
  }
  if (app.mapReady) {
    const card = mapCard();
    grid.append(card);
    app.charts.map = echarts.init($('chart-map'));
    app.charts.map.on('click', (p) => {
      if (!p.name || !p.name.startsWith('CN-')) return;
      app.state.region = p.name; writeHash(); render(app.result, app.job);
      $('charts').scrollIntoView();
    });
  }
}

function recordSeries(def) {
  const names = def.series.map((s) => s[0]);
  const out = [];
  for (const v of app.history) {
    if (!names.includes(v.series)) continue;
    const right = (def.series.find((s) => s[0] === v.series) || [])[2] ? 1 : 0;
    out.push({ variable: v.variable, series: v.series, right, unit: v.unit,
      points: v.points.filter((p) => p.model_value !== null).map((p) => ({ year: p.year, value: p.model_value, raw: p.value, source: p.source })) });
  }
  return out;
}

function tooltip(div) {
  return (params) => {
    const list = Array.isArray(params) ? params : [params];
    const lines = [`<b>${list[0].axisValue || list[0].name}</b>`];
    for (const p of list) {
      if (p.seriesId && p.seriesId.startsWith('band')) continue;
      const d = p.data;
      const v = Array.isArray(d) ? d[1] : (d && d.value ? d.value[1] : d);
      const src = d && d.source ? `<br><small>${d.raw} ${d.unit} — ${d.source}</small>` : '';
      lines.push(`${p.marker}${p.seriesName}: ${fmt(typeof v === 'number' ? v : NaN)}${src}`);
    }
    return lines.join('<br>');
  };
}

// The series of the region chosen (the nation, or a province of a single run).
function regionOf(r) {
  return (app.state.region !== 'CN' && r.provinces && r.provinces[app.state.region]) || r.national;
}

function regionPicker(r) {
  const pick = el('select', { id: 'region', onchange: () => { app.state.region = pick.value; writeHash(); render(app.result, app.job); } },
    el('option', { value: 'CN' }, 'China'));
  for (const code of Object.keys(r.provinces || {})) pick.append(el('option', { value: code }, `${app.provinceNames[code] || code} (${code})`));
  pick.value = r.provinces && r.provinces[app.state.region] ? app.state.region : 'CN';
  return el('label', {}, ' Charts of ', pick, ' (or click a province on the map)');
}

// A 90% band as two stacked lines (ECharts' way to fill between two curves): the 5% line and
// the width above it, filled; stacked whatever the sign, so bands of differences fill too.
function bandSeries(id, name, yAxisIndex, color, q05, q95, div, opacity) {
  const common = { type: 'line', stack: 'band:' + id, stackStrategy: 'all', yAxisIndex, symbol: 'none', color, lineStyle: { opacity: 0 } };
  return [
    { ...common, id: 'band-lo:' + id, name: name + ' 5%', data: q05.map((v) => (v === null || v === undefined ? null : v / div)) },
    { ...common, id: 'band-w:' + id, name: name + ' 90%', areaStyle: { opacity, color },
      data: q95.map((hi, t) => (hi === null || q05[t] === null ? null : (hi - q05[t]) / div)) },
  ];
}

// The line of each scenario of a comparison: the first solid, the others dashed, dotted, …
const LINE_TYPES = ['solid', 'dashed', 'dotted', [8, 3, 2, 3], [12, 4], [2, 6]];

// Whether chart `def` of result `r` is drawn as the differences from the first scenario.
const asDifference = (def, r) => r.kind === 'compare' && !!r.difference && app.state.diff.includes(def.id);

// Draw the charts `ids` of the comparison shown as differences, and the others as levels.
function showDifferences(ids) {
  app.state.diff = ids;
  writeHash();
  for (const def of CHARTS) app.charts[def.id].setOption(seriesOption(def, app.result), true);
  renderViewButtons(app.result);
}

function toggleDifference(def) {
  const d = app.state.diff;
  showDifferences(d.includes(def.id) ? d.filter((x) => x !== def.id) : [...d, def.id]);
}

// A comparison's chart of differences: each later scenario's series less the first's, year by
// year, the mean of the paired differences over seeds with its 90% band (with more than one seed).
function differenceSeries(def, r, out, rows) {
  const div = def.div || 1;
  const scale = (v) => (v === null || v === undefined ? null : v / div);
  const single = def.series.length === 1;
  for (const [j, [key, label, right]] of def.series.entries()) {
    r.names.slice(1).forEach((n, k) => {
      const d = r.difference[n] && r.difference[n][key];
      if (!d) return;
      const i = k + 1, y = right ? 1 : 0;
      const color = PALETTE[(single ? i : j) % PALETTE.length];
      rows.push({ series: key, scenario: n, kind: 'difference', years: r.years, values: d.mean });
      if (d.q05.some((v) => v !== null)) {
        out.push(...bandSeries(`${n}:${key}`, `${label} · ${n}`, y, color, d.q05, d.q95, div, 0.18));
        rows.push({ series: key, scenario: n, kind: 'difference_q05', years: r.years, values: d.q05 },
          { series: key, scenario: n, kind: 'difference_q95', years: r.years, values: d.q95 });
      }
      out.push({ id: `d:${n}:${key}`, name: `${label} · ${n} − ${r.names[0]}`, type: 'line', yAxisIndex: y, showSymbol: false, color,
        lineStyle: { type: LINE_TYPES[i % LINE_TYPES.length] }, data: d.mean.map(scale),
        markLine: y === 0 ? { silent: true, symbol: 'none', label: { show: false }, lineStyle: { color: '#999', type: 'solid' }, data: [{ yAxis: 0 }] } : undefined });
    });
  }
}

function seriesOption(def, r) {
  const years = r.years.map(String);
  const div = def.div || 1;
  const scale = (v) => (v === null || v === undefined ? null : v / div);
  const out = [], rows = [];
  const difference = asDifference(def, r);
  let color;
  const add = (name, key, scenario, values, right, line, itemColor) => {
    rows.push({ series: key, scenario, kind: 'model', years: r.years, values });
    out.push({ id: `m:${scenario}:${key}`, name, type: def.bar ? 'bar' : 'line', yAxisIndex: right, showSymbol: false, color: itemColor || color,
      lineStyle: line ? { type: LINE_TYPES[line % LINE_TYPES.length] } : undefined, data: values.map(scale) });
  };
  if (difference) differenceSeries(def, r, out, rows);
  for (const [j, [key, label, right]] of (difference ? [] : def.series.entries())) {
    color = PALETTE[j % PALETTE.length];
    if (r.kind === 'run') {
      const v = regionOf(r)[key]; if (v) add(label, key, r.scenario.name, v, right ? 1 : 0, false);
    } else if (r.kind === 'ensemble') {
      const q = r.national[key]; if (!q) continue;
      out.push(...bandSeries(key, label, right ? 1 : 0, color, q.q05, q.q95, div, 0.3));
      add(label + ' (median)', key, r.scenario, q.q50, right ? 1 : 0, false);
      rows.push({ series: key, scenario: r.scenario, kind: 'q05', years: r.years, values: q.q05 }, { series: key, scenario: r.scenario, kind: 'q95', years: r.years, values: q.q95 });
    } else if (r.kind === 'compare') {
      // A chart of one series colours each scenario; else each series has its colour and each
      // scenario its line.
      const single = def.series.length === 1;
      r.names.forEach((n, i) => {
        const q = r.national[n] && r.national[n][key];
        if (q) add(`${label} · ${n}`, key, n, q.mean, right ? 1 : 0, single ? 0 : i, single ? PALETTE[i % PALETTE.length] : undefined);
      });
    }
  }
  for (const rec of (difference || (r.kind === 'run' && app.state.region !== 'CN')) ? [] : recordSeries(def)) {
    rows.push({ series: rec.series, scenario: 'record:' + rec.variable, kind: 'record', years: rec.points.map((p) => p.year), values: rec.points.map((p) => p.value) });
    out.push({ id: 'rec:' + rec.variable, name: 'record: ' + rec.variable, type: 'scatter', yAxisIndex: rec.right, symbol: 'diamond', symbolSize: 8,
      data: rec.points.filter((p) => years.includes(String(p.year))).map((p) => ({ value: [String(p.year), p.value / div], raw: p.raw, unit: rec.unit, source: p.source })) });
  }
  app.rows[def.id] = rows;
  const right = def.series.some((s) => s[2]);
  const toolbox = {};
  if (r.kind === 'compare' && r.difference) {
    toolbox.myDiff = { show: true, title: difference ? 'levels' : `difference from ${r.names[0]}`, icon: DIFF_ICON, onclick: () => toggleDifference(def) };
  }
  const bandNote = r.seeds && r.seeds.length > 1 ? `mean over ${r.seeds.length} seeds, 90% band` : 'one seed: no band';
  return {
    title: { text: def.title + (r.kind === 'run' && app.state.region !== 'CN' ? ` — ${app.provinceNames[app.state.region] || app.state.region}` : ''),
      subtext: difference ? `less ${r.names[0]}, ${def.unit}; ${bandNote}` : def.unit, left: 8, top: 4, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis', confine: true, formatter: tooltip(def) },
    legend: { type: 'scroll', bottom: 0, textStyle: { fontSize: 10 }, data: out.filter((x) => !x.id.startsWith('band')).map((x) => x.name) },
    grid: { left: 50, right: right ? 50 : 16, top: 52, bottom: 48 },
    toolbox: { right: 8, feature: {
      ...toolbox,
      saveAsImage: { name: 'leapsim-' + def.id + (difference ? '-difference' : ''), title: 'PNG' },
      myCsv: { show: true, title: 'CSV', icon: CSV_ICON, onclick: () => download(`leapsim-${def.id}${difference ? '-difference' : ''}.csv`, chartCsv(def.id), 'text/csv') },
    } },
    xAxis: { type: 'category', data: years },
    yAxis: right ? [{ type: 'value', scale: !difference }, { type: 'value', scale: !difference }] : [{ type: 'value', scale: !def.bar && !difference }],
    series: out,
  };
}

function renderOutcomes(r) {
  const box = $('outcomes');
  box.textContent = '';
  if (r.kind === 'ensemble') {
    const t = el('table', {}, el('tr', {}, el('th', {}, 'outcome'), el('th', {}, 'mean'), el('th', {}, '5%'), el('th', {}, 'median'), el('th', {}, '95%')));
    for (const o of r.outcomes) t.append(el('tr', {}, el('td', {}, o.outcome), ...[o.mean, o.q05, o.q50, o.q95].map((v) => el('td', {}, fmt(v)))));
    box.append(t);
  } else if (r.kind === 'compare') {
    // An outcome a row, a scenario a column: its value and, under it, its paired difference
    // from the first scenario (bold when the 90% interval leaves out zero).
    const several = r.seeds.length > 1;
    const cell = (x, signed) => (signed && x.mean > 0 ? '+' : '') + fmt(x.mean) + (several ? ` [${fmt(x.q05)}, ${fmt(x.q95)}]` : '');
    const t = el('table', { id: 'compare-table' }, el('tr', {}, el('th', {}, several ? 'outcome: mean [90%]; Δ paired difference' : 'outcome; Δ difference'),
      ...r.names.map((n, i) => el('th', {}, i ? n : `${n} (reference)`))));
    for (const o of r.outcomes) {
      t.append(el('tr', {}, el('td', {}, o.outcome), ...o.scenarios.map((s, i) => {
        const sure = several && (s.difference.q05 > 0 || s.difference.q95 < 0);
        return el('td', {}, cell(s.value, false), i ? el('div', { class: 'diff' + (sure ? ' sure' : '') }, 'Δ ' + cell(s.difference, true)) : '');
      })));
    }
    box.append(t);
  } else if (r.kind === 'run') {
    const h = (r.summary || {}).headline || {};
    box.append(el('p', { id: 'headline' },
      `Excess deaths 1959–1961: ${fmt(h.excess_deaths_1959_1961)} · peak death rate ${fmt(h.peak_cdr_permille)}‰ in ${h.peak_cdr_year}` +
      ` · grain in 1958: ${fmt(h.grain_true_mt_1958)} Mt harvested, ${fmt(h.grain_reported_mt_1958)} Mt reported`));
    const fit = (r.summary || {}).fit || [];
    if (fit.length) {
      const t = el('table', { id: 'fit-table' }, el('tr', {}, el('th', {}, 'the model beside the record'), el('th', {}, 'model'), el('th', {}, 'record'), el('th', {}, 'accepted'), el('th', {}, '')));
      for (const f of fit) {
        t.append(el('tr', { title: f.source }, el('td', {}, f.figure), el('td', {}, fmt(f.model)), el('td', {}, fmt(f.record)),
          el('td', {}, `${fmt(f.low)} – ${fmt(f.high)}`), el('td', {}, f.ok ? '✓' : '✗')));
      }
      box.append(el('details', {}, el('summary', {}, `Fit table: ${fit.filter((f) => f.ok).length} of ${fit.length} within their bands (source on hover)`), t));
    }
  }
}

function renderAttribution(r) {
  const grid = $('grid');
  for (const c of Object.values(app.charts)) c.dispose();
  app.charts = {};
  grid.textContent = '';
  grid.dataset.kind = 'attribution';
  for (const t of r.targets) {
    const div = el('div', { class: 'chart wide', id: 'chart-attribution', 'data-chart': 'attribution' });
    grid.append(div);
    const c = echarts.init(div);
    app.charts.attribution = c;
    const names = t.shares.map((s) => s.cause);
    app.rows.attribution = t.shares.map((s) => ({ series: t.outcome, scenario: s.cause, kind: 'share', years: ['mean', 'q05', 'q95'], values: [s.share.mean, s.share.q05, s.share.q95] }));
    c.setOption({
      title: { text: `Shares of ${t.outcome} by cause (million)`, subtext: `total ${fmt(t.total.mean)} [${fmt(t.total.q05)}, ${fmt(t.total.q95)}]; bars: mean, whiskers: 90% over seeds`, left: 8, textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'item' },
      grid: { left: 60, right: 16, top: 60, bottom: 60 },
      toolbox: { right: 8, feature: { saveAsImage: { name: 'leapsim-attribution', title: 'PNG' },
        myCsv: { show: true, title: 'CSV', icon: CSV_ICON, onclick: () => download('leapsim-attribution.csv', chartCsv('attribution'), 'text/csv') } } },
      xAxis: { type: 'category', data: names, axisLabel: { rotate: 30 } },
      yAxis: { type: 'value' },
      series: [
        { type: 'bar', name: 'share', data: t.shares.map((s) => s.share.mean / 1e6) },
        { type: 'custom', name: '90%', data: t.shares.map((s, i) => [i, s.share.q05 / 1e6, s.share.q95 / 1e6]), renderItem: (params, a) => {
          const lo = a.coord([a.value(0), a.value(1)]), hi = a.coord([a.value(0), a.value(2)]), w = a.size([1, 0])[0] * 0.15;
          const line = (x1, y1, x2, y2) => ({ type: 'line', shape: { x1, y1, x2, y2 }, style: { stroke: '#333', lineWidth: 1.5 } });
          return { type: 'group', children: [line(lo[0], lo[1], hi[0], hi[1]), line(lo[0] - w, lo[1], lo[0] + w, lo[1]), line(hi[0] - w, hi[1], hi[0] + w, hi[1])] };
        } },
      ],
    });
  }
}

function render(r, id) {
  $('files').textContent = '';
  for (const f of r.files || []) $('files').append(el('a', { href: `/api/jobs/${id}/${f}`, download: '' }, f));
  const desc = r.kind === 'run' ? `${r.scenario.name}, seed ${r.scenario.seed}, scale ${r.scenario.scale}`
    : r.kind === 'compare' ? `${r.names.join(' vs ')}, ${r.seeds.length} seed(s), scale ${r.scale}`
    : `${r.scenario}, ${r.seeds.length} seeds, scale ${r.scale}`;
  $('notes').textContent = `${r.kind}: ${desc}. Diamonds: the historical record of the nation (hover for its source).`;
  if (r.kind === 'run') $('notes').append(regionPicker(r));
  if (r.kind === 'compare') $('notes').append(el('span', { id: 'view' }));
  renderViewButtons(r);
  renderOutcomes(r);
  if (r.kind === 'attribute') { renderAttribution(r); return; }
  ensureCharts();
  for (const def of CHARTS) app.charts[def.id].setOption(seriesOption(def, r), true);
  if ($('mapcard')) $('mapcard').style.display = r.kind === 'run' ? '' : 'none';
  if (r.kind === 'run') drawMap();
  renderDrill(r);
}

// A comparison's charts, all at once: levels, or differences from the first scenario (each
// chart also switches on its own, by the toolbox's first button).
function renderViewButtons(r) {
  const box = $('view');
  if (!box || !r || r.kind !== 'compare') return;
  const all = CHARTS.map((d) => d.id);
  const n = all.filter((id) => app.state.diff.includes(id)).length;
  box.textContent = '';
  box.append(' Charts: ',
    el('button', { type: 'button', id: 'view-levels', class: n === 0 ? 'on' : '', onclick: () => showDifferences([]) }, 'levels'),
    el('button', { type: 'button', id: 'view-difference', class: n === all.length ? 'on' : '', onclick: () => showDifferences(all) }, `difference from ${r.names[0]}`));
}

// ---- the province map ------------------------------------------------------------------------

// The map's features (GB codes of china.json, echarts@4.9.0) by the model's province codes;
// Hainan is drawn within Guangdong and Chongqing within Sichuan (1958's borders).
const GB = {
  110000: 'CN-BJ', 120000: 'CN-TJ', 130000: 'CN-HE', 140000: 'CN-SX', 150000: 'CN-NM', 210000: 'CN-LN', 220000: 'CN-JL',
  230000: 'CN-HL', 310000: 'CN-SH', 320000: 'CN-JS', 330000: 'CN-ZJ', 340000: 'CN-AH', 350000: 'CN-FJ', 360000: 'CN-JX',
  370000: 'CN-SD', 410000: 'CN-HA', 420000: 'CN-HB', 430000: 'CN-HN', 440000: 'CN-GD', 450000: 'CN-GX', 460000: 'CN-GD',
  500000: 'CN-SC', 510000: 'CN-SC', 520000: 'CN-GZ', 530000: 'CN-YN', 610000: 'CN-SN', 620000: 'CN-GS', 630000: 'CN-QH',
  640000: 'CN-NX', 650000: 'CN-XJ',
};
const NOT_SIMULATED = { 540000: 'Tibet', 710000: 'Taiwan', 810000: 'Hong Kong', 820000: 'Macau' };

// china.json with each feature named by its province code, Hainan and Chongqing merged into
// Guangdong and Sichuan (their polygons joined into one feature), the rest named "not simulated".
function provinceMap(geo) {
  const multi = (g) => (g.type === 'Polygon'
    ? { type: 'MultiPolygon', coordinates: [g.coordinates], encodeOffsets: [g.encodeOffsets] }
    : { type: 'MultiPolygon', coordinates: g.coordinates.slice(), encodeOffsets: g.encodeOffsets.slice() });
  const byCode = {};
  const features = [];
  for (const f of geo.features) {
    const id = Number(f.properties.id);
    const code = GB[id];
    if (code && byCode[code]) {
      const g = multi(f.geometry);
      byCode[code].geometry.coordinates.push(...g.coordinates);
      byCode[code].geometry.encodeOffsets.push(...g.encodeOffsets);
      continue;
    }
    const name = code || `${NOT_SIMULATED[id] || f.properties.name} (not simulated)`;
    const feature = { type: 'Feature', properties: { name, cp: f.properties.cp }, geometry: multi(f.geometry) };
    if (code) byCode[code] = feature;
    features.push(feature);
  }
  return { type: 'FeatureCollection', UTF8Encoding: true, features };
}

const MAP_SERIES = ['cdr_permille', 'excess_deaths', 'cbr_permille', 'kcal_per_capita_rural', 'grain_true_mt', 'grain_reported_mt',
  'grain_procured_mt', 'procurement_ratio', 'population', 'mess_hall_share'];

function mapCard() {
  const card = el('div', { class: 'mapcard', id: 'mapcard' });
  const series = el('select', { id: 'map-series', onchange: () => { app.state.map = series.value; writeHash(); drawMap(); } });
  const names = app.provinceSeries || MAP_SERIES;
  for (const n of names) series.append(el('option', { value: n }, n));
  const year = el('input', { type: 'range', id: 'map-year', min: 1953, max: 1966, step: 1, value: app.state.year || 1960,
    oninput: () => { app.state.year = Number(year.value); writeHash(); drawMap(); } });
  const play = el('button', { type: 'button', id: 'map-play', onclick: () => playMap() }, '▶ play');
  card.append(
    el('div', { class: 'row' }, el('label', {}, 'province map of ', series), el('label', {}, ' in ', el('span', { id: 'map-year-label' }), ' ', year), play),
    el('div', { class: 'chart map', id: 'chart-map', 'data-chart': 'map' }),
    el('div', { class: 'credit' }, 'Boundaries: map/json/china.json of the npm package echarts@4.9.0 (Apache-2.0 package; boundary data of Baidu origin), ',
      'modern borders merged to 1958\'s (Hainan within Guangdong, Chongqing within Sichuan); Tibet, Taiwan, Hong Kong and Macau are not simulated. ',
      'Illustrative, not an authoritative statement of any border.'),
  );
  series.value = app.state.map || 'cdr_permille';
  return card;
}

function drawMap() {
  const r = app.result;
  const chart = app.charts.map;
  if (!chart || !r || r.kind !== 'run') return;
  const key = $('map-series').value;
  const year = Number($('map-year').value);
  $('map-year-label').textContent = year;
  const i = year - r.years[0];
  const all = Object.values(r.provinces).flatMap((p) => (p[key] || []).filter((v) => v !== null));
  const data = Object.entries(r.provinces).map(([code, p]) => ({ name: code, value: p[key] ? p[key][i] : null, label: app.provinceNames[code] || code }));
  app.rows.map = Object.entries(r.provinces).map(([code, p]) => ({ series: key, scenario: code, kind: 'model', years: r.years, values: p[key] || [] }));
  chart.setOption({
    title: { text: `${key}, ${year}`, left: 8, top: 4, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'item', formatter: (p) => (p.data ? `${p.data.label} (${p.name}): ${fmt(p.data.value)}` : `${p.name}`) },
    toolbox: { right: 8, feature: { saveAsImage: { name: 'leapsim-map', title: 'PNG' },
      myCsv: { show: true, title: 'CSV', icon: CSV_ICON, onclick: () => download('leapsim-map.csv', chartCsv('map'), 'text/csv') } } },
    visualMap: { min: Math.min(...all), max: Math.max(...all), calculable: true, left: 8, bottom: 8, inRange: { color: ['#fff7ec', '#fc8d59', '#7f0000'] } },
    series: [{ type: 'map', map: 'china1958', roam: true, nameProperty: 'name', itemStyle: { areaColor: '#ddd', borderColor: '#888' },
      emphasis: { label: { show: false } }, data }],
  }, true);
}

function playMap() {
  if (app.playing) { clearInterval(app.playing); app.playing = null; $('map-play').textContent = '▶ play'; return; }
  const year = $('map-year');
  if (Number(year.value) >= 1966) year.value = 1953;
  $('map-play').textContent = '❚❚ pause';
  app.playing = setInterval(() => {
    year.value = Number(year.value) + 1;
    app.state.year = Number(year.value);
    drawMap();
    if (Number(year.value) >= 1966) playMap();
  }, 700);
}

// ---- drill-down: one commune, its brigades, month by month ----------------------------------------

const DETAIL_CHARTS = [
  { id: 'd-grain', title: 'Grain', unit: 'kg a month (stock at the end of the month)',
    cols: [['grain_true_kg', 'harvested'], ['grain_reported_kg', 'reported'], ['grain_procured_kg', 'procured'], ['grain_eaten_kg', 'eaten'], ['grain_stock_kg', 'stock']] },
  { id: 'd-people', title: 'People', unit: 'persons (deaths and births a month on the right)',
    cols: [['population', 'population'], ['deaths', 'deaths', 1], ['births', 'births', 1]] },
  { id: 'd-food', title: 'Food', unit: 'kcal per person per day (mess-hall share on the right)',
    cols: [['kcal_per_day', 'kcal per day'], ['eats_in_mess_hall', 'eats in the mess hall', 1]] },
];

function drillCard(r) {
  const card = el('div', { class: 'mapcard', id: 'drillcard' });
  const pick = el('select', { id: 'detail-province' });
  for (const code of Object.keys(r.provinces || {})) pick.append(el('option', { value: code }, `${app.provinceNames[code] || code} (${code})`));
  pick.value = app.state.detail || (app.state.region !== 'CN' ? app.state.region : 'CN-HA');
  const follow = el('button', { type: 'button', id: 'detail-run', onclick: () => { app.state.detail = pick.value; start('run'); } }, 'Follow a commune');
  const row = el('div', { class: 'row' }, el('b', {}, 'Drill down: '), el('label', {}, 'the first commune of ', pick), follow);
  card.append(row);
  const d = r.detail;
  if (!d) {
    card.append(el('p', { class: 'credit' }, 'Runs the same scenario again, following one commune team by team (the teams are in detail.csv).'));
    return card;
  }
  const units = d.order;
  const team = el('select', { id: 'detail-team', onchange: () => { if (team.value) drawDetail(r, team.value); } });
  const unit = el('select', { id: 'detail-unit', onchange: async () => {
    drawDetail(r, unit.value);
    team.textContent = '';
    team.append(el('option', { value: '' }, '(its teams)'));
    if (d.units[unit.value].level !== 'brigade') return;
    // The brigade's teams, from the run's detail.csv.
    const t = await api(`/api/jobs/${app.job}/detail/${unit.value}`);
    for (const u of t.order) { d.units[u] = t.units[u]; team.append(el('option', { value: u }, `team ${u}`)); }
  } });
  for (const u of units) unit.append(el('option', { value: u }, `${d.units[u].level} ${u}`));
  team.append(el('option', { value: '' }, '(pick a brigade)'));
  row.append(el('label', {}, ' showing ', unit), team,
    el('button', { type: 'button', onclick: () => { app.state.detail = ''; start('run'); } }, 'Stop following'));
  const grid = el('div', { class: 'grid' });
  for (const def of DETAIL_CHARTS) grid.append(el('div', { class: 'chart', id: 'chart-' + def.id, 'data-chart': def.id }));
  card.append(grid);
  return card;
}

function drawDetail(r, unitName) {
  const d = r.detail, u = d.units[unitName];
  for (const def of DETAIL_CHARTS) {
    const c = app.charts[def.id] || (app.charts[def.id] = echarts.init($('chart-' + def.id)));
    app.rows[def.id] = def.cols.map(([k]) => ({ series: k, scenario: unitName, kind: 'model', years: d.months, values: u[k] || [] }));
    const right = def.cols.some((x) => x[2]);
    c.setOption({
      title: { text: `${def.title}: ${u.level} ${unitName}, ${r.detail_province || ''}`, subtext: def.unit, left: 8, top: 4, textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis', confine: true },
      legend: { bottom: 0, textStyle: { fontSize: 10 } },
      grid: { left: 60, right: right ? 50 : 16, top: 52, bottom: 60 },
      dataZoom: [{ type: 'inside' }],
      toolbox: { right: 8, feature: { saveAsImage: { name: 'leapsim-' + def.id, title: 'PNG' },
        myCsv: { show: true, title: 'CSV', icon: CSV_ICON, onclick: () => download(`leapsim-${def.id}.csv`, chartCsv(def.id), 'text/csv') } } },
      xAxis: { type: 'category', data: d.months },
      yAxis: right ? [{ type: 'value' }, { type: 'value' }] : [{ type: 'value' }],
      series: def.cols.map(([k, label, rt]) => ({ id: `d:${k}`, name: label, type: 'line', showSymbol: false, yAxisIndex: rt ? 1 : 0, data: u[k] || [] })),
    }, true);
  }
}

function renderDrill(r) {
  const old = $('drillcard');
  for (const def of DETAIL_CHARTS) { if (app.charts[def.id]) { app.charts[def.id].dispose(); delete app.charts[def.id]; } }
  if (old) old.remove();
  if (r.kind !== 'run') return;
  r.detail_province = app.state.detail ? (app.provinceNames[app.state.detail] || app.state.detail) : '';
  $('grid').append(drillCard(r));
  if (r.detail) drawDetail(r, r.detail.order[0]);
}

// ---- the guided tour ------------------------------------------------------------------------------

// The Leap's story as the seed tells it, step by step: a caption, the historical scenario's
// timeline events of the step (each label says what happened and its source), the chart that
// shows it and the levers it is about, highlighted so that a class can change one and replay.
const TOUR = [
  { title: 'The first Five-Year Plan, 1953–1957', chart: 'grain', match: (e) => e.date < '1957-11',
    text: 'Before the Leap the model is fitted to the record: grain, steel, coal, births and deaths of 1953–1957 are the diamonds beside its lines (the source of each on hover; the fit table under the run lists them).' },
  { title: 'A new rush: the winter of 1957–58', chart: 'grain', match: (e) => e.date >= '1957-11' && e.date < '1958-08',
    text: 'Water works draw labour from the fields, investment surges and the political climate heats up.' },
  { title: 'Beidaihe and communization, August–September 1958', chart: 'grain', match: (e) => e.date.startsWith('1958') && ['replan', 'communize'].includes(e.event),
    text: 'The centre resets the year’s target from what it believes; the cooperatives are merged into communes.' },
  { title: 'The 375 Mt claim', chart: 'grain', keys: ['reporting.honest', 'reporting.inflation_per_level', 'reporting.pressure_weight'],
    text: 'Each level of cadres reports upward a little more than it was told, under the pressure of the targets: the seed report gives 375 Mt of grain reported for 1958 on about 200 Mt harvested. Compare the reported line with the true one, then switch reporting.honest on and replay.' },
  { title: 'The furnaces', chart: 'steel', match: (e) => e.key === 'labour.steel_campaign',
    text: 'Backyard furnaces take labour from the harvest; much of their steel is unusable.' },
  { title: 'The mess halls', chart: 'calories', match: (e) => ['food.mess_halls', 'food.free_eating'].includes(e.key),
    text: 'Families eat in communal mess halls: free eating at first, then hunger as the stocks run out.' },
  { title: 'Lushan, summer 1959', chart: 'procurement', match: (e) => e.event === 'revise' || (e.date.startsWith('1959') && e.key === 'politics.climate'),
    text: 'The centre revises its estimate of 1958, but the plenum turns against Peng Dehuai’s criticism and the pressure rises again: procurement stays high on a falling harvest.' },
  { title: 'The famine, 1959–1961', chart: 'rates', map: ['cdr_permille', 1960], keys: ['trade.exports_mt_per_year', 'procurement.rate', 'procurement.on_true_output'],
    text: 'Deaths rise and births collapse; the map shows where. Grain still leaves the countryside and the country: try no exports, or procurement on the true harvest, and replay.' },
  { title: 'The Urgent Directive and the retreat', chart: 'population', match: (e) => e.date >= '1960-09' && e.date <= '1962-12',
    text: 'From late 1960 the communes are cut down, private plots and sidelines return, rations follow the granary and imports arrive: the death rate falls and births rebound.' },
];

function tourBox() {
  let box = $('tour');
  if (!box) {
    box = el('div', { id: 'tour', role: 'dialog', 'aria-label': 'guided tour' });
    document.body.append(box);
  }
  return box;
}

function tourStep(i) {
  const step = TOUR[i];
  app.state.tour = i + 1;
  writeHash();
  const hist = app.scenarios.find((x) => x.name === 'historical');
  const events = (hist && hist.timeline || []).filter((e) => step.match && step.match(e));
  const keys = new Set([...(step.keys || []), ...events.map((e) => e.key).filter(Boolean)]);
  document.querySelectorAll('.lever.tour').forEach((x) => x.classList.remove('tour'));
  document.querySelectorAll('.chart.tour').forEach((x) => x.classList.remove('tour'));
  for (const k of keys) {
    const row = document.querySelector(`.lever[data-key="${k}"]`);
    if (row) { row.classList.add('tour'); row.closest('details').open = true; }
  }
  const first = document.querySelector('.lever.tour');
  if (first) first.scrollIntoView({ block: 'center' });
  const chart = $('chart-' + step.chart);
  if (chart) { chart.classList.add('tour'); chart.scrollIntoView({ block: 'center' }); }
  if (step.map && $('map-series')) {
    $('map-series').value = step.map[0]; $('map-year').value = step.map[1];
    app.state.map = step.map[0]; app.state.year = step.map[1]; drawMap();
  }
  const box = tourBox();
  box.textContent = '';
  box.append(
    el('div', { class: 'tour-head' }, el('b', { id: 'tour-title' }, `${i + 1}/${TOUR.length} ${step.title}`),
      el('button', { type: 'button', id: 'tour-close', onclick: () => endTour() }, '×')),
    el('p', { id: 'tour-text' }, step.text),
  );
  if (events.length) {
    const ul = el('ul', { class: 'tour-events' });
    for (const e of events.slice(0, 8)) ul.append(el('li', {}, `${e.date}: ${e.label}`));
    box.append(el('div', { class: 'credit' }, 'From the historical scenario’s timeline (what happened, with its source):'), ul);
  }
  if (keys.size) box.append(el('div', { class: 'credit' }, `Levers of this step (highlighted): ${[...keys].join(', ')}. Change one and press Run.`));
  box.append(el('div', { class: 'row' },
    el('button', { type: 'button', id: 'tour-prev', disabled: i === 0 ? '' : null, onclick: () => tourStep(i - 1) }, '‹ back'),
    el('button', { type: 'button', id: 'tour-next', disabled: i === TOUR.length - 1 ? '' : null, onclick: () => tourStep(i + 1) }, 'next ›')));
}

function endTour() {
  app.state.tour = 0;
  writeHash();
  document.querySelectorAll('.tour').forEach((x) => x.classList.remove('tour'));
  if ($('tour')) $('tour').remove();
}

// ---- start -----------------------------------------------------------------------------------

async function main() {
  readHash();
  const [sc, pa, hi, li] = await Promise.all([api('/api/scenarios'), api('/api/params'), api('/api/history'), api('/api/limits')]);
  app.scenarios = sc.scenarios; app.paramGroups = pa.groups; app.history = hi.variables; app.limits = li;
  app.provinceNames = li.provinces || {};
  try {
    echarts.registerMap('china1958', provinceMap(await (await fetch('/vendor/china.json')).json()));
    app.mapReady = true;
  } catch (e) {
    status('the province map could not be loaded: ' + e.message, true);
  }
  for (const g of pa.groups) for (const p of g.params) app.byKey[p.key] = p;
  const scale = $('scale');
  for (const x of [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1].filter((x) => x <= li.max_scale)) scale.append(el('option', { value: x }, String(x)));
  scale.value = app.state.scale || String(Math.min(0.01, li.max_scale));
  $('seed').value = app.state.seed;
  $('runs').value = app.state.runs;
  $('runs').max = li.max_runs;
  renderScenarios();
  renderLevers();
  $('run').addEventListener('click', () => start('run'));
  $('compare').addEventListener('click', () => start('compare'));
  $('attribute').addEventListener('click', () => start('attribute'));
  $('tour-start').addEventListener('click', () => {
    // The tour tells the historical run: run it first if the screen shows something else.
    const r = app.result;
    if (r && r.kind === 'run' && r.scenario.name === 'historical' && !Object.keys(app.state.set).length) { tourStep(0); return; }
    Object.assign(app.state, { scenario: 'historical', set: {}, with: [], detail: '', region: 'CN', tour: 1 });
    if ($('tour')) $('tour').remove();
    renderScenarios(); renderLevers(); start('run');
  });
  $('reset').addEventListener('click', () => { app.state.set = {}; writeHash(); renderLevers(); status('levers reset: press Run'); });
  window.addEventListener('resize', () => Object.values(app.charts).forEach((c) => c.resize()));
  start(app.state.kind === 'compare' && !app.state.with.length ? 'run' : app.state.kind);
}

main().catch((e) => status(e.message, true));
