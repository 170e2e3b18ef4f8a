// The operator console in Debian's Chromium, driven by Playwright (playwright-core only: no browser download).
// ConsoleBrowserTest prepares the shop and runs this file with node's test runner; the environment says where
// everything is: CHROMIUM, ORDER_URL, ANALYTICS_URL, ADMIN_TOKEN, SHOPPER_TOKEN, SKU (a product with stock),
// BEFORE_ORDERS (an RFC 3339 time before any order), PG_URL (psql, to hold a view's table) and SCREENSHOTS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';

const env = name => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: ConsoleBrowserTest sets it`);
  return value;
};
const ORDER = env('ORDER_URL');
const ANALYTICS = env('ANALYTICS_URL');
const ADMIN = env('ADMIN_TOKEN');
const SCREENSHOTS = env('SCREENSHOTS');

let browser;
let page;

before(async () => {
  browser = await chromium.launch({ executablePath: env('CHROMIUM'), headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // The console asks before skipping or bulk actions: the operator here says yes.
  page.on('dialog', dialog => dialog.accept());
  page.on('pageerror', error => console.log(`page error: ${error.message}`));
});

after(async () => {
  await browser?.close();
});

async function adminApi(base, path, init = {}) {
  const response = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${ADMIN}`, ...(init.headers ?? {}) } });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/** Polls until check() returns a truthy value (answered), or fails with what it last saw. */
async function until(what, check, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  throw new Error(`${what} within ${timeoutMs} ms; last seen: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

async function logIn(base, token) {
  await page.goto(`${base}/admin/console/`);
  await page.locator('#token').fill(token);
  await page.locator('#login button[type=submit]').click();
}

async function screenshot(name) {
  await page.screenshot({ path: `${SCREENSHOTS}/console-${name}.png` });
}

// A psql session holding a lock until released: a view's writes wait behind it, as behind a stuck statement.
function holdLock(statement) {
  const psql = spawn('psql', ['-v', 'ON_ERROR_STOP=1', '-q', env('PG_URL')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  psql.stdout.on('data', data => { output += data; });
  psql.stderr.on('data', data => { output += data; });
  psql.stdin.write(`begin;\n${statement};\nselect 'locked';\n`);
  return {
    locked: () => until('the lock is held', () => output.includes('locked') || (output.includes('ERROR') && Promise.reject(new Error(output)))),
    release: () => new Promise(resolve => {
      psql.on('close', resolve);
      psql.stdin.end('commit;\n');
    }),
  };
}

test('without a token the console asks for one, shows a refused one as a problem, and with an admin token shows the subscribers', async () => {
  await logIn(ANALYTICS, env('SHOPPER_TOKEN'));
  await until('a readable 403 problem', async () => (await page.locator('#problem').textContent())?.includes('Forbidden (403)'));
  assert.ok(await page.locator('#login').isVisible(), 'the token form stays');

  await logIn(ANALYTICS, ADMIN);
  await page.locator('#subscribers tr[data-subscriber="analytics.sales"]').waitFor();
  assert.equal(await page.locator('#problem').isVisible(), false);
  // Kept for the tab: a reload asks for nothing.
  await page.reload();
  await page.locator('#subscribers tr[data-subscriber="analytics.funnel"]').waitFor();
  assert.equal(await page.locator('#login').isVisible(), false);
  const names = await page.locator('#subscribers tr[data-subscriber]').evaluateAll(rows => rows.map(r => r.dataset.subscriber));
  assert.deepEqual(names.sort(), ['analytics.funnel', 'analytics.rejections', 'analytics.revenue', 'analytics.sales']);
});

test('the relays of order-service show their state', async () => {
  await logIn(ORDER, ADMIN);
  await page.locator('#tab-relays').click();
  const row = page.locator('#relays tr[data-relay="order"]');
  await row.waitFor();
  assert.equal(await row.locator('.state').textContent(), 'LEADING');
});

test('a stuck subscriber shows the lag the API reports, and none once it moves again', async () => {
  const funnel = await adminApi(ANALYTICS, '/admin/subscribers/analytics.funnel');
  const lock = holdLock(`lock table analytics_funnel_g${funnel.rebuild.liveGeneration}.orders in exclusive mode`);
  try {
    await lock.locked();
    const response = await fetch(`${ORDER}/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${env('SHOPPER_TOKEN')}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
      body: JSON.stringify({ lines: [{ sku: env('SKU'), quantity: 1 }] }),
    });
    assert.equal(response.status, 202);
    await page.goto(`${ANALYTICS}/admin/console/#subscribers`);
    const cell = page.locator('#subscribers tr[data-subscriber="analytics.funnel"] td.lag');
    // The page and the API agree on a lag of at least one event (placed, then confirmed, wait behind the lock).
    const shown = await until('the page shows the lag the API reports', async () => {
      const api = (await adminApi(ANALYTICS, '/admin/subscribers/analytics.funnel')).lagEvents;
      const text = await cell.textContent();
      return api > 0 && text === String(api) ? api : false;
    });
    assert.ok(shown >= 1);
    // The view beside it, not held, applies the same events: its lag goes back to none while the funnel's stays.
    await until('the sales view shows no lag', async () =>
      (await page.locator('#subscribers tr[data-subscriber="analytics.sales"] td.lag').textContent()) === '0');
    assert.ok(Number(await cell.textContent()) >= shown, 'the funnel is still held');
    await screenshot('subscribers');
  } finally {
    await lock.release();
  }
  await until('the lag is gone once the lock is released', async () => (await page.locator(
    '#subscribers tr[data-subscriber="analytics.funnel"] td.lag').textContent()) === '0');
});

test('a dead letter redriven from the page disappears, and the bulk actions resolve the rest', async () => {
  await page.locator('#tab-dead-letters').click();
  const open = await adminApi(ANALYTICS, '/admin/dead-letters?status=OPEN');
  assert.equal(open.length, 4, JSON.stringify(open));
  const letter = id => page.locator(`#dead-letters tr[data-dead-letter="${id}"]`);
  const of = name => open.find(l => l.subscriber.startsWith(`${name}.g`));
  for (const l of open) await letter(l.id).waitFor();
  await screenshot('dead-letters');

  // One, by its own button.
  const sales = of('analytics.sales');
  await letter(sales.id).locator('button[data-action=redrive]').click();
  await letter(sales.id).waitFor({ state: 'detached' });
  assert.match(await page.locator('.notice').textContent(), new RegExp(`Dead letter ${sales.id} redriven`));
  assert.equal((await adminApi(ANALYTICS, `/admin/dead-letters/${sales.id}`)).status, 'REDRIVEN');

  // Chosen by their boxes.
  const funnel = of('analytics.funnel');
  await letter(funnel.id).locator('input[type=checkbox]').check();
  await page.locator('button[data-action=redrive-selected]').click();
  await letter(funnel.id).waitFor({ state: 'detached' });

  // All of one subscriber, whose reason contains a text: skipped in bulk.
  const revenue = of('analytics.revenue');
  await page.locator('select[aria-label=subscriber]').selectOption('analytics.revenue');
  await page.locator('input[aria-label="reason contains"]').fill('undecodable');
  await page.locator('input[aria-label="reason contains"]').press('Enter');
  await page.locator('button[data-action=skip-all]').click();
  await until('the bulk skip is reported', async () => (await page.locator('.notice').textContent().catch(() => ''))
    .startsWith('1 resolved, 0 refused'));
  assert.equal((await adminApi(ANALYTICS, `/admin/dead-letters/${revenue.id}`)).status, 'SKIPPED');

  const left = await adminApi(ANALYTICS, '/admin/dead-letters?status=OPEN');
  assert.deepEqual(left.map(l => l.id), [of('analytics.rejections').id]);
});

test('a rebuild started from the page shows its progress live, up to 100 %', async () => {
  await page.locator('#tab-subscribers').click();
  const before = (await adminApi(ANALYTICS, '/admin/subscribers/analytics.sales')).rebuild.liveGeneration;
  await page.locator('#subscribers tr[data-subscriber="analytics.sales"] button[data-action=rebuild]').click();
  const bar = page.locator('[role=progressbar][data-job="rebuild:analytics.sales"]');
  const seen = [];
  let shot = false;
  await until('the rebuild switched and its bar shows 100 %', async () => {
    // Only this rebuild's bar: the view's previous rebuild, if any, shows until the new one is registered.
    if (!(Number(await page.locator('[data-rebuild="analytics.sales"]').getAttribute('data-generation', { timeout: 1000 })) > before)) return false;
    const value = Number(await bar.getAttribute('aria-valuenow', { timeout: 1000 }));
    if (seen.at(-1) !== value) seen.push(value);
    if (!shot && value > 5 && value < 95) {
      await screenshot('rebuild');
      shot = true;
    }
    const state = await page.locator('[data-rebuild="analytics.sales"] .state').textContent({ timeout: 1000 });
    return value === 100 && state === 'SWITCHED';
  }, 90000);
  assert.ok(seen.some(v => v > 0 && v < 100), `progress between 0 and 100 % was shown on the way: ${seen}`);
  assert.deepEqual([...seen].sort((a, b) => a - b), seen, `the bar only moves forward: ${seen}`);
  assert.ok(shot, 'a screenshot of the rebuild in progress was taken');
  const after = await adminApi(ANALYTICS, '/admin/subscribers/analytics.sales');
  assert.equal(after.rebuild.state, 'SWITCHED');
  assert.ok(after.rebuild.liveGeneration > before);
});

test('the charts draw what the API answers, now and as of a moment before any order', async () => {
  await page.locator('#tab-analytics').click();
  const chartData = id => page.evaluate(canvas => window.Chart?.getChart(canvas)?.data.datasets[0].data ?? null, id);
  const funnel = await adminApi(ANALYTICS, '/analytics/funnel');
  const expected = [funnel.placed, funnel.confirmed, funnel.rejected, funnel.cancelled];
  await until('the funnel chart draws the API\'s counts', async () => JSON.stringify(await chartData('chart-funnel')) === JSON.stringify(expected));
  assert.ok(funnel.placed >= 5 && funnel.rejected === 1 && funnel.cancelled === 1, JSON.stringify(funnel));

  const sales = await adminApi(ANALYTICS, '/analytics/sales');
  const labels = await page.evaluate(() => window.Chart.getChart('chart-sales').data.labels);
  const units = await chartData('chart-sales');
  const mug = sales.products.find(p => p.sku === env('SKU'));
  assert.equal(units[labels.findIndex(label => label.endsWith(`(${mug.sku})`))], mug.units);
  assert.equal(await page.locator(`#sales-figures tr[data-sku="${mug.sku}"] td:nth-child(3)`).textContent(), String(mug.units));

  const revenue = await adminApi(ANALYTICS, '/analytics/revenue?bucket=hour');
  const drawn = await page.evaluate(() => window.Chart.getChart('chart-revenue').data.datasets.map(d => ({ label: d.label, data: d.data })));
  const eur = revenue.buckets.filter(b => b.revenue.currency === 'EUR').map(b => b.revenue.amount / 100);
  assert.deepEqual(drawn.find(d => d.label === 'EUR').data, eur);
  await screenshot('analytics');

  // As of a moment before the first order: nothing had happened yet.
  const asOf = env('BEFORE_ORDERS');
  const then = await adminApi(ANALYTICS, `/analytics/funnel?asOf=${encodeURIComponent(asOf)}`);
  await page.locator('#as-of').fill(asOf);
  await page.locator('#analytics-query button[type=submit]').click();
  await until('the funnel chart as of then', async () =>
    JSON.stringify(await chartData('chart-funnel')) === JSON.stringify([then.placed, then.confirmed, then.rejected, then.cancelled]));
  assert.equal(then.placed, 0);

  // A moment the API cannot read is told as its problem document: title, detail and the field.
  await page.locator('#as-of').fill('yesterday');
  await page.locator('#analytics-query button[type=submit]').click();
  await until('the 400 problem is shown', async () => {
    const text = await page.locator('#problem').textContent();
    return text.includes('(400)') && text.includes('asOf') ? text : false;
  });
});

test('one order\'s flow: its events in store order, with the state of each subscriber of order-service', async () => {
  const placed = await fetch(`${ORDER}/orders`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env('SHOPPER_TOKEN')}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify({ lines: [{ sku: env('SKU'), quantity: 1 }] }),
  });
  assert.equal(placed.status, 202);
  const order = (await placed.json()).id;
  // An order's flow is correlated by its id; it ends when order-service has applied its confirmation.
  const flow = await until('the order confirmed and its flow applied by the saga', async () => {
    const found = await adminApi(ORDER, `/admin/flows/${order}`);
    return found.events.some(e => e.type === 'io.eventshop.order.confirmed')
      && found.events.every(e => e.subscribers.every(s => s.state === 'applied')) ? found : false;
  }, 60000);

  // The admin token is kept for this tab since the relays' test logged in to order-service.
  await page.goto(`${ORDER}/admin/console/#flows`);
  await page.locator('#flow-id').fill(order);
  await page.locator('[data-action=show-flow]').click();
  const rows = page.locator('#flow tbody tr[data-event]');
  await until('the flow\'s events are listed', async () => (await rows.count()) === flow.events.length);
  const shown = await rows.evaluateAll(trs => trs.map(tr => ({
    event: tr.dataset.event,
    type: tr.children[3].textContent,
    subscribers: [...tr.querySelectorAll('[data-subscriber]')].map(d => `${d.dataset.subscriber}=${d.querySelector('.state').textContent}`),
  })));
  assert.deepEqual(shown, flow.events.map(e => ({
    event: e.eventId, type: e.type, subscribers: e.subscribers.map(s => `${s.subscriber}=${s.state}`),
  })));
  assert.deepEqual(shown.map(e => e.type).filter(t => t.startsWith('io.eventshop.order.')),
    ['io.eventshop.order.placed', 'io.eventshop.order.confirmed'], 'placed before confirmed');

  // Not a UUID: the API's 400 problem, shown readably.
  await page.locator('#flow-id').fill('not-a-flow');
  await page.locator('[data-action=show-flow]').click();
  await until('the 400 problem is shown', async () => {
    const text = await page.locator('#problem').textContent();
    return text.includes('(400)') && text.includes('correlationId') ? text : false;
  });
});
