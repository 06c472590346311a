import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * README's TypeScript code blocks, taken from README itself so that they cannot drift. A block
 * whose fence reads ```` ```ts recipe=<file> ```` is type-checked and run against an emulator;
 * ```` ```ts check=<file> ```` is type-checked only (it needs a test runner around it);
 * ```` ```ts vitest=<file> ```` is type-checked and run as a vitest test file (it starts its own
 * emulator). The file's extension says the module kind it claims: `.mts` ESM, `.cts` CommonJS.
 */
export interface Recipe {
  readonly file: string;
  readonly run: boolean;
  /** Run by vitest rather than node. */
  readonly vitest: boolean;
  readonly code: string;
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Inside the package, so the recipes resolve node_modules and `das-emulator` itself as a user's code would. */
const DIR = `${ROOT}build/readme-recipes/`;
/** The address README's recipes name. */
export const README_ADDRESS = '127.0.0.1:9327';

export function readmeRecipes(): Recipe[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  return [...readme.matchAll(/^```ts (recipe|check|vitest)=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => ({ file: m[2]!, run: m[1] === 'recipe', vitest: m[1] === 'vitest', code: m[3]! }));
}

/** Compiles every recipe as one program with the project's strictness; returns tsc's diagnostics as text per file. */
export function compileRecipes(recipes: readonly Recipe[], address: string): { errors: Map<string, string[]>; sourceOf: (file: string) => string; outputOf: (file: string) => string } {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  for (const recipe of recipes) writeFileSync(DIR + recipe.file, recipe.code.replaceAll(README_ADDRESS, address));
  const program = ts.createProgram(
    recipes.map((r) => DIR + r.file),
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      outDir: `${DIR}out`,
      rootDir: DIR,
    },
  );
  const errors = new Map<string, string[]>(recipes.map((r) => [r.file, []]));
  for (const diagnostic of [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics]) {
    const file = diagnostic.file?.fileName.slice(DIR.length) ?? '(program)';
    const where = diagnostic.file && diagnostic.start !== undefined ? `:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1}` : '';
    errors.set(file, [...(errors.get(file) ?? []), `TS${diagnostic.code}${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`]);
  }
  return { errors, sourceOf: (file) => DIR + file, outputOf: (file) => `${DIR}out/${file.replace(/\.mts$/, '.mjs').replace(/\.cts$/, '.cjs').replace(/\.ts$/, '.js')}` };
}
