// The scan's heap settings. A scan allocates little that lives, but V8 doubles a thread's young generation
// each time the bytes that survived its collections since the last doubling add up to its size, which a long
// scan always reaches: 16 to 32 MB of mostly empty heap by the end of a big file, most of the scan's peak RSS
// above Node's own. Growth factor 1 keeps it at its start size (1 MB semi-spaces), which measured no slower.
// V8 reads the flag at each growth; starting a worker thread resets V8's flags, so it is set again then.
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
