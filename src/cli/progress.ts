// cli/progress.ts: the progress bar training commands draw on stderr — redrawn in place on a terminal, a line every
// few seconds otherwise (logs, pipes, tests).
import type { StepInfo } from '../train/fit.js';

const time = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};
const rate = (n: number) => (n >= 1e4 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(n >= 100 ? 0 : 1));

/** One line: [████░░░░]  42%  step 42/100  loss 1.2345  3.1 steps/s  12.3k tok/s  ETA 19s */
export function progressLine(s: StepInfo, total: number, width = 24): string {
  const done = s.step + 1, frac = Math.min(1, done / total), full = Math.round(frac * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${String(Math.round(frac * 100)).padStart(3)}%  step ${done}/${total}  ` +
    `loss ${s.loss.toFixed(4)}  ${rate(s.stepsPerSec)} steps/s  ${rate(s.tokensPerSec)} tok/s  ETA ${time(Math.max(0, (s.elapsedMs / done) * (total - done)))}`;
}

export class Progress {
  private last = 0;
  private readonly tty: boolean;
  private readonly stderr: { write(s: string): void } | undefined;

  constructor(private readonly err: (line: string) => void, private readonly total: number) {
    const p = (globalThis as { process?: { stderr?: { isTTY?: boolean; write(s: string): void } } }).process;
    this.tty = !!p?.stderr?.isTTY && err === console.error;
    this.stderr = p?.stderr;
  }

  step(s: StepInfo): void {
    const now = Date.now(), end = s.step + 1 >= this.total;
    if (this.tty) {
      if (now - this.last > 100 || end) this.stderr!.write(`\r${progressLine(s, this.total)}\x1b[K${end ? '\n' : ''}`);
    } else if (now - this.last > 2000 || end || s.step === 0) this.err(progressLine(s, this.total));
    else return;
    this.last = now;
  }

  /** A line of its own (an epoch's summary) without tearing the bar. */
  note(line: string): void {
    if (this.tty) this.stderr!.write(`\r\x1b[K${line}\n`);
    else this.err(line);
  }
}
