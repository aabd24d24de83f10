// A load test on loopback: CLIENTS clients at once, each making ROUNDS rounds of the page's
// requests (the listings, a run request, its state and its result, a download). Every answer
// must be a success or one of the documented limits (429 when the queue is full); prints the
// requests, failures and latency percentiles. Bounded in count and time.
import assert from 'node:assert/strict';

const base = process.env.LEAPSIM_URL;
const clients = Number(process.env.CLIENTS || 200);
const rounds = Number(process.env.ROUNDS || 3);
const deadline = Date.now() + Number(process.env.SECONDS || 120) * 1000;
assert.ok(base, 'LEAPSIM_URL is not set');

const latencies = [];
const counts = {};
let failures = 0;

async function timed(path, init) {
  const t = performance.now();
  const r = await fetch(base + path, init);
  const text = await r.text();
  latencies.push(performance.now() - t);
  counts[r.status] = (counts[r.status] || 0) + 1;
  if (!(r.ok || r.status === 429)) {
    failures += 1;
    console.log(`failure: ${init ? 'POST' : 'GET'} ${path}: ${r.status} ${text}`);
  }
  return { status: r.status, json: () => JSON.parse(text) };
}

async function client(k) {
  for (let i = 0; i < rounds && Date.now() < deadline; i++) {
    await timed('/api/scenarios');
    await timed('/api/params');
    // A few seeds shared by all clients: most requests are answered from the cache.
    const body = JSON.stringify({ kind: 'run', scenario: 'historical', scale: 0.001, seed: 100 + (k % 4) });
    const r = await timed('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (r.status === 429) continue;
    const { id } = r.json();
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
}

const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, (_, k) => client(k)));
const seconds = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
console.log(`load test: ${clients} clients x ${rounds} rounds: ${latencies.length} requests in ${seconds.toFixed(1)} s, ` +
  `${failures} failures; statuses ${JSON.stringify(counts)}; latency ms p50 ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}, max ${q(1 - 1e-9)}`);
process.exit(failures ? 1 : 0);
