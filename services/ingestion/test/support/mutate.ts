import fc from 'fast-check';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

function pathsOf(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function applyAt(root: Json, path: Path, op: (parent: Record<string | number, Json>, key: string | number) => void): Json {
  if (path.length === 0) return root;
  const copy = structuredClone(root);
  let node: Json | undefined = copy;
  for (const key of path.slice(0, -1)) {
    // An earlier mutation may have removed or retyped this branch.
    if (node === null || typeof node !== 'object') return copy;
    node = (node as Record<string | number, Json>)[key];
  }
  if (node !== null && typeof node === 'object') op(node as Record<string | number, Json>, path.at(-1)!);
  return copy;
}

const SPICY: Json[] = ['', ' ', '\u0000', 'null', '-1', '1e309', 'hxxp://evil[.]example/x', '<script>alert(1)</script>', '../../etc/passwd', 'x'.repeat(5000), -1, 0, 1.5, 1e308, true, [], {}, null];

/**
 * Random mutations of a real payload: delete a field, replace it with random JSON or a hostile value, or change
 * its type — the payloads a misconfigured or malicious sender produces, close enough to real to reach deep code.
 */
export function mutationsOf(sample: unknown): fc.Arbitrary<unknown> {
  const base = sample as Json;
  const paths = pathsOf(base);
  const op = fc.tuple(
    fc.nat({ max: paths.length - 1 }),
    fc.constantFrom('delete', 'replace', 'spicy', 'stringify'),
    fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
    fc.constantFrom(...SPICY),
  );
  return fc.array(op, { minLength: 1, maxLength: 4 }).map((ops) => {
    let value = base;
    for (const [i, kind, random, spicy] of ops) {
      const path = paths[i]!;
      if (path.length === 0) {
        if (kind === 'replace') value = random;
        continue;
      }
      value = applyAt(value, path, (parent, key) => {
        switch (kind) {
          case 'delete':
            if (Array.isArray(parent)) parent.splice(Number(key), 1);
            else delete parent[key];
            break;
          case 'replace':
            parent[key] = random;
            break;
          case 'spicy':
            parent[key] = spicy;
            break;
          case 'stringify':
            parent[key] = JSON.stringify(parent[key] ?? null);
            break;
        }
      });
    }
    return value;
  });
}
