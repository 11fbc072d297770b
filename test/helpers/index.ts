// The test helpers, in one place: running the CLI, starting a daemon, temporary directories, waiting, and
// container directories for the host checks.
export * from './cli.js';
export * from './containers.js';
export * from './daemon.js';
export * from './fs.js';
export * from './wait.js';
export * from './recorded.js';
