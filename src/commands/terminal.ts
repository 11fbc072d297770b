// What the text output is shown on: its width and whether it takes colours. A terminal gives its own width and
// colours (unless NO_COLOR); anything else — the SSM console, a file, a pipe — gets 80 columns and plain text.
// COLUMNS, when set, is the width everywhere.
import { processEnv } from '../env.js';
import { DEFAULT_WIDTH } from '../report/layout.js';

export interface Terminal {
  tty: boolean;
  width: number;
  colour: boolean;
}

interface MaybeTty {
  isTTY?: boolean;
  columns?: number;
}

export function terminalOf(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = processEnv()): Terminal {
  const s = stream as NodeJS.WritableStream & MaybeTty;
  const tty = s.isTTY === true;
  const columns = Number(env.COLUMNS);
  const width = Number.isInteger(columns) && columns > 0 ? columns : tty && s.columns ? s.columns : DEFAULT_WIDTH;
  const noColour = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  return { tty, width, colour: tty && !noColour };
}
