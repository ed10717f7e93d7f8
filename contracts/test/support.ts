// Shared by the contracts unit tests: reading the committed fixtures and a JSON Schema validator.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';

/** The contracts package directory. */
export const contractsDir = fileURLToPath(new URL('..', import.meta.url));

/** Reads a JSON file of the contracts package. */
export function readJson(relativePath: string): unknown {
  return JSON.parse(readFileSync(new URL(`../${relativePath}`, import.meta.url), 'utf8'));
}

/** File names in a folder of the contracts package, or none when it does not exist. */
export function listFiles(relativeDir: string): string[] {
  try {
    return readdirSync(new URL(`../${relativeDir}/`, import.meta.url)).sort();
  } catch {
    return [];
  }
}

/** The committed fixture of an event type. */
export function readFixture(type: string): Record<string, unknown> {
  return readJson(`fixtures/${type}.json`) as Record<string, unknown>;
}

// ajv-formats is CommonJS with `exports.default`; under NodeNext the namespace's default is the plugin.
const addFormats = (ajvFormats as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;

/** A draft 2020-12 validator with formats (date-time, email, uri) checked, as a non-TypeScript subscriber would use. */
export function createJsonSchemaValidator(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}
