// Bytes → complete lines with their byte offsets. Holds the unfinished last line until its newline comes
// (or the caller decides it is complete: idle timeout, rotation, shutdown). Over-long lines are cut and
// flagged, lines with NUL bytes are reported as binary so the caller can skip and count them, and invalid
// UTF-8 becomes U+FFFD (Buffer#toString does that).

export interface AssembledLine {
  text: string;
  /** Offset of the line's first byte. */
  start: number;
  /** Offset just past the line (past its newline when it had one): where reading resumes. */
  end: number;
  truncated: boolean;
  binary: boolean;
}

export interface AssemblerStats {
  lines: number;
  truncated: number;
  binary: number;
  invalidUtf8: number;
}

export class LineAssembler {
  private parts: Buffer[] = [];
  private partLen = 0;
  /** Bytes of the current line dropped beyond the limit. */
  private overflow = 0;
  private partStart = 0;
  readonly stats: AssemblerStats = { lines: 0, truncated: 0, binary: 0, invalidUtf8: 0 };

  constructor(private readonly maxLineBytes: number) {}

  /** Bytes held for an unfinished line. */
  get pendingBytes(): number {
    return this.partLen + this.overflow;
  }

  /** Forget any held bytes; the next push starts a line at `offset`. */
  reset(offset: number): void {
    this.parts = [];
    this.partLen = 0;
    this.overflow = 0;
    this.partStart = offset;
  }

  /** Feeds `chunk`, whose first byte is at file offset `offset`. Calls `emit` for each completed line. */
  push(chunk: Buffer, offset: number, emit: (line: AssembledLine) => void): void {
    if (this.pendingBytes === 0) this.partStart = offset;
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        this.hold(chunk.subarray(pos));
        return;
      }
      let bytes: Buffer;
      let truncated = this.overflow > 0;
      const piece = chunk.subarray(pos, nl);
      if (this.partLen === 0 && !truncated) {
        bytes = piece;
        if (bytes.length > this.maxLineBytes) {
          bytes = bytes.subarray(0, this.maxLineBytes);
          truncated = true;
        }
      } else {
        this.hold(piece);
        truncated = this.overflow > 0;
        bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partLen);
      }
      const start = this.partLen > 0 || this.overflow > 0 ? this.partStart : offset + pos;
      emit(this.decode(bytes, start, offset + nl + 1, truncated, true));
      this.parts = [];
      this.partLen = 0;
      this.overflow = 0;
      pos = nl + 1;
      this.partStart = offset + pos;
    }
  }

  /** Emits the held unfinished line as complete (idle timeout, end of a rotated file, shutdown). */
  flushPartial(emit: (line: AssembledLine) => void): boolean {
    if (this.pendingBytes === 0) return false;
    const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partLen);
    const end = this.partStart + this.partLen + this.overflow;
    emit(this.decode(bytes, this.partStart, end, this.overflow > 0, false));
    this.reset(end);
    return true;
  }

  private hold(piece: Buffer): void {
    const room = this.maxLineBytes - this.partLen;
    if (piece.length <= room) {
      // Copy: a view would keep the whole read buffer alive, and the caller reuses it.
      if (piece.length > 0) this.parts.push(Buffer.from(piece));
      this.partLen += piece.length;
    } else {
      if (room > 0) this.parts.push(Buffer.from(piece.subarray(0, room)));
      this.partLen += Math.max(0, room);
      this.overflow += piece.length - Math.max(0, room);
    }
  }

  private decode(bytes: Buffer, start: number, end: number, truncated: boolean, hadNewline: boolean): AssembledLine {
    let len = bytes.length;
    if (hadNewline && len > 0 && bytes[len - 1] === 13) len--; // CRLF
    const body = len === bytes.length ? bytes : bytes.subarray(0, len);
    this.stats.lines++;
    if (truncated) this.stats.truncated++;
    if (body.includes(0)) {
      this.stats.binary++;
      return { text: '', start, end, truncated, binary: true };
    }
    const text = body.toString('utf8');
    if (text.includes('\uFFFD') && !body.includes(REPLACEMENT)) this.stats.invalidUtf8++;
    return { text, start, end, truncated, binary: false };
  }
}

const REPLACEMENT = Buffer.from('\uFFFD', 'utf8');
