-- Validated rows of one load (registered Arrow table `incoming`) shaped like the layer table.
-- {columns}: the layer's declared columns; {geometry}: the expression building `geom`.
CREATE OR REPLACE TEMP TABLE staging AS
SELECT
    {columns},
    ?::TEXT AS source_file,
    source_row::BIGINT AS source_row,
    geom_repaired::BOOLEAN AS geom_repaired,
    repair_note::TEXT AS repair_note,
    synthetic::BOOLEAN AS synthetic,
    {extra} AS extra,
    {geometry} AS geom
FROM incoming
