// Writes crds/<group>_<kind>.json from operators' CustomResourceDefinition files: the served versions' schemas,
// without descriptions and status, which is all validate.mjs needs. RabbitmqCluster's spec.override (a whole pod
// template, 73 KB) is replaced by a schema that refuses any value: eventshop does not use it, and a manifest that
// starts to must re-vendor the CRD in full (drop the pruning below).
//   node vendor-crds.mjs <crd.yaml>...      (sources and licences: crds/NOTICE)
import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const strip = (node) =>
  Array.isArray(node) ? node.map(strip)
  : node && typeof node === "object"
    ? Object.fromEntries(Object.entries(node).filter(([key]) => key !== "description").map(([key, value]) => [key, strip(value)]))
    : node;

for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const crd = doc.toJS();
    if (crd?.kind !== "CustomResourceDefinition") continue;
    const versions = {};
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const schema = strip(version.schema.openAPIV3Schema);
      delete schema.properties.status;
      const spec = schema.properties.spec?.properties;
      if (crd.spec.names.kind === "RabbitmqCluster" && spec?.override) {
        spec.override = { not: {}, "x-eventshop-pruned": "spec.override is not vendored: re-vendor the CRD in full to use it" };
      }
      versions[version.name] = schema;
    }
    const out = `crds/${crd.spec.group}_${crd.spec.names.kind}.json`;
    writeFileSync(new URL(out, import.meta.url), JSON.stringify({ group: crd.spec.group, kind: crd.spec.names.kind, versions }, null, 1) + "\n");
    console.log(`${file} -> ${out}`);
  }
}
