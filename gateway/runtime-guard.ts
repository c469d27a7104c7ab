import { nativeBuildProblem } from './native-build.js';

/*
 * Imported first by every entry point that serves clients (gateway/main.ts, launcher/start-all.ts), so that it
 * runs before uWebSockets.js is loaded: an unsupported Node stops here with one line on stderr and exit code 2
 * (EXIT_NOT_RETRYABLE: pm2 leaves the app stopped; a restart on the same Node cannot help).
 */
const problem = nativeBuildProblem();
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}
