// Preloaded into a child (`node -r test/probes/max-rss.cjs …`): at exit, appends the process's peak resident set
// size (process.resourceUsage().maxRSS, KiB) to the file named by $MAX_RSS_FILE. Measures the real process
// without any hook in the product.
'use strict';
const { appendFileSync } = require('node:fs');

process.on('exit', () => {
  const file = process.env.MAX_RSS_FILE;
  if (file) appendFileSync(file, `${process.resourceUsage().maxRSS}\n`);
});
