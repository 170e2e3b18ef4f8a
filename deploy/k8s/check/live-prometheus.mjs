// Every PromQL expression of the dashboard and the alert rules, against a real Prometheus scraping the running
// services: each must parse and return at least one series, so a panel or a rule on a metric that no service
// exports fails. A rule's threshold (`expr > 60`) is asked as `expr > bool 60`, which returns the series whether
// or not the alert would fire.
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
const asked = (expr) => expr.replace(/(==|!=|>=|<=|>|<)\s*(-?[0-9.e+]+)\s*$/, "$1 bool $2");
const dashboard = JSON.parse(readFileSync(join(root, "deploy/grafana/eventshop.json"), "utf8"));
const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const expressions = [
  ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ from: `panel "${panel.title}"`, expr: grafana(target.expr) }))),
  ...parse(readFileSync(join(root, "deploy/prometheus/eventshop-alerts.yml"), "utf8")).groups
    .flatMap((group) => group.rules.map((rule) => ({ from: `alert ${rule.alert ?? rule.record}`, expr: asked(rule.expr) }))),
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
  for (const { from, expr } of expressions) {
    const answer = await query(expr);
    if (answer.status !== "success") failures.push(`${from}: ${answer.error} in ${expr}`);
    else if (answer.data.result.length === 0) failures.push(`${from}: no series for ${expr}`);
  }
} finally {
  prometheus.kill("SIGTERM");
  await new Promise((resolve) => prometheus.once("exit", resolve));
  rmSync(dir, { recursive: true, force: true });
}
for (const failure of failures) console.error(`live: ${failure}`);
console.log(`${expressions.length} expressions (dashboard and rules) against ${targets.length} scraped services: ${failures.length ? `${failures.length} failed` : "all return series"}`);
process.exit(failures.length ? 1 : 0);
