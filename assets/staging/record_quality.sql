-- The snapshot's quarantine and row conservation (its earlier rows are deleted first):
-- every rejected row with all the rules it broke and its original values (as read: from
-- raw_rows), and per file
-- rows read = rows accepted + rows rejected.
INSERT INTO quality.rejected_rows
SELECT getvariable('source'), getvariable('snapshot'), j.file, j.line,
       array_to_string(j.rules, ';'), to_json(struct_pack({{ original }}))::VARCHAR
FROM judged_rows j JOIN raw_rows r USING (file_order, line)
WHERE len(j.rules) > 0 ORDER BY j.row_order;

INSERT INTO quality.file_loads
SELECT getvariable('source'), getvariable('snapshot'), file, count(*),
       count(*) FILTER (len(rules) = 0), count(*) FILTER (len(rules) > 0),
       now() AT TIME ZONE 'UTC'
FROM judged_rows GROUP BY file ORDER BY file;
