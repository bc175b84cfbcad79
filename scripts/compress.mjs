// Writes NAME.br and NAME.gz beside each file named, at the best compression levels: the
// bundle is compressed once at build time rather than on every request. Node's own zlib, so
// nothing to install.
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

for (const file of process.argv.slice(2)) {
  const data = readFileSync(file);
  const br = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  writeFileSync(`${file}.br`, br);
  writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
  console.log(`    ${file.split('/').pop()}: ${kb(data.length)}, br ${kb(br.length)}`);
}
