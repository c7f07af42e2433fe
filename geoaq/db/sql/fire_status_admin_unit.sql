-- One administrative unit by code, to check a user's correction of an event's attribution.
SELECT name, level, parent_adcode FROM admin_units WHERE adcode = ?
