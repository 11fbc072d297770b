// The bundle's entry (scripts/build.mjs). It runs the CLI whatever the file is called — ecs-triage,
// ecs-triage-0.1.0.mjs, a symlink — because being this file is the only way in; cli.ts itself does nothing
// when imported. Only a process's main thread is the CLI: scan workers run their own bundle
// (src/scan/worker-entry.ts), and this guard keeps a thread started on this file from becoming a second CLI.
import { isMainThread } from 'node:worker_threads';
import { run } from './cli.js';

if (isMainThread) void run();
