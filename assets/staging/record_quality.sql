-- The snapshot's quarantine and row conservation (its earlier rows are deleted first).
-- The rows not accepted are the rows read that the staged table did not take (staged_rows:
-- the snapshot's file and line in it); only they are judged again, to name every rule each
-- broke, with its original values (as read). Per file,
-- rows read = rows accepted + rows rejected.
CREATE OR REPLACE TEMP TABLE not_accepted AS
SELECT * FROM raw_rows ANTI JOIN ({{ staged_rows }}) USING (file, line);

CREATE OR REPLACE TEMP TABLE rejected AS
SELECT j.file, j.line, j.row_order,
       CASE WHEN d.line IS NOT NULL THEN list_append(j.broken, 'duplicate_key')
            ELSE j.broken END AS rules
FROM ({{ judged_not_accepted }}) j
LEFT JOIN later_duplicates d USING (file_order, line);

INSERT INTO quality.rejected_rows
SELECT getvariable('source'), getvariable('snapshot'), j.file, j.line,
       array_to_string(j.rules, ';'), to_json(struct_pack({{ original }}))::VARCHAR
FROM rejected j JOIN not_accepted r USING (file, line)
ORDER BY j.row_order;

INSERT INTO quality.file_loads
SELECT getvariable('source'), getvariable('snapshot'), file, r.rows,
       r.rows - coalesce(j.rejected, 0), coalesce(j.rejected, 0), now() AT TIME ZONE 'UTC'
FROM (SELECT file, count(*) AS rows FROM raw_rows GROUP BY file) r
LEFT JOIN (SELECT file, count(*) AS rejected FROM rejected GROUP BY file) j USING (file)
ORDER BY file;
