// `npm run soak -- --minutes N [--seed S] [--json]`: builds, then runs the chaos soak against the
// built bridge and prints its report. Exit code 0 when every invariant held, 1 when one failed,
// 2 on bad arguments.

import { parseArgs } from 'node:util';
import { z } from 'zod';
import { formatReport } from './report.js';
import { runSoak } from './run.js';

const USAGE = 'usage: npm run soak -- [--minutes N] [--seed S] [--json] [--bridge-log FILE]';

const argsSchema = z.object({
  minutes: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(10),
  seed: z.coerce.number().int().min(0).max(0xffffffff).optional(),
  json: z.boolean().default(false),
  'bridge-log': z.string().min(1).optional(),
});

async function main(): Promise<number> {
  let raw: Record<string, unknown>;
  try {
    raw = parseArgs({
      options: {
        minutes: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        'bridge-log': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) {
    console.error(`${z.prettifyError(parsed.error)}\n${USAGE}`);
    return 2;
  }
  const { minutes, json } = parsed.data;
  const seed = parsed.data.seed ?? Math.floor(Math.random() * 0xffffffff);
  if (!json)
    console.log(
      `soak: ${minutes} min, seed ${seed} (replay: npm run soak -- --minutes ${minutes} --seed ${seed})`,
    );
  const report = await runSoak({
    durationMs: Math.round(minutes * 60_000),
    seed,
    ...(json ? {} : { progress: (line: string) => console.log(line) }),
    ...(parsed.data['bridge-log'] ? { bridgeLogPath: parsed.data['bridge-log'] } : {}),
  });
  console.log(json ? JSON.stringify(report, null, 2) : `\n${formatReport(report)}`);
  return report.failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('soak failed to run:', error);
    process.exit(1);
  },
);
