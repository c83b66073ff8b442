-- Price rules shared by the metadata sources that write prices as text (see sql/README.md).
-- `numbers` are the numbers a source-specific regexp found in `price_text` (commas kept).
--
-- price_from_numbers(numbers, price_text): one number -> that number; two numbers in a range
-- ("$5.99 - $12.99") -> their MIDPOINT; anything else -> NULL.
CREATE OR REPLACE MACRO price_from_numbers(numbers, price_text) AS
    CASE
        WHEN len(numbers) = 1 THEN replace(numbers[1], ',', '')::DOUBLE
        WHEN len(numbers) = 2 AND price_text LIKE '%-%'
            THEN (replace(numbers[1], ',', '')::DOUBLE
                  + replace(numbers[2], ',', '')::DOUBLE) / 2
    END;

-- price_note_from_numbers(numbers, price_text): how price_from_numbers read the text:
-- 'empty' (no text), 'ok' (one number), 'range' (midpoint of two) or 'unparseable'.
CREATE OR REPLACE MACRO price_note_from_numbers(numbers, price_text) AS
    CASE
        WHEN price_text = '' THEN 'empty'
        WHEN len(numbers) = 1 THEN 'ok'
        WHEN len(numbers) = 2 AND price_text LIKE '%-%' THEN 'range'
        ELSE 'unparseable'
    END;
