// Checks eventshop's published event contracts with real tools (run by ContractsTest, which collects the input):
//   node validate.mjs <input.json>
// input: { "documents": { "<service>": <AsyncAPI document> },
//          "events": [ { "producer": "<service>", "event": <CloudEvent from the wire format>, "schema": <served JSON Schema> } ] }
// Each AsyncAPI document must parse without errors (@asyncapi/parser, with its spectral rules); each event must
// validate against the JSON Schema its dataschema names (ajv) and, whole, against its message's payload in its
// producer's document. Prints one line per finding; exits 1 if any is an error.
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const parser = new Parser();
const errors = [];
const parsed = {};

for (const [service, document] of Object.entries(input.documents)) {
  const { document: asyncapi, diagnostics } = await parser.parse(JSON.stringify(document));
  for (const d of diagnostics) {
    const where = `${service} /asyncapi at ${d.path.join('/') || '(root)'}`;
    if (d.severity === 0) {
      errors.push(`${where}: ${d.message} [${d.code}]`);
    } else {
      console.log(`note: ${where}: ${d.message} [${d.code}]`);
    }
  }
  if (asyncapi) {
    parsed[service] = asyncapi;
    console.log(`ok: ${service} /asyncapi parses: ${asyncapi.channels().length} channels, ${asyncapi.operations().length}`
      + ` operations, ${asyncapi.messages().length} messages`);
  }
}

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv;
}

for (const { producer, event, schema } of input.events) {
  const what = `${event.type} v${event.schemaversion} (event ${event.id})`;
  if (schema.$id !== event.dataschema) {
    errors.push(`${what}: its dataschema ${event.dataschema} is not the served schema's $id ${schema.$id}`);
  }
  const data = validator().compile(schema);
  if (!data(event.data)) {
    errors.push(`${what}: data does not fit ${schema.$id}: ${JSON.stringify(data.errors)}`);
  }
  const document = parsed[producer];
  const message = document?.messages().all().find(m => m.name() === event.type);
  if (!message) {
    errors.push(`${what}: ${producer}'s /asyncapi has no message ${event.type}`);
    continue;
  }
  const payload = validator().compile(message.payload().json());
  if (!payload(event)) {
    errors.push(`${what}: the CloudEvent does not fit ${producer}'s message payload: ${JSON.stringify(payload.errors)}`);
  } else {
    console.log(`ok: ${what} fits ${schema.$id} and ${producer}'s message`);
  }
}

for (const e of errors) {
  console.log(`error: ${e}`);
}
process.exit(errors.length === 0 ? 0 : 1);
