// Reads Parquet files with hyparquet (a JavaScript Parquet reader, no
// Arrow) and prints, per file, one JSON line: the schema root's
// repetition, created_by, the key-value metadata and every row.
// Usage: node hyparquet.mjs FILE...
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

const plain = (_, v) => (typeof v === 'bigint' ? Number(v) : v)
for (const path of process.argv.slice(2)) {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  const rows = await parquetReadObjects({ file, metadata, compressors })
  const kv = Object.fromEntries((metadata.key_value_metadata ?? []).map((e) => [e.key, e.value]))
  delete kv['ARROW:schema']
  console.log(JSON.stringify({
    path,
    root: metadata.schema[0].repetition_type ?? null,
    created_by: metadata.created_by,
    kv,
    rows,
  }, plain))
}
