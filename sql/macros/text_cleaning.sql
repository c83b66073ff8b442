-- Text cleaning shared by the staging transforms (see sql/README.md, "Macros").
--
-- strip_html_tags(s): every tag becomes one space ('a<br>b' -> 'a b'). A '<' without its own
-- '>' swallows everything up to the next '>'.
CREATE OR REPLACE MACRO strip_html_tags(s) AS regexp_replace(s, '<[^>]*>', ' ', 'g');

-- html_entity_codes(s): the codes of the numeric entities written in `s` ('&#169;' -> '169').
CREATE OR REPLACE MACRO html_entity_codes(s) AS regexp_extract_all(s, '&#([0-9]{1,6});', 1);

-- decode_html_entities(s, codes): the named entities &nbsp; &lt; &gt; &quot; &apos; &amp;
-- (&amp; last, so '&amp;lt;' becomes '&lt;'), then the numeric entities whose codes are in
-- `codes` (pass html_entity_codes of the text as written, so '&amp;#65;' alone stays '&#65;').
CREATE OR REPLACE MACRO decode_html_entities(s, codes) AS list_reduce(
    list_prepend(
        replace(replace(replace(replace(replace(replace(s,
            '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&apos;', ''''),
            '&amp;', '&'),
        codes),
    lambda acc, n: replace(acc, '&#' || n || ';', chr(n::INTEGER)));

-- collapse_whitespace(s): runs of whitespace become one space, ends trimmed; NULL when nothing
-- is left (an empty or blank string counts as missing).
CREATE OR REPLACE MACRO collapse_whitespace(s) AS
    nullif(trim(regexp_replace(s, '\s+', ' ', 'g')), '');

-- clean_html_text(s): a scraped text field as we keep it: tags stripped, entities decoded
-- (numeric codes read from the raw text, before the tags are stripped), whitespace collapsed,
-- NULL when empty.
CREATE OR REPLACE MACRO clean_html_text(s) AS collapse_whitespace(
    CASE
        -- most strings hold no tag and no entity: skip the decoding work for them
        WHEN NOT regexp_matches(s, '[<&]') THEN s
        ELSE decode_html_entities(strip_html_tags(s), html_entity_codes(s))
    END);

-- clean_html_list(texts): clean_html_text on every element of a list, empty results dropped.
CREATE OR REPLACE MACRO clean_html_list(texts) AS
    list_filter(list_transform(texts, lambda s: clean_html_text(s)), lambda s: s IS NOT NULL);
