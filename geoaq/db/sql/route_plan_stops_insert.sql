-- A saved plan's stops, one list per column zipped by position: plan_id, then team, crew, seq,
-- kind, target_id, ref_layer, ref_id, name, lon, lat, county_adcode, arrival.
INSERT INTO route_plan_stops (plan_id, team, crew, seq, kind, target_id, ref_layer, ref_id, name, lon, lat,
                              county_adcode, arrival)
SELECT ?::BIGINT, unnest(?::TEXT[]), unnest(?::TEXT[]), unnest(?::INTEGER[]), unnest(?::TEXT[]),
       unnest(?::TEXT[]), unnest(?::TEXT[]), unnest(?::TEXT[]), unnest(?::TEXT[]), unnest(?::DOUBLE[]),
       unnest(?::DOUBLE[]), unnest(?::TEXT[]), unnest(?::TIMESTAMP[])
