-- The periods to republish from the internal marts when the published file is damaged:
-- each period whose candidate passed its checks in some run (so it was published), as
-- long as the latest run that built and checked its marts passed every ERROR check there
-- (else the internal marts hold numbers that were never published: the period waits for
-- its next run). published_at / run_id: the last run whose candidate passed.
-- (The slot before quality. is the internal catalog with its dot, or nothing on its own connection.)
CREATE OR REPLACE TEMP TABLE recovered AS
WITH published AS (
    SELECT periode, run_id, max(validated_at) AS validated_at
    FROM {{ internal }}quality.validation_results
    WHERE suite = 'published_rules'
    GROUP BY ALL
    HAVING bool_and(success OR severity <> 'ERROR')
),
mart_runs AS (
    SELECT periode, run_id, max(validated_at) AS validated_at,
           bool_and(success OR severity <> 'ERROR') AS passed
    FROM {{ internal }}quality.validation_results
    WHERE asset LIKE 'mart/%'
    GROUP BY ALL
),
latest_marts AS (
    SELECT periode, arg_max(passed, validated_at) AS passed
    FROM mart_runs
    GROUP BY periode
)
SELECT p.periode, arg_max(p.run_id, p.validated_at) AS run_id,
       max(p.validated_at) AS published_at
FROM published p
JOIN latest_marts m USING (periode)
WHERE m.passed
GROUP BY p.periode
