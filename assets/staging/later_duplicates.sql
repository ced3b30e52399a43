-- duplicate_key: among rows with the same unique key, the first row in file-name, then
-- line order that breaks no other rule is accepted; each later row breaks duplicate_key.
-- The keys seen more than once are found by one hash aggregate over the key alone (cleaned
-- for every row); only their rows are judged here.
CREATE OR REPLACE TEMP TABLE repeated_rows AS
WITH keyed AS MATERIALIZED ({{ keys }})
SELECT file_order, line
FROM keyed SEMI JOIN (SELECT {{ unique_key }} FROM keyed GROUP BY ALL HAVING count(*) > 1)
     USING ({{ unique_key }});

CREATE OR REPLACE TEMP TABLE later_duplicates AS
SELECT file_order, line
FROM ({{ judged_repeated }})
QUALIFY row_order > min(row_order) FILTER (len(broken) = 0) OVER (PARTITION BY {{ unique_key }});
