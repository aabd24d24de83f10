// A load test on loopback, in two phases, bounded in count and time.
//
// 1. CLIENTS clients at once, each making ROUNDS rounds of the page's requests (the listings, a
//    run request for one of four seeds, its state until done, its result, a download): the
//    runs are queued and every repeat is answered from the cache.
// 2. Over the limit: the same clients at once, each asking for a run of its own (a distinct
//    seed at scale 0.001), many more than the server's `--max-jobs` plus `--max-queue` can
//    take: the ones beyond get 429. The accepted runs are followed until done; then the server
//    must still answer, and take a new job once its queue has drained.
//
// Every answer must be a success or a documented limit: 429 when the queue is full (503 is the
// limit only while the server shuts down, which it does not here, so it counts as a failure).
// Prints the requests, failures, statuses and latency percentiles of each phase and in all.
import assert from 'node:assert/strict';

const base = process.env.LEAPSIM_URL;
const clients = Number(process.env.CLIENTS || 200);
const rounds = Number(process.env.ROUNDS || 3);
const deadline = Date.now() + Number(process.env.SECONDS || 120) * 1000;
assert.ok(base, 'LEAPSIM_URL is not set');

const newStats = () => ({ latencies: [], counts: {}, failures: 0 });
const all = newStats();
let phase = newStats();

async function timed(path, init) {
  const t = performance.now();
  const r = await fetch(base + path, init);
  const text = await r.text();
  const ms = performance.now() - t;
  for (const s of [all, phase]) {
    s.latencies.push(ms);
    s.counts[r.status] = (s.counts[r.status] || 0) + 1;
  }
  if (!(r.ok || r.status === 429)) {
    all.failures += 1;
    phase.failures += 1;
    console.log(`failure: ${init ? 'POST' : 'GET'} ${path}: ${r.status} ${text}`);
  }
  return { status: r.status, json: () => JSON.parse(text) };
}

const post = (body) => timed('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// Follow job `id` until it is done (it must not fail), then fetch its result and a file.
async function follow(id) {
  for (;;) {
    const s = (await timed(`/api/jobs/${id}`)).json();
    if (s.status === 'done') break;
    assert.ok(!['failed', 'cancelled'].includes(s.status), JSON.stringify(s));
    assert.ok(Date.now() < deadline, 'out of time');
    await new Promise((res) => setTimeout(res, 100));
  }
  await timed(`/api/jobs/${id}/result`);
  await timed(`/api/jobs/${id}/summary.json`);
}

async function cachedClient(k) {
  for (let i = 0; i < rounds && Date.now() < deadline; i++) {
    await timed('/api/scenarios');
    await timed('/api/params');
    // A few seeds shared by all clients: most requests are answered from the cache.
    const r = await post({ kind: 'run', scenario: 'historical', scale: 0.001, seed: 100 + (k % 4) });
    if (r.status === 429) continue;
    await follow(r.json().id);
  }
}

// A seed of this test's own for each client, so that no request of phase 2 is in the cache
// (not even of an earlier load test against the same server).
const seedBase = 10000 + Math.floor(Math.random() * 1e6) * 1000;

async function overLimitClient(k) {
  const r = await post({ kind: 'run', scenario: 'historical', scale: 0.001, seed: seedBase + k });
  if (r.status === 429) return 'limited';
  if (r.status !== 202 && r.status !== 200) return 'failed';
  await follow(r.json().id);
  return 'accepted';
}

const ms = (v) => (v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(2)} s`);
function report(name, s, seconds) {
  const l = [...s.latencies].sort((a, b) => a - b);
  const q = (p) => ms(l[Math.min(l.length - 1, Math.floor(p * l.length))]);
  console.log(`${name}: ${l.length} requests in ${seconds.toFixed(1)} s, ${s.failures} failures; statuses ${JSON.stringify(s.counts)}; ` +
    `latency p50 ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, max ${q(1 - 1e-9)}`);
}

const limits = await (await fetch(base + '/api/limits')).json();
const t0 = performance.now();

// Phase 1: the page's requests, the runs shared and cached.
await Promise.all(Array.from({ length: clients }, (_, k) => cachedClient(k)));
const t1 = performance.now();
report(`load test, phase 1 (${clients} clients x ${rounds} rounds, 4 distinct runs)`, phase, (t1 - t0) / 1000);

// Phase 2: a distinct run for every client at once, beyond the queue's bound.
phase = newStats();
const outcomes = await Promise.all(Array.from({ length: clients }, (_, k) => overLimitClient(k)));
const accepted = outcomes.filter((o) => o === 'accepted').length;
const limited = outcomes.filter((o) => o === 'limited').length;
// The server still answers, and takes a new job now that its queue has drained.
assert.equal((await timed('/api/limits')).status, 200);
const after = await post({ kind: 'run', scenario: 'historical', scale: 0.001, seed: seedBase + clients });
assert.equal(after.status, 202, 'a new job is taken once the queue has drained');
await follow(after.json().id);
const t2 = performance.now();
report(`load test, phase 2 (${clients} distinct runs at once; --max-jobs ${limits.max_jobs}, --max-queue ${limits.max_queue}): ` +
  `${accepted} accepted and run, ${limited} refused with 429`, phase, (t2 - t1) / 1000);
assert.ok(limited >= 1, 'some requests of phase 2 met the full queue (429)');
assert.ok(accepted >= 1 && accepted + limited === clients, `${accepted} accepted, ${limited} limited of ${clients}`);

report(`load test, in all (${clients} clients)`, all, (t2 - t0) / 1000);
process.exit(all.failures ? 1 : 0);
