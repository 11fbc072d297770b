// Replaced at bundle time by scripts/build.mjs; read from package.json when running from source.
declare const __ECS_TRIAGE_VERSION__: string | undefined;

export const VERSION: string =
  typeof __ECS_TRIAGE_VERSION__ === 'string' ? __ECS_TRIAGE_VERSION__ : '0.0.0-dev';
