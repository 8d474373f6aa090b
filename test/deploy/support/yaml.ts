import { readFileSync } from 'node:fs';

type YamlV2 = {
  parseAllDocuments(text: string, options?: { merge?: boolean }): Array<{ errors: Error[]; toJS(options?: { maxAliasCount?: number }): unknown }>;
};
type JsYaml = { loadAll?: (text: string) => unknown[]; safeLoadAll?: (text: string) => unknown[] };

function tryRequire<T>(name: string): T | undefined {
  try {
    return require(name) as T;
  } catch {
    return undefined;
  }
}

/**
 * parseYamlDocuments reads every document of a YAML stream, with `<<` merge
 * keys resolved (docker-compose.yml uses them). It uses the `yaml` package
 * when the repository has it and otherwise js-yaml, which jest brings along.
 */
export function parseYamlDocuments(text: string): unknown[] {
  const yaml = tryRequire<YamlV2>('yaml');
  if (yaml) {
    return yaml
      .parseAllDocuments(text, { merge: true })
      .map((doc) => {
        if (doc.errors.length > 0) throw doc.errors[0];
        return doc.toJS({ maxAliasCount: -1 });
      })
      .filter((doc) => doc !== null && doc !== undefined);
  }
  const jsYaml = tryRequire<JsYaml>('js-yaml');
  const loadAll = jsYaml?.safeLoadAll ?? jsYaml?.loadAll;
  if (!loadAll) throw new Error('no YAML parser is installed: npm install --save-dev yaml');
  return loadAll(text).filter((doc) => doc !== null && doc !== undefined);
}

/** parseYaml reads a YAML text holding exactly one document. */
export function parseYaml<T = unknown>(text: string): T {
  const docs = parseYamlDocuments(text);
  if (docs.length !== 1) throw new Error(`expected one YAML document, found ${docs.length}`);
  return docs[0] as T;
}

/** readYaml reads a YAML file holding exactly one document. */
export function readYaml<T = unknown>(path: string): T {
  return parseYaml<T>(readFileSync(path, 'utf8'));
}
