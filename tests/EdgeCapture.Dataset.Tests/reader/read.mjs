// Reads Parquet files with hyparquet (not written by this project) and prints what the tests check, as JSON:
// per file the row count, the footer's key/value metadata, the schema, and the rows (binary values as length + SHA-256).
import { createHash } from 'node:crypto'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'

const describe = value => {
  if (value instanceof Uint8Array) return { length: value.length, sha256: createHash('sha256').update(value).digest('hex') }
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(describe)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describe(v)]))
  return value
}

const files = []
for (const path of process.argv.slice(2)) {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  const rows = await parquetReadObjects({ file, utf8: false })
  files.push({
    path,
    rows: Number(metadata.num_rows),
    keyValueMetadata: Object.fromEntries((metadata.key_value_metadata ?? []).map(kv => [kv.key, kv.value])),
    schema: metadata.schema.slice(1).map(element => ({
      name: element.name,
      type: element.type ?? null,
      repetition: element.repetition_type ?? null,
      convertedType: element.converted_type ?? null,
      logicalType: element.logical_type?.type ?? null,
      children: element.num_children ?? 0,
    })),
    data: rows.map(describe),
  })
}
process.stdout.write(JSON.stringify(files))
