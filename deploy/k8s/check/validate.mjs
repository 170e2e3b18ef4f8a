// Validates rendered manifests (kubectl kustomize output) object by object:
// - Kubernetes, CloudNativePG and prometheus-operator kinds with the npm models' own validate() (types, required
//   fields, formats). Those do not flag unknown fields: typecheck.ts does, through tsc (see run).
// - RabbitmqCluster, User, Permission (rabbitmq.com) and ObjectStore (barmancloud.cnpg.io) against their
//   operators' CRD schemas (crds/, vendored with vendor-crds.mjs), here with unknown fields refused.
// Also writes <out>/manifests.ts, every object typed as its model's interface, for tsc's unknown-field check, and
// <out>/facts.json, what the workloads expect of the images (image, ports, probes, environment names), which
// system-tests' KubernetesManifestsTest compares with the packaged and running services.
//   node validate.mjs <out-dir> <rendered.yaml>...
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { basename } from "node:path";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";

const [outDir, ...files] = process.argv.slice(2);
const problems = [];
const typed = [];
const facts = { workloads: [], configMaps: {} };

// apiVersion -> where its models live (module path prefix).
const modelPackages = {
  "postgresql.cnpg.io/v1": "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
};
const builtIn = (apiVersion) => (apiVersion.includes("/") ? `kubernetes-models/${apiVersion}` : `kubernetes-models/${apiVersion}`);

// CRD schemas: refuse fields the operator does not know (as the API server's pruning would drop them silently).
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const closed = (schema) => {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== "object") return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]));
  if (copy.properties && copy.additionalProperties === undefined && !copy["x-kubernetes-preserve-unknown-fields"]) {
    copy.additionalProperties = false;
  }
  // Kubernetes' int-or-string has no type of its own.
  if (copy["x-kubernetes-int-or-string"]) copy.type = ["integer", "string"];
  return copy;
};
const crdValidators = {};
for (const file of readdirSync(new URL("crds/", import.meta.url)).filter((name) => name.endsWith(".json"))) {
  const crd = JSON.parse(readFileSync(new URL(`crds/${file}`, import.meta.url), "utf8"));
  for (const [version, schema] of Object.entries(crd.versions)) {
    crdValidators[`${crd.group}/${version} ${crd.kind}`] = ajv.compile(closed(schema));
  }
}

let count = 0;
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) {
      problems.push(`${file}: ${doc.errors.map(String).join("; ")}`);
      continue;
    }
    const object = doc.toJS();
    if (!object) continue;
    count++;
    const where = `${basename(file)}: ${object.kind} ${object.metadata?.name}`;
    collectFacts(basename(file), object);
    const crd = crdValidators[`${object.apiVersion} ${object.kind}`];
    if (crd) {
      if (!crd(object)) {
        for (const error of crd.errors) {
          const detail = error.keyword === "additionalProperties" ? `unknown field ${error.params.additionalProperty}` : error.message;
          problems.push(`${where}: ${error.instancePath || "/"}: ${detail} (CRD schema)`);
        }
      }
      continue;
    }
    const module = `${modelPackages[object.apiVersion] ?? builtIn(object.apiVersion)}/${object.kind}`;
    let model;
    try {
      model = (await import(module))[object.kind];
    } catch {
      problems.push(`${where}: no schema known for ${object.apiVersion} ${object.kind} (${module})`);
      continue;
    }
    try {
      new model(object).validate();
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
    }
    typed.push({ module, kind: object.kind, where, object });
  }
}

// tsc checks these literals against the models' interfaces: an unknown field is an excess property there.
const imports = [...new Set(typed.map(({ module, kind }) => `import type { I${kind} as I${kind}_${module.replace(/[^A-Za-z0-9]/g, "_")} } from "${module}";`))];
const consts = typed.map(({ module, kind, where, object }, index) =>
  `// ${where}\nexport const object${index}: I${kind}_${module.replace(/[^A-Za-z0-9]/g, "_")} = ${JSON.stringify(object, null, 1)};`);
writeFileSync(`${outDir}/manifests.ts`, [...imports, ...consts].join("\n") + "\n");

writeFileSync(`${outDir}/facts.json`, JSON.stringify(facts, null, 1) + "\n");

function collectFacts(overlay, object) {
  if (object.kind === "ConfigMap") facts.configMaps[`${overlay} ${object.metadata.name}`] = Object.keys(object.data ?? {});
  const pod = object.kind === "Deployment" || object.kind === "Job" ? object.spec?.template?.spec : undefined;
  if (!pod) return;
  const probe = (p) => (p?.httpGet ? { path: p.httpGet.path, port: p.httpGet.port } : null);
  facts.workloads.push({
    overlay, kind: object.kind, name: object.metadata.name,
    containers: (pod.containers ?? []).map((c) => ({
      image: c.image,
      ports: Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort])),
      probes: { startup: probe(c.startupProbe), readiness: probe(c.readinessProbe), liveness: probe(c.livenessProbe) },
      env: (c.env ?? []).map((e) => e.name),
      envFromConfigMaps: (c.envFrom ?? []).filter((e) => e.configMapRef).map((e) => `${overlay} ${e.configMapRef.name}`),
    })),
  });
}

for (const problem of problems) console.error(`invalid: ${problem}`);
console.log(`${count} objects in ${files.length} rendered overlays: ${problems.length ? `${problems.length} problems` : "all valid"}`);
process.exit(problems.length ? 1 : 0);
