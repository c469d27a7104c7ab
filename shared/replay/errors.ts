/** Bad replay input: names the file and line so the person can open it there. */
export class ReplayInputError extends Error {
  override readonly name = 'ReplayInputError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file} line ${line}: ${reason}`);
  }
}
