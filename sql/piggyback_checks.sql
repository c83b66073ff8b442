-- name: piggyback_checks
-- kind: table
-- description: per ASIN carried by two or more sources with titles: title-token Jaccard between every pair of sources, the least-agreeing source, and whether the ASIN is piggy-backed (a source describes another product)
-- audit: unique(asin)
--
-- Heuristic (paper appendix: sellers replace a listing with another product to reuse its reviews):
-- each source's title is a set of word tokens (>= 2 characters, lower case, without words common
-- to more than 2% of all titles); a source agrees with
-- the others by its best Jaccard overlap with any other source. The ASIN is piggy-backed when
-- some source's best overlap is <= piggyback_max_jaccard (seeds/params.csv). With three sources
-- the odd one out is named in `suspect_source`; with two, both are suspects ('ambiguous').
WITH params AS (
    SELECT value::DOUBLE AS max_jaccard
    FROM read_csv('seeds/params.csv', header = true, all_varchar = true)
    WHERE name = 'piggyback_max_jaccard'
),
title_tokens AS (
    SELECT
        asin,
        source,
        list_distinct(list_filter(regexp_split_to_array(lower(title), '[^a-z0-9]+'),
                                  lambda t: length(t) >= 2)) AS tokens
    FROM stg_sources
    WHERE title IS NOT NULL
),
common_tokens AS (
    -- words in more than 2% of all titles (and more than 5) such as "new", "version", "set"
    -- say nothing about which product a title describes: they make different products look alike
    SELECT token
    FROM (SELECT unnest(tokens) AS token FROM title_tokens)
    GROUP BY token
    HAVING count(*) > greatest(5, 0.02 * (SELECT count(*) FROM title_tokens))
),
tokens AS (
    SELECT t.asin, t.source,
           list_filter(t.tokens, lambda x: NOT list_contains(c.common, x)) AS tokens
    FROM title_tokens AS t,
         (SELECT coalesce(list(token), []) AS common FROM common_tokens) AS c
),
multi AS (
    SELECT * FROM tokens
    WHERE asin IN (SELECT asin FROM tokens GROUP BY asin HAVING count(*) >= 2)
),
pairs AS (
    SELECT
        a.asin,
        a.source AS source_a,
        b.source AS source_b,
        CASE WHEN len(list_distinct(list_concat(a.tokens, b.tokens))) = 0 THEN 1.0
             ELSE len(list_intersect(a.tokens, b.tokens))::DOUBLE
                  / len(list_distinct(list_concat(a.tokens, b.tokens))) END AS jaccard
    FROM multi AS a
    JOIN multi AS b ON a.asin = b.asin AND a.source <> b.source
),
per_source AS (
    SELECT asin, source_a AS source, max(jaccard) AS best_jaccard
    FROM pairs
    GROUP BY ALL
),
per_asin AS (
    SELECT
        asin,
        count(*) AS n_sources,
        min(best_jaccard) AS min_best_jaccard,
        arg_min(source, best_jaccard) AS least_agreeing,
        count(*) FILTER (WHERE best_jaccard <= (SELECT max_jaccard FROM params)) AS n_disagreeing
    FROM per_source
    GROUP BY asin
)
SELECT
    p.asin,
    p.n_sources,
    p.min_best_jaccard,
    p.min_best_jaccard <= (SELECT max_jaccard FROM params) AS is_piggyback,
    CASE WHEN p.n_disagreeing = 0 THEN NULL
         WHEN p.n_disagreeing = 1 OR p.n_disagreeing < p.n_sources THEN p.least_agreeing
         ELSE 'ambiguous' END AS suspect_source,
    (SELECT string_agg(source_a || '~' || source_b || '=' || round(jaccard, 3)::VARCHAR, ', '
                       ORDER BY source_a, source_b)
     FROM pairs AS x WHERE x.asin = p.asin AND x.source_a < x.source_b) AS evidence
FROM per_asin AS p
