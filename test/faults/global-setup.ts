import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { summaryTable } from './report.js';

declare module 'vitest' {
  export interface ProvidedContext {
    faultsReportFile: string;
  }
}

/** Gives the cases a file to report to, and prints the summary table once every case has run. */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'faults-report-'));
  const file = path.join(dir, 'results.ndjson');
  project.provide('faultsReportFile', file);
  return () => {
    process.stdout.write(summaryTable(file));
    rmSync(dir, { recursive: true, force: true });
  };
}
