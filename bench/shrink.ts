import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { startSandbox } from '../main/sandbox/sandbox.js';
import {
  exitOf,
  mb,
  peakRss,
  ratio,
  ROOT,
  startCli,
  TOKEN,
  withTempDir,
  writeConfig,
  type BenchContext,
} from './lib.js';

/**
 * docs/architecture.md#preparing-scans: a 50-page, 300 dpi colour A4 scan
 * (~30 MB) brought under 10 MB by the engine, against Ghostscript's
 * `pdfwrite -dPDFSETTINGS=/ebook` on the same file in the same run. Targets:
 * no slower than Ghostscript (≤ 1×), pages kept at ≥ 200 dpi (Ghostscript's
 * /ebook keeps 150), peak RSS under 400 MB, the engine's event-loop delay p99
 * under 50 ms while it works. Time and memory are the built `concur-drop
 * watch --once`'s (start to exit, as a scanner PC runs it); the event loop is
 * sampled in an engine run in a child process of its own (bench/shrink-child.ts).
 */

const run = promisify(execFile);
const A4 = { width: 2480, height: 3508 };

export async function shrinkBench(ctx: BenchContext): Promise<void> {
  const pages = ctx.quick ? 10 : 50;
  await withTempDir('shrink', async (dir) => {
    const source = join(dir, 'scan.pdf');
    await writeFile(source, await colourScan(pages));
    const size = (await stat(source)).size;

    const gsOut = join(dir, 'gs.pdf');
    const gsStart = performance.now();
    try {
      await run('gs', [
        '-q',
        '-dNOPAUSE',
        '-dBATCH',
        '-dSAFER',
        '-sDEVICE=pdfwrite',
        '-dPDFSETTINGS=/ebook',
        `-sOutputFile=${gsOut}`,
        source,
      ]);
    } catch (error) {
      throw new Error(`Ghostscript (gs) is needed for this line: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const gsMs = performance.now() - gsStart;
    const gsSize = (await stat(gsOut)).size;

    const cli = await cliRun(dir, source);
    const ours = await engineRun(dir, source);
    ctx.report(
      `shrink ${pages}-page 300 dpi colour scan (${mb(size)}): concur-drop watch --once ${(cli.ms / 1000).toFixed(1)} s (start to exit) to ${mb(cli.size)} at 200 dpi vs Ghostscript /ebook ${(gsMs / 1000).toFixed(1)} s to ${mb(gsSize)} at 150 dpi → ${ratio(cli.ms / gsMs)} (≤ 1 passes); its peak RSS ${mb(cli.peakRss)} (< 400 MB); in-process engine ${(ours.ms / 1000).toFixed(1)} s with event-loop delay p99 ${ours.eldP99.toFixed(1)} ms (< 50 ms)`,
    );
  });
}

interface ChildResult {
  ms: number;
  size: number;
  dpi: number;
  peakRss: number;
  /** The engine process's resident set once started and idle, before the file arrived. */
  restRss: number;
  eldP99: number;
}

/**
 * The built command, as a scanner PC runs it: time from start to exit, and its peak RSS
 * (VmHWM). The preparing worker is a thread of this process and the command starts no
 * other, so libvips, pdfium's heap and the worker's JavaScript are all in the figure.
 */
async function cliRun(
  dir: string,
  source: string,
): Promise<{ ms: number; size: number; peakRss: number }> {
  const home = join(dir, 'cli');
  await mkdir(join(home, 'Scans'), { recursive: true });
  await copyFile(source, join(home, 'Scans', 'scan.pdf'));
  const sandbox = await startSandbox({ port: 0, token: TOKEN });
  try {
    const config = await writeConfig(home, sandbox.url, { settleMs: 0 });
    const started = performance.now();
    const child = startCli(['watch', '--once', '--config', config], join(home, 'data'));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRss(child.pid!) ?? 0)), 20);
    try {
      await exitOf(child);
    } finally {
      clearInterval(sampler);
    }
    const ms = performance.now() - started;
    const [image] = sandbox.received();
    if (!image) throw new Error('concur-drop did not upload the scan');
    return { ms, size: image.size, peakRss: peak };
  } finally {
    await sandbox.close();
  }
}

function engineRun(dir: string, source: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench', 'shrink-child.ts'), dir, source],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`the engine run ended with ${code}: ${line}`));
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

/** A colour scan as an office MFP writes it: each page one JPEG, no text, ~0.6 MB a page. */
export async function colourScan(pages: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) {
    const image = await doc.embedJpg(await colourPage(i));
    doc.addPage([595.28, 841.89]).drawImage(image, { x: 0, y: 0, width: 595.28, height: 841.89 });
  }
  return Buffer.from(await doc.save());
}

let grain: Buffer | undefined;

async function colourPage(n: number): Promise<Buffer> {
  const { width, height } = A4;
  if (!grain) {
    // Paper grain and colour noise, as a scanner sees cream paper: what makes scans big.
    grain = Buffer.alloc(width * height * 3);
    for (let i = 0; i < grain.length; i += 3) {
      const v = 235 + ((Math.random() * 14) | 0);
      grain[i] = v;
      grain[i + 1] = v - ((Math.random() * 6) | 0);
      grain[i + 2] = v - 12 - ((Math.random() * 8) | 0);
    }
  }
  const lines = Array.from(
    { length: 30 },
    (_, i) =>
      `<text x="220" y="${420 + i * 95}" font-size="58" font-family="sans-serif" fill="${i % 5 ? '#222' : '#1a4fa0'}">Item ${n * 30 + i}  ........  ${(i * 3.7).toFixed(2)} EUR</text>`,
  ).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="200" y="150" width="900" height="160" fill="#c0392b"/><text x="240" y="260" font-size="90" fill="#fff">INVOICE ${n + 1}</text>${lines}</svg>`;
  return sharp(grain, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .jpeg({ quality: 70 })
    .toBuffer();
}
