-- Forget the computation records of Beijing days ?..? (all when the first ? is TRUE).
DELETE FROM fire_event_days WHERE ?::BOOLEAN OR local_date BETWEEN ?::DATE AND ?::DATE
