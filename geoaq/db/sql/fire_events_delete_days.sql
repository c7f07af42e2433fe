-- Forget the events of Beijing days ?..? (all when the first ? is TRUE); statuses stay.
DELETE FROM fire_events WHERE ?::BOOLEAN OR local_date BETWEEN ?::DATE AND ?::DATE
