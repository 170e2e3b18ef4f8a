// Every PromQL expression of the dashboard and the alert rules, against a real Prometheus scraping the running
// services. Each must parse; each metric it names must have series, each label it matches on must exist on that
// metric (its value need not: no 5xx yet is fine), each label it groups by on one of its metrics; and each dashboard
// query must return series (a panel that would stay empty fails). Rules are not asked to return series as a whole: an alert that does not fire returns none.
//   node live-prometheus.mjs <listen-port> <job>=<host:port>...   (Debian's prometheus binary on PATH)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

const root = new URL("../../../", import.meta.url).pathname;
const [port, ...targets] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const dir = mkdtempSync(join(tmpdir(), "eventshop-prometheus-"));
const scrape = targets.map((target) => {
  const [job, address] = target.split("=");
  return `  - job_name: ${job}\n    metrics_path: /q/metrics\n    static_configs:\n      - targets: ["${address}"]`;
});
writeFileSync(join(dir, "prometheus.yml"), `global:\n  scrape_interval: 1s\nscrape_configs:\n${scrape.join("\n")}\n`);
const prometheus = spawn("prometheus", [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`,
  `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
let log = "";
prometheus.stderr.on("data", (chunk) => (log += chunk));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const query = async (expr) => {
  const response = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  return response.json();
};

// Grafana's variables, as Grafana would expand them for a short range.
const grafana = (expr) => expr.replaceAll("$__rate_interval", "1m").replaceAll("$__interval", "15s").replaceAll("$__range", "5m");
// The metric selectors of an expression: grouping clauses, ranges, offsets and strings removed, what is left that
// is a name not followed by "(" (a function or aggregation) and not a keyword.
const keywords = new Set(["and", "or", "unless", "bool", "by", "without", "on", "ignoring", "group_left", "group_right", "offset"]);
const selectors = (expr) => {
  const bare = expr
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\boffset\s+\w+/g, " ");
  const found = [];
  for (const match of bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    const [, name, matchers, call] = match;
    if (call || keywords.has(name) || /^[0-9]/.test(name)) continue;
    const labels = [...(matchers ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((m) => m[1]);
    found.push({ name, labels });
  }
  return found;
};
const dashboard = JSON.parse(readFileSync(join(root, "deploy/grafana/eventshop.json"), "utf8"));
const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const expressions = [
  ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ from: `panel "${panel.title}"`, expr: grafana(target.expr), series: true }))),
  ...parse(readFileSync(join(root, "deploy/prometheus/eventshop-alerts.yml"), "utf8")).groups
    .flatMap((group) => group.rules.map((rule) => ({ from: `alert ${rule.alert ?? rule.record}`, expr: rule.expr, series: false }))),
];

const failures = [];
try {
  for (let waited = 0; ; waited += 250) {
    try {
      const up = await query("up == 1");
      if (up.data.result.length === targets.length) break;
    } catch { /* not listening yet */ }
    if (waited > 30000) throw new Error(`Prometheus did not scrape all ${targets.length} targets within 30 s:\n${log}`);
    await sleep(250);
  }
  // rate() and increase() need two samples in their window.
  await sleep(3000);
  for (const { from, expr, series } of expressions) {
    const answer = await query(expr);
    if (answer.status !== "success") {
      failures.push(`${from}: ${answer.error} in ${expr}`);
      continue;
    }
    if (series && answer.data.result.length === 0) failures.push(`${from}: no series for ${expr}`);
    // A label grouped by must exist on one of the metrics the expression reads (a typo there leaves a blank legend).
    const names = [...new Set(selectors(expr).map((s) => s.name))];
    for (const [, list] of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
      for (const label of list.split(",").map((l) => l.trim()).filter(Boolean)) {
        const found = await Promise.all(names.map(async (name) => (await query(`count(${name}{${label}!=""})`)).data.result.length > 0));
        if (!found.includes(true)) failures.push(`${from}: no metric of ${names.join(", ")} has the label ${label} it groups by`);
      }
    }
    for (const { name, labels } of selectors(expr)) {
      if ((await query(`count(${name})`)).data.result.length === 0) {
        failures.push(`${from}: no service exports ${name}`);
        continue;
      }
      for (const label of labels) {
        if ((await query(`count(${name}{${label}!=""})`)).data.result.length === 0) failures.push(`${from}: ${name} has no label ${label}`);
      }
    }
  }
} finally {
  prometheus.kill("SIGTERM");
  await new Promise((resolve) => prometheus.once("exit", resolve));
  rmSync(dir, { recursive: true, force: true });
}
for (const failure of failures) console.error(`live: ${failure}`);
console.log(`${expressions.length} expressions (dashboard and rules) against ${targets.length} scraped services: ${failures.length ? `${failures.length} failed` : "all return series"}`);
process.exit(failures.length ? 1 : 0);
