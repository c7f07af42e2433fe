-- First and last value of a layer's time column (the period its rows cover).
SELECT min({column})::DATE, max({column})::DATE FROM {table}
