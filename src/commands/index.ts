// The command list. Each entry registers one command (or a group) on the program.
// Command modules must not import the AWS SDK at top level: import it inside the action that needs it.
import type { RegisterCommand } from './command.js';
import { registerScan } from './scan.js';
import { registerClassify } from './classify.js';
import { registerExplain } from './explain.js';
import { registerPatterns } from './patterns.js';
import { registerCheck } from './check.js';
import { registerFleet } from './fleet.js';
import { registerWatch } from './watch.js';
import { registerValidate } from './validate.js';
import { registerStatus } from './status.js';
import { registerQueries } from './queries.js';
import { registerInsights } from './insights.js';
import { registerTask } from './task.js';

export const COMMANDS: RegisterCommand[] = [
  registerScan,
  registerClassify,
  registerExplain,
  registerPatterns,
  registerCheck,
  registerFleet,
  registerWatch,
  registerValidate,
  registerStatus,
  registerQueries,
  registerInsights,
  registerTask,
];
