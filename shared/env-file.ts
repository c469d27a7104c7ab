import { readFileSync } from 'node:fs';
import path from 'node:path';
import util from 'node:util';

/**
 * `.env` support. The configuration loader calls this before it reads the environment, so a `.env` copied from
 * `.env.example` works the same for `npm start`, pm2, the jobs CLIs and replay. A variable the environment
 * already sets (even to an empty string) wins over the file, as with `node --env-file`.
 */

/** The file read: `.env` in the working directory (the project root for npm scripts and pm2). */
export function defaultEnvFile(): string {
  return path.resolve('.env');
}

/** A `.env` file exists but cannot be used; the message says which file and why. */
export class EnvFileError extends Error {
  override readonly name = 'EnvFileError';
}

/**
 * Copies the variables of `file` that `env` does not set into `env`. A missing file is not an error. Returns
 * the names it set.
 */
export function loadEnvFile(file = defaultEnvFile(), env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new EnvFileError(`cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  // util.parseEnv (the parser of `node --env-file`) exists from Node 20.12; engines allows 20.10.
  const parseEnv = (util as { parseEnv?: (content: string) => NodeJS.Dict<string> }).parseEnv;
  if (parseEnv === undefined) {
    throw new EnvFileError(
      `${file} needs Node ≥ 20.12 to be read (this is ${process.version}); export its variables instead`,
    );
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined || env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}

let loaded = false;

/** {@link loadEnvFile} of the default file into `process.env`, once per process. */
export function loadDefaultEnvFileOnce(): void {
  if (loaded) return;
  loaded = true;
  loadEnvFile();
}
