package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

// children are the modes a measured child process runs.
var children = map[string]func(args []string) error{
	"duck-report":      duckReport,
	"duck-export":      duckExport,
	"duck-load":        duckLoad,
	"duck-cooccur":     duckCooccur,
	"duck-count":       duckCountParquet,
	"duck-training":    duckTraining,
	"duck-train-pairs": duckTrainPairs,
	"curate-load":      curateLoad,
	"read":             readFloor,
	"duck-query":       duckQuery,
	"duck-print":       duckPrint,
}

// duckPrint runs one SQL statement and prints its rows, tab-separated:
// for looking at a file's values or metadata with a reader curate did
// not write.
func duckPrint(args []string) error {
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(args[0])
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	fmt.Println(strings.Join(cols, "\t"))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = fmt.Sprint(v)
		}
		fmt.Println(strings.Join(out, "\t"))
	}
	return rows.Err()
}

// duckQuery runs one SQL statement and prints the number of result rows:
// for timing ad-hoc queries under the same conditions as the suite.
func duckQuery(args []string) error {
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query(args[0])
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	fmt.Println(n, "rows")
	return rows.Err()
}

// annotationsSQL unnests the annotations of the src CTE: the input-level
// data.concepts and the concepts of every annotation in the top-level
// "annotations" array, those made by a model or workflow only when models
// is true (curate's report leaves them out; its long export keeps them).
// An omitted value is 1 (the HTTP rule).
func annotationsSQL(models bool) string {
	filter := "\n  WHERE an.worker.model IS NULL AND an.worker.workflow IS NULL"
	if models {
		filter = ""
	}
	return `SELECT input_id, c.id AS concept_id, coalesce(c."value", 1.0)::FLOAT AS value FROM (
  SELECT id AS input_id, unnest(data.concepts) AS c FROM src
  UNION ALL
  SELECT input_id, unnest(an.data.concepts) AS c
  FROM (SELECT id AS input_id, unnest(annotations) AS an FROM src)` + filter + ")"
}

// longSQL is the long layout curate's export writes, column for column:
// every annotation with its concept name, where its value came from, and
// who made it.
const longSQL = `SELECT input_id, c.id AS concept_id, c.name AS concept_name,
  coalesce(c."value", 1.0)::FLOAT AS value,
  CASE WHEN c."value" IS NULL THEN 'http_default' ELSE 'explicit' END AS value_source,
  annotation_id, annotator, annotator_kind FROM (
  SELECT id AS input_id, unnest(data.concepts) AS c,
    NULL::VARCHAR AS annotation_id, NULL::VARCHAR AS annotator, NULL::VARCHAR AS annotator_kind FROM src
  UNION ALL
  SELECT input_id, unnest(an.data.concepts) AS c, an.id,
    coalesce(an.worker.user.id, an.worker.model.id, an.worker.workflow.id),
    CASE WHEN an.worker.model IS NOT NULL THEN 'model' WHEN an.worker.workflow IS NOT NULL THEN 'workflow'
         WHEN an.worker.user IS NOT NULL THEN 'user' END
  FROM (SELECT id AS input_id, unnest(annotations) AS an FROM src))`

// srcSQL is the CTE that reads the file once for annotationsSQL and longSQL.
func srcSQL(file string) string {
	return fmt.Sprintf(`src AS (SELECT * FROM read_json(%s, format='newline_delimited', columns={
  'id': 'VARCHAR',
  'data': 'STRUCT(concepts STRUCT(id VARCHAR, name VARCHAR, "value" DOUBLE)[])',
  'annotations': 'STRUCT(id VARCHAR, worker STRUCT("user" STRUCT(id VARCHAR), model STRUCT(id VARCHAR), workflow STRUCT(id VARCHAR)), data STRUCT(concepts STRUCT(id VARCHAR, name VARCHAR, "value" DOUBLE)[]))[]'}))`, quote(file))
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func openDuck() (*sql.DB, error) { return sql.Open("duckdb", "") }

// conceptCounts is the answer both sides must agree on.
type conceptCounts struct {
	ConceptID string `json:"concept_id"`
	Positives int64  `json:"positives"`
	Negatives int64  `json:"negatives"`
	Conflicts int64  `json:"conflicts"`
}

// duckReport prints per-concept counts over distinct inputs as JSON:
// positives (all annotations positive), negatives (all negative) and
// conflicts (both), curate's definitions.
func duckReport(args []string) error {
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	q := fmt.Sprintf(`WITH %s, a AS (%s),
ic AS (SELECT concept_id, input_id, bool_and(value = 1) AS allpos, bool_and(value = 0) AS allneg FROM a GROUP BY concept_id, input_id)
SELECT concept_id, count(*) FILTER (WHERE allpos), count(*) FILTER (WHERE allneg), count(*) FILTER (WHERE NOT allpos AND NOT allneg)
FROM ic GROUP BY concept_id ORDER BY concept_id`, srcSQL(args[0]), annotationsSQL(false))
	rows, err := db.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	var out []conceptCounts
	for rows.Next() {
		var c conceptCounts
		if err := rows.Scan(&c.ConceptID, &c.Positives, &c.Negatives, &c.Conflicts); err != nil {
			return err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// duckExport writes the long form (one row per annotation, the same eight
// columns as curate's long layout, model and workflow annotations
// included) to Parquet with zstd.
func duckExport(args []string) error {
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(fmt.Sprintf(`COPY (WITH %s %s) TO %s (FORMAT parquet, COMPRESSION zstd)`, srcSQL(args[0]), longSQL, quote(args[1])))
	return err
}

// duckCountParquet prints the number of rows in the Parquet files matching a glob.
func duckCountParquet(args []string) error {
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet(%s)`, quote(args[0]))).Scan(&n); err != nil {
		return err
	}
	fmt.Println(n)
	return nil
}

// duckLoad materialises the annotation rows in memory and prints the row
// count and DuckDB's own memory use.
func duckLoad(args []string) error {
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`CREATE TABLE t AS WITH %s %s`, srcSQL(args[0]), annotationsSQL(true))); err != nil {
		return err
	}
	var n, mem int64
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
		return err
	}
	if err := db.QueryRow(`SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory()`).Scan(&mem); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]int64{"rows": n, "bytes": mem})
}

// duckCooccur counts, for every ordered pair of concepts, the inputs
// positive for both: the co-occurrence pass at the heart of curate's
// overlap analysis.
func duckCooccur(args []string) error {
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	q := fmt.Sprintf(`WITH %s, p AS (SELECT DISTINCT input_id, concept_id FROM (%s) WHERE value = 1)
SELECT count(*) FROM (SELECT a.concept_id, b.concept_id, count(*) FROM p a JOIN p b USING (input_id) WHERE a.concept_id <> b.concept_id GROUP BY ALL)`, srcSQL(args[0]), annotationsSQL(false))
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		return err
	}
	fmt.Println(n)
	return nil
}

// duckTraining writes one row per input with its positive and negative
// concept lists, DuckDB's nearest query to curate's training layout (no
// label vector, no conflict rule, no inputs without annotations), to
// Parquet with zstd.
func duckTraining(args []string) error {
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(fmt.Sprintf(`COPY (WITH %s, a AS (%s)
SELECT input_id AS id, list(concept_id) FILTER (WHERE value > 0) AS positives, list(concept_id) FILTER (WHERE value <= 0) AS negatives
FROM a GROUP BY input_id) TO %s (FORMAT parquet, COMPRESSION zstd)`, srcSQL(args[0]), annotationsSQL(false), quote(args[1])))
	return err
}

// duckTrainPairs prints the number of distinct (input, concept) positives
// that are not also negatives in a training export: the answer curate's
// layout (conflicts in neither list) and DuckDB's lists (conflicts in
// both, repeats kept) must agree on.
func duckTrainPairs(args []string) error {
	db, err := openDuck()
	if err != nil {
		return err
	}
	defer db.Close()
	var n int64
	q := fmt.Sprintf(`SELECT count(*) FROM (SELECT unnest(list_distinct(coalesce(positives, []))) AS p, coalesce(negatives, []) AS n FROM read_parquet(%s)) WHERE NOT list_contains(n, p)`, quote(args[0]))
	if err := db.QueryRow(q).Scan(&n); err != nil {
		return err
	}
	fmt.Println(n)
	return nil
}
