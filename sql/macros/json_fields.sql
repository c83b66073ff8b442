-- Unpacking the JSON sub-documents of the Amazon metadata dumps (see sql/README.md, "Macros").
--
-- json_string_list(j): a JSON array as a list of strings; [] for anything else (null, missing,
-- an object or a scalar).
CREATE OR REPLACE MACRO json_string_list(j) AS
    CASE WHEN json_type(j) = 'ARRAY' THEN json_extract_string(j, '$[*]') ELSE [] END;

-- details_entries(j): a `details` JSON object as a list of {key, value} structs, keys
-- normalised ("\n    Product Dimensions: \n    " -> 'product dimensions') and values trimmed;
-- [] when `j` is not an object.
CREATE OR REPLACE MACRO details_entries(j) AS
    CASE WHEN json_type(j) = 'OBJECT'
         THEN list_transform(
             map_entries(json_transform(j, '"MAP(VARCHAR, VARCHAR)"')),
             lambda e: {'key': lower(trim(regexp_replace(e.key, '[\s:]+', ' ', 'g'))),
                        'value': trim(e.value)})
         ELSE [] END;

-- json_string_or_list(j): like json_string_list, but a lone JSON string becomes a one-element
-- list (descriptions come both ways).
CREATE OR REPLACE MACRO json_string_or_list(j) AS
    CASE WHEN json_type(j) = 'VARCHAR' THEN [j ->> '$'] ELSE json_string_list(j) END;
