// analytics-service's page of the operator console: sales, the funnel and revenue over time, as charts
// (Chart.js, served from its webjar by this service) beside the figures they draw, as of any moment.

const CHART_JS = '/webjars/chart.js/dist/chart.umd.min.js';
const COLORS = ['#0969da', '#1a7f37', '#cf222e', '#9a6700', '#8250df', '#57606a'];

let chartLibrary = null;

// Loaded on first use: only this page needs it.
function loadChartJs() {
  chartLibrary ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = CHART_JS;
    script.onload = () => resolve(window.Chart);
    script.onerror = () => reject(new Error(`${CHART_JS} could not be loaded`));
    document.head.append(script);
  });
  return chartLibrary;
}

// Minor units to major ones, as the currency has them (EUR 2 digits, JPY none).
function major(money) {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: money.currency }).resolvedOptions().maximumFractionDigits;
  return money.amount / 10 ** digits;
}

function formatMoney(money) {
  return new Intl.NumberFormat('en', { style: 'currency', currency: money.currency }).format(major(money));
}

// The datetime-local picker's value read as UTC, in RFC 3339.
function pickedAsOf(value) {
  if (!value) return '';
  return `${value.length === 16 ? `${value}:00` : value}Z`;
}

export function panels(console) {
  const { el, api, number } = console;
  const state = { asOf: '', bucket: 'hour' };
  const charts = {};

  function draw(Chart, id, config) {
    charts[id]?.destroy();
    const canvas = document.getElementById(id);
    charts[id] = new Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
  }

  const analytics = {
    id: 'analytics',
    title: 'Analytics',
    interval: () => 10000,
    mount(container) {
      const asOfText = el('input', { type: 'text', id: 'as-of', size: 34, value: state.asOf, 'aria-label': 'as of',
        placeholder: 'now, an RFC 3339 time or position:<tx>:<pos>' });
      const picker = el('input', { type: 'datetime-local', step: 1, 'aria-label': 'pick a moment (UTC)',
        onchange: e => { asOfText.value = pickedAsOf(e.target.value); } });
      const bucket = el('select', { id: 'bucket', 'aria-label': 'bucket' },
        ['hour', 'day'].map(b => el('option', { value: b, selected: b === state.bucket }, b)));
      const form = el('form', { class: 'toolbar', id: 'analytics-query', onsubmit: e => {
        e.preventDefault();
        state.asOf = asOfText.value.trim();
        state.bucket = bucket.value;
        console.refreshNow();
      } }, 'As of', asOfText, picker, el('span', { class: 'muted' }, 'UTC'), 'Revenue per', bucket,
        el('button', { type: 'submit', class: 'primary' }, 'Show'),
        el('button', { type: 'button', onclick: () => { asOfText.value = ''; picker.value = ''; form.requestSubmit(); } }, 'Now'));
      const chart = (id, title) => el('div', {}, el('h3', {}, title), el('div', { class: 'chart' }, el('canvas', { id, role: 'img', 'aria-label': title })));
      container.replaceChildren(
        el('h2', {}, 'Analytics'),
        el('p', { class: 'muted' }, 'The views as they stood at a moment (business time) or a store position; empty means now.'),
        form,
        el('p', { id: 'analytics-as-of', class: 'muted' }),
        el('div', { class: 'charts' }, chart('chart-sales', 'Units sold per product'), chart('chart-funnel', 'Order funnel'),
          chart('chart-revenue', 'Revenue over time')),
        el('h3', {}, 'Figures'),
        el('div', { id: 'analytics-figures' }));
    },
    async refresh() {
      const asOf = state.asOf ? `asOf=${encodeURIComponent(state.asOf)}` : '';
      const [sales, funnel, revenue, Chart] = await Promise.all([
        api('GET', `/analytics/sales${asOf ? `?${asOf}` : ''}`),
        api('GET', `/analytics/funnel${asOf ? `?${asOf}` : ''}`),
        api('GET', `/analytics/revenue?bucket=${state.bucket}${asOf ? `&${asOf}` : ''}`),
        loadChartJs(),
      ]);
      document.getElementById('analytics-as-of').textContent = `Answered as of ${sales.asOf ?? "now"}.`;

      const products = sales.products;
      draw(Chart, 'chart-sales', {
        type: 'bar',
        data: { labels: products.map(p => `${p.name} (${p.sku})`), datasets: [{ label: 'units', data: products.map(p => p.units), backgroundColor: COLORS[0] }] },
        options: { plugins: { legend: { display: false } } },
      });
      draw(Chart, 'chart-funnel', {
        type: 'bar',
        data: {
          labels: ['placed', 'confirmed', 'rejected', 'cancelled'],
          datasets: [{ label: 'orders', data: [funnel.placed, funnel.confirmed, funnel.rejected, funnel.cancelled],
            backgroundColor: [COLORS[0], COLORS[1], COLORS[2], COLORS[3]] }],
        },
        options: { plugins: { legend: { display: false } } },
      });
      // One line per currency: money is never added across currencies.
      const starts = [...new Set(revenue.buckets.map(b => b.start))].sort();
      const currencies = [...new Set(revenue.buckets.map(b => b.revenue.currency))].sort();
      draw(Chart, 'chart-revenue', {
        type: 'line',
        data: {
          labels: starts.map(s => new Date(s).toISOString().slice(0, state.bucket === 'hour' ? 16 : 10).replace('T', ' ')),
          datasets: currencies.map((currency, i) => ({
            label: currency, borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], tension: 0.2,
            data: starts.map(start => {
              const found = revenue.buckets.find(b => b.start === start && b.revenue.currency === currency);
              return found ? major(found.revenue) : 0;
            }),
          })),
        },
      });

      const rate = value => (value === null || value === undefined ? '–' : `${Math.round(value * 1000) / 10} %`);
      document.getElementById('analytics-figures').replaceChildren(
        el('table', { id: 'funnel-figures' }, el('tbody', {},
          el('tr', {}, el('th', {}, 'placed'), el('td', { class: 'num', 'data-funnel': 'placed' }, number(funnel.placed))),
          el('tr', {}, el('th', {}, 'confirmed'), el('td', { class: 'num', 'data-funnel': 'confirmed' }, number(funnel.confirmed)),
            el('td', {}, rate(funnel.confirmationRate))),
          el('tr', {}, el('th', {}, 'rejected'), el('td', { class: 'num', 'data-funnel': 'rejected' }, number(funnel.rejected)),
            el('td', {}, rate(funnel.rejectionRate))),
          el('tr', {}, el('th', {}, 'cancelled'), el('td', { class: 'num', 'data-funnel': 'cancelled' }, number(funnel.cancelled)),
            el('td', {}, rate(funnel.cancellationRate))))),
        el('h3', {}, 'Sales'),
        el('table', { id: 'sales-figures' },
          el('thead', {}, el('tr', {}, ['SKU', 'Name', 'Units', 'Revenue', 'Orders'].map(h => el('th', {}, h)))),
          el('tbody', {}, products.map(p => el('tr', { 'data-sku': p.sku }, el('td', { class: 'mono' }, p.sku), el('td', {}, p.name),
            el('td', { class: 'num' }, number(p.units)), el('td', { class: 'num' }, formatMoney(p.revenue)), el('td', { class: 'num' }, number(p.orders)))))));
    },
  };
  return [analytics];
}
