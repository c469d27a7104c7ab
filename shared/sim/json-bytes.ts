/**
 * Text written into one growing byte buffer, for a snapshot body serialised a row at a time.
 *
 * Why: `JSON.stringify(body)` needs the whole body as objects first (≈ 100 k objects for 15,000 rows), all alive
 * at once, so they outlive the young generation and are promoted to the old one as garbage; the resulting
 * 7 MB string then sits in the large-object space until a major collection. Built a row at a time, each row's
 * objects and text die young, and the finished bytes can be transferred to the decode worker: nothing is left
 * on the simulator's thread.
 *
 * The buffer is a resizable ArrayBuffer: it is cut to the bytes written when finished, so the result owns its
 * whole buffer (a decode pool transfers such bytes instead of copying them) without a copy. Growing past the
 * reserved maximum (a bad size guess) copies once into a bigger one.
 */
export class JsonBytes {
  private ab: ResizableArrayBuffer;
  private view: Buffer;
  private length = 0;

  /** `capacity`: a guess of the final size in bytes. */
  constructor(capacity: number) {
    const bytes = Math.max(1024, Math.ceil(capacity));
    this.ab = resizable(bytes, bytes * 2);
    this.view = Buffer.from(this.ab);
  }

  get byteLength(): number {
    return this.length;
  }

  /** Appends `text` as UTF-8. */
  append(text: string): void {
    // 3 bytes per UTF-16 unit is the UTF-8 worst case; the simulator's JSON is ASCII in practice.
    const need = this.length + text.length * 3;
    if (need > this.ab.byteLength) this.grow(need);
    this.length += this.view.write(text, this.length, 'utf8');
  }

  /** The bytes written, over their whole (transferable) ArrayBuffer. The writer must not be used afterwards. */
  finish(): Uint8Array {
    const { ab, length } = this;
    ab.resize(length);
    this.ab = resizable(0, 0);
    this.view = Buffer.alloc(0);
    return new Uint8Array(ab, 0, length);
  }

  private grow(need: number): void {
    const size = Math.max(need, Math.ceil(this.ab.byteLength * 1.5));
    if (size <= this.ab.maxByteLength) this.ab.resize(size);
    else {
      const bigger = resizable(size, size * 2);
      new Uint8Array(bigger).set(new Uint8Array(this.ab, 0, this.length));
      this.ab = bigger;
    }
    this.view = Buffer.from(this.ab);
  }
}

/** ES2024's resizable ArrayBuffer (Node ≥ 20), which the project's ES2023 lib does not declare yet. */
interface ResizableArrayBuffer extends ArrayBuffer {
  readonly maxByteLength: number;
  resize(byteLength: number): void;
}

/** Only the bytes in use are committed; the maximum is reserved address space. */
function resizable(bytes: number, maxBytes: number): ResizableArrayBuffer {
  const Resizable = ArrayBuffer as unknown as new (
    bytes: number,
    options: { maxByteLength: number },
  ) => ResizableArrayBuffer;
  return new Resizable(bytes, { maxByteLength: maxBytes });
}
