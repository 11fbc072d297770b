// Tests that run the CLI as a real process use the bundle; build it once per test run so it is fresh.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, ECS_TRIAGE_BUILD_QUIET: '1' },
  });
}
