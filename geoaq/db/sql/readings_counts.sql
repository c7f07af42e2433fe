-- Station-hours stored, and how many of them are synthetic (演示数据).
SELECT count(*), count(*) FILTER (WHERE synthetic) FROM readings
