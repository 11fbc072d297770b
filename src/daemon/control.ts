// The daemon's controls: the signals it answers (TERM/INT stop cleanly, HUP reloads) and what a reload does
// with a new configuration — apply every key declared `live`, name the others (a restart, or a first start,
// is needed for them), keep everything running when the new file is invalid.
import { applyLive, changedKeys, KEYS, loadConfig, LOG_LEVELS, type LoadedConfig, type TriageConfig } from '../config.js';
import { errorMessage } from '../errors.js';
import type { Logger, LogLevel } from '../log.js';

export interface SignalHandlers {
  stop(reason: string): void;
  reload(): void;
}

/** Installs the handlers; returns the function that removes them. */
export function installSignals(h: SignalHandlers): () => void {
  const onTerm = (): void => h.stop('SIGTERM');
  const onInt = (): void => h.stop('SIGINT');
  const onHup = (): void => h.reload();
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGHUP', onHup);
  };
}

/** A logger whose level is read at each call, so a reload can change it. `base` must let everything through. */
export function levelled(base: Logger, level: () => LogLevel): Logger {
  const on = (l: LogLevel): boolean => LOG_LEVELS.indexOf(l) >= LOG_LEVELS.indexOf(level());
  return {
    debug: (m, f) => on('debug') && base.debug(m, f),
    info: (m, f) => on('info') && base.info(m, f),
    warn: (m, f) => on('warn') && base.warn(m, f),
    error: (m, f) => on('error') && base.error(m, f),
  };
}

export interface ConfigSource {
  file?: string;
  overrides: Record<string, unknown>;
  /** What the running configuration was built from (LoadedConfig.inputs). */
  inputs: Record<string, unknown>;
}

/**
 * Reads the configuration again. Returns the configuration to run with from now on (the running one with its
 * live keys replaced) and the keys that changed, or undefined when the new file is invalid.
 */
export async function reloadConfig(
  current: TriageConfig,
  from: ConfigSource,
  log: Logger,
): Promise<{ config: TriageConfig; applied: string[]; inputs: Record<string, unknown> } | undefined> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ ...(from.file ? { file: from.file } : {}), overrides: from.overrides });
  } catch (err) {
    log.error('reload: config is invalid; keeping the running config', { error: errorMessage(err) });
    return undefined;
  }
  const next = loaded.config;
  const changed = changedKeys(current, next, { before: from.inputs, after: loaded.inputs });
  const restart = changed.filter((c) => c.reload === 'restart').map((c) => c.key);
  const firstStart = changed.filter((c) => c.reload === 'first-start').map((c) => c.key);
  const applied = changed.filter((c) => c.reload === 'live').map((c) => c.key);
  if (restart.length) log.warn('reload: these settings take effect after a restart', { keys: restart.join(',') });
  if (firstStart.length) log.info('reload: these settings apply only to a first start (no saved state); unchanged while running', { keys: firstStart.join(',') });
  // The inputs behind the running configuration: a key that waits for a restart keeps its old input, so the
  // next reload names it again.
  const inputs: Record<string, unknown> = {};
  for (const { key, spec } of KEYS) {
    const v = spec.reload === 'live' ? loaded.inputs[key] : from.inputs[key];
    if (v !== undefined) inputs[key] = v;
  }
  return { config: applyLive(current, next), applied, inputs };
}
