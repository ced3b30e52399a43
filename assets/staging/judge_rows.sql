-- raw_rows -> judged_rows: every row read, cleaned, typed, and the list of the contract's
-- rules it breaks (contract/row_rules.py fills the slots; `rules` empty = accepted).
--
-- duplicate_key: among rows with the same unique key, the first row in file-name, then
-- line order that breaks no other rule is accepted; each later row breaks duplicate_key.
-- (row_order = file_order * 10^10 + line keeps that order in one number.) The keys seen
-- more than once are found by one hash aggregate; only their rows are compared.
CREATE OR REPLACE TEMP TABLE judged_rows AS
WITH cleaned AS (
    SELECT file_order, file, line,
           file_order::BIGINT * 10000000000 + line AS row_order,
           {{ cleaned }}
    FROM raw_rows
),
typed AS (SELECT *, {{ typed }} FROM cleaned),
judged AS (SELECT *, {{ broken_rules }} AS broken FROM typed),
repeated_key AS (
    SELECT {{ unique_key }}, min(row_order) FILTER (len(broken) = 0) AS first_accepted
    FROM judged
    GROUP BY ALL
    HAVING count(*) > 1 AND first_accepted IS NOT NULL
)
SELECT j.* EXCLUDE (broken),
       CASE WHEN j.row_order > k.first_accepted
            THEN list_append(j.broken, 'duplicate_key')
            ELSE j.broken END AS rules
FROM judged j LEFT JOIN repeated_key k ON {{ same_key }}
