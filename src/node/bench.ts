/** `cli bench`: placeholder until the model benchmark lands (see issue 3). */
import type { CliArgs } from './cli';

export async function runBench(_args: CliArgs): Promise<void> {
  throw new Error('bench is not implemented yet');
}
