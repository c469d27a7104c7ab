import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/*
 * Runs the repository's own eslint.config.js on code that is never written to disk: `lintText` lints it as if
 * it were the file at `filePath`, so the import resolver and the zones see a real place in the tree. Type
 * information is switched off for these probe files only (the TypeScript project service knows no file that
 * is not on disk); the boundary rule does not use it.
 *
 * The imported modules are entry points (`main.ts`, npm scripts' files) that stay where they are.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const BOUNDARY = 'import-x/no-restricted-paths';
const UNRESOLVED = 'import-x/no-unresolved';

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
  });
});

async function lint(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  const messages = result?.messages ?? [];
  // A parse error or an import that does not resolve would make the boundary rule skip the import silently.
  expect(messages.filter((m) => m.fatal === true || m.ruleId === UNRESOLVED)).toEqual([]);
  return messages;
}

async function boundaryMessages(file: string, code: string): Promise<string[]> {
  return (await lint(file, code)).filter((m) => m.ruleId === BOUNDARY).map((m) => m.message);
}

describe('the process-boundary lint rule', () => {
  it('fails a value import of another process folder', async () => {
    const messages = await boundaryMessages(
      'feed/boundary-probe.ts',
      "import { main } from '../orchestrator/main.js';\nexport const run = main;\n",
    );
    expect(messages).toEqual([
      'Unexpected path "../orchestrator/main.js" imported in restricted zone. ' +
        'feed/ is one process: it imports only its own files and shared/.',
    ]);
  });

  it('fails a type-only import of another process folder', async () => {
    const messages = await boundaryMessages(
      'gateway/boundary-probe.ts',
      "import type { Config } from '../jobs/main.js';\nexport type Probe = Config;\n",
    );
    expect(messages).toEqual([
      'Unexpected path "../jobs/main.js" imported in restricted zone. ' +
        'gateway/ is one process: it imports only its own files and shared/.',
    ]);
  });

  it('fails a re-export and a dynamic import of another process folder', async () => {
    const messages = await boundaryMessages(
      'jobs/boundary-probe.ts',
      "export { main } from '../gateway/main.js';\nexport const load = () => import('../feed/main.js');\n",
    );
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('"../gateway/main.js"');
    expect(messages[1]).toContain('"../feed/main.js"');
  });

  it('fails a process folder importing the launcher', async () => {
    const messages = await boundaryMessages(
      'dashboard/boundary-probe.ts',
      "import '../launcher/start-all.js';\n",
    );
    expect(messages).toEqual([
      'Unexpected path "../launcher/start-all.js" imported in restricted zone. ' +
        'dashboard/ is one process: it imports only its own files and shared/.',
    ]);
  });

  it('fails shared code importing a process folder', async () => {
    const messages = await boundaryMessages(
      'shared/scan/boundary-probe.ts',
      "import type { Config } from '../../gateway/main.js';\nexport type Probe = Config;\n",
    );
    expect(messages).toEqual([
      'Unexpected path "../../gateway/main.js" imported in restricted zone. ' +
        'shared/ is a library of every process: it never imports a process folder or the launcher.',
    ]);
  });

  it('fails the client SDK importing shared code outside the protocol', async () => {
    const messages = await boundaryMessages(
      'shared/sdk/boundary-probe.ts',
      "import type { Db } from '../db/database.js';\nexport type Probe = Db;\n",
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('The client SDK ships to browsers and other programs');
  });

  it('fails product code importing test, bench or tools code', async () => {
    const messages = await boundaryMessages(
      'gateway/boundary-probe.ts',
      [
        "import '../test/fake-vendor/cli.js';",
        "import '../bench/run.js';",
        "import '../tools/make-sample.js';",
        '',
      ].join('\n'),
    );
    const productMessage = 'Product code never imports test/, bench/ or tools/.';
    expect(messages).toEqual([
      `Unexpected path "../test/fake-vendor/cli.js" imported in restricted zone. ${productMessage}`,
      `Unexpected path "../bench/run.js" imported in restricted zone. ${productMessage}`,
      `Unexpected path "../tools/make-sample.js" imported in restricted zone. ${productMessage}`,
    ]);
  });

  it('lets a test file use the test and bench helpers but not another process folder', async () => {
    const messages = await boundaryMessages(
      'orchestrator/boundary-probe.test.ts',
      [
        "import '../test/fake-vendor/cli.js';",
        "import '../bench/run.js';",
        "import '../gateway/main.js';",
        '',
      ].join('\n'),
    );
    expect(messages).toEqual([
      'Unexpected path "../gateway/main.js" imported in restricted zone. ' +
        'orchestrator/ is one process: it imports only its own files and shared/.',
    ]);
  });

  it('allows a process folder its own files and shared/, and the launcher every process', async () => {
    expect(
      await boundaryMessages(
        'feed/boundary-probe.ts',
        "import type { Logger } from '../shared/logger.js';\nimport '../feed/main.js';\nexport type L = Logger;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryMessages(
        'shared/sdk/boundary-probe.ts',
        "import type { ListMessage } from '../protocol/messages.js';\nexport type M = ListMessage;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryMessages(
        'launcher/boundary-probe.ts',
        "import '../orchestrator/main.js';\nimport '../gateway/main.js';\nimport '../shared/logger.js';\n",
      ),
    ).toEqual([]);
  });

  it('fails an import that does not resolve, so none slips past the boundary check', async () => {
    const [result] = await eslint.lintText("import '../orchestrator/no-such-module.js';\n", {
      filePath: path.join(ROOT, 'feed/boundary-probe.ts'),
    });
    expect(result?.messages.map((m) => m.ruleId)).toEqual([UNRESOLVED]);
  });
});
