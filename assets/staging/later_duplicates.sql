-- duplicate_key: among rows with the same unique key, the first row in file-name, then
-- line order that breaks no other rule is accepted; each later row breaks duplicate_key.
-- Only the rows whose key is seen more than once are judged here (the key alone is
-- cleaned for every row), so the rule costs one pass over the key column.
CREATE OR REPLACE TEMP TABLE repeated_rows AS
SELECT file_order, line
FROM ({{ keys }})
QUALIFY count(*) OVER (PARTITION BY {{ unique_key }}) > 1;

CREATE OR REPLACE TEMP TABLE later_duplicates AS
SELECT file_order, line
FROM ({{ judged_repeated }})
QUALIFY row_order > min(row_order) FILTER (len(broken) = 0) OVER (PARTITION BY {{ unique_key }});
