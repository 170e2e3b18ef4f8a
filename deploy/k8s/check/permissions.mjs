// The broker users' permissions in the manifests (topology Permission objects) must be the ones deploy/local/broker-users
// gives locally (strict), which the end-to-end tests exercise: one set of rules, not two drifting copies.
//   node permissions.mjs <broker-users> <rendered.yaml>...
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [script, ...files] = process.argv.slice(2);
const local = {};
for (const [, kind, service, regex] of readFileSync(script, "utf8").matchAll(/^(configure|write|read)\[(\w+)\]='([^']*)'$/gm)) {
  (local[`eventshop-${service}`] ??= {})[kind] = regex;
}
const problems = [];
for (const file of files) {
  const seen = new Set();
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const object = doc.toJS();
    if (object?.kind !== "Permission") continue;
    const user = object.spec.userReference?.name ?? object.spec.user;
    seen.add(user);
    const expected = local[user];
    if (!expected) problems.push(`${file}: Permission for ${user}, a user deploy/local/broker-users does not know`);
    else for (const kind of ["configure", "write", "read"]) {
      if (object.spec.permissions?.[kind] !== expected[kind]) {
        problems.push(`${file}: ${user} ${kind} is '${object.spec.permissions?.[kind]}', locally '${expected[kind]}'`);
      }
    }
  }
  for (const user of Object.keys(local)) if (!seen.has(user)) problems.push(`${file}: no Permission for ${user}`);
}
for (const problem of problems) console.error(`permissions: ${problem}`);
console.log(`broker permissions: ${problems.length ? `${problems.length} differ from deploy/local/broker-users` : "as deploy/local/broker-users"}`);
process.exit(problems.length ? 1 : 0);
