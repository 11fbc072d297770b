// Whether a process id is in use: for lock files (the daemon's, the spool's) and `status`.

/** Signal 0 tests for existence; EPERM means it exists but belongs to someone else. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
