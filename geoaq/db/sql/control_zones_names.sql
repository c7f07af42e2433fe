-- Name and type of every control zone.
SELECT zone_id, name, zone_type FROM control_zones
