// Reads an export folder with Polars the two default ways, a directory
// scan (scan_parquet(DIR)) and a glob (scan_parquet("DIR/**/*.parquet")),
// and prints for each one JSON line: the columns with their types and the
// rows of the given key columns and split.
// Usage: node polars.mjs DIR KEY[,KEY...]
import pl from 'nodejs-polars'

const [dir, keys] = process.argv.slice(2)
const plain = (_, v) => (typeof v === 'bigint' ? Number(v) : v)
for (const [how, source] of [['dir', dir], ['glob', `${dir}/**/*.parquet`]]) {
  try {
    const df = await pl.scanParquet(source).collect()
    const cols = keys.split(',').filter((k) => df.columns.includes(k))
    if (df.columns.includes('split')) cols.push('split')
    console.log(JSON.stringify({
      how,
      columns: df.columns,
      dtypes: df.dtypes.map(String),
      rows: df.select(...cols).toRecords(),
    }, plain))
  } catch (e) {
    console.log(JSON.stringify({ how, error: String(e.message ?? e) }))
  }
}
